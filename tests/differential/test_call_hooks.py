"""3.12+: a run that records most calls starts with the frame-evaluation function and hands over to
sys.monitoring, once, at a deep recursion (module/instrument/call_hooks.cpp). Neither the program's
behaviour (output, exit status, where RecursionError comes and what it says) nor the trace's contents
(tasks, their names and nesting, per thread) may depend on which hook saw a call: each test runs the
program under python and under pyitt-host with each hook forced (PYITT_CALL_HOOK, a diagnostic knob)
and compares. Before 3.12 `monitoring` does nothing and the differential part still runs (on 3.11
`evaluator` installs the frame-evaluation function from the start rather than on demand)."""
import collections
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import call_paths, run  # noqa: E402

PROGRAMS = Path(__file__).resolve().parent / "programs"
HOOKS = ("evaluator", "monitoring")
HANDED_OVER = "pyitt-host: [v1] Python calls: handed over to sys.monitoring (a deep recursion)"


def python_version(build_config):
    return tuple(int(part) for part in build_config["python_version"].split(".")[:2])


def run_both_hooks(host, python_exe, clean_env, tmp_path, command, options=()):
    """python's result, and per forced hook pyitt-host's result and call paths."""
    python = run([python_exe, *command], env=clean_env, cwd=tmp_path)
    runs = {}
    for hook in HOOKS:
        out = tmp_path / f"out-{hook}-{len(list(tmp_path.glob('out-*')))}"
        result = run([host, "-q", "-v", "1", *options, "-o", out, "--", *command],
                     env={**clean_env, "PYITT_CALL_HOOK": hook}, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (python.returncode, python.stdout), (hook, result.stderr)
        paths = call_paths(out)
        if "spinner" in paths:  # how often it went round depends on the threads' timing
            paths["spinner"] = set(paths["spinner"])
        runs[hook] = result, paths
    return python, runs


@pytest.mark.parametrize("options", [[], ["-b"], ["--resume-on", "^resumed_after$"]],
                         ids=["every call", "-b region", "--resume-on trigger"])
def test_generators_coroutines_threads_and_exceptions_across_the_handover(host, python_exe, clean_env, tmp_path,
                                                                          build_config, options):
    python, runs = run_both_hooks(host, python_exe, clean_env, tmp_path, [PROGRAMS / "call_hook_handover.py"],
                                  options)
    assert python.returncode == 0 and python.stdout.startswith("(["), python.stderr
    evaluator, monitoring = runs["evaluator"], runs["monitoring"]
    if python_version(build_config) >= (3, 12):
        assert evaluator[0].stderr.count(HANDED_OVER) == 1, evaluator[0].stderr
        assert "handed over" not in monitoring[0].stderr
    assert evaluator[1] == monitoring[1]
    main = evaluator[1]["MainThread"]
    names = collections.Counter()
    for path, n in main.items():
        names[path[-1]] += n
    # Each resumption of a generator or coroutine is a task: numbers 6 + its end, catcher's start,
    # two throws and its close, twice's start and two sends.
    assert (names["numbers"], names["catcher"], names["twice"], names["failing"]) == (7, 4, 3, 31)
    assert names["deep"] == (151 if options else 151 + 151 + 11)
    if not options:
        assert main[("main", "region", "resumed_after") + ("deep",) * 150] == 1
        assert main[("main", "unwinding") + ("deep",) * 150] == 1
    worker = [counts for name, counts in evaluator[1].items() if "worker" in str(name)]
    if options == ["-b"]:
        assert worker == [] and "spinner" not in evaluator[1]  # outside every profile region
    else:
        assert worker and worker[0][("worker",)] == 1 and worker[0][("worker", "numbers")] == 5
        assert evaluator[1]["spinner"] == {("spin",), ("spin", "leaf")}


@pytest.mark.parametrize("hook", HOOKS)
def test_deep_recursion_with_a_raised_limit_runs_as_under_python(host, python_exe, clean_env, tmp_path, hook):
    program = PROGRAMS / "deep_recursion.py"
    python = run([python_exe, program], env=clean_env, cwd=tmp_path)
    if python.returncode < 0:
        pytest.skip(f"python itself dies of signal {-python.returncode} at this depth")
    result = run([host, "-q", "-o", tmp_path / "out", "--", program], env={**clean_env, "PYITT_CALL_HOOK": hook},
                 cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "50000\n[30000]\n"), result.stderr[-2000:]


RECURSION_ERROR = """
import sys, threading
depth = 0
def probe(n):
    global depth
    depth = n
    return probe(n + 1)
def report():
    try:
        probe(0)
    except RecursionError as error:
        print(type(error).__name__, error, depth, flush=True)
report()
thread = threading.Thread(target=report)
thread.start()
thread.join()
def tower(n):  # a recursion through C (map): each level is a call from C too
    global depth
    depth = n
    return list(map(tower, [n + 1]))
try:
    tower(0)
except RecursionError as error:
    print("through C:", error, depth)
"""


def test_recursion_error_at_the_default_limit_is_pythons(host, python_exe, clean_env, tmp_path, build_config):
    program = tmp_path / "recursion_error.py"
    program.write_text(RECURSION_ERROR)
    python = run([python_exe, program], env=clean_env, cwd=tmp_path)
    assert python.returncode == 0 and python.stdout.startswith("RecursionError maximum recursion depth exceeded")
    expected = python.stdout.splitlines()
    seen = set()
    for hook in HOOKS:
        for options in ([], ["-R", "^nothing$"]):
            result = run([host, "-q", *options, "-o", tmp_path / "out", "--", program],
                         env={**clean_env, "PYITT_CALL_HOOK": hook}, cwd=tmp_path)
            assert result.returncode == 0, result.stderr[-2000:]
            lines = result.stdout.splitlines()
            assert lines[0] == expected[0], (hook, options)  # the main thread: python's depth and message
            if python_version(build_config) >= (3, 13):
                assert lines[2] == expected[2], (hook, options)  # through C
            seen.add((tuple(options), tuple(lines)))
    # Known differences of pyitt-host's, whichever hook: a thread runs one Python frame more (the
    # wrapper of Thread._bootstrap_inner that names it), and on 3.12 sys.monitoring's callbacks, C
    # functions, take C recursion units too. Both hooks give the same.
    assert len(seen) == 2, seen


FEW_RECORDED = """
step = lambda x: x + 1  # a <lambda>: never a task (default filters)
def recorded():
    return 1
total = 0
for _ in range(300_000):
    total = step(total)
print(total + recorded())
"""


@pytest.mark.parametrize("hook", [None, "evaluator"])
def test_a_run_that_records_few_calls_hands_over(host, python_exe, clean_env, tmp_path, build_config, hook):
    if python_version(build_config) < (3, 12):
        pytest.skip("before 3.12 the frame-evaluation function is the only fast hook")
    program = tmp_path / "few_recorded.py"
    program.write_text(FEW_RECORDED)
    env = clean_env if hook is None else {**clean_env, "PYITT_CALL_HOOK": hook}
    result = run([host, "-q", "-v", "1", "-o", tmp_path / "out", "--", program], env=env, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "300001\n"), result.stderr
    handed_over = "pyitt-host: [v1] Python calls: handed over to sys.monitoring (few calls are recorded)"
    # PYITT_CALL_HOOK=evaluator keeps the evaluation function whatever it costs.
    assert result.stderr.count(handed_over) == (1 if hook is None else 0), result.stderr
    assert call_paths(tmp_path / "out") == {"MainThread": collections.Counter({("recorded",): 1})}
