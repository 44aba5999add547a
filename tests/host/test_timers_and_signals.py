"""Collection control by timers and signals (--resume-after, --pause-after, --detach-after,
--resume-signal, --pause-signal), seen through the built-in collector."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from collection_trace import Trace  # noqa: E402


TIMED = """
    import time
    def early(): pass
    def late(): pass
    early()
    time.sleep({sleep})
    late()
"""


def test_resume_after(traced):
    trace = traced("--resume-after", "0.6", source=TIMED.format(sleep=1.2))
    assert trace.counts() == {"late": 1}
    assert trace.mark_names() == ["pause", "resume"]
    paused_ms, pauses, resumes, _ = trace.collection_line()
    assert (pauses, resumes) == (1, 1) and 400 < paused_ms < 1200


def test_pause_after(traced):
    trace = traced("--pause-after", "0.6", source=TIMED.format(sleep=1.2))
    assert trace.counts() == {"early": 1}
    assert trace.mark_names() == ["pause"]


def test_detach_after(traced):
    trace = traced("--detach-after", "0.6", "--resume-signal", "USR1", source=TIMED.format(sleep=1.2))
    assert trace.counts() == {"early": 1}
    assert trace.mark_names() == ["detach"]
    _, _, _, detached = trace.collection_line()
    assert 400 < detached < 1200


def test_a_window_of_time(traced):
    source = """
        import time
        def tick(): pass
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            tick()
            time.sleep(0.01)
    """
    trace = traced("--resume-after", "0.5", "--pause-after", "1.0", source=source)
    ticks = [e["ts"] for e in trace.tasks if e["name"] == "tick"]
    assert ticks and trace.mark_names() == ["pause", "resume", "pause"]
    resume, pause = trace.marks[1]["ts"], trace.marks[2]["ts"]
    assert all(resume <= t <= pause for t in ticks)
    assert 350e3 < pause - resume < 650e3  # microseconds


SIGNALLED = """
    import sys
    def phase(n): pass
    for n in range(4):
        phase(n)
        print(n, flush=True)
        sys.stdin.readline()
"""


def run_with_signals(host, clean_env, tmp_path, options, signals):
    """Runs SIGNALLED; after each phase sends the next signal (or none) and lets it go on."""
    script = tmp_path / "signalled.py"
    script.write_text(textwrap.dedent(SIGNALLED))
    out = tmp_path / "out"
    proc = subprocess.Popen([str(host), "-o", str(out), *options, "--", str(script)], env=clean_env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for sig in signals:
            assert proc.stdout.readline().strip().isdigit()
            if sig is not None:
                os.kill(proc.pid, sig)
                time.sleep(0.3)  # the control thread acts outside the handler, a moment later
            proc.stdin.write("\n")
            proc.stdin.flush()
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    return Trace(out)


def recorded_phases(trace):
    """Which phase(n) calls were recorded, by their order in time."""
    return len([e for e in trace.tasks if e["name"] == "phase"])


def test_one_signal_toggles(host, clean_env, tmp_path):
    trace = run_with_signals(host, clean_env, tmp_path,
                                ["--start-paused", "--resume-signal", "USR1", "--pause-signal", "SIGUSR1"],
                                [signal.SIGUSR1, signal.SIGUSR1, signal.SIGUSR1, None])
    # phase 0 paused; toggled on before phase 1, off before 2, on before 3
    assert recorded_phases(trace) == 2
    assert trace.mark_names() == ["pause", "resume", "pause", "resume"]
    starts = [e["ts"] for e in trace.tasks if e["name"] == "phase"]
    assert starts[0] > trace.marks[1]["ts"] and trace.marks[2]["ts"] < starts[1]


def test_resume_and_pause_signals(host, clean_env, tmp_path):
    trace = run_with_signals(host, clean_env, tmp_path,
                                ["--pause-signal", "usr2", "--resume-signal", str(int(signal.SIGUSR1))],
                                [signal.SIGUSR2, signal.SIGUSR2, signal.SIGUSR1, None])
    # phase 0 recorded; paused before 1 (a second pause changes nothing); resumed before 3
    assert recorded_phases(trace) == 2
    _, pauses, resumes, _ = trace.collection_line()
    assert (pauses, resumes) == (1, 1)


def test_a_signal_after_a_region_wins_over_its_put_off_pause(traced):
    source = """
        import os, signal, time
        import pyitt

        @profile
        def region():
            pass

        region()
        os.kill(os.getpid(), signal.SIGUSR1)  # resumes, later than the region's exit: it wins
        time.sleep(0.2)  # the put-off pause's millisecond is long past
        with pyitt.task("after-resume"):
            pass
    """
    trace = traced("-b", "--resume-signal", "USR1", source=source)
    assert trace.counts("pyitt") == {"after-resume": 1}
