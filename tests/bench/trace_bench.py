"""What writing the trace costs, side by side in one run: per workload (fib, mixed, fib on 8
threads), bare python and pyitt-host recording every call with each trace format.

    /usr/bin/python3 tests/bench/trace_bench.py [--build build] [--rounds 5] [--ten-million]

Prints, per workload and format: the in-program ratio (the workload's own time, as workloads.py
measures it, to bare python's), the whole-process ratio (start to exit, writing included, to bare
python's whole process), their quotient (goal <= 1.15), bytes on disk per event (every file of the
output directory, a hard link counted once; goal <= 16 for fib), the collector's own measure of
writing per event (PYITT_COLLECTOR_STATS: the exit's writing time plus the CPU time the background
converter spent while the program ran; goal <= 100 ns), the exit's part alone, and the peak RSS.
"perfetto@exit" is the Perfetto format converted at exit only (PYITT_COLLECTOR_BACKGROUND=0), as
before the background converter, for a side-by-side comparison. Fastest of the
interleaved rounds for the times, as call_overhead.py does. --ten-million adds a fib run of 11 M
events and decodes its trace fully with tests/perfetto_trace.py.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
WORKLOADS = ["fib", "mixed", "threads"]
FORMATS = ["json", "perfetto", "perfetto@exit"]
STATS = re.compile(r"pyitt-collector: stats: wrote (\d+) events in ([\d.]+) ms"
                   r"(?:.*?converted (\d+) records while running in ([\d.]+) ms of CPU)?")


def run_once(command, env):
    """(in-program s, whole s, stderr) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=900)
    whole = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{err[-2000:]}")
    return float(out.strip().splitlines()[-1]), whole, err


def peak_rss_kib(command, env, stderr_path=None):
    """Peak RSS of one more run, from the kernel's accounting of the child (its stderr to a file if given)."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if stderr_path else devnull, 2)
        try:
            os.execve(command[0], command, env)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    return usage.ru_maxrss


def disk_bytes(directory):
    seen, total = set(), 0
    for p in Path(directory).iterdir():
        st = p.stat()
        if p.is_file() and st.st_ino not in seen:
            seen.add(st.st_ino)
            total += st.st_size
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(HERE.parents[1] / "build"), help="build directory (default build)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--ten-million", action="store_true", help="also an 11 M-event fib run, decoded fully")
    args = parser.parse_args()
    build = Path(args.build).resolve()
    config = json.loads((build / "pyitt-test-config.json").read_text())
    python = config["python_executable"]
    host = str(build / "pyitt-host")
    script = str(HERE / "workloads.py")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYITT_", "INTEL_LIBITTNOTIFY"))}
    stats_env = dict(clean, PYITT_COLLECTOR_STATS="1")

    results = {}  # (workload, config) -> dict
    with tempfile.TemporaryDirectory() as tmp:
        def commands(workload):
            yield "python", [python, script, workload, "bare"], clean, None
            for fmt in FORMATS:
                out = Path(tmp) / f"{workload}-{fmt.replace('@', '-')}"
                env = dict(stats_env, PYITT_COLLECTOR_BACKGROUND="0") if fmt.endswith("@exit") else stats_env
                yield f"host {fmt}", [host, "--collector", "builtin", "-o", str(out), "--trace-format",
                                      fmt.split("@")[0], "--", script, workload, "bare"], env, out

        for _ in range(args.rounds):
            for workload in WORKLOADS:
                for name, command, env, out in commands(workload):
                    if out is not None and out.exists():
                        for p in out.iterdir():
                            p.unlink()
                    inside, whole, err = run_once(command, env)
                    r = results.setdefault((workload, name), {"inside": [], "whole": [], "write": [], "exit": [],
                                                              "events": 0})
                    r["inside"].append(inside)
                    r["whole"].append(whole)
                    m = STATS.search(err)
                    if m:
                        r["events"] = int(m.group(1))
                        background_ms = float(m.group(4) or 0)
                        r["write"].append((float(m.group(2)) + background_ms) * 1e6 / max(1, int(m.group(1))))
                        r["exit"].append(float(m.group(2)) * 1e6 / max(1, int(m.group(1))))
                    if out is not None:
                        r["bytes"] = disk_bytes(out)
        for workload in WORKLOADS:
            for name, command, env, out in commands(workload):
                results[(workload, name)]["rss"] = peak_rss_kib(command, env)

    print(f"Python {config['python_version']}, fastest of {args.rounds} interleaved rounds; ratios to bare python")
    header = f"{'workload':<9} {'run':<19} {'events':>9} {'in-program':>11} {'whole':>8} {'whole/in':>9} " \
             f"{'bytes/event':>12} {'write ns/ev':>12} {'at exit':>8} {'peak RSS':>9}"
    print(header)
    print("-" * len(header))
    for workload in WORKLOADS:
        bare = results[(workload, "python")]
        for name in ["python"] + [f"host {f}" for f in FORMATS]:
            r = results[(workload, name)]
            rss = f"{r['rss'] / 1024:.0f} MB"
            if name == "python":
                print(f"{workload:<9} {name:<19} {'':>9} {min(r['inside']):>10.3f}s {min(r['whole']):>7.3f}s {'':>9} "
                      f"{'':>12} {'':>12} {'':>8} {rss:>9}")
                continue
            inside = min(r["inside"]) / min(bare["inside"])
            whole = min(r["whole"]) / min(bare["whole"])
            events = r["events"]
            print(f"{workload:<9} {name:<19} {events:>9} {inside:>10.2f}x {whole:>7.2f}x {whole / inside:>8.2f}x "
                  f"{r['bytes'] / max(1, events):>12.1f} {min(r['write']):>12.1f} {min(r['exit']):>8.1f} {rss:>9}")

    if args.ten_million:
        from perfetto_trace import decode
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "fib10m"
            start = time.perf_counter()
            rss = peak_rss_kib([host, "--collector", "builtin", "-o", str(out), "--", script, "fib10m", "bare"], stats_env,
                               str(Path(tmp) / "stderr"))
            took = time.perf_counter() - start
            m = STATS.search((Path(tmp) / "stderr").read_text())
            python_rss = peak_rss_kib([python, script, "fib10m", "bare"], clean)
            trace = out / "trace.perfetto-trace"
            size = trace.stat().st_size
            t0 = time.perf_counter()
            slices = 0

            def count(event):
                nonlocal slices
                slices += event["ph"] == "X"
            decode(trace.read_bytes(), on_event=count)
            background_ms = float(m.group(4) or 0)
            print(f"\n10 M events: {m.group(1)} written in {float(m.group(2)) / 1e3:.2f} s at exit and "
                  f"{background_ms / 1e3:.2f} s of converter CPU while running "
                  f"({(float(m.group(2)) + background_ms) * 1e6 / int(m.group(1)):.1f} ns/event), whole run {took:.2f} s; "
                  f"peak RSS {rss / 1024:.0f} MB (python alone {python_rss / 1024:.0f} MB); "
                  f"{size / 1e6:.1f} MB ({size / int(m.group(1)):.2f} bytes/event); decoded fully by "
                  f"tests/perfetto_trace.py in {time.perf_counter() - t0:.0f} s: {slices} slices, "
                  f"{'all' if slices == int(m.group(1)) else 'NOT all'} of them")


if __name__ == "__main__":
    main()
