"""libpyitt-collector.so end to end: collector_emitter (tests/collector/emitter.cpp) drives it through
our ITT client runtime; the Chrome trace and the summary it writes are read back here."""
import collections
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from pyitt_testing import read_trace, trace_files

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def collector(build_dir):
    path = build_dir / "libpyitt-collector.so"
    if not path.exists():
        pytest.skip(f"{path} not built")
    return path


@pytest.fixture(scope="module")
def emitter(build_dir, collector):
    path = build_dir / "collector_emitter"
    if not path.exists():
        pytest.skip(f"{path} not built (needs the pyitt_itt_client target)")
    return path


@pytest.fixture(scope="module", autouse=True, params=["perfetto", "json"])
def trace_format(request):
    """Every test runs with both formats: the compact one is read back by the tests' own decoder."""
    global FORMAT
    FORMAT = request.param
    return request.param


FORMAT = "perfetto"


class Run:
    def __init__(self, proc, out_dir):
        self.proc = proc
        self.out_dir = out_dir

    def traces(self):
        """pid -> parsed trace, for every trace-<pid>.<ext> written."""
        found = {}
        for f in trace_files(self.out_dir):
            found[int(re.match(r"trace-(\d+)\.", f.name).group(1))] = read_trace(f)
        return found

    def only_trace(self):
        traces = self.traces()
        assert len(traces) == 1, traces.keys()
        (pid, trace), = traces.items()
        return pid, trace

    def summary(self, pid):
        return (self.out_dir / f"summary-{pid}.txt").read_text()


def run_emitter(emitter, collector, tmp_path, *args, env_extra=None, cwd=None, output_dir=True):
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYITT_", "INTEL_"))}
    env["INTEL_LIBITTNOTIFY64"] = str(collector)
    env["PYITT_TRACE_FORMAT"] = FORMAT
    if output_dir:
        env["PYITT_OUTPUT_DIR"] = str(out_dir)
    env.update(env_extra or {})
    proc = subprocess.run([str(emitter), *map(str, args)], env=env, cwd=cwd or tmp_path, capture_output=True,
                          text=True, timeout=300)
    return Run(proc, out_dir)


def events(trace, ph=None, name=None):
    return [e for e in trace["traceEvents"]
            if (ph is None or e["ph"] == ph) and (name is None or e["name"] == name)]


def names(trace, ph):
    return collections.Counter(e["name"] for e in events(trace, ph))


def inside(child, parent):
    return parent["ts"] <= child["ts"] and child["ts"] + child["dur"] <= parent["ts"] + parent["dur"] + 1e-3


def async_pairs(trace, name):
    begins = {e["id"]: e for e in events(trace, "b", name)}
    ends = {e["id"]: e for e in events(trace, "e", name)}
    assert begins.keys() == ends.keys()
    return [(begins[i], ends[i]) for i in begins]


# ---- the known sequence on 4 threads ----

@pytest.fixture(scope="module")
def sequence_run(emitter, collector, tmp_path_factory, trace_format):
    return run_emitter(emitter, collector, tmp_path_factory.mktemp("sequence"), "sequence")


def test_sequence_runs_cleanly(sequence_run):
    assert sequence_run.proc.returncode == 0, sequence_run.proc.stderr
    assert sequence_run.proc.stdout == ""
    assert sequence_run.proc.stderr == ""
    assert sorted(p.name.split("-")[0] for p in sequence_run.out_dir.iterdir()) == [
        "flamegraph", "stacks", "summary", "trace"]


def test_sequence_tasks_counts_and_nesting(sequence_run):
    pid, trace = sequence_run.only_trace()
    assert names(trace, "X") == {"outer": 12, "inner": 12, "leaf": 12, "main": 1, "in-frame": 2,
                                 "submitted": 1, "emitter_function": 1, "L" * 150: 1}
    xs = events(trace, "X")
    assert all(e["pid"] == pid and e["cat"] == "emitter" and e["dur"] >= 0 for e in xs)
    by_tid = collections.defaultdict(list)
    for e in xs:
        by_tid[e["tid"]].append(e)
    workers = [tid for tid, evs in by_tid.items() if tid != pid]
    assert len(workers) == 4
    for tid in workers:
        evs = by_tid[tid]
        assert collections.Counter(e["name"] for e in evs) == {"outer": 3, "inner": 3, "leaf": 3}
        outers = [e for e in evs if e["name"] == "outer"]
        assert sorted(e["args"]["k"] for e in outers) == [0, 1, 2]  # metadata went to the current task
        for inner in (e for e in evs if e["name"] == "inner"):
            assert sum(inside(inner, o) for o in outers) == 1
        for leaf in (e for e in evs if e["name"] == "leaf"):
            assert sum(inside(leaf, i) for i in evs if i["name"] == "inner") == 1
    main, = events(trace, "X", "main")
    assert main["tid"] == pid
    assert main["args"] == {"id": "0x100.0x0", "note": "hello", "relations": ["child_of 0x42.0x0"]}
    for name in ("in-frame", "submitted", "emitter_function", "L" * 150):
        assert all(inside(e, main) for e in events(trace, "X", name))


def test_sequence_timestamps_are_microseconds_with_decimals(sequence_run, trace_format):
    if trace_format == "json":
        text = next(sequence_run.out_dir.glob("trace-*.json")).read_text()
        assert re.search(r'"ts":\d+\.\d{3}', text)
    _, trace = sequence_run.only_trace()
    main, = events(trace, "X", "main")
    for e in trace["traceEvents"]:
        if e["ph"] != "M":
            assert isinstance(e["ts"], float)
            assert main["ts"] - 1e6 < e["ts"] < main["ts"] + main["dur"] + 1e6


def test_sequence_overlapped_regions_events_frames(sequence_run):
    _, trace = sequence_run.only_trace()
    (a_b, a_e), = async_pairs(trace, "ov-a")
    (b_b, b_e), = async_pairs(trace, "ov-b")
    assert a_b["args"]["id"] == "0x1.0x0" and b_b["args"]["id"] == "0x2.0x0"
    assert a_b["ts"] < b_b["ts"] < a_e["ts"] < b_e["ts"]  # they overlap
    assert len(async_pairs(trace, "region-1")) == 1
    (ev_b, ev_e), = async_pairs(trace, "legacy-event")
    assert ev_b["cat"] == "event" and ev_b["ts"] <= ev_e["ts"]
    frames = async_pairs(trace, "frame")
    assert len(frames) == 3
    submitted, = events(trace, "X", "submitted")
    last_b, last_e = max(frames, key=lambda p: p[0]["ts"])
    assert last_b["ts"] <= submitted["ts"] and submitted["ts"] + submitted["dur"] <= last_e["ts"] + 1e-3


def test_sequence_counters_of_every_type(sequence_run):
    _, trace = sequence_run.only_trace()
    series = collections.defaultdict(list)
    for e in sorted(events(trace, "C"), key=lambda e: e["ts"]):
        series[e["name"]].append(e["args"]["value"])
    unsigned, signed, floating = [10, 11, 16, 15, 13], [-5, -4, 1, 0, -2], [1.5, 2.5, 7.5, 6.5, 4.5]
    assert series == {
        "c_u64": unsigned, "c_u32": unsigned, "c_u16": unsigned,
        "c_s64": signed, "c_s32": signed, "c_s16": signed,
        "c_float": floating, "c_double": floating,
        "c_plain": [42], "c_v3": [7], "hits": [1, 2, 3, 13, 12, 10],
    }


def test_sequence_markers_and_metadata_events(sequence_run):
    pid, trace = sequence_run.only_trace()
    marks = {e["name"]: e for e in events(trace, "i")}
    assert marks.keys() == {"mark-global", "mark-thread"}
    assert marks["mark-global"]["s"] == "g" and marks["mark-thread"]["s"] == "t"
    meta = events(trace, "M")
    assert {(e["name"], e["args"]["name"]) for e in meta if e["name"] == "process_name"} == \
        {("process_name", "collector_emitter")}
    threads = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name"}
    assert threads[pid] == "main-thread"
    assert sorted(v for k, v in threads.items() if k != pid) == [f"worker-{i}" for i in range(4)]


def test_sequence_summary(sequence_run):
    pid, _ = sequence_run.only_trace()
    text = sequence_run.summary(pid)
    lines = text.splitlines()
    assert re.match(rf"pyitt summary: pid {pid}, wall time \d+\.\d+ ms, (\d+) task label\(s\)", lines[0])
    assert all(len(line) <= 100 for line in lines)
    # a call tree per thread that ran tasks (the main one and 4 workers), then the flat table
    assert len(re.findall(r"^Call tree of thread \d+", text, re.M)) == 5
    assert len(re.findall(r"^label ", text, re.M)) == 6 and "inclusive(ms)" in text and "exclusive(ms)" in text
    assert len(re.findall(r"^  thread \d+ .*: \d+ task\(s\), wall .*, CPU \d", text, re.M)) == 5
    tree_part, flat_part = text.split("\nFlat", 1)
    main_tree = tree_part.split("Call tree of thread")[1]

    def row(part, label):
        for line in part.splitlines():
            fields = line.split()
            if fields and fields[0] == label:
                return fields
        raise AssertionError(f"{label} not in\n{part}")

    # label count depth inclusive exclusive %
    # each of the 4 workers ran 3 outer > inner > leaf: its own tree, the flat table adds them up
    assert row(tree_part, "outer")[1:3] == ["3", "0"]
    assert row(tree_part, "inner")[1:3] == ["3", "1"]
    assert row(tree_part, "leaf")[1:3] == ["3", "2"]
    assert row(flat_part, "outer")[1:3] == ["12", "0"]
    assert re.search(r"\n {4}leaf ", tree_part)  # indentation shows depth
    assert row(flat_part, "leaf")[1:3] == ["12", "2"]
    main = row(flat_part, "main")
    assert float(main[3]) >= float(main[4]) >= 0 and 0 < float(main[5]) <= 100
    for line in tree_part.splitlines():  # incl% of a thread's own wall time: never above 100
        if re.match(r"^\s*\S.* \d+\*? +\d+ +[\d.]+ +[\d.]+ +[\d.]+$", line):
            assert float(line.split()[-1]) <= 100.0, line
    flat_rows = [l.split() for l in flat_part.splitlines()[3:] if l.strip()]
    exclusive = [float(r[-2]) for r in flat_rows]
    assert exclusive == sorted(exclusive, reverse=True)
    assert abs(sum(float(r[-1]) for r in flat_rows) - 100) < 0.5  # excl%: shares of all exclusive time
    assert int(re.search(r"(\d+) task label", lines[0]).group(1)) == len(flat_rows)
    assert "::" not in text  # one domain: bare names
    assert re.search(r"\n *L{10,}\.\.\.L{20,} ", main_tree)  # long labels are cut in the middle, not the columns


# ---- several static parts ----

def test_foreign_static_part_in_the_same_process(emitter, collector, build_dir, tmp_path):
    foreign = build_dir / "libpyitt-test-foreign-part.so"
    run = run_emitter(emitter, collector, tmp_path, "foreign", foreign)
    assert run.proc.returncode == 0, run.proc.stderr
    # tasks ran; a domain created after init is one object for both parts; pre-init handles are kept
    assert "tasks=2 dedup=1 preinit_kept=1" in run.proc.stderr
    pid, trace = run.only_trace()
    counted = collections.Counter((e["cat"], e["name"]) for e in events(trace, "X"))
    assert counted == {("emitter", "main.task"): 1, ("foreign.domain", "foreign.outer"): 2,
                       ("foreign.domain", "foreign.inner"): 2, ("shared.domain", "foreign.late"): 1,
                       ("shared.domain", "main.preinit-domain"): 1}
    assert [e["args"]["value"] for e in events(trace, "C", "foreign.counter")] == [1, 2]
    assert "foreign.domain::foreign.outer" in run.summary(pid)  # several domains: qualified labels


# ---- control ----

def test_pause_resume_leaves_a_gap(emitter, collector, tmp_path):
    run = run_emitter(emitter, collector, tmp_path, "pause")
    assert run.proc.returncode == 0 and run.proc.stdout == ""
    _, trace = run.only_trace()
    assert names(trace, "X") == {"before": 1, "spans": 1, "after": 1}
    assert not events(trace, "C")
    pause, = events(trace, "i", "pause")
    resume, = events(trace, "i", "resume")
    before, = events(trace, "X", "before")
    spans, = events(trace, "X", "spans")
    after, = events(trace, "X", "after")
    assert before["ts"] + before["dur"] <= pause["ts"] <= resume["ts"] <= after["ts"]
    assert spans["ts"] <= pause["ts"]
    assert spans["ts"] + spans["dur"] == pytest.approx(pause["ts"], abs=2e-3)  # clipped at the pause


@pytest.mark.parametrize("stall_us", [0, 10000])
def test_marks_bound_what_another_thread_recorded(emitter, collector, tmp_path, stall_us):
    """A pause's or resume's mark is where the other threads' tasks stop or start, even when the
    switching thread stalls between switch and mark (a timer preempted on a loaded machine)."""
    run = run_emitter(emitter, collector, tmp_path, "window",
                      env_extra={"PYITT_COLLECTOR_SWITCH_DELAY_US": str(stall_us)})
    assert run.proc.returncode == 0
    _, trace = run.only_trace()
    marks = sorted(events(trace, "i"), key=lambda e: e["ts"])
    assert [m["name"] for m in marks] == ["pause", "resume", "pause", "resume", "detach"]
    p1, r1, p2, r2, detach = (m["ts"] for m in marks)
    ticks = [e["ts"] for e in events(trace, "X", "tick")]
    windows = [(0, p1), (r1, p2), (r2, detach)]
    assert all(any(lo <= t <= hi for lo, hi in windows) for t in ticks)
    assert all(sum(lo <= t <= hi for t in ticks) > 10 for lo, hi in windows)


def test_detach_stops_for_good(emitter, collector, tmp_path):
    run = run_emitter(emitter, collector, tmp_path, "detach")
    assert run.proc.returncode == 0
    _, trace = run.only_trace()
    assert names(trace, "X") == {"a": 1}
    assert len(events(trace, "i", "detach")) == 1


def test_tasks_open_at_detach_end_there(emitter, collector, tmp_path):
    run = run_emitter(emitter, collector, tmp_path, "detach-open")
    assert run.proc.returncode == 0
    _, trace = run.only_trace()
    detach, = events(trace, "i", "detach")
    open_task, = events(trace, "X", "open-at-detach")
    assert open_task["args"] == {"unfinished": True}
    assert open_task["ts"] + open_task["dur"] == pytest.approx(detach["ts"], abs=2e-3)


def test_tasks_open_at_exit_are_closed_and_marked(emitter, collector, tmp_path):
    run = run_emitter(emitter, collector, tmp_path, "open")
    assert run.proc.returncode == 0
    pid, trace = run.only_trace()
    outer, = events(trace, "X", "open-outer")
    inner, = events(trace, "X", "open-inner")
    closed, = events(trace, "X", "closed")
    assert outer["args"] == {"unfinished": True} and inner["args"] == {"unfinished": True}
    assert "args" not in closed
    assert inside(inner, outer) and inside(closed, inner)
    (b, e), = async_pairs(trace, "open-overlapped")
    assert b["args"]["unfinished"] is True
    assert re.search(r"open-outer\s+1\*", run.summary(pid))


def test_fork_without_exec_writes_one_trace_per_process(emitter, collector, tmp_path):
    run = run_emitter(emitter, collector, tmp_path, "fork")
    assert run.proc.returncode == 0, run.proc.stderr
    child_pid = int(re.search(r"child=(\d+)", run.proc.stderr).group(1))
    traces = run.traces()
    assert len(traces) == 2 and child_pid in traces
    parent_pid = next(p for p in traces if p != child_pid)
    parent, child = traces[parent_pid], traces[child_pid]
    assert names(parent, "X") == {"parent-before": 1, "parent-open-at-fork": 1, "parent-after": 1}
    assert names(child, "X") == {"child-task": 1}  # nothing of the parent's buffers
    assert all(e["pid"] == child_pid for e in child["traceEvents"])
    assert all(e["pid"] == parent_pid for e in parent["traceEvents"])
    assert (run.out_dir / f"summary-{child_pid}.txt").exists()


def test_fork_while_buffers_wait_for_the_converter(emitter, collector, tmp_path):
    # 1024-record buffers: every fork finds full buffers queued for (or in) the converter.
    run = run_emitter(emitter, collector, tmp_path, "fork-busy", 20000,
                      env_extra={"PYITT_COLLECTOR_BUFFER_EVENTS": "1024"})
    assert run.proc.returncode == 0, run.proc.stderr  # the number of children that did not exit cleanly
    traces = run.traces()
    assert len(traces) == 9
    counts = sorted(names(t, "X")["busy"] for t in traces.values())
    assert counts == [20000] * 8 + [8 * 20000]


# ---- output ----

def test_output_dir_env_is_honoured(emitter, collector, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    run = run_emitter(emitter, collector, tmp_path, "exit-code", 0, cwd=cwd)
    assert run.proc.returncode == 0
    assert len(trace_files(run.out_dir)) == 1
    assert list(cwd.iterdir()) == []


def test_missing_output_dir_is_created(emitter, collector, tmp_path):
    target = tmp_path / "new" / "nested"
    run = run_emitter(emitter, collector, tmp_path, "exit-code", 0, env_extra={"PYITT_OUTPUT_DIR": str(target)})
    assert run.proc.returncode == 0 and run.proc.stderr == ""
    assert len(trace_files(target)) == 1


def test_current_directory_without_output_dir(emitter, collector, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    run = run_emitter(emitter, collector, tmp_path, "exit-code", 0, cwd=cwd, output_dir=False)
    assert run.proc.returncode == 0 and run.proc.stdout == ""
    assert sorted(p.name.split("-")[0] for p in cwd.iterdir()) == ["flamegraph", "stacks", "summary", "trace"]


@pytest.mark.parametrize("status", [0, 3])
def test_unwritable_output_dir_warns_once_and_keeps_the_exit_status(emitter, collector, tmp_path, status):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    unwritable = blocker / "sub"  # under a regular file: unwritable even for root
    run = run_emitter(emitter, collector, tmp_path, "exit-code", status,
                      env_extra={"PYITT_OUTPUT_DIR": str(unwritable)})
    assert run.proc.returncode == status
    assert run.proc.stdout == ""
    lines = run.proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyitt-collector: warning:"), run.proc.stderr


def test_streaming_to_disk_keeps_every_event(emitter, collector, tmp_path):
    n = 60000  # 120000 records through 1024-record buffers: ~117 spills
    run = run_emitter(emitter, collector, tmp_path, "stream", n,
                      env_extra={"PYITT_COLLECTOR_BUFFER_EVENTS": "1024"})
    assert run.proc.returncode == 0 and run.proc.stderr == ""
    pid, trace = run.only_trace()
    xs = events(trace, "X", "s")
    assert len(xs) == n
    starts = [e["ts"] for e in xs]
    assert starts == sorted(starts)
    assert re.search(rf"\ns\s+{n}\s+0\s", run.summary(pid))
    assert [p.name for p in run.out_dir.iterdir() if p.name.startswith(".pyitt-spill")] == []


def test_streaming_from_several_threads(emitter, collector, tmp_path):
    n, threads = 20000, 3
    run = run_emitter(emitter, collector, tmp_path, "stream", n, threads,
                      env_extra={"PYITT_COLLECTOR_BUFFER_EVENTS": "1024"})
    assert run.proc.returncode == 0 and run.proc.stderr == ""
    _, trace = run.only_trace()
    per_thread = collections.Counter(e["tid"] for e in events(trace, "X", "s"))
    assert sorted(per_thread.values()) == [n] * threads


def thread_contents(trace):
    """Each thread's events (named threads by name), timestamps and pids left out, in a stable order."""
    thread_names = {e["tid"]: e["args"]["name"] for e in events(trace, "M", "thread_name")}
    per_thread = collections.defaultdict(list)
    for e in trace["traceEvents"]:
        if e["ph"] != "M":
            per_thread[thread_names.get(e.get("tid"), "process" if e.get("tid") == e.get("pid") else "?")].append(
                (e["ph"], e["name"], e.get("cat"), json.dumps(e.get("args"), sort_keys=True)))
    return {name: sorted(evs) for name, evs in per_thread.items()}


@pytest.mark.parametrize("mode", ["sequence", "pause"])
def test_converting_while_running_writes_what_the_exit_writes(emitter, collector, tmp_path, mode):
    # 3000 "busy" tasks at points where spans, tasks, metadata targets and a pause are open: with
    # 1024-record buffers, those buffers are converted while the program runs (Perfetto format).
    runs = {}
    for background in ("0", "1"):
        (tmp_path / background).mkdir()
        run = run_emitter(emitter, collector, tmp_path / background, mode, 3000,
                          env_extra={"PYITT_COLLECTOR_BUFFER_EVENTS": "1024", "PYITT_COLLECTOR_BACKGROUND": background,
                                     "PYITT_COLLECTOR_STATS": "1"})
        assert run.proc.returncode == 0, run.proc.stderr
        converted = int(re.search(r"converted (\d+) records while running", run.proc.stderr).group(1))
        assert (converted > 0) == (background == "1" and FORMAT == "perfetto")
        pid, trace = run.only_trace()
        flat = sorted(re.findall(r"^ *(\S.*?)\s{2,}(\d+)\s+(\d+)\s+[\d.]+\s", run.summary(pid), re.M))  # label count depth
        runs[background] = (trace, thread_contents(trace), flat)
    assert runs["1"][1] == runs["0"][1]
    assert runs["1"][2] == runs["0"][2] and any(row[0].startswith("busy") for row in runs["0"][2])
    if mode == "pause":
        trace = runs["1"][0]
        pause, = events(trace, "i", "pause")
        spans, = events(trace, "X", "spans")
        assert spans["ts"] + spans["dur"] == pytest.approx(pause["ts"], abs=2e-3)  # clipped at the pause
    else:
        assert names(runs["1"][0], "X")["busy"] == 3000 * 16


def test_finish_on_demand_is_idempotent_and_drops_later_events(emitter, collector, tmp_path):
    run = run_emitter(emitter, collector, tmp_path, "finish")
    assert run.proc.returncode == 0, run.proc.stderr
    m = re.search(r"finish=(\d+) again=(\d+) trace=(\S+) summary=(\S+)", run.proc.stderr)
    pid, trace = run.only_trace()
    written = len([e for e in trace["traceEvents"] if e["ph"] != "M"])
    assert int(m.group(1)) == int(m.group(2)) == written == 1
    assert Path(m.group(3)).name == f"trace-{pid}.{'json' if FORMAT == 'json' else 'perfetto-trace'}" and Path(m.group(4)).name == f"summary-{pid}.txt"
    assert names(trace, "X") == {"early": 1}


def test_monotonic_clock_fallback(emitter, collector, tmp_path):
    run = run_emitter(emitter, collector, tmp_path, "sequence", env_extra={"PYITT_COLLECTOR_CLOCK": "monotonic"})
    assert run.proc.returncode == 0
    _, trace = run.only_trace()
    assert trace["otherData"]["clock"] == "monotonic"
    assert names(trace, "X")["leaf"] == 12


# ---- the binary interface ----

def test_exports_every_api_and_nothing_else(collector):
    abi = (REPO / "module" / "itt" / "itt_abi.h").read_text()
    block = abi[abi.index("#define PYITT_ITT_APIS(X)"):abi.index("// C function types")]
    apis = set(re.findall(r"X\([^,]+,\s*(\w+),", block))
    assert len(apis) > 40
    out = subprocess.run(["nm", "-D", "--defined-only", str(collector)], capture_output=True, text=True,
                         check=True).stdout
    exported = {line.split()[-1] for line in out.splitlines() if line.strip()}
    expected = {f"__itt_{a}" for a in apis} | {"__itt_api_init", "__itt_api_fini", "pyitt_collector_finish",
                                              "pyitt_collector_trace_path", "pyitt_collector_summary_path",
                                                  "pyitt_collector_set_process_name", "pyitt_collector_merge",
                                                  "pyitt_collector_set_end_signal",
                                                  "pyitt_collector_brief_summary",
                                                  "pyitt_collector_publish_run_profile",
                                                  "pyitt_collector_merge_job",
                                                  "pyitt_collector_name_run_trace",
                                                  "pyitt_collector_thread_holds_lock"}
    assert exported == expected


def test_process_name_can_be_set_by_the_launcher(emitter, collector, tmp_path):
    run = run_emitter(emitter, collector, tmp_path, "exit-code", 0, env_extra={"PYITT_PROCESS_NAME": "script.py"})
    _, trace = run.only_trace()
    assert [e["args"]["name"] for e in events(trace, "M", "process_name")] == ["script.py"]


def test_names_are_escaped_and_invalid_utf8_repaired(emitter, collector, tmp_path):
    run = run_emitter(emitter, collector, tmp_path, "names")
    assert run.proc.returncode == 0
    _, trace = run.only_trace()  # json.loads of UTF-8 text: it parses
    assert names(trace, "X") == {'quote"back\\slash': 1, "tab\tnl\n": 1, "h\u00e9llo \u2713": 1,
                                 "bad\ufffd\ufffdbytes": 1}
    assert [e["args"]["name"] for e in events(trace, "M", "thread_name")] == ['thread "\x01"']
