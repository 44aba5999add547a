"""Helpers shared by the test suites (a plain module: conftest files of sub-suites would clash)."""
import collections
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# What pyitt-host itself adds at exit on stderr: the built-in collector's summary (none with --quiet)
# and where it went.
HOST_REPORT = re.compile(r"^(?:pyitt summary[:,] .*?)?^pyitt-host: \d+ ITT events [^\n]*\n", re.S | re.M)


def without_host_report(stderr: str) -> str:
    return HOST_REPORT.sub("", stderr)


def run(cmd, *, env=None, cwd=None, input=None, timeout=120):
    """Runs a command and returns the CompletedProcess (text mode), never raising on exit codes."""
    return subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, input=input, timeout=timeout,
                          capture_output=True, text=True)


# ---- traces: any format the collector writes, as the Chrome Trace Event JSON dict ----

def read_trace(path):
    """The trace at `path` (trace*.json or trace*.perfetto-trace) as Chrome Trace Event JSON: a dict
    with traceEvents (X, b/e, i, C, M events), otherData and, for a per-process trace, pyittProcess
    and pyittFlat. A Perfetto trace is decoded from the wire format by hand (perfetto_trace.py), so
    the tests read both formats the same way."""
    import json
    path = Path(path)
    if path.name.endswith(".json"):
        return json.loads(path.read_text())
    from perfetto_trace import decode
    return decode(path.read_bytes())


def trace_files(directory, pattern="trace-*"):
    """Per-process traces (trace-<pid>[-n].<ext>) in `directory`, any format."""
    return sorted(p for p in Path(directory).glob(pattern)
                  if p.name.endswith((".json", ".perfetto-trace")))


def run_trace_path(directory):
    """The run's trace under its stable name: trace.perfetto-trace (the default) or trace.json."""
    directory = Path(directory)
    compact = directory / "trace.perfetto-trace"
    return compact if compact.exists() else directory / "trace.json"


def summary_path(trace_path):
    """summary-<pid>[-n].txt beside trace-<pid>[-n].<ext>."""
    name = Path(trace_path).name
    return Path(trace_path).with_name("summary-" + name[len("trace-"):].split(".", 1)[0] + ".txt")


def counted(trace, pid=None):
    """Task names -> count of complete events, of one process or all."""
    return collections.Counter(e["name"] for e in trace["traceEvents"]
                               if e["ph"] == "X" and (pid is None or e["pid"] == pid))


def call_paths(out):
    """Per thread name, how many tasks have each path of names from their thread's root task."""
    [trace] = trace_files(out)
    events = read_trace(trace)["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    by_thread = collections.defaultdict(list)
    for e in events:
        if e["ph"] == "X":
            by_thread[e["tid"]].append((e["ts"], -e["dur"], e["ts"] + e["dur"], e["name"]))
    paths = {}
    for tid, tasks in by_thread.items():
        tasks.sort()
        counts, stack = collections.Counter(), []
        for start, _, end, name in tasks:
            while stack and stack[-1][0] <= start:
                stack.pop()
            stack.append((end, name))
            counts[tuple(n for _, n in stack)] += 1
        paths[names.get(tid, tid)] = counts
    return paths
