"""The files a process writes at its exit are made while it runs (collector/prepared_files.h), nameless:
they reach their names whole, a program that closes and reuses every descriptor keeps its own files,
and a process killed before its exit leaves nothing but its marker."""
import json
import os
import re
import signal
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run  # noqa: E402


def run_program(host, env, tmp_path, program, *options):
    (tmp_path / "program.py").write_text(textwrap.dedent(program))
    out = tmp_path / "out"
    result = run([host, *options, "-o", out, "--trace-format", "json", "--", "program.py"], env=env, cwd=tmp_path)
    return result, out


def hidden(out):
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def test_a_program_that_closes_and_reuses_every_descriptor_keeps_its_files(host, clean_env, tmp_path):
    # The numbers of the collector's files made ahead become the program's: written at the exit,
    # they would be the program's files that the trace and summary went into.
    program = """
    import os
    def work(i):
        return i
    for i in range(50):
        work(i)
    os.closerange(3, 4096)
    mine = [os.open(f"mine-{i}", os.O_RDWR | os.O_CREAT, 0o644) for i in range(64)]
    for fd in mine:
        os.write(fd, b"the program's\\n")
    """
    result, out = run_program(host, clean_env, tmp_path, program, "-R", "^work$")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^pyitt-host: 50 ITT events from this process", result.stderr, re.M), result.stderr
    for i in range(64):
        assert (tmp_path / f"mine-{i}").read_text() == "the program's\n"
    (trace,) = out.glob("trace-*.json")
    assert sum(1 for e in json.loads(trace.read_text())["traceEvents"] if e.get("name") == "work") == 50
    assert "work" in (out / "summary.txt").read_text()
    assert (out / "flamegraph.html").stat().st_size > 0 and (out / "stacks.txt").read_text().count("work") == 1
    assert hidden(out) == []


def test_a_killed_process_leaves_its_marker_and_nothing_else(host, clean_env, tmp_path):
    program = """
    import os, signal, time
    def work(i):
        return i
    for i in range(50):
        work(i)
    time.sleep(0.2)  # the files for the exit are made by now
    os.kill(os.getpid(), signal.SIGKILL)
    """
    result, out = run_program(host, clean_env, tmp_path, program, "-R", "^work$")
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert [p.name for p in out.iterdir()] == [f"unfinished-{p.name[len('unfinished-'):]}" for p in out.glob("unfinished-*.txt")]
    assert len(list(out.glob("unfinished-*.txt"))) == 1
    assert hidden(out) == []


def test_forked_children_write_their_own_files_not_their_parents(host, clean_env, tmp_path):
    program = """
    import os
    def parent_work(i):
        return i
    def child_work(i):
        return i
    for i in range(7):
        parent_work(i)
    pids = []
    for n in range(3):
        pid = os.fork()
        if pid == 0:
            for i in range(5):
                child_work(i)
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    """
    result, out = run_program(host, clean_env, tmp_path, program, "-R", "_work$")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^pyitt-host: 22 ITT events from 4 processes", result.stderr, re.M), result.stderr
    traces = {p.name: json.loads(p.read_text()) for p in out.glob("trace-*.json")}
    assert len(traces) == 4
    counts = sorted(tuple(sorted({e["name"] for e in t["traceEvents"] if e.get("ph") == "X"})) for t in traces.values())
    assert counts == [("child_work",)] * 3 + [("parent_work",)]
    assert hidden(out) == []
