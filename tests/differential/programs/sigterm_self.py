"""Records some calls, then is sent SIGTERM (by itself, as a pool or a scheduler would): nothing
after the signal runs, and the process dies of it."""
import os
import signal
import sys


def before(n):
    return n + 1


total = sum(before(n) for n in range(25))
print("before the signal", total, flush=True)
os.kill(os.getpid(), getattr(signal, sys.argv[1] if len(sys.argv) > 1 else "SIGTERM"))
print("not reached")
