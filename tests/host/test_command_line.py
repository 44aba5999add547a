"""pyitt-host's own command line: help, version, usage errors, and the split from python's."""
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run  # noqa: E402


@pytest.fixture
def show(tmp_path):
    script = tmp_path / "show.py"
    script.write_text("import os, sys\nprint(sys.argv)\nprint(os.environ.get('PYITT_HOST_OPTIONS'))\n")
    return script


def test_help_groups_the_options(host, clean_env):
    result = run([host, "--help"], env=clean_env)
    assert result.returncode == 0 and result.stderr == ""
    for heading in ("Run:", "Instrumentation:", "Filters:", "Output:"):
        assert heading in result.stdout
    for option in ("--function-include", "-MI", "--module-restrict", "--version", "--label", "--trace-c",
                   "--builtin", "--collector", "--output", "--config", "--setup", "--explain"):
        assert option in result.stdout


def test_version_names_host_python_and_pybind11(host, clean_env, python_exe):
    result = run([host, "--version"], env=clean_env)
    expected_python = run([python_exe, "-c", "import sys; print(sys.version.split()[0])"]).stdout.strip()
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"pyitt-host \d+\.\d+\.\d+", lines[0])
    assert lines[1].startswith(f"Python {expected_python} ")
    assert re.fullmatch(r"pybind11 2\.\d+\.\d+", lines[2])


@pytest.mark.parametrize("args,message", [
    (["--bogus", "x.py"], "--bogus"),
    (["-I"], "--function-include"),
    ([], "no program to run"),
    (["-I", "fib", "samples/fib.py"], "no program to run"),
    (["-MX", "x", "--", "x.py"], "-MX"),
])
def test_usage_errors_are_one_line_and_exit_2(host, clean_env, args, message):
    result = run([host, *args], env=clean_env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("pyitt-host: error: ")
    assert message in result.stderr


def test_filters_are_accepted_before_the_script(host, clean_env, show):
    result = run([host, "-I", "fib", "run", "-E", "x", "-R", "y", "-MI", "a", "-ME", "b", "-MR", "c", "--",
                  show, "arg"], env=clean_env)
    assert result.returncode == 0, result.stderr
    argv, options = result.stdout.splitlines()
    assert argv == f"['{show}', 'arg']"
    assert options.split()[:7] == ["--function-include=fib", "--function-include=run", "--function-exclude=x",
                               "--function-restrict=y", "--module-include=a", "--module-exclude=b",
                               "--module-restrict=c"]


def test_words_after_the_script_belong_to_the_script(host, clean_env, show):
    result = run([host, show, "-I", "fib", "--", "--help"], env=clean_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"['{show}', '-I', 'fib', '--', '--help']"


def test_child_reads_argv_as_python_with_inherited_options(host, clean_env, show):
    env = dict(clean_env, PYITT_HOST_OPTIONS="--function-include=fib")
    result = run([host, "-c", "import os, sys; print(sys.argv, os.environ['PYITT_HOST_OPTIONS'])", "x"], env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("['-c', 'x'] --function-include=fib")


def test_broken_inherited_options_are_a_usage_error(host, clean_env):
    env = dict(clean_env, PYITT_HOST_OPTIONS="--no-such-option")
    result = run([host, "-c", "pass"], env=env)
    assert result.returncode == 2
    assert "PYITT_HOST_OPTIONS" in result.stderr and len(result.stderr.splitlines()) == 1


def test_extension_module_imports_in_plain_python(build_dir, python_exe, clean_env):
    env = dict(clean_env, PYTHONPATH=str(build_dir))
    result = run([python_exe, "-c", "import pyitt; print(pyitt.__version__, pyitt.in_host, pyitt.__file__)"],
                 env=env)
    assert result.returncode == 0, result.stderr
    version, in_host, path = result.stdout.split()
    assert in_host == "False" and path.startswith(str(build_dir))


def test_builtin_module_is_registered_before_start(host, clean_env):
    result = run([host, "--", "-c", "import sys, pyitt; print('pyitt' in sys.builtin_module_names, pyitt.in_host)"],
                 env=clean_env)
    assert result.stdout == "True True\n", result.stderr
