"""The run's trace as a user finds it: a stable name (trace.<ext>) whether the process ran alone or
with children, --trace-format, --min-duration."""
import json
import os
import re
import textwrap

import pytest
from pyitt_testing import read_trace, run, run_trace_path

FIB = textwrap.dedent("""
    import time
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)
    def slow():
        time.sleep(0.02)
    fib(12)
    slow()
""")

POOL = textwrap.dedent("""
    import multiprocessing as mp
    def work(x):
        return x * x
    if __name__ == "__main__":
        with mp.get_context("spawn").Pool(2) as pool:
            print(sum(pool.map(work, range(8))))
""")


def run_host(host, env, tmp_path, source, *options, out_name="out"):
    script = tmp_path / "prog.py"
    script.write_text(source)
    out = tmp_path / out_name
    result = run([host, "-o", out, *options, "--", script], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return out, result


def x_events(trace):
    return [e for e in trace["traceEvents"] if e.get("ph") == "X"]


def test_the_default_trace_is_compact_and_named_trace_perfetto_trace(host, clean_env, tmp_path):
    out, result = run_host(host, clean_env, tmp_path, FIB)
    [own] = out.glob("trace-*")
    assert own.name.endswith(".perfetto-trace") and os.path.samefile(own, out / "trace.perfetto-trace")
    assert "open trace.perfetto-trace in https://ui.perfetto.dev" in result.stderr.splitlines()[-1]
    trace = read_trace(own)
    assert [e["name"] for e in x_events(trace)].count("fib") == 465
    assert own.stat().st_size < 465 * 16  # well under the 16 bytes an event, headers included


def test_a_lone_process_trace_is_also_trace_json(host, clean_env, tmp_path):
    out, result = run_host(host, clean_env, tmp_path, FIB, "--trace-format", "json")
    [own] = out.glob("trace-*.json")
    run_trace = out / "trace.json"
    assert os.path.samefile(own, run_trace)  # a second name, not a copy: no byte written twice
    last = result.stderr.strip().splitlines()[-1]
    assert re.match(rf"pyitt-host: \d+ ITT events from this process, trace in .*/ \(open trace\.json in "
                    rf"https://ui\.perfetto\.dev, the same file as {own.name}[;)]", last), last
    assert x_events(json.loads(run_trace.read_text()))


def test_a_second_run_in_the_directory_replaces_trace_json(host, clean_env, tmp_path):
    out, _ = run_host(host, clean_env, tmp_path, FIB, "--trace-format", "json")
    first = {p.name for p in out.glob("trace-*.json")}
    out, result = run_host(host, clean_env, tmp_path, FIB, "--trace-format", "json")
    [second] = {p.name for p in out.glob("trace-*.json")} - first
    # The earlier run's trace is not this run's: the merge found one process of this run, and named it.
    assert os.path.samefile(out / second, out / "trace.json"), result.stderr


def test_a_run_of_several_processes_merges_into_trace_json(host, clean_env, tmp_path):
    out, result = run_host(host, clean_env, tmp_path, POOL, "--trace-format", "json")
    assert result.stdout == "140\n"
    parts = list(out.glob("trace-*.json"))
    assert len(parts) == 3
    merged = json.loads((out / "trace.json").read_text())
    assert {e["pid"] for e in merged["traceEvents"] if e.get("ph") == "X"} == {
        int(re.match(r"trace-(\d+)", p.name).group(1)) for p in parts
        if x_events(json.loads(p.read_text()))}
    assert "open trace.json in" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("trace_format", ["perfetto", "json"])
def test_min_duration_leaves_short_tasks_out_of_the_trace_not_the_summary(host, clean_env, tmp_path, trace_format):
    source = FIB.replace("fib(12)\n", "fib(12)\ndef outer():\n    fib(3)\n    time.sleep(0.01)\nouter()\n")
    out, result = run_host(host, clean_env, tmp_path, source, "--trace-format", trace_format, "--min-duration", "5000")
    kept = x_events(read_trace(run_trace_path(out)))
    names = [e["name"] for e in kept]
    assert sorted(names) == ["outer", "slow"]  # 10 and 20 ms stay, fib's microseconds go, inside outer too
    assert all(e["dur"] >= 5000 for e in kept)
    assert re.search(r"^fib \(recursive, depth 1-\d+\) +470 ", result.stderr, re.M), result.stderr  # all counted
    out, _ = run_host(host, clean_env, tmp_path, source, "--trace-format", trace_format, out_name="all")
    assert [e["name"] for e in x_events(read_trace(run_trace_path(out)))].count("fib") == 465 + 5


def test_trace_options_reach_children(host, clean_env, tmp_path):
    out, _ = run_host(host, clean_env, tmp_path, POOL.replace("return x * x", "import time; time.sleep(0.01); return x * x"),
                      "--trace-format", "json", "--min-duration", "5000", "-R", "^work$")
    merged = json.loads((out / "trace.json").read_text())
    assert {e["name"] for e in x_events(merged)} == {"work"}


def test_bad_trace_options_are_usage_errors(host, clean_env, tmp_path):
    for options, message in ((["--min-duration", "-1"], "--min-duration: '-1' is not a number of microseconds"),
                             (["--min-duration", "x"], "--min-duration: 'x' is not a number of microseconds"),
                             (["--trace-format", "xml"], "--trace-format")):
        result = run([host, *options, "--", "x.py"], env=clean_env, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
