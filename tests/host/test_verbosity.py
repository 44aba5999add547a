"""-v/--verbosity N, as omnitrace-python takes it: what pyitt-host reports on stderr while it runs,
each line 'pyitt-host: [vN] ...'. 1: the collector, the output directory, each child process and
multiprocessing's start method; 2: also each code object's decision as it is made (what --explain
writes at exit). Children inherit the level with the other options."""
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run  # noqa: E402

PROGRAM = """\
import sys
def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)
def other(): pass
print("before calls", file=sys.stderr, flush=True)
other()
print(fib(5))
"""


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    return path


def verbose_lines(stderr, level=None):
    return [line for line in stderr.splitlines()
            if re.match(r"pyitt-host: \[v\d\] " if level is None else rf"pyitt-host: \[v{level}\] ", line)]


@pytest.mark.parametrize("args", [[], ["-v", "0"], ["--verbosity=0"]])
def test_quiet_by_default(host, clean_env, program, tmp_path, args):
    result = run([host, *args, "-o", tmp_path / "out", program], env=clean_env)
    assert result.returncode == 0, result.stderr
    assert "[v" not in result.stderr


def test_level_1_names_the_collector_the_output_directory_and_the_call_hook(host, build_dir, build_config,
                                                                             clean_env, program, tmp_path):
    out = tmp_path / "out"
    result = run([host, "-v", "1", "-R", "^fib$", "-o", out, program], env=clean_env)
    assert result.returncode == 0 and result.stdout == "5\n", result.stderr
    collector = (Path(build_dir) / "libpyitt-collector.so").resolve()
    since_3_12 = tuple(int(part) for part in build_config["python_version"].split(".")[:2]) >= (3, 12)
    if since_3_12:
        calls = ["pyitt-host: [v1] Python calls: sys.monitoring (-R/-M select few functions)"]
    elif build_config["eval_frame_on_demand"]:
        calls = ["pyitt-host: [v1] Python calls: the frame-evaluation function, once a function the filters select is made",
                 f"pyitt-host: [v1] Python calls: the frame-evaluation function from now on (fib in {program} is selected)"]
    else:
        calls = ["pyitt-host: [v1] Python calls: the frame-evaluation function"]
    assert verbose_lines(result.stderr) == [
        f"pyitt-host: [v1] collector: {collector} (--collector auto: the built-in one)",
        f"pyitt-host: [v1] output directory: {out}/ (-o)", *calls]
    result = run([host, "-v", "1", "-o", out, program], env=clean_env)  # every call recorded
    assert result.returncode == 0, result.stderr
    assert verbose_lines(result.stderr)[2] == "pyitt-host: [v1] Python calls: the frame-evaluation function" + (
        ", until it hands over to sys.monitoring" if since_3_12 else "")

    result = run([host, "--verbosity", "1", "--collector", "none", program], env=clean_env)
    assert result.returncode == 0, result.stderr
    assert verbose_lines(result.stderr) == [
        "pyitt-host: [v1] collector: none (--collector none): no ITT call is recorded"]


def test_level_1_reports_each_child_and_the_start_method(host, clean_env, tmp_path):
    parent = tmp_path / "parent.py"
    parent.write_text(
        "import multiprocessing, os, subprocess, sys\n"
        "def work(x): return x\n"
        "if __name__ == '__main__':\n"
        "    print('main', os.getpid(), flush=True)\n"
        "    subprocess.run([sys.executable, '-c', 'import os; print(\"child\", os.getpid())'], check=True)\n"
        "    p = multiprocessing.Process(target=work, args=(1,))\n"
        "    p.start(); p.join()\n"
        "    print('worker', p.pid, flush=True)\n")
    result = run([host, "-v", "1", "--mp-start-method", "spawn", "--collector", "none", parent], env=clean_env)
    assert result.returncode == 0, result.stderr
    pids = dict(line.split() for line in result.stdout.splitlines())
    lines = verbose_lines(result.stderr)
    assert f"pyitt-host: [v1] child process started: python -c, pid {pids['child']} (parent {pids['main']})" in lines
    assert ("pyitt-host: [v1] multiprocessing's default start method: spawn (--mp-start-method spawn)") in lines
    assert (f"pyitt-host: [v1] child process started: spawned child, pid {pids['worker']} (parent {pids['main']})"
            in lines)
    assert f"pyitt-host: [v1] pid {pids['worker']} is multiprocessing's Process-1" in lines
    assert not verbose_lines(result.stderr, 2)


def test_level_1_reports_python_s_own_start_method_and_forked_children(host, clean_env, tmp_path):
    parent = tmp_path / "parent.py"
    parent.write_text(
        "import multiprocessing as mp, os\n"
        "if __name__ == '__main__':\n"
        "    method = mp.get_start_method()\n"
        "    print(method, os.getpid(), flush=True)\n"
        "    if method == 'fork':\n"
        "        p = mp.Process(target=print, args=('worker',)); p.start(); p.join()\n"
        "        print(p.pid, flush=True)\n")
    result = run([host, "-v", "1", "--collector", "none", parent], env=clean_env)
    assert result.returncode == 0, result.stderr
    method, main_pid = result.stdout.split()[:2]
    lines = verbose_lines(result.stderr)
    assert f"pyitt-host: [v1] multiprocessing's default start method: {method}, Python's own (--mp-start-method auto)" in lines
    if method == "fork":
        worker = result.stdout.split()[-1]
        assert f"pyitt-host: [v1] child process started: fork of main, pid {worker} (parent {main_pid})" in lines


def test_level_2_reports_each_decision_as_it_is_made(host, clean_env, program, tmp_path):
    explain = tmp_path / "explain.txt"
    result = run([host, "-v", "2", "-R", "^fib$", "--explain", explain, "-o", tmp_path / "out", program],
                 env=clean_env)
    assert result.returncode == 0 and result.stdout == "5\n", result.stderr
    stderr = result.stderr.splitlines()
    assert f"pyitt-host: [v2] fib ({program}:2): record (-R ^fib$)" in stderr
    assert f"pyitt-host: [v2] other ({program}:3): skip (not matched by -R)" in stderr
    # Live, not at exit: other's decision comes after the program's line that precedes its call.
    assert stderr.index("before calls") < stderr.index(f"pyitt-host: [v2] other ({program}:3): skip (not matched by -R)")
    assert stderr.index(f"pyitt-host: [v2] <module> ({program}:1): skip (not matched by -R)") < stderr.index("before calls")
    assert len(verbose_lines(result.stderr, 1)) == 3  # level 2 includes level 1
    # One line per code object, each decision --explain writes.
    decided = [re.fullmatch(r"pyitt-host: \[v2\] (.*) \((.*)\): (\S+) \((.*)\)", line).groups()
               for line in verbose_lines(result.stderr, 2)]
    explained = [tuple(line.split("\t")[i] for i in (1, 2, 0, 4))
                 for line in explain.read_text().splitlines()[1:]]
    assert decided == explained
    assert len(set(decided)) == len(decided)


def test_children_inherit_the_verbosity(host, clean_env, tmp_path):
    child = tmp_path / "child.py"
    child.write_text("def in_child(): pass\nin_child()\n")
    parent = tmp_path / "parent.py"
    parent.write_text(f"import os, subprocess, sys\nprint(os.environ['PYITT_HOST_OPTIONS'].split()[-1])\n"
                      f"subprocess.run([sys.executable, {str(child)!r}], check=True)\n")
    result = run([host, "-v", "2", "-o", tmp_path / "out", parent], env=clean_env)
    assert result.returncode == 0 and result.stdout == "--verbosity=2\n", result.stderr
    assert f"pyitt-host: [v2] in_child ({child}:1): record (no filter excludes it)" in result.stderr.splitlines()
    assert re.search(r"^pyitt-host: \[v1\] child process started: python child\.py, pid \d+ ", result.stderr, re.M)


def test_verbosity_from_a_config_file(host, clean_env, program, tmp_path):
    config = tmp_path / "cfg.toml"
    config.write_text("verbosity = 1\n")
    result = run([host, "-c", config, "--collector", "none", program], env=clean_env)
    assert result.returncode == 0, result.stderr
    assert verbose_lines(result.stderr) == [
        "pyitt-host: [v1] collector: none (--collector none): no ITT call is recorded"]


@pytest.mark.parametrize("args,message", [
    (["-v", "x"], "-v: 'x' is not a verbosity: give 0, 1 or 2"),
    (["--verbosity", "-1"], "--verbosity: '-1' is not a verbosity: give 0, 1 or 2"),
    (["-v"], "-v: no N given"),
])
def test_a_bad_verbosity_is_a_usage_error(host, clean_env, program, args, message):
    result = run([host, *args, "--", program], env=clean_env)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"pyitt-host: error: {message}\n")


def test_help_shows_the_verbosity(host, clean_env):
    result = run([host, "--help"], env=clean_env)
    assert re.search(r"^  -v, --verbosity N +Report on stderr", result.stdout, re.M), result.stdout
