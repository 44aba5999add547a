"""Instructions per Python call, counted by callgrind: bare python and pyitt-host side by side.

    /usr/bin/python3 tests/bench/call_instructions.py [--build build] [--functions] [--only nothing,...]

Each configuration runs workloads.py's fib at two sizes under `valgrind --tool=callgrind`; the
difference of their instruction counts over the difference of their call counts is what one call
costs, start-up and exit excluded. Exact and repeatable where a timed run on a shared machine is not.
--functions adds, per configuration, where one call's instructions go (callgrind_annotate's self
counts per function, the same difference), which splits the hook's own code from what CPython does
differently under it (on 3.9-3.11 a PEP 523 hook turns every Python call into a C call). Recording
every call (`every`) is counted on all threads, the collector's converting and compressing the trace
included (the program's main thread alone varies from run to run with how much of that it does
itself); on 3.12+ also with sys.monitoring alone (`every-monitoring`, PYITT_CALL_HOOK=monitoring),
the hook such a run would have without the frame-evaluation function.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = HERE / "workloads.py"
# The same string hashes in every run: dict probes, and so the counts, repeat to the instruction.
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith(("PYITT_", "INTEL_LIBITTNOTIFY", "PYTHON"))},
       "PYTHONHASHSEED": "0"}
SIZES = (15, 20)  # fib(20) - fib(15): 19918 calls, a few seconds under callgrind


def calls_of_fib(n):
    a, b = 0, 1  # fib(n) makes 2 * F(n + 1) - 1 calls
    for _ in range(n + 1):
        a, b = b, a + b
    return 2 * a - 1


def configurations(python, host, out, version):
    """(tag, label, argv, extra environment, main thread only)"""
    h = [host, "-q", "-o", out]
    chosen = [
        ("python", "python", [python], {}, False),
        ("nothing", "pyitt-host, filters select nothing (-R ^no_hot_function$)", [*h, "-R", "^no_hot_function$", "--"],
         {}, False),
        ("none", "pyitt-host --collector none", [*h, "--collector", "none", "--"], {}, False),
        ("noinstrumenter", "pyitt-host --noinstrumenter (recording off, fib selected)", [*h, "--noinstrumenter", "--"],
         {}, False),
        ("every", "pyitt-host, every call a task (all threads)", [*h, "--"], {}, False),
    ]
    if version >= (3, 12):
        chosen.append(("every-monitoring", "pyitt-host, every call a task, sys.monitoring only (all threads)",
                       [*h, "--"], {"PYITT_CALL_HOOK": "monitoring"}, False))
    return chosen


def main_thread_total(profile):
    """The instructions of thread 1 (the program's main thread) in a --separate-threads profile."""
    text = Path(f"{profile}-01").read_text()
    return int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))


def self_counts(profile):
    """Instructions per function (self), from callgrind_annotate."""
    text = subprocess.run(["callgrind_annotate", "--threshold=100", str(profile)], capture_output=True, text=True,
                          check=True).stdout
    counts = Counter()
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(\S.*)", line)
        if m and not m.group(2).startswith("=>") and ":" in m.group(2):
            counts[re.sub(r"'\d+$", "", m.group(2).split(" [")[0])] += int(m.group(1).replace(",", ""))
    return counts


def measure(argv, scratch, tag, extra_env, main_thread):
    totals, profiles = [], []
    for n in SIZES:
        profile = Path(scratch) / f"{tag}.{n}.out"
        threads = ["--separate-threads=yes"] if main_thread else []
        result = subprocess.run(["valgrind", "--tool=callgrind", "--dump-instr=no", *threads,
                                 f"--callgrind-out-file={profile}", *argv, str(WORKLOADS), "fib", "bare", str(n)],
                                capture_output=True, text=True, env={**ENV, **extra_env})
        found = re.search(r"Collected : (\d+)", result.stderr)
        if result.returncode != 0 or not found:
            sys.exit(f"call_instructions: {' '.join(argv)} failed under callgrind:\n{result.stderr[-2000:]}")
        totals.append(main_thread_total(profile) if main_thread else int(found.group(1)))
        profiles.append(Path(f"{profile}-01") if main_thread else profile)
    return totals, profiles


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="the build directory (default build)")
    parser.add_argument("--functions", action="store_true", help="also where each call's instructions go")
    parser.add_argument("--only", help="comma-separated configurations: python,nothing,none,noinstrumenter,every,"
                                           "every-monitoring")
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_annotate"):
        if not shutil.which(tool):
            sys.exit(f"call_instructions: no {tool} on PATH (third_party/bootstrap.sh installs Debian's valgrind)")
    build = Path(args.build).resolve()
    config = json.loads((build / "pyitt-test-config.json").read_text())
    calls = calls_of_fib(SIZES[1]) - calls_of_fib(SIZES[0])
    wanted = set(args.only.split(",")) if args.only else None
    with tempfile.TemporaryDirectory() as scratch:
        version = tuple(int(part) for part in config["python_version"].split(".")[:2])
        chosen = [c for c in configurations(config["python_executable"], str(build / "pyitt-host"), scratch, version)
                  if wanted is None or c[0] in wanted or c[0] == "python"]
        print(f"python {config['python_version']}, {build.name}: instructions per call of fib "
              f"(fib({SIZES[1]}) - fib({SIZES[0]}): {calls} calls)")
        reference = None
        for tag, label, argv, extra_env, main_thread in chosen:
            totals, profiles = measure(argv, scratch, tag, extra_env, main_thread)
            per_call = (totals[1] - totals[0]) / calls
            reference = reference or per_call
            print(f"  {label:66} {per_call:7.1f}  {per_call / reference:5.2f}x")
            if args.functions:
                small, large = self_counts(profiles[0]), self_counts(profiles[1])
                spent = sorted(((large[f] - small[f]) / calls, f) for f in set(small) | set(large))
                for cost, function in reversed(spent):
                    if cost >= 1.0:
                        print(f"      {cost:7.1f}  {function[:110]}")


if __name__ == "__main__":
    main()
