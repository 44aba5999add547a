"""A process pool under pyitt-host: every worker is instrumented, and the run's traces are merged.

    pyitt-host -R simulate -- samples/multiprocessing_pool.py               # Python's default (fork before 3.14)
    pyitt-host -R simulate --mp-start-method forkserver -- samples/multiprocessing_pool.py
    pyitt-host -R simulate --mp-start-method spawn -- samples/multiprocessing_pool.py
    vtune -collect hotspots -knob enable-user-tasks -- pyitt-host -R simulate -- samples/multiprocessing_pool.py

The summary counts `simulate` once per item across the workers (ForkPoolWorker-1, ...), and
trace.json in the output directory shows every process on one timeline.
"""
import multiprocessing
import sys


def simulate(seed):
    """A little work per item: a linear congruential walk."""
    value = seed
    for _ in range(20_000):
        value = (value * 1103515245 + 12345) % 2**31
    return value % 1000


def main(items):
    with multiprocessing.Pool(4) as pool:
        results = pool.map(simulate, range(items))
    print(f"{items} items on {multiprocessing.get_start_method()}: checksum {sum(results)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 64)
