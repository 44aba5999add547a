"""The program must not notice pyitt-host: each program here runs under python and under pyitt-host
(with the built-in collector, everything instrumented, and with --collector none), and stdout, stderr
(less pyitt-host's own lines) and the exit status must be the same. Where the program ends in an
unusual way, the trace must still hold what was recorded before the end."""
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import read_trace, run_trace_path, trace_files, without_host_report  # noqa: E402

PROGRAMS = Path(__file__).resolve().parent / "programs"
MODES = {"builtin collector": [], "--collector none": ["--collector", "none"]}


def no_core_dumps():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def normalized_stderr(text):
    text = without_host_report(text)
    text = "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith(("pyitt-host: ", "pyitt-collector: ")))
    return re.sub(r"0x[0-9a-f]{6,}", "0x...", text)  # faulthandler's thread ids


class Differential:
    """Runs one python command line under python and under pyitt-host, keeps what each gave."""

    def __init__(self, python_exe, host, clean_env, tmp_path):
        self.python_exe, self.host, self.env, self.tmp_path = python_exe, host, clean_env, tmp_path
        self.runs = 0

    def run(self, command, mode_options, *, cwd=None, host_options=(), stderr=subprocess.PIPE, preexec=None):
        self.runs += 1
        out = self.tmp_path / f"out-{self.runs}"

        def prepare():
            no_core_dumps()
            if preexec is not None:
                preexec()

        def one(cmd):
            return subprocess.run([str(c) for c in cmd], env=self.env, cwd=cwd or self.tmp_path, stdout=subprocess.PIPE,
                                  stderr=stderr, text=True, timeout=120, preexec_fn=prepare)

        python = one([self.python_exe, *command])
        host = one([self.host, *mode_options, *host_options, "-o", out, "--", *command])
        return python, host, out

    def same(self, command, mode_options, **kwargs):
        python, host, out = self.run(command, mode_options, **kwargs)
        assert host.stdout == python.stdout, host.stderr
        if host.stderr is not None:
            assert normalized_stderr(host.stderr) == normalized_stderr(python.stderr)
        assert host.returncode == python.returncode, host.stderr
        return python, host, out


@pytest.fixture
def differential(python_exe, host, clean_env, tmp_path):
    return Differential(python_exe, host, clean_env, tmp_path)


def recorded(out, name):
    """How many tasks called `name` the run's trace holds (merged or one process's)."""
    traces = [run_trace_path(out)] if run_trace_path(out).exists() else trace_files(out)
    count = 0
    for trace in traces:
        events = read_trace(trace)["traceEvents"]
        count += sum(1 for e in events if e.get("ph") == "X" and e.get("name") == name)
    return count


@pytest.fixture(params=list(MODES), ids=list(MODES))
def mode(request):
    return request.param, MODES[request.param]


def test_pythons_start_method_a_global_set_under_main_and_a_lambda_reach_the_workers(differential, mode):
    python, host, _ = differential.same([PROGRAMS / "start_method_global.py"], mode[1])
    assert python.returncode == 0 and "set under __main__ 30" in python.stdout
    python, host, _ = differential.same([PROGRAMS / "start_method_global.py"], mode[1],
                                        host_options=["--no-follow-children"])


@pytest.mark.parametrize("signal_name, status", [("SIGTERM", -15), ("SIGHUP", -1), ("SIGQUIT", -3)])
def test_an_ending_signal_stops_the_program_and_keeps_the_trace(differential, mode, signal_name, status):
    python, host, out = differential.same([PROGRAMS / "sigterm_self.py", signal_name], mode[1])
    assert python.returncode == status and "not reached" not in python.stdout
    if mode[1] == []:
        assert recorded(out, "before") == 25


def test_sigterm_from_outside_stops_every_thread(differential, mode):
    for _ in range(3):  # the thread may be anywhere when the signal comes
        python, host, out = differential.same([PROGRAMS / "sigterm_while_threads_run.py"], mode[1])
        assert python.returncode == -15 and python.stdout == "sending\n"
        if mode[1] == []:
            assert recorded(out, "before") == 25


def test_a_cpu_limit_ends_the_program_as_under_python(differential, mode):
    python, host, out = differential.same([PROGRAMS / "cpu_limit.py"], mode[1])
    assert python.returncode == -24
    if mode[1] == []:
        assert recorded(out, "before") == 25


def test_sys_modules_at_the_first_line_are_pythons(differential, mode):
    differential.same([PROGRAMS / "sys_modules.py"], mode[1])
    for options in (["-R", "^nothing$"], ["--resume-on", "^x$"], ["--trace-c"], ["-b"]):
        python, host, _ = differential.run([PROGRAMS / "sys_modules.py"], mode[1], host_options=options)
        assert host.returncode == 0, host.stderr
        imported_by_python = eval(python.stdout.splitlines()[0])
        imported_here = eval(host.stdout.splitlines()[0])
        assert [m for m in imported_here if m not in imported_by_python and m.split(".")[0] != "pyitt"] == [], options
        # sys.meta_path: with -b the program imports pyitt, whose compiled-in submodules a finder of
        # its own serves, last (README: what differs from python).
        finders = host.stdout.splitlines()[1].replace(", 'EmbeddedModules'", "") if "-b" in options \
            else host.stdout.splitlines()[1]
        assert finders == python.stdout.splitlines()[1], options


@pytest.mark.parametrize("arguments", [[], ["atexit"], ["atexit", "forkserver"]],
                         ids=["no atexit", "atexit", "atexit+forkserver"])
def test_atexit_handlers_run_in_pythons_order_and_the_exit_is_clean(differential, mode, arguments):
    python, host, out = differential.same([PROGRAMS / "atexit_after_churn.py", *arguments], mode[1])
    assert python.returncode == 0
    if arguments:
        assert python.stdout.endswith("atexit: registered last, runs first\natexit: registered first, runs last\n")
    assert not list(Path(out).glob("unfinished-*")), host.stderr


@pytest.mark.parametrize("options", [[], ["-b"]], ids=["every call", "-b"])
def test_a_fork_after_recording_warns_as_under_python(differential, mode, options):
    # 3.12+ warns about fork() in a multi-threaded process: pyitt-host's own threads must not count.
    python, host, _ = differential.same([PROGRAMS / "fork_after_recording.py"], mode[1], host_options=options)
    assert python.stdout == "after many calls 7\nafter a region 7\nagain 7\n"


def test_modules_beside_the_script_shadow_the_standard_library(differential, mode):
    python, host, _ = differential.same([PROGRAMS / "shadowing" / "main.py"], mode[1])
    assert python.stdout.count("the script's own") == 3


def test_deep_recursion_that_python_runs_runs(differential, mode):
    python, host, _ = differential.run([PROGRAMS / "deep_recursion.py"], mode[1])
    if python.returncode < 0:  # 3.9/3.10 recurse on the C stack themselves: python crashed
        assert host.returncode in (0, python.returncode), host.stderr
        pytest.skip(f"python itself dies of signal {-python.returncode} at this depth")
    python, host, _ = differential.same([PROGRAMS / "deep_recursion.py"], mode[1])
    assert python.stdout == "50000\n[30000]\n"
    differential.same([PROGRAMS / "deep_recursion.py"], mode[1], host_options=["--noinstrumenter"])
    differential.same([PROGRAMS / "deep_recursion.py"], mode[1], host_options=["-R", "^nothing$"])


def test_recursion_beyond_any_stack_is_a_recursion_error_never_a_crash(host, clean_env, tmp_path, build_config):
    if tuple(int(part) for part in build_config["python_version"].split(".")[:2]) >= (3, 12):
        pytest.skip("3.12+: no hook of pyitt-host's on the C stack per call; python's own limits apply")
    program = tmp_path / "endless.py"
    # `unused` is selected, so that the frame-evaluation function is installed (3.11 installs it only
    # once a selected function exists: until then recursions are python's, out of memory included).
    program.write_text("import sys\nsys.setrecursionlimit(10**8)\ndef down(n):\n    return down(n + 1)\n"
                       "def unused(): pass\n"
                       "try:\n    down(0)\nexcept RecursionError:\n    print('RecursionError')\n")
    result = subprocess.run([host, "-R", "^unused$", "-o", tmp_path / "out", "--", program], env=clean_env,
                            capture_output=True, text=True, timeout=300, preexec_fn=no_core_dumps)
    # python 3.11+ keeps going on the heap until memory runs out; here the C stack ends first.
    assert result.returncode == 0 and result.stdout == "RecursionError\n", result.stderr[-2000:]


@pytest.mark.parametrize("where", ["-X faulthandler", "PYTHONFAULTHANDLER=1", "no faulthandler"])
def test_a_crash_keeps_the_trace_and_faulthandlers_traceback(differential, mode, where, clean_env):
    command = [PROGRAMS / "crash.py"]
    if where == "-X faulthandler":
        command = ["-X", "faulthandler", *command]
    if where == "PYTHONFAULTHANDLER=1":
        differential.env = dict(clean_env, PYTHONFAULTHANDLER="1")
    python, host, out = differential.same(command, mode[1])
    assert python.returncode == -11
    if where != "no faulthandler":
        assert "Fatal Python error: Segmentation fault" in python.stderr and 'crash.py", line' in host.stderr
    if mode[1] == []:
        assert recorded(out, "before") == 25


@pytest.mark.parametrize("target", ["echo", "python"])
def test_exec_keeps_what_was_recorded_before_it(differential, mode, target):
    python, host, out = differential.same([PROGRAMS / "exec_other.py", *(["python"] if target == "python" else [])],
                                          mode[1])
    assert python.returncode == 0 and python.stdout.startswith("exec\n")
    if mode[1] == []:
        assert recorded(out, "before") == 25
        assert not list(out.glob("unfinished-*"))  # the image that exec'ed was not killed
        if target == "python":
            assert recorded(out, "after") == 7


@pytest.mark.parametrize("stderr", ["closed", "/dev/full"])
def test_a_stderr_that_cannot_be_written_does_not_change_the_exit_status(differential, mode, stderr):
    def close_stderr():
        os.close(2)

    def full_stderr():
        os.dup2(os.open("/dev/full", os.O_WRONLY), 2)

    for code in ("print(1)", "import sys; print(2); sys.exit(3)", "raise SystemExit('bye')"):
        python, host, _ = differential.run(["-c", code], mode[1], stderr=subprocess.DEVNULL,
                                           preexec=close_stderr if stderr == "closed" else full_stderr)
        assert (host.returncode, host.stdout) == (python.returncode, python.stdout), code


def test_a_closed_pipe_gives_pythons_status(differential, mode, python_exe, host, clean_env, tmp_path):
    code = "for i in range(200000): print(i)"

    def status(prefix):
        line = subprocess.run(["bash", "-c", '"$@" 2>&1 | head -1 >/dev/null; echo "${PIPESTATUS[0]}"', "bash",
                               *prefix, "-c", code], env=clean_env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120).stdout
        return line.strip()

    assert status([str(host), *mode[1], "-o", str(tmp_path / "out"), "--"]) == status([python_exe])


def test_a_script_path_that_is_not_utf8_is_instrumented(differential, tmp_path):
    directory = Path(os.fsdecode(bytes(tmp_path) + b"/dir\xff"))
    directory.mkdir()
    (directory / "s.py").write_text("def before(n):\n    return n\nprint(sum(before(n) for n in range(25)))\n")
    python, host, out = differential.same([directory / "s.py"], [], host_options=["-R", "^before$"])
    assert recorded(out, "before") == 25


@pytest.mark.parametrize("command", [["no_such_script.py"], ["-m", "no_such_module"], ["--no-such-flag"],
                                     ["-c", "import sys; sys.exit('bye')"], ["-c", "1/0"]])
def test_pythons_own_messages_and_statuses(differential, mode, command):
    differential.same(command, mode[1])
