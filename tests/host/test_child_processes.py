"""Child processes under pyitt-host: every Python child comes back to the host with the parent's
options, writes its own trace, and the process the user started merges the run into its trace
(trace.perfetto-trace, or trace.json)."""
import collections
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import REPO, read_trace, run, run_trace_path, trace_files  # noqa: E402

POOL = """
import multiprocessing, sys

def work(x):
    return x * x

if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else None
    context = multiprocessing.get_context(method)
    with context.Pool(4) as pool:
        print(sum(pool.map(work, range(40), chunksize=1)))
"""


class Run:
    """What a run left in its output directory, read as a user would."""

    def __init__(self, result, out):
        self.result = result
        self.out = Path(out)
        merged = run_trace_path(self.out)
        self.trace = read_trace(merged) if merged.exists() else None
        self.names = {}
        self.tasks = collections.defaultdict(collections.Counter)  # pid -> name -> count
        for event in (self.trace or {}).get("traceEvents", []):
            if event["ph"] == "M" and event["name"] == "process_name":
                self.names[event["pid"]] = event["args"]["name"]
            if event["ph"] == "X":
                self.tasks[event["pid"]][event["name"]] += 1

    def count(self, task, role_prefix=""):
        return sum(counts[task] for pid, counts in self.tasks.items()
                   if self.names.get(pid, "").startswith(role_prefix))

    def roles(self):
        return sorted(self.names.values())

    @property
    def summary(self):
        return (self.out / "summary.txt").read_text()


@pytest.fixture
def run_host(host, clean_env, tmp_path):
    runs = itertools.count()

    def go(options, script_text, *args, env=None, timeout=120):
        script = tmp_path / "program.py"
        script.write_text(textwrap.dedent(script_text))
        out = tmp_path / f"out-{next(runs)}"
        result = run([host, *options, "-o", out, "--", script, *args], env=dict(clean_env, **(env or {})),
                     cwd=tmp_path, timeout=timeout)
        return Run(result, out)
    return go


@pytest.mark.parametrize("method, worker", [("spawn", "SpawnPoolWorker-"), ("forkserver", "ForkServerPoolWorker-"),
                                            ("fork", "ForkPoolWorker-")])
def test_pool_map_counts_every_item_once_across_workers(run_host, method, worker):
    r = run_host(["-R", "^work$"], POOL, method)
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stdout == f"{sum(x * x for x in range(40))}\n"
    assert r.count("work") == 40
    assert r.count("work", worker) == 40  # all in the workers, none in main
    assert "main" in r.roles() and any(name.startswith(worker) for name in r.roles())
    assert "without a trace" not in r.summary and "resource tracker" not in r.summary
    assert "work" in r.summary and " 40 " in r.summary.split("work", 1)[1].splitlines()[0] + " "
    last = r.result.stderr.splitlines()[-1]
    assert last.startswith("pyitt-host: ") and "processes in" in last and "trace.perfetto-trace" in last
    if method == "forkserver":
        assert "forkserver" in r.roles()  # stopped at the end of main, so its trace is merged


def test_the_merged_flat_table_marks_recursion_as_each_process_does(run_host):
    r = run_host(["-R", "^fib$"], """
    import os
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)
    pid = os.fork()
    fib(7 if pid == 0 else 9)
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    """)
    assert r.result.returncode == 0, r.result.stderr
    merged = r.summary.split("Flat, all processes", 1)[1]
    # The deepest of the processes' (9 in the parent, 7 in the child), as summary-<pid>.txt says it.
    assert "fib (recursive, depth 1-9)" in merged, merged
    assert any("fib (recursive, depth 1-7)" in p.read_text() for p in r.out.glob("summary-*.txt"))


def test_pythons_start_method_is_the_default_and_the_program_may_still_choose(run_host, build_dir, tmp_path):
    script = """
    import multiprocessing, sys
    if sys.argv[1:] == ["choose"]:
        multiprocessing.set_start_method("forkserver")  # no "context has already been set"
    print(multiprocessing.get_start_method(allow_none=True), multiprocessing.get_start_method())
    """
    pythons = "None fork\n"  # Linux's default before 3.14, which the embedded Pythons are
    for options in ([], ["--collector", "none"], ["--no-follow-children"], ["--mp-start-method", "keep"]):
        r = run_host(options, script)
        assert (r.result.stdout, r.result.stderr.count("note:")) == (pythons, 0), options
    r = run_host([], script, "choose")
    assert r.result.stdout == "forkserver forkserver\n", r.result.stderr
    r = run_host(["--mp-start-method", "forkserver"], script)
    assert r.result.stdout == "None forkserver\n", r.result.stderr
    r = run_host(["--mp-start-method", "spawn"], script)
    assert r.result.stdout == "None spawn\n", r.result.stderr

    # An external collector (VTune's; here a copy of ours under another name) is corrupted by forked
    # children: spawn where the program did not choose, said once, and the way back.
    foreign = tmp_path / "libsome-vendor-collector.so"
    foreign.write_bytes((build_dir / "libpyitt-collector.so").read_bytes())
    r = run_host(["--collector", str(foreign)], script)
    assert r.result.stdout == "None spawn\n", r.result.stderr
    assert "note:" not in r.result.stderr  # no child started
    r = run_host(["--collector", str(foreign)], POOL)
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stderr.count("pyitt-host: note:") == 1 and "--mp-start-method keep" in r.result.stderr
    r = run_host(["--collector", str(foreign)], script, "choose")
    assert r.result.stdout == "forkserver forkserver\n" and "note:" not in r.result.stderr
    for options in (["--mp-start-method", "keep"], ["--no-follow-children"]):
        r = run_host(["--collector", str(foreign), *options], script)
        assert r.result.stdout == pythons and "note:" not in r.result.stderr, options


def test_bad_start_method_is_a_usage_error(host, clean_env, tmp_path):
    result = run([host, "--mp-start-method", "threads", "--", "-c", "pass"], env=clean_env, cwd=tmp_path)
    assert result.returncode == 2
    assert "--mp-start-method" in result.stderr and result.stderr.count("\n") == 1


def test_process_pool_executor(run_host):
    r = run_host(["-R", "^square$"], """
    from concurrent.futures import ProcessPoolExecutor

    def square(x):
        return x * x

    if __name__ == "__main__":
        with ProcessPoolExecutor(max_workers=3) as pool:
            print(sum(pool.map(square, range(30))))
    """)
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stdout == f"{sum(x * x for x in range(30))}\n"
    assert r.count("square") == 30
    assert r.count("square", "main") == 0


def test_subprocess_children_script_and_c_and_a_grandchild(run_host, tmp_path):
    (tmp_path / "child.py").write_text(textwrap.dedent("""
        import subprocess, sys

        def in_child():
            return 1

        in_child()
        subprocess.run([sys.executable, "-c", "def in_grandchild(): pass\\nin_grandchild()"], check=True)
        print("child done", flush=True)
    """))
    r = run_host(["-R", "^in_"], """
    import subprocess, sys

    def in_main():
        subprocess.run([sys.executable, "child.py"], check=True)
        subprocess.run([sys.executable, "-c", "def in_c(): pass\\nin_c(); in_c()"], check=True)

    in_main()
    """)
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stdout == "child done\n"
    assert r.count("in_main", "main") == 1
    assert r.count("in_child", "python child.py") == 1
    assert r.count("in_c") == 2
    assert r.count("in_grandchild") == 1
    assert r.roles().count("python -c") == 2
    pids = {name: pid for pid, name in r.names.items()}
    parents = {int(line.split()[0]): int(line.split()[1]) for line in r.summary.splitlines()
               if line.strip()[:1].isdigit()}
    grandchild = next(pid for pid, counts in r.tasks.items() if counts["in_grandchild"])
    assert parents[grandchild] == pids["python child.py"]
    assert parents[pids["python child.py"]] == pids["main"]


def test_nested_pool_in_a_worker(run_host):
    r = run_host(["-R", "^leaf$"], """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    def leaf(x):
        return x + 1

    def branch(n):
        with ProcessPoolExecutor(max_workers=2) as pool:
            print(n, sum(pool.map(leaf, range(n))), flush=True)

    if __name__ == "__main__":
        for n in (5, 7):  # pool workers are daemons, which may not have children: processes then
            child = multiprocessing.Process(target=branch, args=(n,), name=f"branch-{n}")
            child.start()
            child.join()
    """)
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stdout == "5 15\n7 28\n"
    assert r.count("leaf") == 12
    assert r.count("leaf", "branch-") == 0  # in the grandchildren
    assert {"branch-5", "branch-7"} <= set(r.roles())
    assert len(r.names) >= 1 + 2 + 2


def test_crashed_and_killed_children_lose_only_their_own_events(run_host):
    r = run_host(["-R", "^(step|sibling)$"], """
    import multiprocessing, os, signal

    def step():
        pass

    def crash():
        step()
        os.abort()

    def killed():
        step()
        os.kill(os.getpid(), signal.SIGKILL)

    def leave():
        step(); step()
        os._exit(3)

    def sibling():
        step()

    if __name__ == "__main__":
        processes = [multiprocessing.Process(target=f, name=f.__name__) for f in (crash, killed, leave, sibling)]
        for p in processes:
            p.start()
            p.join()
        print([p.exitcode for p in processes])
        step()
    """)
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stdout == "[-6, -9, 3, 0]\n"
    assert r.count("step", "crash") == 1  # written at the crash, before dying of SIGABRT
    assert r.count("step", "leave") == 2  # os._exit wrote the trace first
    assert r.count("step", "sibling") == 1 and r.count("sibling", "sibling") == 1
    assert r.count("step", "main") == 1
    assert "(2 with an incomplete trace)" in r.summary
    [crashed] = [line for line in r.summary.splitlines() if "up to its crash: SIGABRT" in line]
    assert " crash " in crashed
    [lost] = [line for line in r.summary.splitlines() if "unfinished-" in line]  # SIGKILL: nothing written
    assert lost.split()[2] == "killed"  # named by its role all the same
    pid = int(lost.split()[0])
    assert (r.out / f"unfinished-{pid}.txt").read_text().startswith("run ")
    assert "2 with an incomplete trace" in r.result.stderr.splitlines()[-1]


@pytest.mark.parametrize("delay", [0, 0.01, 0.03])
def test_workers_terminated_while_they_start_leave_complete_traces(run_host, delay):
    # What a pool does when its work is done before every worker has started: SIGTERM to workers
    # still in their start-up. Each one dies of it as under python, with its (maybe empty) trace.
    r = run_host(["-R", "^work$"], f"""
    import multiprocessing, time

    def work():
        pass

    if __name__ == "__main__":
        pool = multiprocessing.get_context("spawn").Pool(4)
        time.sleep({delay})
        pool.terminate()
        pool.join()
        work()
        print("terminated")
    """)
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stdout == "terminated\n"
    assert "incomplete" not in r.summary, r.summary
    assert list(r.out.glob("unfinished-*.txt")) == []
    assert r.count("work", "main") == 1


def test_sigterm_at_any_moment_of_the_start_ends_the_host_as_python(host, clean_env, tmp_path):
    script = tmp_path / "program.py"
    script.write_text("import time\ntime.sleep(5)\n")
    for delay in (0.0, 0.005, 0.01, 0.02, 0.04, 0.08):
        out = tmp_path / f"out-{delay}"
        process = subprocess.Popen([host, "-o", out, "--", script], env=clean_env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == -signal.SIGTERM, (delay, stderr)
        assert list(out.glob("unfinished-*.txt")) == [], (delay, stderr)  # a trace, or nothing begun


def test_a_crashing_program_writes_its_trace_and_dies_of_its_signal(host, clean_env, tmp_path):
    script = tmp_path / "crash.py"
    script.write_text("import ctypes\ndef before(): pass\nbefore()\nctypes.string_at(0)\n")
    out = tmp_path / "out"
    result = run([host, "-R", "^before$", "-o", out, "--", script], env=clean_env, cwd=tmp_path)
    assert result.returncode == -11, result.stderr  # SIGSEGV, as under python
    [trace] = trace_files(out)
    events = read_trace(trace)["traceEvents"]
    assert [e["name"] for e in events if e["ph"] == "X"] == ["before"]
    assert "pyitt summary: " in result.stderr


def test_options_reach_the_children(run_host):
    script = """
    import multiprocessing

    def outside():
        pass

    def hot():
        outside_of_interest()

    def outside_of_interest():
        pass

    def job(x):
        outside()
        hot()
        return x

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            pool.map(job, range(6))
    """
    r = run_host(["-R", "^(hot|outside_of_interest)$"], script)
    assert r.result.returncode == 0, r.result.stderr
    assert r.count("hot") == 6 and r.count("outside_of_interest") == 6
    assert r.count("outside") == 0 and r.count("job") == 0

    r = run_host(["-I", "^(outside|hot|outside_of_interest)$", "--start-paused", "--resume-on", "^hot$"], script)
    assert r.result.returncode == 0, r.result.stderr
    assert r.count("hot") == 6 and r.count("outside_of_interest") == 6
    assert r.count("outside") == 0  # collection was paused outside hot, in the workers too
    assert "unmatched" not in r.result.stderr


def test_builtin_regions_domain_and_labels_reach_the_workers(run_host):
    r = run_host(["-b", "--domain", "mp", "--label", "line", "--mp-start-method", "spawn"], """
    import multiprocessing

    def helper():
        pass

    @profile
    def job(x):
        helper()
        return x

    def unprofiled(x):
        helper()
        return x

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            pool.map(job, range(5))
            pool.map(unprofiled, range(5))
    """)
    assert r.result.returncode == 0, r.result.stderr
    events = [e for e in r.trace["traceEvents"] if e["ph"] == "X"]
    assert {e["cat"] for e in events} == {"mp"}
    jobs = [e for e in events if e["name"].startswith("[job]")]
    helpers = [e for e in events if e["name"].startswith("[helper]")]
    assert len(jobs) == 5 and len(helpers) == 5  # only inside the profile region: not from unprofiled
    assert len({e["name"] for e in jobs}) == 1 and re.fullmatch(r"\[job\]\[:\d+\]", jobs[0]["name"])  # --label line
    assert all(r.names[e["pid"]].startswith("SpawnPoolWorker-") for e in jobs)


def test_setup_file_and_explain_reach_children(run_host, tmp_path):
    setup = tmp_path / "setup.py"
    setup.write_text("import builtins\nbuiltins.FROM_SETUP = 'set up'\n")
    elsewhere = tmp_path / "elsewhere"  # the child's directory: relative paths must not change meaning
    elsewhere.mkdir()
    (elsewhere / "child.py").write_text("def in_child(): return FROM_SETUP\nprint(in_child())\n")
    r = run_host(["-s", "setup.py", "--explain", "decisions.tsv", "-R", "^in_child$"], """
    import subprocess, sys
    subprocess.run([sys.executable, "child.py"], check=True, cwd=sys.argv[1])
    """, str(elsewhere))
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stdout == "set up\n"
    assert r.count("in_child", "python child.py") == 1
    child_pid = next(pid for pid, name in r.names.items() if name == "python child.py")
    assert (tmp_path / "decisions.tsv").exists()  # the main process's
    assert "in_child" in (tmp_path / f"decisions-{child_pid}.tsv").read_text()


def test_no_follow_children_runs_them_as_plain_python(run_host, python_exe):
    # Spawned children (a forked one is a copy of this process, instrumented as it is).
    r = run_host(["--no-follow-children", "--mp-start-method", "spawn", "-R", "^work$"], POOL + """
    import subprocess, sys
    print(subprocess.run([sys.executable, "-c", "import sys; print(sys.executable)"],
                         capture_output=True, text=True).stdout.strip())
    """)
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stdout.splitlines()[1] == str(Path(python_exe).resolve()) or \
        Path(r.result.stdout.splitlines()[1]).resolve() == Path(python_exe).resolve()
    [own] = trace_files(r.out)
    assert os.path.samefile(run_trace_path(r.out), own)  # one process: no merge, its trace is the run's


def test_fork_under_an_external_collector_warns_once(run_host, build_dir, tmp_path):
    # Any collector that is not the built-in one stands for VTune's: a copy of ours under another name.
    foreign = tmp_path / "libsome-vendor-collector.so"
    foreign.write_bytes((build_dir / "libpyitt-collector.so").read_bytes())
    r = run_host(["--collector", str(foreign), "--mp-start-method", "fork"], POOL)
    assert r.result.returncode == 0, r.result.stderr
    assert r.result.stderr.count("fork start method") == 1
    r = run_host(["--collector", str(foreign)], POOL)
    assert "fork start method" not in r.result.stderr
    r = run_host(["--collector", str(foreign)], POOL, "fork")  # the program's own choice
    assert r.result.stderr.count("fork start method") == 1


def test_sample_multiprocessing_pool(host, clean_env, tmp_path):
    out = tmp_path / "out"
    result = run([host, "-R", "simulate", "-o", out, "--", REPO / "samples" / "multiprocessing_pool.py", "12"],
                 env=clean_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "12 items on fork" in result.stdout  # Python's default start method
    r = Run(result, out)
    assert r.count("simulate", "ForkPoolWorker-") == 12


@pytest.mark.parametrize("trace_format", ["perfetto", "json"])
def test_the_merged_summary_lists_each_processs_threads_from_its_trace(run_host, trace_format):
    # Each process's thread lines and its paused-collection line reach the merged summary through
    # its trace's trailer: the same as in its own summary-<pid>.txt, which the merge no longer reads
    # (removed here before the parent merges).
    r = run_host(["--trace-format", trace_format, "-R", "^(spin|child_work)$"], """
    import glob, os, subprocess, sys, threading
    import pyitt
    def spin():
        return sum(range(20000))
    def child_work():
        pyitt.pause(); spin(); pyitt.resume()
        t = threading.Thread(target=spin, name="helper"); t.start(); t.join()
        spin()
    if len(sys.argv) > 1:
        child_work()
    else:
        spin()
        subprocess.run([sys.executable, __file__, "child"], check=True)
        for own in glob.glob(os.path.join(os.environ["PYITT_OUTPUT_DIR"], "summary-*.txt")):
            os.remove(own)
    """)
    assert r.result.returncode == 0, r.result.stderr
    section = r.summary.split("Processes (", 1)[1].split("\n\n", 1)[0]
    for line in ("thread", "MainThread:", "helper:", "collection paused"):
        assert line in section, section
    assert len(re.findall(r"^ {18}thread \d+ MainThread: \d+ task\(s\), wall [\d.]+ [mu]?s, CPU ", section, re.M)) == 2
    assert len(re.findall(r"^ {18}thread \d+ helper: 1 task\(s\)", section, re.M)) == 1
    assert len(re.findall(r"^ {18}collection paused [\d.]+ ms \([\d.]+% of the wall time\): 1 pause\(s\), 1 resume\(s\)$",
                          section, re.M)) == 1
