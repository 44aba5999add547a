"""The samples in samples/ run with the host and with the extension and record what they show."""
import ast
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

# What each sample must leave in the trace: (category, kind, names).
EXPECTED = {
    "task_sample.py": [("pyitt", "X", {"workload", "manual"}), ("sample.pipeline", "X", {"Pipeline.stage",
                                                                                        "stage.inner"}),
                       ("pyitt", "b", {"fetch"})],
    "counter_sample.py": [("sample.counters", "C", {"queue length", "load", "balance"})],
    "event_sample.py": [("event", "b", {"handle_request", "flush"}), ("sample.events", "i", {"start", "end"})],
    "frame_sample.py": [("sample.render", "b", {"frame"}), ("sample.loop", "b", {"frame"})],
    "collection_control_sample.py": [("pyitt", "X", {"interesting work"}), ("pyitt", "i", {"pause", "resume",
                                                                                           "detach"})],
    "thread_naming_sample.py": [("pyitt", "X", {"work"})],
    "pt_region_sample.py": [],
    "start_paused.py": [],  # collection control from the command line: tests/host/test_collection_control.py
    "itt_python_compatibility_sample.py": [("example.domain", "X", {"awesome"})],
    "ittapi_compatibility_sample.py": [("pyitt", "X", {"workload"}), ("sample.ittapi", "X", {"explicit"}),
                                       ("event", "b", {"event"})],
}


def test_every_sample_is_checked():
    # fib.py and multiprocessing_pool.py show the host's automatic tasks: tests/host; mpi_ranks.py, an
    # MPI job: tests/job.
    present = {p.name for p in SAMPLES.glob("*.py")} - {"fib.py", "multiprocessing_pool.py", "mpi_ranks.py"}
    assert present == set(EXPECTED)
    for name in present:
        doc = ast.get_docstring(ast.parse((SAMPLES / name).read_text()))
        assert doc and "vtune " in doc and "pyitt-host samples/" + name in doc, name


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_sample_runs(traced, sample):
    trace = traced.run_file(SAMPLES / sample)
    for cat, ph, names in EXPECTED[sample]:
        assert names <= {e["name"] for e in trace.of(cat, ph=ph)}, (cat, ph, names)
    if sample == "thread_naming_sample.py":
        assert {"worker 0", "worker 1", "worker 2", "main thread"} <= set(trace.thread_names().values())
    if sample == "collection_control_sample.py":
        assert trace.names("pyitt", ph="X").count("interesting work") == 2
