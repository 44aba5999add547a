"""Cost of pyitt tasks: ns per decorated call and per `with pyitt.task(...)` block, next to a bare
call, in one run, with the built-in collector recording.

    build/pyitt-host -- tests/module/bench_tasks.py [--iterations N] [--repeat R]
    PYTHONPATH=build python3 tests/module/bench_tasks.py

Without INTEL_LIBITTNOTIFY64 the script loads libpyitt-collector.so from beside the pyitt module
(or $PYITT_BUILD_DIR) itself, and writes the trace to a temporary directory unless
PYITT_OUTPUT_DIR is set. Each figure is the best of R runs of N iterations.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def _use_builtin_collector():
    """Points ITT at the built-in collector before pyitt makes its first ITT call."""
    if "INTEL_LIBITTNOTIFY64" in os.environ:  # chosen by the user or the host (empty: no collector)
        return os.environ["INTEL_LIBITTNOTIFY64"]
    import importlib.util  # pylint: disable=import-outside-toplevel
    spec = importlib.util.find_spec("pyitt")
    places = [Path(os.environ.get("PYITT_BUILD_DIR", ".")), Path(__file__).resolve().parents[2] / "build"]
    if spec is not None and spec.origin and spec.origin not in ("built-in",):
        places.insert(0, Path(spec.origin).parent)
    for place in places:
        candidate = place / "libpyitt-collector.so"
        if candidate.exists():
            os.environ["INTEL_LIBITTNOTIFY64"] = str(candidate)
            os.environ.setdefault("PYITT_OUTPUT_DIR", tempfile.mkdtemp(prefix="pyitt-bench-"))
            return str(candidate)
    return None


def _measure(loop, iterations, repeat):
    best = None
    for _ in range(repeat):
        start = time.perf_counter_ns()
        loop(iterations)
        elapsed = time.perf_counter_ns() - start
        best = elapsed if best is None else min(best, elapsed)
    return best / iterations


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    collector = _use_builtin_collector()
    import pyitt  # pylint: disable=import-outside-toplevel

    def bare(x):
        return x

    @pyitt.task
    def decorated(x):
        return x

    reused = pyitt.task("reused block")

    def bare_loop(n):
        for i in range(n):
            bare(i)

    def decorated_loop(n):
        for i in range(n):
            decorated(i)

    def with_loop(n):
        for i in range(n):
            with pyitt.task("with block"):
                bare(i)

    def reused_with_loop(n):
        for i in range(n):
            with reused:
                bare(i)

    results = [(name, _measure(loop, args.iterations, args.repeat))
               for name, loop in (("bare call", bare_loop), ("decorated call", decorated_loop),
                                  ("with pyitt.task(name) block + call", with_loop),
                                  ("with <same task object> block + call", reused_with_loop))]
    # Also runs with pyitt 1.7 from PyPI (pip install pyitt), for comparison: it lacks these names.
    state = pyitt.collection_state().name if hasattr(pyitt, "collection_state") else "?"
    in_host = getattr(pyitt, "in_host", None)
    where = ("pyitt-host built-in module" if in_host else "extension module") if in_host is not None else pyitt.__file__
    print(f"pyitt {getattr(pyitt, '__version__', '(PyPI)')} ({where}), Python {sys.version.split()[0]},"
          f" collector: {collector or 'none'} ({state})")
    print(f"{args.iterations} iterations, best of {args.repeat}")
    base = results[0][1]
    for name, ns in results:
        extra = "" if name == "bare call" else f"   (+{ns - base:.0f} ns over the bare call)"
        print(f"  {name:<40} {ns:8.1f} ns{extra}")


if __name__ == "__main__":
    main()
