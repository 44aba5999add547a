"""3.11 with the static libpython: a run whose filters decide by names (-R) installs the
frame-evaluation function only once a code object they select exists
(module/instrument/eval_frame_on_demand.h), so that until then every call runs as under python.
Each function of code_made_every_way.py comes into being another way; a run selecting it alone must
record exactly what a run with the function installed from the start records (PYITT_CALL_HOOK=evaluator),
and both must behave as python does."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import call_paths, counted, read_trace, run, trace_files  # noqa: E402

PROGRAM = Path(__file__).resolve().parent / "programs" / "code_made_every_way.py"
ARMED = "pyitt-host: [v1] Python calls: the frame-evaluation function, once a function the filters select is made"
INSTALLED = "pyitt-host: [v1] Python calls: the frame-evaluation function from now on ("

# -R pattern, the label it records, how many calls of it the program makes at least (the
# stdlib may make more), and the way its code object is made.
SELECTED = [
    (r"^fib$", "fib", 177),  # the script, compiled
    (r"^helper_in_module$", "helper_in_module", 3),  # imported from source, then from its .pyc
    (r"^numbers$", "numbers", 1),  # a generator of that module
    (r"^twice$", "twice", 1),  # a coroutine of that module
    (r"^made_by_exec$", "made_by_exec", 2),  # exec of a string
    (r"^<lambda>\.<locals>\.<lambda>$", "<lambda>.<locals>.<lambda>", 1),  # eval of a string
    (r"^from_compiled$", "from_compiled", 1),  # compile() and exec
    (r"^from_marshal$", "from_marshal", 2),  # marshal.loads
    (r"^renamed$", "renamed", 2),  # code.replace() and types.FunctionType
    (r"^zipped$", "zipped", 1),  # zipimport
    (r"^commonprefix$", "commonprefix", 2),  # a frozen module's static code
    (r"^search_function$", "search_function", 3),  # encodings, imported before the program starts
    (r"__create_fn__\.<locals>\.__init__$", "__create_fn__.<locals>.__init__", 2),  # dataclasses' exec
    (r"^in_thread$", "in_thread", 5),  # called on a thread
]


@pytest.fixture(autouse=True)
def on_demand_only(build_config):
    if not build_config.get("eval_frame_on_demand"):
        pytest.skip("the frame-evaluation function is installed on demand only by 3.11 with the static libpython")


def run_program(command, env, tmp_path, name):
    work = tmp_path / f"work-{name}"
    work.mkdir()
    return run([*command, PROGRAM, work], env=env, cwd=tmp_path)


@pytest.fixture
def python_result(python_exe, clean_env, tmp_path):
    result = run_program([python_exe], clean_env, tmp_path, "python")
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("pattern,label,calls", SELECTED, ids=[label for _, label, _ in SELECTED])
def test_a_function_made_any_way_is_recorded_as_from_the_start(host, clean_env, tmp_path, python_result,
                                                               pattern, label, calls):
    paths = {}
    for hook in ("on-demand", "evaluator"):
        out = tmp_path / f"out-{hook}"
        env = {**clean_env, "PYITT_CALL_HOOK": hook}
        result = run_program([host, "-q", "-v", "1", "-R", pattern, "-o", out, "--"], env, tmp_path, hook)
        assert (result.returncode, result.stdout) == (0, python_result.stdout), result.stderr
        lines = [line for line in result.stderr.splitlines() if "Python calls" in line]
        if hook == "on-demand":
            assert lines[0] == ARMED and len(lines) == 2 and lines[1].startswith(INSTALLED), result.stderr
        else:
            assert lines == ["pyitt-host: [v1] Python calls: the frame-evaluation function"], result.stderr
        [trace] = trace_files(out)
        assert counted(read_trace(trace))[label] >= calls
        paths[hook] = call_paths(out)
    assert paths["on-demand"] == paths["evaluator"]


# Programs that select nothing; the second recurses as deep as python lets it: uninstalled, nothing of
# the function remains, and RecursionError comes where python's does.
UNSELECTED = {
    "threads-exec-dataclass": ("import dataclasses, json, threading\n"
                               "@dataclasses.dataclass\nclass P:\n    x: int\n"
                               "exec('def f(): return json.dumps([P(1).x])')\n"
                               "t = threading.Thread(target=f); t.start(); t.join()\nprint(f())\n"),
    "recursion": ("import sys\n"
                  "def down(n): return down(n + 1) if n < 100000 else n\n"
                  "try:\n    down(0)\nexcept RecursionError as error:\n    print(type(error).__name__, error)\n"
                  "sys.setrecursionlimit(20000)\nprint(down(99990))\n"),
}


@pytest.mark.parametrize("name", UNSELECTED)
def test_nothing_selected_leaves_it_uninstalled(host, python_exe, clean_env, tmp_path, name):
    program = tmp_path / "program.py"
    program.write_text(UNSELECTED[name])
    python = run([python_exe, program], env=clean_env)
    result = run([host, "-q", "-v", "1", "-R", "^no_such_function$", "-o", tmp_path / "out", program], env=clean_env)
    assert (result.returncode, result.stdout) == (python.returncode, python.stdout), result.stderr
    assert [line for line in result.stderr.splitlines() if "Python calls" in line] == [ARMED], result.stderr


@pytest.mark.parametrize("options", [["-v", "1", "-b"], ["-v", "1", "--trace-c"], ["-v", "2"], ["-v", "1", "-E", "x"]],
                         ids=["-b", "--trace-c", "-v 2", "no -R"])
def test_choices_not_by_names_install_it_from_the_start(host, clean_env, tmp_path, options):
    restrict = [] if "-E" in options else ["-R", "^no_such_function$"]
    result = run([host, "-q", *options, *restrict, "-o", tmp_path / "out", "--", "-c", "pass"],
                 env=clean_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "[v1] Python calls" in line]
    assert lines and all(ARMED not in line and INSTALLED not in line for line in lines), result.stderr
