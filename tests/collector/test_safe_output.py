"""Safe and intact output: what pyitt-host (run as root, in shared directories, under batch systems)
leaves in its output directory is written whole, never through a link someone planted, never over
another process's file, and merged even when one process's trace was cut short."""
import json
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import counted  # noqa: E402


@pytest.fixture
def clean_env(clean_env):
    """These tests plant and tear JSON traces: the JSON format's reader and merge are what they test
    (test_perfetto_output.py does the same for the compact format)."""
    return dict(clean_env, PYITT_TRACE_FORMAT="json")


def metadata(trace, name, pid=None):
    return [e for e in trace["traceEvents"] if e["ph"] == "M" and e["name"] == name and (pid is None or e["pid"] == pid)]


def leftovers(out):
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".pyitt-"))


# ---- 1. planted links ----

def test_links_planted_at_every_output_name_are_never_written_through(run_host, tmp_path):
    # The program plants, as another user of a shared directory could, a link at each name this run
    # is about to write (its own and a forked child's trace, summary and marker, and the merged
    # files), each to a file outside that must stay as it is.
    program = """
    import os, sys
    out = os.environ["PYITT_OUTPUT_DIR"]
    victims = sys.argv[1]

    def work(what):
        return what

    def plant(*names):
        for name in names:
            target = os.path.join(victims, name)
            with open(target, "w") as f:
                f.write("precious\\n")
            path = os.path.join(out, name)
            if os.path.lexists(path):
                os.unlink(path)
            os.symlink(target, path)

    plant(f"trace-{os.getpid()}.json", f"summary-{os.getpid()}.txt", "trace.json", "summary.txt")
    go_r, go_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(go_w)
        os.read(go_r, 1)  # the links first, then its first event (and its marker)
        work("in child")
        os._exit(0)
    plant(f"trace-{child}.json", f"summary-{child}.txt", f"unfinished-{child}.txt")
    os.write(go_w, b"x")
    os.waitpid(child, 0)
    work("in main")
    """
    victims = tmp_path / "victims"
    victims.mkdir()
    result, out = run_host(["-R", "^work$"], program, victims)
    assert result.returncode == 0, result.stderr
    planted = sorted(victims.iterdir())
    assert len(planted) == 7
    for victim in planted:
        assert victim.read_text() == "precious\n", victim.name
    # The merged files replaced their links; the per-process ones took the next free name.
    for name in ("trace.json", "summary.txt"):
        assert not (out / name).is_symlink()
    trace = json.loads((out / "trace.json").read_text())
    assert counted(trace)["work"] == 2
    own = [p for p in out.glob("trace-*-2.json")]
    assert len(own) == 2, sorted(p.name for p in out.iterdir())
    for path in own:
        json.loads(path.read_text())
    assert "2 processes" in result.stderr.splitlines()[-1], result.stderr
    assert leftovers(out) == []


def test_a_rerun_replaces_the_merged_files_whole_and_a_planted_directory_stays(run_host):
    # The merged names are replaced by exchanging the new file in (no flush of it, as a rename over
    # the old one costs on ext4) and removing the old one: each must hold the new run's output, no
    # temporary may be left, and a directory where a file goes is neither replaced nor moved.
    program = """
    import os
    def work():
        return os.getpid()
    work()
    """
    first, out = run_host(["-R", "^work$"], program)
    assert first.returncode == 0, first.stderr
    second, _ = run_host(["-R", "^work$"], program)
    assert second.returncode == 0, second.stderr
    pids = sorted(int(p.name[len("summary-"):-len(".txt")]) for p in out.glob("summary-*.txt"))
    assert len(pids) == 2
    newest = max(pids, key=lambda pid: (out / f"summary-{pid}.txt").stat().st_mtime_ns)
    for merged, own in (("summary.txt", f"summary-{newest}.txt"), ("stacks.txt", f"stacks-{newest}.txt"),
                        ("flamegraph.html", f"flamegraph-{newest}.html"), ("trace.json", f"trace-{newest}.json")):
        assert (out / merged).read_bytes() == (out / own).read_bytes(), merged
    assert counted(json.loads((out / "trace.json").read_text()))["work"] == 1
    assert leftovers(out) == []
    (out / "stacks.txt").unlink()
    (out / "stacks.txt").mkdir()
    (out / "stacks.txt" / "keep").write_text("kept\n")
    third, _ = run_host(["-R", "^work$"], program)
    assert (out / "stacks.txt" / "keep").read_text() == "kept\n"
    assert "stacks.txt" in third.stderr, third.stderr
    assert leftovers(out) == []


# ---- 2. cut traces ----

CUT_PROGRAM = """
import json, os, subprocess, sys
out = os.environ["PYITT_OUTPUT_DIR"]
run_id = os.environ["PYITT_RUN_ID"]

def work():
    pass

subprocess.run([sys.executable, "-c", "def work(): pass\\nwork(); work(); work()"], check=True)
# What a process killed while writing its trace leaves: its marker, and its trace cut in the middle
# of an event (the lines as the collector writes them).
fake = 999999
events = [{"ph": "X", "name": "cut_task", "cat": "d", "pid": fake, "tid": fake, "ts": 1000.5 + i, "dur": 0.25}
          for i in range(3)]
text = ('{"otherData":{"pid":%d,"clock":"monotonic","producer":"pyitt-collector","run":%s},'
        '"displayTimeUnit":"ns","traceEvents":[\\n' % (fake, json.dumps(run_id)))
text += ",\\n".join(json.dumps(e, separators=(",", ":")) for e in events)
text += ',\\n{"ph":"X","name":"cut_task","cat":"d","pid":%d,"tid":%d,"ts":10' % (fake, fake)
with open(os.path.join(out, "trace-%d.json" % fake), "w") as f:
    f.write(text)
with open(os.path.join(out, "unfinished-%d.txt" % fake), "w") as f:
    f.write("run %s\\npid %d\\nparent %d\\nname KilledWorker-1\\ncommand python worker.py\\n" % (run_id, fake, os.getpid()))
work()
"""


def test_cut_trace_is_merged_up_to_its_last_complete_event_and_marked(run_host):
    result, out = run_host(["-R", "^work$"], CUT_PROGRAM)
    assert result.returncode == 0, result.stderr
    trace = json.loads((out / "trace.json").read_text())  # valid JSON despite the cut file
    assert counted(trace, 999999) == {"cut_task": 3}
    assert counted(trace)["work"] == 4  # the other processes are intact
    cut = metadata(trace, "pyitt_trace_cut", 999999)
    assert len(cut) == 1 and cut[0]["args"]["events"] == 3 and cut[0]["args"]["file"] == "trace-999999.json"
    assert [e["args"]["name"] for e in metadata(trace, "process_name", 999999)] == ["KilledWorker-1"]
    summary = (out / "summary.txt").read_text()
    rows = [line for line in summary.splitlines() if "999999" in line.split()[:1]]
    assert len(rows) == 1, summary  # listed once, not once for the trace and once for the marker
    assert "KilledWorker-1" in rows[0] and "cut short" in rows[0], rows[0]
    assert "3 process(es) (1 with an incomplete trace)" in summary


CORRUPT = {
    "empty": b"",
    "brace": b"{",
    "binary": b"\xff\xfe\x00garbage",
    "repeated": b'{"otherData":{"run":"x"}}' * 1000,
    "deep": b"[" * 100000,
    "bad-utf8": b'{"otherData":{"run":"RUN"},"traceEvents":[{"ph":"X","name":"\xc3\x28"}]}',
    "deep-args": b'{"otherData":{"run":"RUN"},"traceEvents":[{"ph":"X","args":' + b"[" * 5000 + b"]" * 5000 + b"}]}",
}


@pytest.mark.parametrize("garbage", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_traces_of_the_run_never_spoil_the_merge(run_host, garbage):
    program = f"""
    import os, subprocess, sys
    garbage = {garbage!r}.replace(b"RUN", os.environ["PYITT_RUN_ID"].encode())
    with open(os.path.join(os.environ["PYITT_OUTPUT_DIR"], "trace-999998.json"), "wb") as f:
        f.write(garbage)
    os.mkfifo(os.path.join(os.environ["PYITT_OUTPUT_DIR"], "trace-999997.json"))  # must not hang the merge
    subprocess.run([sys.executable, "-c", "def work(): pass\\nwork()"], check=True)
    def work():
        pass
    work()
    """
    result, out = run_host(["-R", "^work$"], program, timeout=60)
    assert result.returncode == 0, result.stderr
    trace = json.loads((out / "trace.json").read_text())
    assert counted(trace)["work"] == 2


# ---- concurrent runs ----

def test_concurrent_runs_into_one_directory_each_leave_a_whole_trace_json(host, clean_env, tmp_path):
    (tmp_path / "program.py").write_text(textwrap.dedent("""
    def work(i):
        return i
    for i in range(20000):  # a trace.json of megabytes: long enough to be caught half written
        work(i)
    """))
    out = tmp_path / "shared"
    out.mkdir()
    merged = out / "trace.json"
    torn = []
    done = threading.Event()

    def watch():
        # A reader at any moment (a user, a second run's merge) must find whole JSON or nothing.
        while not done.is_set():
            try:
                text = merged.read_text()
            except FileNotFoundError:
                continue
            try:
                json.loads(text)
            except ValueError as error:
                torn.append(f"{error} ({len(text)} bytes)")

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        runs = [subprocess.Popen([str(host), "-R", "^work$", "-o", str(out), "--", "program.py"], env=clean_env,
                                 cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for _ in range(20)]
        errors = [r.communicate(timeout=300)[1] for r in runs]
    finally:
        done.set()
        watcher.join()
    assert [r.returncode for r in runs] == [0] * 20, errors
    assert torn == []
    trace = json.loads(merged.read_text())
    assert counted(trace)["work"] == 20000  # one whole run's
    assert len(list(out.glob("trace-*.json"))) == 20
    assert leftovers(out) == []


# ---- exec ----

def test_an_exec_d_image_keeps_the_trace_of_the_image_before_it(run_host):
    # A process writes its trace before it execs (here by hand, through the collector's entry
    # point); the new image, same pid, must not write over it, and the merge takes both.
    files = {
        "first.py": """
        import ctypes, os, sys
        def first_work():
            pass
        for _ in range(5):
            first_work()
        ctypes.CDLL(os.environ["INTEL_LIBITTNOTIFY64"]).pyitt_collector_finish()
        os.execv(sys.executable, [sys.executable, "second.py"])
        """,
        "second.py": """
        def second_work():
            pass
        for _ in range(7):
            second_work()
        """,
    }
    program = """
    import subprocess, sys
    child = subprocess.run([sys.executable, "first.py"], check=True)
    def main_work():
        pass
    main_work()
    """
    result, out = run_host(["-R", "_work$"], program, files=files)
    assert result.returncode == 0, result.stderr
    traces = {p.name: json.loads(p.read_text()) for p in out.glob("trace-*.json")}
    pids = {re.fullmatch(r"trace-(\d+)(-\d+)?\.json", name).group(1) for name in traces}
    assert len(traces) == 3 and len(pids) == 2, sorted(traces)
    trace = json.loads((out / "trace.json").read_text())
    tasks = counted(trace)
    assert (tasks["first_work"], tasks["second_work"], tasks["main_work"]) == (5, 7, 1)
    first_pid = {e["pid"] for e in trace["traceEvents"] if e["name"] == "first_work"}
    assert first_pid == {e["pid"] for e in trace["traceEvents"] if e["name"] == "second_work"}
    assert not list(out.glob("unfinished-*"))


# ---- descriptors used up ----

# 100 tasks, then every descriptor up to a low limit taken (raw: Python never closes them).
WORK_THEN_USE_UP_DESCRIPTORS = """
def work(i):
    return i
for i in range(100):
    work(i)
held = []
try:
    while True:
        held.append(os.open("program.py", os.O_RDONLY))
except OSError as error:
    assert error.errno == 24, error  # EMFILE
"""


def test_a_program_that_used_up_every_descriptor_still_gets_its_trace(run_host):
    program = """
    import os, resource
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    """ + textwrap.indent(WORK_THEN_USE_UP_DESCRIPTORS, "    ")
    result, out = run_host(["-R", "^work$"], program)
    assert result.returncode == 0, result.stderr
    last = result.stderr.splitlines()[-1]
    match = re.match(r"pyitt-host: (\d+) ITT events from this process, trace in ", last)
    assert match, result.stderr
    (path,) = out.glob("trace-*.json")
    trace = json.loads(path.read_text())
    assert counted(trace)["work"] == 100
    assert int(match.group(1)) == sum(1 for e in trace["traceEvents"] if e["ph"] != "M")
    assert "pyitt summary" in result.stderr  # the host could still read the summary it shows


def test_a_run_whose_first_process_used_up_every_descriptor_is_still_merged(run_host):
    program = """
    import os, resource, subprocess, sys
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    subprocess.run([sys.executable, "-c", "def work(i): pass\\nfor i in range(30): work(i)"], check=True)
    """ + textwrap.indent(WORK_THEN_USE_UP_DESCRIPTORS, "    ")
    result, out = run_host(["-R", "^work$"], program)
    assert result.returncode == 0, result.stderr
    last = result.stderr.splitlines()[-1]
    assert re.match(r"pyitt-host: 130 ITT events from 2 processes in ", last), result.stderr
    assert counted(json.loads((out / "trace.json").read_text()))["work"] == 130
    assert "Processes" in (out / "summary.txt").read_text()
    assert leftovers(out) == []


def test_a_trace_that_cannot_be_written_whole_leaves_no_part_of_it(run_host):
    # RLIMIT_FSIZE (a batch system's file size limit) makes the write fail part way (Python ignores
    # SIGXFSZ): the count is still right, and nothing half written is left under any name.
    program = """
    import resource
    def work(i):
        return i
    for i in range(200):
        work(i)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4000, resource.RLIM_INFINITY))
    """
    result, out = run_host(["-R", "^work$"], program)
    assert result.returncode == 0, result.stderr
    assert "pyitt-collector: warning: cannot write" in result.stderr
    assert re.search(r"^pyitt-host: 200 ITT events recorded, but the trace could not be written", result.stderr, re.M)
    assert list(out.glob("trace-*.json")) == [] and leftovers(out) == []


# ---- forked workers ----

@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_the_main_thread_of_a_forked_worker_keeps_its_name(run_host, method):
    program = """
    import multiprocessing, sys
    def work(x):
        return x
    if __name__ == "__main__":
        with multiprocessing.get_context(sys.argv[1]).Pool(2) as pool:
            print(sum(pool.map(work, range(20), chunksize=1)))
    """
    result, out = run_host(["-R", "^work$"], program, method)
    assert result.returncode == 0, result.stderr
    trace = json.loads((out / "trace.json").read_text())
    workers = {e["pid"] for e in metadata(trace, "process_name") if "PoolWorker" in e["args"]["name"]}
    # Those that ran work on their main thread (a worker may get no item at all, and record nothing).
    busy = {e["pid"] for e in trace["traceEvents"] if e["ph"] == "X" and e["pid"] in workers and e["tid"] == e["pid"]}
    assert busy, metadata(trace, "process_name")
    for pid in busy:
        names = {e["tid"]: e["args"]["name"] for e in metadata(trace, "thread_name", pid)}
        assert names.get(pid), (pid, names)
