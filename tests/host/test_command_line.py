"""pyitt-host's own command line: help, version, usage errors, and the split from python's."""
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import REPO, run  # noqa: E402


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


def help_text(host, env, columns=None):
    env = dict(env)
    env.pop("COLUMNS", None)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    result = run([host, "--help"], env=env)
    assert result.returncode == 0 and result.stderr == ""
    return result.stdout


def test_help_reads_like_a_well_kept_tools(host, clean_env):
    """No layout glitch of CLI11's own formatter: one usage section, one ellipsis per metavar, no
    validator text or {false} in the option column, omnitrace's -MI/-ME/-MR as options."""
    text = help_text(host, clean_env)
    assert text.count("Usage:") == 1 and "Usage: [OPTIONS]" not in text
    assert text.startswith("Usage: pyitt-host [OPTIONS] [--] SCRIPT [ARGS...]\n  or:  pyitt-host [OPTIONS] -- ")
    assert not re.search(r"\.\.\.\s+\.\.\.", text)
    assert "{false}" not in text and "{true}" not in text
    entries = [line for line in text.splitlines() if re.match(r"  -", line)]
    for entry in entries:
        spec = re.split(r"\s{2,}", entry.strip())[0]
        assert not re.search(r"[:{}=]", spec), entry  # FILE:FILE, :{host,offload,all}=all
    specs = {re.split(r"\s{2,}", e.strip())[0] for e in entries}
    for spec in ("-h, --help", "--version", "-c, --config FILE", "-s, --setup FILE",
                 "-I, --function-include FUNC...", "-E, --function-exclude FUNC...",
                 "-R, --function-restrict FUNC...", "-MI, --module-include FILE...",
                 "-ME, --module-exclude FILE...", "-MR, --module-restrict FILE...", "--no-default-filters",
                 "-v, --verbosity N", "--domain NAME", "--label [args|file|line...]", "-F, --full-filepath", "--trace-c", "-b, --builtin",
                 "--noinstrumenter", "--explain FILE", "--start-paused", "--resume-on FUNC...", "--pause-on FUNC...",
                 "--resume-after SECONDS", "--pause-after SECONDS", "--detach-after SECONDS", "--resume-signal SIG",
                 "--pause-signal SIG", "--detach-on-exit", "--collection-scope host|offload|all",
                 "--mp-start-method auto|spawn|forkserver|fork|keep", "--no-follow-children",
                 "--collector auto|builtin|none|PATH", "-o, --output DIR"):
        assert spec in specs, spec
    assert "--run-started" not in text and "--trigger-report" not in text  # pyitt-host's own, for children
    flat = " ".join(text.split())
    for default in ("tasks (default: python)", "collector has them (default: all)", "such as VTune (default: auto)",
                    "collector library (default: auto)"):
        assert default in flat, default
    headings = [line for line in text.splitlines() if re.fullmatch(r"[A-Z][a-z ]+:", line)]
    assert headings == ["Run:", "Filters:", "Instrumentation:", "Collection control:", "Child processes:",
                        "Output:"]


@pytest.mark.parametrize("columns", [None, 60, 132])
def test_help_is_wrapped_to_the_terminal(host, clean_env, columns):
    text = help_text(host, clean_env, columns)
    width = columns or 80  # not a terminal and no COLUMNS: 80
    lines = text.splitlines()
    # A line may only be longer when it is a single word, an option's spelling or a usage line (never cut).
    too_long = [line for line in lines if len(line) > width and len(line.split()) > 1
                and not line.startswith(("  -", "Usage: ", "  or:  "))]
    assert not too_long
    assert max(len(line) for line in lines) > width - 15  # filled, not wrapped at a fixed narrow width
    description_column = {len(line) - len(line.lstrip()) for line in lines if line.startswith("   ")}
    assert len(description_column) == 1, description_column


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
    (["-I"], "-I: no FUNC given"),
    ([], "no program to run"),
    (["-I", "fib", "samples/fib.py"], "no program to run"),
    (["-MX", "x", "--", "x.py"], "-MX"),
    (["--collection-scope", "x\ny", "x.py"], "x\\x0ay"),  # still one line
    (["-R", "(\n", "--", "-c", "pass"], "'(\\x0a' is not a Python regular expression"),
])
def test_usage_errors_are_one_line_and_exit_2(host, clean_env, args, message):
    result = run([host, *args], env=clean_env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("pyitt-host: error: ")
    assert message in result.stderr


@pytest.mark.parametrize("args,message", [
    (["-I", "fib(", "--", "-c", "pass"],
     "-I: 'fib(' is not a Python regular expression: missing ), unterminated subpattern at position 3"),
    (["--function-include", "fib(", "--", "-c", "pass"],
     "--function-include: 'fib(' is not a Python regular expression: missing ), unterminated subpattern at position 3"),
    (["-MI=(", "--", "-c", "pass"],
     "-MI: '(' is not a Python regular expression: missing ), unterminated subpattern at position 0"),
    (["--resume-on", "ok", "[", "--", "-c", "pass"],
     "--resume-on: '[' is not a Python regular expression: unterminated character set at position 0"),
    (["--bogus", "x.py"], "--bogus: not an option of pyitt-host; pyitt-host --help lists them"),
    (["-MX", "x", "--", "x.py"], "-MX: not an option of pyitt-host; pyitt-host --help lists them"),
    (["--domain"], "--domain: no NAME given"),
    (["--collection-scope", "gpu", "x.py"], "--collection-scope: 'gpu' is not one of host, offload, all"),
    (["--label", "colour", "--", "x.py"], "--label: 'colour' is not one of args, file, line"),
    (["--label", f"{REPO}/samples/fib.py"],
     f"--label: '{REPO}/samples/fib.py' is not one of args, file, line; put -- before the program"),
    (["-s", "/no/such/setup.py", "x.py"], "-s: no such file '/no/such/setup.py'"),
    (["--setup=/no/such/setup.py", "x.py"], "--setup: no such file '/no/such/setup.py'"),
    (["-F=3", "x.py"], "-F: takes no value, not '3'"),
    (["--trace-c=maybe", "x.py"], "--trace-c: 'maybe' is not a value it takes"),
    (["--collector", "/no/such/collector.so", "x.py"],
     "--collector: no such file '/no/such/collector.so'; give auto, builtin, none or the path of a collector library"),
    (["-c", "/no/such/config.toml", "x.py"], "-c: cannot read the config file '/no/such/config.toml': No such file or directory"),
])
def test_usage_errors_name_the_option_as_it_was_typed(host, clean_env, args, message):
    """One voice: 'pyitt-host: error: <option>: <what is wrong>[; <what to do>]'."""
    result = run([host, *args], env=clean_env)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"pyitt-host: error: {message}\n")


def test_filters_are_accepted_before_the_script(host, clean_env, show):
    result = run([host, "-I", "fib", "run", "-E", "x", "-R", "y", "-MI", "a", "-ME", "b", "-MR", "c", "--",
                  show, "arg"], env=clean_env)
    assert result.returncode == 0, result.stderr
    argv, options = result.stdout.splitlines()
    assert argv == f"['{show}', 'arg']"
    assert options.split()[2:9] == ["--function-include=fib", "--function-include=run", "--function-exclude=x",
                               "--function-restrict=y", "--module-include=a", "--module-exclude=b",
                               "--module-restrict=c"]


def test_words_after_the_script_belong_to_the_script(host, clean_env, show):
    result = run([host, show, "-I", "fib", "--", "--help"], env=clean_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"['{show}', '-I', 'fib', '--', '--help']"


def test_child_reads_argv_as_python_with_inherited_options(host, clean_env, tmp_path):
    child = "import os, sys; print(sys.argv, os.environ['PYITT_HOST_OPTIONS'])"
    parent = tmp_path / "parent.py"
    parent.write_text(f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {child!r}, 'x'], check=True)\n")
    result = run([host, "--collector", "none", "-I", "fib", "--", parent], env=clean_env)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"\['-c', 'x'\] pyitt-host/1 run=\d+\.\d+ --function-include=fib .*\n", result.stdout)


@pytest.mark.parametrize("value", ["--no-such-option", "--function-include=fib", "--help", "", "pyitt-host/1",
                                   "pyitt-host/1 run=1.1 --domain=x", "pyitt-host/9 run=1.1"])
def test_inherited_options_not_from_a_running_pyitt_host_are_refused(host, clean_env, value):
    """A variable left in a shell or a job script, or written by hand, is not a run to join."""
    result = run([host, "-c", "print('ran')"], env=dict(clean_env, PYITT_HOST_OPTIONS=value))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert re.fullmatch(r"pyitt-host: error: PYITT_HOST_OPTIONS: (set, but|not valid) .*; unset PYITT_HOST_OPTIONS "
                        r"to start a new pyitt-host run\n", result.stderr), result.stderr


def test_inherited_options_of_a_run_that_ended_are_refused(host, clean_env, tmp_path):
    parent = tmp_path / "parent.py"
    parent.write_text("import os\nprint(os.environ['PYITT_HOST_OPTIONS'])\n")
    left = run([host, "--collector", "none", parent], env=clean_env).stdout.strip()
    assert left.startswith("pyitt-host/1 run=")
    result = run([host, "-c", "print('ran')"], env=dict(clean_env, PYITT_HOST_OPTIONS=left))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "no longer running" in result.stderr, result.stderr


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


def test_errors_from_the_environment_and_the_install_name_where_they_come_from(host, clean_env, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run([host, "--", "-c", "pass"], env=dict(clean_env, PYITT_OUTPUT_DIR=str(blocker / "sub")))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"pyitt-host: error: PYITT_OUTPUT_DIR: cannot create the output directory "
                             f"'{blocker}/sub': Not a directory\n")
    alone = tmp_path / "bin" / "pyitt-host"  # a host without its collector
    alone.parent.mkdir()
    shutil.copy2(host, alone)
    result = run([alone, "--", "-c", "pass"], env=clean_env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"pyitt-host: error: --collector: the built-in collector libpyitt-collector.so is not "
                             f"beside {alone}; use --collector none or PATH\n")
