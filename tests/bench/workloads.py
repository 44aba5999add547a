"""Workloads for call_overhead.py. `python workloads.py WORKLOAD MODE` runs one and prints the
seconds it took (start-up and exit excluded), so every tool is timed on the same code."""
import sys
import time


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Ledger:
    def __init__(self, owner):
        self.owner = owner
        self.entries = []
        self.tags = {}

    def record(self, amount, tag):
        self.entries.append(amount)
        self.tags[tag] = self.tags.get(tag, 0) + amount
        return self.recent_total()

    def recent_total(self):
        recent = self.entries[-6:]
        return sum(recent) + max(recent) - min(recent)

    def report(self):
        return sorted(self.tags.items(), key=lambda item: -item[1])[:3]


def settle(ledgers, day):
    total = 0
    for name, ledger in ledgers.items():
        total += ledger.record(day % 13 + len(name), f"t{day % 5}")
    return total


def mixed(days):
    ledgers = {f"acct{i}": Ledger(f"acct{i}") for i in range(20)}
    total = 0
    for day in range(days):
        total += settle(ledgers, day)
        if day % 50 == 0:
            total += sum(amount for _, amount in ledgers["acct3"].report())
    return total


def numeric(n):
    acc = 0.0
    for i in range(n):
        x = i * 0.001
        acc += x * x - 3.0 * x + (i % 7) * 0.5
    return acc


WORKLOADS = {"fib": (fib, 27), "mixed": (mixed, 10000), "numeric": (numeric, 3_000_000)}
HOT = {"fib": ["fib"], "mixed": ["Ledger.record", "Ledger.recent_total", "settle"], "numeric": []}


def decorate_hot(workload):
    import pyitt
    for name in HOT[workload]:
        if "." in name:
            cls, method = name.split(".")
            owner = globals()[cls]
            setattr(owner, method, pyitt.task(getattr(owner, method)))
        else:
            globals()[name] = pyitt.task(globals()[name])


def main():
    workload, mode = sys.argv[1], sys.argv[2]
    func, arg = WORKLOADS[workload]
    if mode == "decorators":
        decorate_hot(workload)
        func = globals()[func.__name__]
    profiler = None
    if mode == "cprofile":
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    elif mode == "setprofile":
        def callback(frame, event, arg):  # what a Python-level profiler (omnitrace-python) does at least
            if event == "call":
                frame.f_code.co_name
        sys.setprofile(callback)
    start = time.perf_counter()
    func(arg)
    elapsed = time.perf_counter() - start
    sys.setprofile(None)
    if profiler is not None:
        profiler.disable()
    print(f"{elapsed:.6f}")


if __name__ == "__main__":
    main()
