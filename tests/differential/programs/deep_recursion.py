"""Recursion python runs (3.11+ on the heap): 50,000 deep in the main thread, 30,000 in a thread."""
import sys
import threading

sys.setrecursionlimit(100_000)


def down(n):
    return 0 if n == 0 else 1 + down(n - 1)


print(down(50_000))
results = []
worker = threading.Thread(target=lambda: results.append(down(30_000)))
worker.start()
worker.join()
print(results)
