"""SIGTERM arrives from outside while a thread computes in Python: no line after it is printed."""
import os
import signal
import threading
import time


def before(n):
    return n


for n in range(25):
    before(n)
stop = threading.Event()
printed = []


def busy():
    while not stop.is_set():
        sum(range(1000))
    print("thread went on after SIGTERM", flush=True)


worker = threading.Thread(target=busy)
worker.start()
time.sleep(0.1)
print("sending", flush=True)
os.kill(os.getpid(), signal.SIGTERM)
stop.set()
time.sleep(0.2)
print("not reached", flush=True)
