"""bench_tasks.py runs as a script with the host and the extension, and really records its tasks."""
import re
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "bench_tasks.py"


def test_benchmark_reports_and_records(traced):
    trace = traced.run_file(BENCH, args=["--iterations", "2000", "--repeat", "2"])
    figures = dict(re.findall(r"^\s+(.+?)\s+([\d.]+) ns", trace.stdout, re.M))
    assert set(figures) == {"bare call", "decorated call", "with pyitt.task(name) block + call",
                            "with <same task object> block + call"}, trace.stdout
    assert all(float(ns) > 0 for ns in figures.values())
    assert "INIT_SUCCESSFUL" in trace.stdout  # the built-in collector was recording
    names = trace.names("pyitt", ph="X")
    assert names.count("main.<locals>.decorated") == 4000
    assert names.count("with block") == 4000 and names.count("reused block") == 4000
