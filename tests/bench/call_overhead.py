"""The cost of automatic instrumentation, against the tools users compare it with.

    /usr/bin/python3 tests/bench/call_overhead.py [--build build] [--rounds 9]

Runs three workloads (recursive fib; mixed: methods, dicts, lists, builtins; a numeric loop with
few calls), each in its own process and interleaved round by round, bare and under: pyitt-host
recording every call into the built-in collector, pyitt-host with filters that select none of the
hot functions, cProfile, a sys.setprofile Python callback, and pyitt-style decorators on the hot
functions. Prints the fastest time of each as a ratio to bare's fastest, next to the targets: noise
on a shared machine only ever adds time, so the minimum over rounds is the steadiest estimate.
"host: no collector" is the embedding alone, without any hook: what remains of the other host
rows above it is the instrumentation's own cost.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = ["fib", "mixed", "numeric"]
# Targets of the instrumentation issue: (3.11, 3.12+), ratio to bare.
TARGETS = {
    ("host: every call", "fib"): (2.5, 3.0), ("host: every call", "mixed"): (1.3, 1.3),
    ("host: every call", "numeric"): (1.05, 1.05),
    ("host: none selected", "fib"): (1.6, 1.05), ("host: none selected", "mixed"): (1.15, 1.05),
    ("host: none selected", "numeric"): (1.05, 1.05),
}


def configurations(build, python, out):
    host = str(build / "pyitt-host")
    collector = str(build / "libpyitt-collector.so")
    script = str(HERE / "workloads.py")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYITT_", "INTEL_LIBITTNOTIFY"))}
    return {
        "bare": ([python, script], "bare", clean),
        "host: no collector": ([host, "--collector", "none", "--", script], "bare", clean),
        "host: every call": ([host, "--collector", "builtin", "-o", out, "--", script], "bare", clean),
        "host: none selected": ([host, "--collector", "builtin", "-o", out, "-R", "^no_hot_function$", "--", script],
                                "bare", clean),
        "cProfile": ([python, script], "cprofile", clean),
        "setprofile callback": ([python, script], "setprofile", clean),
        "pyitt decorators": ([python, script], "decorators",
                             dict(clean, PYTHONPATH=str(build), INTEL_LIBITTNOTIFY64=collector, PYITT_OUTPUT_DIR=out)),
    }


def run_once(command, workload, mode, env):
    result = subprocess.run([*command, workload, mode], env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return None
    return float(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(HERE.parents[1] / "build"), help="build directory (default build)")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    args = parser.parse_args()
    build = Path(args.build).resolve()
    config = json.loads((build / "pyitt-test-config.json").read_text())
    python = config["python_executable"]
    version = tuple(int(x) for x in config["python_version"].split(".")[:2])

    with tempfile.TemporaryDirectory() as out:
        configs = configurations(build, python, out)
        times = {(name, w): [] for name in configs for w in WORKLOADS}
        for _ in range(args.rounds):
            for workload in WORKLOADS:
                for name, (command, mode, env) in configs.items():
                    elapsed = run_once(command, workload, mode, env)
                    if elapsed is not None:
                        times[(name, workload)].append(elapsed)

    print(f"Python {config['python_version']}, fastest of {args.rounds} interleaved rounds, ratio to bare "
          f"(bare: seconds)")
    width = max(len(name) for name in configs) + 2
    print("".ljust(width) + "".join(w.rjust(18) for w in WORKLOADS))
    for name in configs:
        cells = []
        for workload in WORKLOADS:
            samples, bare = times[(name, workload)], times[("bare", workload)]
            if not samples or not bare:
                cells.append("n/a".rjust(18))
                continue
            fastest = min(samples)
            if name == "bare":
                cells.append(f"{fastest:.3f}s".rjust(18))
                continue
            ratio = fastest / min(bare)
            target = TARGETS.get((name, workload))
            mark = ""
            if target:
                limit = target[0] if version < (3, 12) else target[1]
                mark = f" {'<=' if ratio <= limit else '> '}{limit}"
            cells.append(f"{ratio:.2f}x{mark}".rjust(18))
        print(name.ljust(width) + "".join(cells))


if __name__ == "__main__":
    main()
