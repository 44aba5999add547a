"""Issue 16's speed table: pyitt-host and its peers side by side, ratio to bare python.

    /usr/bin/python3 tests/bench/speed_table.py [--build build] [--build build-py3.13] [--rounds 5]
        [--peer-path 3.11=/tmp/viz/site-3.11] [--only fib-all,start...]

One column group per build directory (its pyitt-test-config.json names its python). Every row's
configurations run in their own processes, interleaved round by round (a round runs every row once),
and each is divided by bare python's time of the same round; the table prints min / median / max of
those ratios. Workloads time themselves (start-up excluded) except the start and pool rows, which
time the whole process.

Peers are run where the python can import them: cProfile always; viztracer, yappi and line_profiler
(`kernprof -l -b`) otherwise say why not. Debian's python3-yappi and python3-line-profiler serve
Debian's python; `--peer-path VERSION=DIR` puts DIR on PYTHONPATH of that version's peer runs only
(a viztracer built elsewhere, say).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = HERE / "workloads.py"
POOL_SOURCE = """
import multiprocessing, sys
def square(x):
    return x * x
if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    with multiprocessing.Pool(4) as pool:
        pool.map(square, range(64))
"""
START_REPEATS = 8  # whole-process rows are short: each sample is the mean of this many runs
# Long enough that a shared machine's noise is small against them (fib 30: 2.7 M calls).
SIZES = {"fib": "30", "mixed": "10000", "threads": "800000", "method": "1000000", "generator": "2000000",
         "coroutine": "1000000", "blocks": "800000"}


class Python:
    def __init__(self, build, peer_paths, scratch):
        self.build = build
        config = json.loads((build / "pyitt-test-config.json").read_text())
        self.exe = config["python_executable"]
        self.version = ".".join(config["python_version"].split(".")[:2])
        self.host = str(build / "pyitt-host")
        self.out = tempfile.mkdtemp(dir=scratch)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("PYITT_", "INTEL_LIBITTNOTIFY", "PYTHON"))}
        self.peer_env = dict(self.env)
        if self.version in peer_paths:
            self.peer_env["PYTHONPATH"] = peer_paths[self.version]
        self.missing = {}
        for module, peer in (("viztracer", "viztracer"), ("yappi", "yappi"), ("kernprof", "line_profiler")):
            probe = subprocess.run([self.exe, "-c", f"import {module}"], env=self.peer_env, capture_output=True,
                                   text=True)
            if probe.returncode != 0:
                self.missing[peer] = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else "?"

    def host_cmd(self, *options):
        return [self.host, "-o", self.out, *options, "--"]


# A row: (name, workload or None for whole-process rows, the reference configuration, configurations).
# A configuration: (label, command builder(python) -> (argv, env) or None if unavailable, timed by).
def rows(pool_script):
    def script(argv_before, mode="bare", peer=False):
        return lambda p, w: ([*argv_before(p), str(WORKLOADS), w, mode, SIZES[w]], p.peer_env if peer else p.env)

    def peer(name, argv, mode):
        def build(p, w):
            if name in p.missing:
                return None
            return [*argv(p), str(WORKLOADS), w, mode, SIZES[w]], p.peer_env
        return build

    bare = script(lambda p: [p.exe])
    host = lambda *o, mode="bare": script(lambda p: p.host_cmd(*o), mode=mode)
    none_selected = host("-R", "^no_hot_function$")
    kernprof = peer("line_profiler", lambda p: [p.exe, "-m", "kernprof", "-l", "-b", "-o", os.path.join(p.out, "k.lprof")],
                    "builtin-profile")
    def monitoring_only(p, w):  # 3.12+: the hook a run that records most calls leaves behind
        if tuple(map(int, p.version.split("."))) < (3, 12):
            return None
        argv, env = host()(p, w)
        return argv, {**env, "PYITT_CALL_HOOK": "monitoring"}

    return [
        ("fib, every call a task", "fib", bare, [
            ("pyitt-host", host()),
            ("pyitt-host, sys.monitoring only", monitoring_only),
            ("viztracer", peer("viztracer", lambda p: [p.exe], "viztracer")),
            ("cProfile", script(lambda p: [p.exe], mode="cprofile")),
            ("yappi", peer("yappi", lambda p: [p.exe], "yappi")),
        ]),
        ("fib, -b with @profile on fib", "fib", bare, [
            ("pyitt-host -b", host("-b", mode="builtin-profile")),
            ("pyitt-host -R ^fib$ (what -b should cost)", host("-R", "^fib$")),
            ("kernprof -l -b", kernprof),
        ]),
        ("8 threads, -b with @profile on the callee", "threads", bare, [
            ("pyitt-host -b", host("-b", mode="builtin-profile")),
            ("pyitt-host -R ^callee$ (what -b should cost)", host("-R", "^callee$")),
        ]),
        ("a method, -b with @profile on it", "method", bare, [
            ("pyitt-host -b", host("-b", mode="builtin-profile")),
            ("pyitt-host -R ^Meter.tick$ (what -b should cost)", host("-R", r"^Meter\.tick$")),
        ]),
        ("a generator, -b with @profile on it", "generator", bare, [
            ("pyitt-host -b", host("-b", mode="builtin-profile")),
            ("pyitt-host -R ^numbers$ (what -b should cost)", host("-R", "^numbers$")),
        ]),
        ("a coroutine, -b with @profile on it", "coroutine", bare, [
            ("pyitt-host -b", host("-b", mode="builtin-profile")),
            ("pyitt-host -R ^twice$ (what -b should cost)", host("-R", "^twice$")),
        ]),
        ("-b, `with profile:` around each call of a loop", "blocks", bare, [
            ("pyitt-host -b", host("-b", mode="builtin-profile")),
            ("pyitt-host -R ^callee$, no block (what -b should cost)", host("-R", "^callee$")),
            ("pyitt-host -R ^callee$, `with pyitt.task` blocks", host("-R", "^callee$", mode="task-blocks")),
        ]),
        ("filters select nothing: fib", "fib", bare, [("pyitt-host", none_selected),
                                                       ("pyitt-host --collector none", host("--collector", "none"))]),
        ("filters select nothing: mixed", "mixed", bare, [("pyitt-host", none_selected),
                                                           ("pyitt-host --collector none", host("--collector", "none"))]),
        ("filters select nothing: 8 threads", "threads", bare, [("pyitt-host", none_selected)]),
        ("start: -c pass", None, lambda p, w: ([p.exe, "-c", "pass"], p.env), [
            ("pyitt-host", lambda p, w: ([*p.host_cmd(), "-c", "pass"], p.env)),
            ("pyitt-host --collector none", lambda p, w: ([*p.host_cmd("--collector", "none"), "-c", "pass"], p.env)),
            ("pyitt-host -b", lambda p, w: ([*p.host_cmd("-b"), "-c", "pass"], p.env)),
        ]),
        ("Pool(4).map, ratio to python's spawn", None,
         lambda p, w: ([p.exe, pool_script, "spawn"], p.env), [
            ("pyitt-host, spawn", lambda p, w: ([*p.host_cmd(), pool_script, "spawn"], p.env)),
            # What the processes' starts and ends cost, without recording multiprocessing's calls.
            ("pyitt-host --start-paused, spawn", lambda p, w: ([*p.host_cmd("--start-paused"), pool_script, "spawn"], p.env)),
            ("python, fork", lambda p, w: ([p.exe, pool_script, "fork"], p.env)),
        ]),
    ]


def seconds_of(argv, env, workload):
    """The workload's own time, or the whole process's; None if it failed."""
    repeats = 1 if workload else START_REPEATS
    # What the previous run wrote (viztracer's JSON is hundreds of MB) goes to disk now, not while
    # this one runs: the kernel's write-back takes a core of two.
    os.sync()
    start = time.perf_counter()
    for _ in range(repeats):
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            return None
    elapsed = (time.perf_counter() - start) / repeats
    if not workload:
        return elapsed
    for line in reversed(result.stdout.splitlines()):  # kernprof prints after the workload
        try:
            return float(line)
        except ValueError:
            continue
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="append", help="a build directory (repeat for more pythons; default build)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--peer-path", action="append", default=[], metavar="VERSION=DIR",
                        help="PYTHONPATH for that python's peer runs (a viztracer built outside the repo)")
    parser.add_argument("--only", default="", help="comma-separated words: only rows whose name contains one")
    args = parser.parse_args()
    builds = [Path(b).resolve() for b in (args.build or [str(HERE.parents[1] / "build")])]
    peer_paths = dict(item.split("=", 1) for item in args.peer_path)

    with tempfile.TemporaryDirectory() as scratch:
        pool_script = os.path.join(scratch, "pool_map.py")
        Path(pool_script).write_text(POOL_SOURCE)
        pythons = [Python(b, peer_paths, scratch) for b in builds]
        table = [r for r in rows(pool_script) if not args.only or any(w in r[0] for w in args.only.split(","))]
        ratios = {}  # (python index, row, label) -> [ratio per round]
        failed = set()
        for _ in range(args.rounds):
            for index, p in enumerate(pythons):
                for name, workload, reference, configs in table:
                    bare = seconds_of(*reference(p, workload), workload)
                    ratios.setdefault((index, name, "python"), []).append(bare)
                    for label, build in configs:
                        command = build(p, workload)
                        if command is None:
                            continue
                        elapsed = seconds_of(*command, workload)
                        if elapsed is None or bare is None:
                            failed.add((index, name, label))
                            continue
                        ratios.setdefault((index, name, label), []).append(elapsed / bare)

    width = max(len(label) for _, _, _, configs in table for label, _ in configs) + 4
    print(f"ratio to bare python: min / median / max of {args.rounds} interleaved rounds")
    print("".ljust(width) + "".join(f"python {p.version}".center(24) for p in pythons))
    print("".ljust(width) + "".join(f"{p.build.parent.name}/{p.build.name}"[-22:].center(24) for p in pythons))
    for name, workload, _, configs in table:
        bare_times = [ratios[(i, name, "python")] for i in range(len(pythons))]
        print(f"{name}".ljust(width) + "".join(
            ("python failed" if None in t else f"(python {statistics.median(t):.3f}s)").center(24) for t in bare_times))
        for label, _ in configs:
            cells = []
            for i, p in enumerate(pythons):
                samples = ratios.get((i, name, label))
                if (i, name, label) in failed:
                    cells.append("failed")
                elif not samples:
                    cells.append("not importable" if any(peer in label for peer in p.missing) else "-")
                else:
                    cells.append(f"{min(samples):.2f} / {statistics.median(samples):.2f} / {max(samples):.2f}x")
            print(f"  {label}".ljust(width) + "".join(c.center(24) for c in cells))
    for p in pythons:
        for peer, why in sorted(p.missing.items()):
            print(f"python {p.version}: {peer} skipped ({why})")


if __name__ == "__main__":
    main()
