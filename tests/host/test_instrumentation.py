"""Automatic ITT tasks: what the built-in collector's trace holds for each option."""
import collections
import json
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import REPO, read_trace, run, trace_files  # noqa: E402

FIB = REPO / "samples" / "fib.py"
FIB_20_CALLS = 21891


class Trace:
    def __init__(self, directory):
        [path] = trace_files(directory)
        self.events = read_trace(path)["traceEvents"]
        self.tasks = [e for e in self.events if e["ph"] == "X"]

    def counts(self, domain="python"):
        return collections.Counter(e["name"] for e in self.tasks if e.get("cat") == domain)

    def thread_names(self):
        return {e["tid"]: e["args"]["name"] for e in self.events if e["ph"] == "M" and e["name"] == "thread_name"}

    def properly_nested(self):
        """Per thread, every task lies inside or after the previous open ones."""
        by_thread = collections.defaultdict(list)
        for e in self.tasks:
            by_thread[e["tid"]].append((e["ts"], -e["dur"], e["ts"] + e["dur"]))
        for spans in by_thread.values():
            spans.sort()
            stack = []
            for start, _, end in spans:
                while stack and stack[-1] <= start + 1e-3:
                    stack.pop()
                if stack and end > stack[-1] + 1e-3:
                    return False
                stack.append(end)
        return True


@pytest.fixture
def trace_of(host, clean_env, tmp_path):
    def run_traced(*args, script=None, source=None, expect_status=0):
        if source is not None:
            script = tmp_path / "prog.py"
            script.write_text(textwrap.dedent(source))
        out = tmp_path / f"out{len(list(tmp_path.glob('out*')))}"
        result = run([host, "-o", out, *args, "--", script], env=clean_env, cwd=tmp_path)
        assert result.returncode == expect_status, result.stderr
        trace = Trace(out)
        trace.result = result
        return trace
    return run_traced


def test_restrict_gives_exactly_the_fib_calls(trace_of):
    assert trace_of("-R", "fib", script=FIB).counts() == {"fib": FIB_20_CALLS}


def test_include_adds_to_everything_else(trace_of):
    assert trace_of("-I", "fib", script=FIB).counts() == {"fib": FIB_20_CALLS, "run": 1, "inefficient": 1}


def test_exclude_drops_the_function_and_its_callees(trace_of):
    source = """
        def leaf(): pass
        def noisy():
            leaf(); leaf()
        def main():
            noisy(); leaf()
        main()
    """
    assert trace_of("-E", "^noisy$", source=source).counts() == {"main": 1, "leaf": 1}


def test_restrict_beats_exclude_and_module_filters(trace_of):
    source = """
        def keep(): pass
        def other(): keep()
        other()
    """
    trace = trace_of("-R", "^keep$", "-E", "keep", "-ME", "prog", source=source)
    assert trace.counts() == {"keep": 1}


def test_include_beats_exclude_and_module_exclude(trace_of):
    source = """
        def wanted(): pass
        def unwanted(): pass
        wanted(); unwanted()
    """
    trace = trace_of("-I", "^wanted$", "-E", "wanted", "-ME", "prog\\.py$", source=source)
    assert trace.counts() == {"wanted": 1}


def test_module_exclude_drops_only_the_frame(trace_of, tmp_path):
    (tmp_path / "helpers.py").write_text("from worker import work\ndef helper():\n    return work()\n")
    (tmp_path / "worker.py").write_text("def work():\n    return 1\n")
    trace = trace_of("-ME", "helpers", source="import helpers\ndef main():\n    helpers.helper()\nmain()\n")
    assert trace.counts() == {"main": 1, "work": 1}


def test_module_include_beats_module_exclude_and_defaults(trace_of):
    source = """
        import threading
        def main():
            t = threading.Thread(target=lambda: None)
            t.start(); t.join()
        main()
    """
    without = trace_of(source=source).counts()
    assert "Thread.start" not in without and without["main"] == 1
    with_threading = trace_of("-MI", "threading", source=source).counts()
    assert with_threading["Thread.start"] == 1 and with_threading["Thread.join"] == 1


def test_module_restrict_is_a_file_whitelist(trace_of, tmp_path):
    (tmp_path / "chosen.py").write_text("def inside():\n    return 1\n")
    source = "import chosen\ndef outside():\n    return chosen.inside()\noutside()\n"
    assert trace_of("-MR", "chosen", source=source).counts() == {"inside": 1}


def test_module_patterns_match_module_names_too(trace_of, tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("def f():\n    return 1\n")
    assert trace_of("-MR", "^pkg\\.mod$", source="import pkg.mod\npkg.mod.f()\n").counts() == {"f": 1}


def test_qualified_names_label_methods_and_match_filters(trace_of):
    source = """
        class Node:
            def visit(self): return self.leaf()
            def leaf(self): return 1
        Node().visit()
    """
    assert trace_of(source=source).counts() == {"Node.visit": 1, "Node.leaf": 1}
    assert trace_of("-R", "^Node\\.visit$", source=source).counts() == {"Node.visit": 1}


def test_default_filters_and_turning_them_off(trace_of):
    source = """
        def f(x): return x
        squares = [f(i) for i in range(3)]
        g = lambda: f(0)
        g()
    """
    assert trace_of(source=source).counts() == {"f": 4}
    counts = trace_of("--no-default-filters", source=source).counts()
    assert counts["f"] == 4 and counts["<module>"] == 1 and counts["<lambda>"] == 1


def test_labels_with_args_file_and_line(trace_of):
    source = "def add(a, b=2):\n    return a + b\nadd(1)\nadd('x', b='y')\n"
    counts = trace_of("--label", "args", "file", "line", source=source).counts()
    assert counts == {"[add(a=1, b=2)][prog.py:1]": 1, "[add(a='x', b='y')][prog.py:1]": 1}
    full = trace_of("--label", "file", "-F", source=source).counts()
    [label] = full
    assert label.startswith("[add][/") and label.endswith("/prog.py]")


def test_domain_option(trace_of):
    trace = trace_of("--domain", "mine", "-R", "^fib$", script=FIB)
    assert trace.counts("mine") == {"fib": FIB_20_CALLS} and trace.counts("python") == {}


def test_builtin_profile_regions(trace_of, tmp_path):
    source = FIB.read_text().replace("def inefficient", "@profile\ndef inefficient")
    trace = trace_of("-b", source=source)
    assert trace.counts() == {"inefficient": 1}


def test_profile_blocks_nest_and_noprofile_switches_off(trace_of):
    source = """
        def a(): b()
        def b(): pass
        def c(): pass
        with profile:
            with profile:
                a()
            with noprofile:
                c()
            c()
        c()
    """
    assert trace_of("-b", source=source).counts() == {"a": 1, "b": 1, "c": 1}


def test_profile_decorates_generators_and_coroutines(trace_of):
    source = """
        import asyncio
        def step(): pass
        @profile
        def gen():
            for i in range(3):
                step()
                yield i
        @profile
        async def coro():
            step()
            await asyncio.sleep(0)
            step()
        def outside(): step()
        for _ in gen():
            outside()
        asyncio.run(coro())
    """
    counts = trace_of("-b", source=source).counts()
    assert counts["step"] == 5 and "outside" not in counts
    assert counts["gen"] == 4 and counts["coro"] == 2


def test_profile_marks_functions_keeping_what_they_are(trace_of):
    source = """
        import asyncio
        def step(): pass
        def plain(x, *, k=2):
            "doc"
            step()
            return x + k
        profiled = profile(plain)
        class C:
            @profile
            def method(self): step()
            @staticmethod
            @profile
            def static(): step()
            @profile
            @classmethod
            def cls(c): step()
        def make(n):
            @profile
            def inner():
                step()
                return n
            return inner
        @profile
        async def agen():
            for i in range(2):
                step()
                yield i
        async def consume():
            return [i async for i in agen()]
        assert profiled(1) == 3 and profiled(1, k=5) == 6
        assert (profiled.__name__, profiled.__doc__, profiled.__wrapped__) == ("plain", "doc", plain)
        plain(0)  # the function itself is not a region
        C().method(); C.static(); C.cls()
        assert make(7)() == 7 and make(8)() == 8
        assert asyncio.run(consume()) == [0, 1]
    """
    counts = trace_of("-b", source=source).counts()
    assert counts == {"plain": 2, "C.method": 1, "C.static": 1, "C.cls": 1, "make.<locals>.inner": 2, "agen": 3,
                      "step": 9}


def test_labels_are_the_functions_qualified_names_on_every_version(trace_of):
    # Before 3.11 code objects have no co_qualname: nested functions, classes in functions, nested
    # classes, lambdas and a nested def declared global must still be labelled as __qualname__ says.
    source = """
        def make():
            def inner():
                return [lambda: 0 for _ in range(1)][0]
            class Local:
                def method(self):
                    return inner()
            return inner, Local

        class Outer:
            class Inner:
                def method(self):
                    def deep():
                        pass
                    deep()
                    return deep
            def numbers(self):
                return (x for x in [1])

        def declares():
            global made_global
            def made_global():
                pass
            made_global()

        inner, Local = make()
        anonymous = Local().method()
        anonymous()
        deep = Outer.Inner().method()
        generator = Outer().numbers()
        list(generator)
        declares()
        for f in (make, inner, Local.method, anonymous, Outer.Inner.method, deep, Outer.numbers, declares, made_global):
            print(f.__qualname__)
        print(generator.__qualname__)
    """
    trace = trace_of("-MR", "prog", "-I", "^<", source=source)  # -I: lambdas, comprehensions too
    printed = trace.result.stdout.split()
    assert "make.<locals>.Local.method" in printed and printed[3].endswith("<lambda>")
    labels = set(trace.counts())
    assert set(printed) <= labels, (printed, labels)
    assert not labels & {"inner", "method", "deep", "<lambda>", "<genexpr>", "numbers"}, labels


def test_calls_of_profile_functions_specialise_as_a_defs_do(trace_of):
    # 3.13 specialises calls only of functions with a version, which FunctionType() does not give.
    source = """
        import dis
        import sys

        def plain(i): return i
        @profile
        def marked(i): return i

        def call_plain(n):
            for i in range(n): plain(i)
        def call_marked(n):
            for i in range(n): marked(i)

        with profile:
            call_plain(100); call_marked(100)
        if sys.version_info < (3, 11):  # no specialising interpreter
            print("- -")
        else:
            ops = [[i.opname for i in dis.get_instructions(f, adaptive=True) if i.opname.startswith("CALL")][-1]
                   for f in (call_plain, call_marked)]
            print(ops[0], ops[1])
    """
    plain, marked = trace_of("-b", source=source).result.stdout.split()
    assert marked == plain

def test_from_pyitt_import_profile_runs_under_plain_python(build_dir, python_exe, clean_env, tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("from pyitt import profile\n@profile\ndef f():\n    return 3\nwith profile:\n    print(f())\n")
    result = run([python_exe, script], env=dict(clean_env, PYTHONPATH=str(build_dir)))
    assert (result.returncode, result.stdout) == (0, "3\n"), result.stderr


def test_instrumenter_switch_and_noinstrumenter(trace_of):
    source = """
        import pyitt
        def quiet(): pass
        def loud(): pass
        with pyitt.instrumenter.disable():
            quiet()
        loud()
        @pyitt.instrumenter.disable()
        def silenced(): quiet()
        silenced()
    """
    assert trace_of(source=source).counts() == {"loud": 1}
    enabled_only = source.replace("loud()\n", "with pyitt.instrumenter.enable():\n            loud()\n", 1)
    assert trace_of("--noinstrumenter", source=enabled_only).counts() == {"loud": 1}


def test_exceptions_keep_tasks_balanced(trace_of):
    source = """
        def fail(n):
            if n == 0:
                raise ValueError
            fail(n - 1)
        def catch():
            try:
                fail(5)
            except ValueError:
                pass
        for _ in range(3):
            catch()
    """
    trace = trace_of(source=source)
    assert trace.counts() == {"catch": 3, "fail": 18}
    assert trace.properly_nested()


def test_generators_get_a_task_per_resumption(trace_of):
    source = """
        def numbers():
            yield 1
            yield 2
        def consume():
            return sum(numbers())
        consume()
    """
    trace = trace_of(source=source)
    assert trace.counts() == {"consume": 1, "numbers": 3}
    assert trace.properly_nested()


def test_async_code_is_balanced(trace_of):
    source = """
        import asyncio
        async def leaf(i):
            await asyncio.sleep(0)
            return i
        async def main():
            return sum(await asyncio.gather(*(leaf(i) for i in range(4))))
        asyncio.run(main(), debug=False)
    """
    trace = trace_of("-MR", "prog", source=source)
    counts = trace.counts()
    assert counts["leaf"] == 8 and counts["main"] >= 2
    assert trace.properly_nested()


def test_threads_are_covered_and_named(trace_of):
    source = """
        import threading
        from concurrent.futures import ThreadPoolExecutor
        def work(): return 1
        threads = [threading.Thread(target=work, name=f"worker-{i}") for i in range(3)]
        for t in threads: t.start()
        for t in threads: t.join()
        with ThreadPoolExecutor(2, thread_name_prefix="pool") as pool:
            list(pool.map(lambda _: work(), range(4)))
    """
    trace = trace_of("-R", "^work$", source=source)
    assert trace.counts() == {"work": 7}
    names = set(trace.thread_names().values())
    assert {"worker-0", "worker-1", "worker-2", "MainThread"} <= names
    assert any(name.startswith("pool") for name in names)
    assert trace.properly_nested()


def test_thread_renamed_from_inside(trace_of):
    source = """
        import threading
        def work():
            threading.current_thread().name = "renamed"
        t = threading.Thread(target=work, name="before"); t.start(); t.join()
    """
    names = set(trace_of("-R", "^work$", source=source).thread_names().values())
    assert "renamed" in names


def test_recursion_near_the_limit(trace_of):
    source = """
        import sys
        sys.setrecursionlimit(400)
        def deep(n):
            return deep(n + 1)
        try:
            deep(0)
        except RecursionError:
            print("stopped")
    """
    trace = trace_of("-R", "^deep$", source=source)
    assert trace.result.stdout == "stopped\n"
    assert 300 < trace.counts()["deep"] <= 400
    assert trace.properly_nested()


def test_endless_recursion_in_threads_with_nothing_selected_is_a_recursion_error(host, clean_env, build_config,
                                                                                 tmp_path):
    """3.9-3.11: the hook's shortest path, for code no filter selects, still checks the C stack's end
    (a thread's own, found on its first call), so a thread's endless recursion raises RecursionError.
    `unused` is selected so that the hook is installed (3.11 installs it once a selected function
    exists: until then a recursion is python's own, which goes on until memory runs out)."""
    if tuple(int(part) for part in build_config["python_version"].split(".")[:2]) >= (3, 12):
        pytest.skip("3.12+: no hook of pyitt-host's on the C stack per call")
    program = tmp_path / "endless_threads.py"
    program.write_text(textwrap.dedent("""
        import sys, threading
        sys.setrecursionlimit(10**8)
        def down(n):
            return down(n + 1)
        def unused():
            pass
        def work():
            try:
                down(0)
            except RecursionError:
                print("RecursionError", flush=True)
        for size in (0, 4 << 20):  # the host's default thread stack, then a small one the program asks for
            threading.stack_size(size)
            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
    """))
    result = run([host, "-q", "-R", "^unused$", "-o", tmp_path / "out", "--", program], env=clean_env, cwd=tmp_path,
                 timeout=300)
    assert result.returncode == 0 and result.stdout == "RecursionError\nRecursionError\n", result.stderr[-2000:]


def test_trace_c_labels_c_functions_by_their_own_names(trace_of):
    source = """
        import math
        def main():
            sorted([3, 1, 2]); math.sqrt(4.0); [].append(1)
        main()
    """
    counts = trace_of("--trace-c", "-R", "^main$", source=source).counts()
    assert counts["main"] == 1
    assert counts["builtins.sorted"] == 1 and counts["math.sqrt"] == 1 and counts["list.append"] == 1


def test_explain_writes_every_decision(trace_of, tmp_path):
    explain = tmp_path / "explain.tsv"
    trace_of("-R", "^fib$", "--explain", explain, script=FIB)
    rows = [line.split("\t") for line in explain.read_text().splitlines()[1:]]
    decisions = {row[1]: (row[0], row[4]) for row in rows}
    assert decisions["fib"] == ("record", "-R ^fib$")
    assert decisions["run"] == ("skip", "not matched by -R")


def test_setup_file_runs_first_and_is_not_instrumented(trace_of, tmp_path):
    setup = tmp_path / "setup.py"
    setup.write_text("import json\ndef heavy(): pass\nheavy()\nprint('setup ran')\n")
    trace = trace_of("-s", setup, source="def main(): pass\nmain()\nprint('program ran')\n")
    assert trace.result.stdout == "setup ran\nprogram ran\n"
    assert trace.counts() == {"main": 1}


def test_config_file_gives_long_options(trace_of, tmp_path):
    config = tmp_path / "pyitt.toml"
    config.write_text('function-restrict = ["^fib$"]\ndomain = "configured"\n')
    assert trace_of("-c", config, script=FIB).counts("configured") == {"fib": FIB_20_CALLS}


def test_bad_regex_is_a_usage_error(host, clean_env):
    result = run([host, "-I", "fib(", "--", FIB], env=clean_env)
    assert result.returncode == 2 and result.stdout == ""
    assert "'fib(' is not a Python regular expression" in result.stderr


@pytest.mark.parametrize("label_args", [["--label"], ["--label", "-F"]])
def test_label_without_pieces_is_the_name_alone(trace_of, label_args):
    """omnitrace's --label takes zero pieces too (nargs="*"): none of args, file, line."""
    source = "def add(a, b): return a + b\nadd(1, 2)\n"
    assert trace_of(*label_args, "-R", "^add$", source=source).counts() == {"add": 1}


def test_label_without_pieces_overrides_the_config_file(trace_of, tmp_path):
    config = tmp_path / "cfg.toml"
    config.write_text('label = ["args", "line"]\n')
    source = "def add(a, b): return a + b\nadd(1, 2)\n"
    assert trace_of("-c", config, "-R", "^add$", source=source).counts() == {"[add(a=1, b=2)][:1]": 1}
    assert trace_of("-c", config, "--label", "-R", "^add$", source=source).counts() == {"add": 1}


def test_bad_label_is_a_usage_error(host, clean_env):
    result = run([host, "--label", "colour", "--", FIB], env=clean_env)
    assert result.returncode == 2 and "--label" in result.stderr and len(result.stderr.splitlines()) == 1


def test_no_collector_means_no_hooks_and_same_output(host, clean_env):
    result = run([host, "--collector", "none", "-I", "fib", "--", FIB], env=clean_env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "fib(20) + inefficient(20) = 43055\n", "")


def test_falls_back_with_one_warning_when_another_tool_owns_the_hook(trace_of, build_config, tmp_path):
    if tuple(int(x) for x in build_config["python_version"].split(".")[:2]) < (3, 12):
        pytest.skip("a PEP 523 owner cannot be set up from Python; sys.monitoring tool ids can")
    setup = tmp_path / "taken.py"
    setup.write_text("import sys\nfor tool in (2, 3, 4):\n    sys.monitoring.use_tool_id(tool, 'someone else')\n")
    trace = trace_of("-s", setup, "-R", "^fib$", script=FIB)
    assert trace.counts() == {"fib": FIB_20_CALLS}
    assert trace.result.stderr.count("warning: another tool owns the fast call hook") == 1
    assert trace.properly_nested()
