"""How the run's options reach the program's children (PYITT_HOST_OPTIONS): option sets of any
size get there, children that python is told to keep from the environment (-I, -E) run as plain
python, and the files made for the handover do not outlive the run."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import read_trace, run, trace_files  # noqa: E402

CHILD = "def target(): pass\ntarget()\nprint('child ran')\n"


def write_large_config(path: Path, patterns=12000) -> Path:
    """A config of thousands of function-include patterns: some 200 KiB of options."""
    names = ", ".join(f'"^generated_{i:05d}$"' for i in range(patterns))
    path.write_text(f'function-include = [{names}, "^target$"]\nfunction-restrict = ["^target$"]\n')
    assert path.stat().st_size > 200 * 1024
    return path


def tasks_by_process(out: Path) -> dict:
    found = {}
    for trace in trace_files(out):
        events = read_trace(trace)["traceEvents"]
        found[trace.name] = sorted(e["name"] for e in events if e.get("ph") == "X")
    return found


def leftovers(*directories: Path) -> list:
    return [p.name for d in directories if d.exists() for p in d.iterdir()
            if p.name.startswith((".pyitt-host-options-", "pyitt-host-options-", "pyitt-triggers-", ".pyitt-triggers-"))]


@pytest.fixture
def private_tmp(clean_env, tmp_path):
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    return tmp, dict(clean_env, TMPDIR=str(tmp))


def test_a_200_KiB_option_set_reaches_a_sys_executable_child(host, private_tmp, tmp_path):
    tmp, env = private_tmp
    config = write_large_config(tmp_path / "big.toml")
    (tmp_path / "child.py").write_text(CHILD)
    parent = tmp_path / "parent.py"
    parent.write_text("import subprocess, sys\n"
                      "subprocess.run([sys.executable, sys.argv[1]], check=True)\n"
                      "subprocess.run([sys.executable, '-c', open(sys.argv[1]).read()], check=True)\n")
    out = tmp_path / "out"
    result = run([host, "-c", config, "-o", out, "--", parent, tmp_path / "child.py"], env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "child ran\nchild ran\n"
    tasks = tasks_by_process(out)
    assert sorted(tasks.values()) == [[], ["target"], ["target"]], tasks
    assert not leftovers(tmp, out)


def test_without_an_output_directory_the_options_file_is_private_and_removed(host, private_tmp, tmp_path):
    tmp, env = private_tmp
    config = write_large_config(tmp_path / "big.toml")
    parent = tmp_path / "parent.py"
    parent.write_text("import os, stat, subprocess, sys\n"
                      "value = os.environ['PYITT_HOST_OPTIONS']\n"
                      "path = value.split('file=', 1)[1]\n"
                      "print(os.path.dirname(path), oct(stat.S_IMODE(os.stat(path).st_mode)), len(value) < 4096, flush=True)\n"
                      "subprocess.run([sys.executable, '-c', 'print(\"child ran\")'], check=True)\n")
    result = run([host, "--collector", "none", "-c", config, parent], env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == [f"{tmp} 0o600 True", "child ran"]
    assert not leftovers(tmp)


@pytest.mark.parametrize("flag", ["-I", "-E", "-sE", "-IS"])
def test_children_that_ignore_the_environment_run_as_plain_python(host, clean_env, python_exe, tmp_path, flag):
    setup = tmp_path / "setup.py"
    setup.write_text("print('setup ran', flush=True)\n")
    parent = tmp_path / "parent.py"
    parent.write_text("import subprocess, sys\n"
                      f"subprocess.run([sys.executable, {flag!r}, '-c', "
                      "'import sys; print(sys.executable); target = lambda: None; target()'], check=True)\n")
    out = tmp_path / "out"
    result = run([host, "-s", setup, "-I", "target", "-o", out, "--", parent], env=clean_env)
    assert result.returncode == 0, result.stderr
    # The setup file runs once (for the parent), and the child's sys.executable is python's own.
    setup_ran, executable = result.stdout.splitlines()
    assert setup_ran == "setup ran" and executable in (python_exe, os.path.realpath(python_exe)), result.stdout
    assert len(tasks_by_process(out)) == 1  # no trace from the child: no collector, no instrumentation


def test_a_child_that_ignores_the_environment_loads_no_inherited_collector(host, clean_env, tmp_path):
    """Not even one the inherited options name: python -I loads nothing it was not asked for."""
    parent = tmp_path / "parent.py"
    parent.write_text("import subprocess, sys\n"
                      "subprocess.run([sys.executable, '-I', '-c', 'import os; print(os.environ.get(\"INTEL_LIBITTNOTIFY64\"))'], check=True)\n")
    result = run([host, "--collector", "/no/such/collector.so", "--", parent], env=clean_env)
    assert result.returncode == 2 and "no such file" in result.stderr  # the path is checked in the parent
    bogus = tmp_path / "libnot-a-collector.so"
    bogus.write_text("not a library")
    result = run([host, "--collector", bogus, "--", parent], env=clean_env)
    assert result.stdout == "None\n", result.stderr


def test_a_usage_error_leaves_no_options_file(host, private_tmp, tmp_path):
    tmp, env = private_tmp
    config = write_large_config(tmp_path / "big.toml")
    out = tmp_path / "out"
    for collector in (["-o", out], ["--collector", "none"]):
        result = run([host, "-c", config, *collector, "-E", "(unclosed", "--", "-c", "pass"], env=env, timeout=300)
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines() == [
            "pyitt-host: error: -E: '(unclosed' is not a Python regular expression: missing ), unterminated subpattern "
            "at position 0"]
        assert not leftovers(tmp, out)


def test_a_tmpdir_that_cannot_hold_the_options_file_is_one_line(host, clean_env, tmp_path):
    config = write_large_config(tmp_path / "big.toml")
    env = dict(clean_env, TMPDIR=str(tmp_path / "no-such-dir"))
    result = run([host, "--collector", "none", "-c", config, "--", "-c", "print('ran')"], env=env, timeout=300)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"pyitt-host: error: TMPDIR: cannot write the options for the program's child processes in "
        f"'{tmp_path}/no-such-dir': No such file or directory; set TMPDIR to a directory you can write into"]


def test_the_first_process_exec_ing_itself_still_removes_the_files(host, private_tmp, tmp_path):
    tmp, env = private_tmp
    config = write_large_config(tmp_path / "big.toml")
    program = tmp_path / "restarts.py"
    program.write_text("import os, subprocess, sys\n"
                       "if sys.argv[1:] == ['again']:\n"
                       "    subprocess.run([sys.executable, '-c', 'print(\"child ran\")'], check=True)\n"
                       "else:\n"
                       "    os.execv(sys.executable, [sys.executable, sys.argv[0], 'again'])\n")
    result = run([host, "--collector", "none", "-c", config, "--resume-on", "x", "--", program], env=env, timeout=300)
    assert result.returncode == 0 and result.stdout == "child ran\n", result.stderr[-2000:]
    assert not leftovers(tmp)


@pytest.mark.parametrize("collector", [["--collector", "none"], []])
def test_sigterm_leaves_no_files_in_tmpdir(host, private_tmp, tmp_path, collector):
    tmp, env = private_tmp
    config = write_large_config(tmp_path / "big.toml")
    ready = tmp_path / "ready"
    program = tmp_path / "waits.py"
    program.write_text(f"import pathlib, time\npathlib.Path({str(ready)!r}).touch()\ntime.sleep(60)\n")
    process = subprocess.Popen([str(host), "-c", str(config), "--resume-on", "never", "-o", str(tmp_path / "out"),
                                *collector, "--", str(program)], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), process.communicate()[1]
    assert leftovers(tmp, tmp_path / "out")  # the handover files are there while the run is
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM, stderr
    assert not leftovers(tmp), leftovers(tmp)
