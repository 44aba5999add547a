"""Collect only the interesting part of a program, from the command line: this program knows nothing
of pyitt. It loads data, solves (on several threads), and writes a report.

VTune (its own -start-paused, or pyitt-host's --start-paused: either way nothing is collected until
pyitt-host resumes):

    # exactly while solve() runs, on any thread
    vtune -collect hotspots -start-paused -knob enable-user-tasks=true -- \\
        build/pyitt-host --resume-on '^solve$' -- samples/start_paused.py
    # everything but the loading
    vtune -collect hotspots -knob enable-user-tasks=true -- \\
        build/pyitt-host --pause-on '^load$' -- samples/start_paused.py
    # skip the first second (warm-up), stop collecting after three
    vtune -collect hotspots -start-paused -- \\
        build/pyitt-host --resume-after 1 --detach-after 3 -- samples/start_paused.py 5
    # from another shell, `kill -USR1 <pid>` switches collection on and off
    vtune -collect hotspots -start-paused -- \\
        build/pyitt-host --start-paused --resume-signal USR1 --pause-signal USR1 -- samples/start_paused.py 30

The built-in collector shows the same (pause and resume marks in the trace, paused time in the
summary):

    build/pyitt-host --resume-on '^solve$' -- samples/start_paused.py
    build/pyitt-host samples/start_paused.py    # without options: everything is collected
"""
import sys
import threading
import time


def load(n):
    return [list(range(i, i + 200)) for i in range(n)]


def solve_part(rows):
    return sum(sum(x * x for x in row) for row in rows)


def solve(rows):
    return solve_part(rows)


def report(results):
    return ", ".join(f"{r:.3g}" for r in results)


def main(seconds):
    end = time.monotonic() + seconds
    rounds = 0
    while True:
        data = load(300)
        results = [0.0] * 4
        threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, solve(data[i::4])), name=f"solver-{i}")
                   for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rounds += 1
        if time.monotonic() >= end:
            break
    print(f"{rounds} round(s): {report(results)}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
