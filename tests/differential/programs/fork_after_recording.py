"""os.fork() from __main__ after enough calls to fill a thread's buffer (pyitt-host's spill writer
runs by then) and after a -b profile region (its ticker runs by then). Python 3.12+ warns about
forking a multi-threaded process, here on stderr since the call is in __main__: under pyitt-host
the threads of its own must not make it warn where python does not."""
import os
import sys
import time

try:
    profile
except NameError:  # plain python, or pyitt-host without -b
    def profile(function):
        return function


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@profile
def region():
    return sum(range(100))


def fork_and_wait(label):
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    _, status = os.waitpid(pid, 0)
    print(label, os.waitstatus_to_exitcode(status))


fib(int(sys.argv[1]) if len(sys.argv) > 1 else 23)  # 92735 calls: more than a buffer holds
fork_and_wait("after many calls")
region()
time.sleep(0.01)
fork_and_wait("after a region")
fib(20)
region()
fork_and_wait("again")
