"""Collection control from the command line, seen through the built-in collector: what was recorded,
the pause/resume marks in the trace and the summary's account of them."""
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import REPO, run, trace_files  # noqa: E402
from collection_trace import Trace  # noqa: E402

FIB = REPO / "samples" / "fib.py"


def test_resume_on_records_exactly_the_function(traced):
    trace = traced("--start-paused", "--resume-on", "inefficient", script=FIB)
    assert trace.counts() == {"inefficient": 1}
    assert trace.mark_names() == ["pause", "resume", "pause"]
    [task] = trace.tasks
    resume, pause = trace.marks[1:]
    assert resume["ts"] <= task["ts"] and task["ts"] + task["dur"] <= pause["ts"] + 1e-3
    paused_ms, pauses, resumes, detached = trace.collection_line()
    assert (pauses, resumes, detached) == (2, 1, None)
    assert paused_ms > 0


def test_the_sample_collects_only_solve(traced):
    trace = traced("--resume-on", "^solve$", script=REPO / "samples" / "start_paused.py")
    assert trace.counts() == {"solve": 4, "solve_part": 4}
    assert "4 round" not in trace.result.stdout and "1 round(s)" in trace.result.stdout
    assert {e["args"]["name"] for e in trace.events if e["name"] == "thread_name"} >= {"solver-0", "solver-3"}


def test_resume_on_alone_starts_paused(traced):
    assert traced("--resume-on", "^inefficient$", script=FIB).counts() == {"inefficient": 1}


def test_a_trigger_need_not_be_selected_for_a_task(traced):
    # -R fib selects no task inside inefficient, yet the trigger is tracked: one resume, no task.
    trace = traced("-R", "fib", "--resume-on", "inefficient", script=FIB)
    assert trace.counts() == {}
    assert trace.mark_names() == ["pause", "resume", "pause"]


def test_recursion_switches_once(traced):
    trace = traced("--resume-on", "^fib$", script=FIB)
    assert trace.counts() == {"fib": 21891}
    assert trace.mark_names() == ["pause", "resume", "pause"]


def test_pause_on_drops_the_function_and_its_callees(traced):
    trace = traced("--pause-on", "^fib$", script=FIB)
    assert trace.counts() == {"run": 1, "inefficient": 1}
    assert trace.mark_names() == ["pause", "resume"]


def test_pause_on_inside_resume_on(traced):
    source = """
        def outside(): pass
        def noisy(): leaf()
        def leaf(): pass
        def solve():
            leaf(); noisy(); leaf()
        outside(); solve(); outside()
    """
    trace = traced("--resume-on", "^solve$", "--pause-on", "^noisy$", source=source)
    assert trace.counts() == {"solve": 1, "leaf": 2}


def test_generator_runs_only_while_resumed(traced):
    source = """
        def step(i): pass
        def consume(x): pass
        def produce():
            for i in range(3):
                step(i)
                yield i
        for x in produce():
            consume(x)
    """
    trace = traced("--resume-on", "^produce$", source=source)
    counts = trace.counts()
    assert counts["step"] == 3 and "consume" not in counts
    assert counts["produce"] == 4  # one task per resumption, the last one ends the generator


CONCURRENT = """
    import threading

    def inside(): pass
    def outside(): pass
    def after_first_left(): pass

    def work(entered, release, done_first):
        inside()
        entered.set()
        release.wait()
        if done_first is not None:
            done_first.wait()
            after_first_left()
        inside()

    # Two threads inside work(); the first leaves while the second is still inside: collection must
    # keep running for the second until it leaves too.
    e1, e2, r1, r2 = (threading.Event() for _ in range(4))
    first_left = threading.Event()
    t1 = threading.Thread(target=lambda: (work(e1, r1, None), first_left.set()))
    t2 = threading.Thread(target=work, args=(e2, r2, first_left))
    t1.start(); e1.wait()
    t2.start(); e2.wait()
    r1.set(); r2.set()
    t1.join(); t2.join()
    outside()

    # Many threads entering and leaving at random: no inside() may be lost, nothing outside kept.
    def hammer(n):
        for _ in range(n):
            work(threading.Event(), SET, None)
            outside()
    SET = threading.Event(); SET.set()
    threads = [threading.Thread(target=hammer, args=(300,)) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
"""


def test_threads_entering_and_leaving_concurrently(traced):
    trace = traced("--resume-on", "^work$", "-I", "inside", "after_first_left", "outside", source=CONCURRENT)
    counts = trace.counts()
    assert counts["inside"] == 4 + 8 * 300 * 2
    assert counts["after_first_left"] == 1
    assert counts["work"] == 2 + 8 * 300
    # outside() is recorded only when another thread happened to be inside work() at that moment,
    # never in the two-thread phase, whose outside() runs after both left.
    first_outside = [e for e in trace.tasks if e["name"] == "outside"]
    two_thread_end = max(e["ts"] + e["dur"] for e in trace.tasks if e["name"] == "after_first_left")
    assert all(e["ts"] > two_thread_end for e in first_outside)
    _, pauses, resumes, _ = trace.collection_line()
    assert pauses == resumes + 1  # started paused, ended paused, every resume paired


def test_builtin_regions_are_active_regions(traced):
    source = """
        import threading
        import pyitt

        def inner(): pass

        @profile
        def solve(n):
            with pyitt.task("inside-region"):
                inner()

        with pyitt.task("outside-region"):
            inner()
        threads = [threading.Thread(target=solve, args=(i,)) for i in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        with profile:
            with pyitt.task("inside-block"):
                pass
        with pyitt.task("after"):
            pass
    """
    trace = traced("-b", source=source)
    assert trace.counts() == {"solve": 4, "inner": 4}
    assert trace.counts("pyitt") == {"inside-region": 4, "inside-block": 1}
    _, pauses, resumes, _ = trace.collection_line()
    assert 2 <= resumes + 1 == pauses <= 6  # threads may overlap: fewer switches than regions



def test_hot_builtin_regions_switch_collection_rarely(traced):
    # A pause and a resume per call of a hot @profile function would cost more than its task: the
    # last exit puts the pause off until a region-less millisecond or the program's next ITT event.
    source = """
        import threading
        import time
        import pyitt

        @profile
        def hot(i):
            return i

        def loop():
            for i in range(3000):
                hot(i)

        threads = [threading.Thread(target=loop) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        with pyitt.task("right-after"):  # the program's own event: the put-off pause comes first
            pass
        with profile:
            hot(-1)
        time.sleep(0.05)                # a region-less while: paused by then
        with profile:
            hot(-2)
    """
    trace = traced("-b", source=source)
    assert trace.counts() == {"hot": 12002}
    assert trace.counts("pyitt") == {}
    _, pauses, resumes, _ = trace.collection_line()
    assert pauses == resumes + 1
    assert 3 <= resumes <= 100  # not one per call; but after the task and during the sleep, paused


def test_the_programs_request_after_a_region_wins_over_its_put_off_pause(traced):
    source = """
        import pyitt

        @profile
        def region():
            pass

        region()
        pyitt.resume()  # later than the region's exit: it wins, as it did before the pause was put off
        with pyitt.task("after-resume"):
            pass
    """
    trace = traced("-b", source=source)
    assert trace.counts("pyitt") == {"after-resume": 1}


PROGRAM_CONTROL = """
    import pyitt

    def skipped(): pass
    def kept(): pass
    def early(): pass
    def late(): pass

    def solve():
        kept()
        pyitt.pause()
        skipped()
        pyitt.resume()
        kept()

    early()
    solve()
    pyitt.resume()   # the program's call takes effect at once, trigger or not
    late()
    solve()          # leaving solve() pauses again: the latest request wins
    early()
    with pyitt.active_region():
        kept()
    early()
"""


def test_the_program_pause_and_resume_combine(traced):
    trace = traced("--resume-on", "^solve$", source=PROGRAM_CONTROL)
    counts = trace.counts()
    assert counts == {"solve": 2, "kept": 5, "late": 1}


def test_detach_is_final(traced):
    source = """
        import pyitt
        def kept(): pass
        def lost(): pass
        def solve(final):
            kept()
            if final:
                pyitt.detach()
            lost() if final else kept()
        solve(False)
        solve(True)
        solve(False)
        pyitt.resume()
        lost()
    """
    trace = traced("--resume-on", "^solve$", "-I", "kept", "lost", source=source)
    assert trace.counts() == {"solve": 2, "kept": 3}
    [cut] = [e for e in trace.tasks if e.get("args", {}).get("unfinished")]  # solve(True), cut at the detach
    assert cut["name"] == "solve"
    assert trace.mark_names()[-1] == "detach"
    _, _, _, detached = trace.collection_line()
    assert detached is not None


def test_unmatched_trigger_is_named_at_exit(traced):
    trace = traced("--start-paused", "--resume-on", "solv", "inefficient", "--pause-on", "nothing_here",
                   script=FIB)
    warnings = [line for line in trace.result.stderr.splitlines() if "never matched" in line]
    assert warnings == ["pyitt-host: warning: --resume-on 'solv' never matched; it resumed nothing",
                        "pyitt-host: warning: --pause-on 'nothing_here' never matched; it paused nothing"]
    alone = traced("--resume-on", "solv", script=FIB)
    assert "--resume-on 'solv' never matched; collection stayed paused" in alone.result.stderr
    assert alone.counts() == {}


def test_children_follow_the_options_and_warn_nothing(traced, tmp_path):
    source = f"""
        import subprocess, sys
        def parent_work(): pass
        parent_work()
        subprocess.run([sys.executable, {str(FIB)!r}], check=True)
    """
    trace = traced("--resume-on", "inefficient", "solv", source=source)
    # inefficient matched in the child only: only solv is named, once, by the parent
    warnings = [line for line in trace.result.stderr.splitlines() if "never matched" in line]
    assert warnings == ["pyitt-host: warning: --resume-on 'solv' never matched; collection stayed paused"]
    children = [p for p in trace_files(trace.out) if p != trace.path]
    assert len(children) == 1
    child = Trace(trace.out, pid=children[0].stem.split("-")[1])
    assert child.counts() == {"inefficient": 1}
    assert child.mark_names() == ["pause", "resume", "pause"]


def test_children_share_the_run_clock(traced):
    # The child starts after --resume-after has passed: it starts resumed, as the parent is.
    source = f"""
        import subprocess, sys, time
        time.sleep(0.8)
        subprocess.run([sys.executable, {str(FIB)!r}], check=True)
    """
    trace = traced("--resume-after", "0.4", "-R", "inefficient", source=source)
    [child_path] = [p for p in trace_files(trace.out) if p != trace.path]
    child = Trace(trace.out, pid=child_path.stem.split("-")[1])
    assert child.counts() == {"inefficient": 1}
    assert child.mark_names() == ["pause", "resume"]


def test_collection_scope_uses_the_scoped_calls(traced):
    trace = traced("--collection-scope", "host", "--resume-on", "inefficient", script=FIB)
    assert trace.counts() == {"inefficient": 1}
    assert [e.get("args", {}).get("scope") for e in trace.marks] == [1, 1, 1]


def test_detach_on_exit_after_the_program(traced):
    source = """
        import atexit
        def at_exit(): pass
        def work(): pass
        atexit.register(at_exit)
        work()
    """
    trace = traced("--detach-on-exit", source=source)
    assert trace.counts() == {"work": 1, "at_exit": 1}
    assert trace.mark_names() == ["detach"]
    assert trace.marks[0]["ts"] >= max(e["ts"] + e["dur"] for e in trace.tasks) - 1e-3


@pytest.mark.parametrize("args, message", [
    (["--resume-after", "-1"], "--resume-after: -1 is negative"),
    (["--detach-after", "soon"], "--detach-after: 'soon' is not a number of seconds"),
    (["--resume-signal", "SIGFOO"], "--resume-signal: 'SIGFOO' is not a signal"),
    (["--pause-signal", "KILL"], "--pause-signal: 'KILL' is not a signal"),
    (["--collection-scope", "gpu"], "--collection-scope"),
])
def test_bad_input_is_a_usage_error(host, clean_env, args, message):
    result = run([host, *args, "--", FIB], env=clean_env)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyitt-host: error: " + message), result.stderr


def test_a_forked_child_has_its_own_control_thread(traced):
    # The first signal goes to the child alone: the child resumes, the parent stays paused until
    # its own signal.
    source = f"""
        import os, sys, time
        def phase(n): pass
        pid = os.fork()
        if pid == 0:
            phase(0)
            time.sleep(1.0)
            phase(1)
            sys.exit(0)
        time.sleep(0.4)
        os.kill(pid, {int(signal.SIGUSR1)})
        os.waitpid(pid, 0)
        phase(2)
        os.kill(os.getpid(), {int(signal.SIGUSR1)})  # the parent's thread is back after the fork
        time.sleep(0.3)
        phase(3)
    """
    trace = traced("--start-paused", "--resume-signal", "USR1", "-I", "phase", source=source)
    assert "multi-threaded" not in trace.result.stderr  # 3.12+: the control thread stops around fork()
    both = [Trace(trace.out, pid=p.name.split("-")[1].split(".")[0]) for p in trace_files(trace.out)]
    # (both report at exit: the forked child is no child of pyitt-host's making)
    parent, child = sorted(both, key=lambda t: t.mark_names() != ["pause", "resume"])
    assert parent.mark_names() == ["pause", "resume"] and [e["name"] for e in parent.tasks] == ["phase"]
    assert child.mark_names() == ["resume"] and [e["name"] for e in child.tasks] == ["phase"]


def test_triggers_work_on_the_fallback_hook(traced, build_config, tmp_path):
    if tuple(int(x) for x in build_config["python_version"].split(".")[:2]) < (3, 12):
        pytest.skip("a PEP 523 owner cannot be set up from Python; sys.monitoring tool ids can")
    setup = tmp_path / "taken.py"
    setup.write_text("import sys\nfor tool in (2, 3, 4):\n    sys.monitoring.use_tool_id(tool, 'someone else')\n")
    trace = traced("-s", setup, "--resume-on", "^inefficient$", "--pause-on", "^fib$", script=FIB)
    assert "another tool owns the fast call hook" in trace.result.stderr
    assert trace.counts() == {"inefficient": 1}
    assert trace.mark_names() == ["pause", "resume", "pause"]  # inside fib it is paused already


def test_a_program_that_closes_every_descriptor_does_not_make_the_control_thread_spin(traced):
    # Daemons close every inherited descriptor, the control thread's pipe included.
    source = """
    import os, time
    os.closerange(3, 4096)
    start = time.process_time()
    time.sleep(0.5)
    print(f"{time.process_time() - start:.3f}")
    """
    trace = traced("-R", "^nothing$", source=source)
    assert float(trace.result.stdout) < 0.2  # a spinning thread would burn the whole half second


def test_a_program_that_waits_for_sigterm_itself_gets_it(traced):
    # Blocked in every thread of the program, SIGTERM is the program's to sigwait() for, as under python.
    source = """
    import os, signal, time
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    os.kill(os.getpid(), signal.SIGTERM)  # pending for the process until it asks for it
    time.sleep(0.2)
    print("got", signal.sigwait([signal.SIGTERM]))
    """
    trace = traced("-R", "^nothing$", source=source)
    assert trace.result.stdout in (f"got {int(signal.SIGTERM)}\n", "got Signals.SIGTERM\n")  # 3.9/3.10: the enum


def test_signals_a_setup_file_blocks_stay_blocked_for_the_program(traced, tmp_path):
    # The host holds the ending signals back while it starts and lets them go once: what the user's
    # -s file blocked on purpose is still blocked at the program's first line.
    setup = tmp_path / "block.py"
    setup.write_text("import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])\n")
    source = """
    import signal
    print(signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, []))
    """
    trace = traced("-s", setup, "-R", "^nothing$", source=source)
    assert trace.result.stdout == "True\n"
