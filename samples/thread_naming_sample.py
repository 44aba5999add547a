"""Thread naming: name threads as the profiler shows them.

    build/pyitt-host samples/thread_naming_sample.py
    vtune -collect hotspots -knob enable-user-tasks=true -- build/pyitt-host samples/thread_naming_sample.py
"""
import threading

import pyitt


@pyitt.task
def work(n):
    pyitt.thread_set_name(f"worker {n}")
    return sum(range(100_000 * (n + 1)))


if __name__ == "__main__":
    pyitt.thread_set_name("main thread")
    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
