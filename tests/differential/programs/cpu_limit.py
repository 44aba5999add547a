"""A batch system's CPU limit: SIGXCPU ends the process (and dumps core, where allowed)."""
import os
import signal


def before(n):
    return n


for n in range(25):
    before(n)
print("limited", flush=True)
os.kill(os.getpid(), signal.SIGXCPU)
print("not reached")
