"""Workloads for call_overhead.py, trace_bench.py and speed_table.py. `python workloads.py WORKLOAD MODE [SIZE]` runs one and
prints the seconds it took (start-up and exit excluded), so every tool is timed on the same code.
MODE: bare, cprofile, setprofile, decorators (pyitt.task on the hot functions), viztracer, yappi,
builtin-profile (the hot functions decorated with the `profile` that pyitt-host -b or kernprof -b
put in builtins), or task-blocks (blocks only: a `with pyitt.task` block where builtin-profile has
`with profile:`)."""
import builtins
import sys
import threading
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


def callee(i):
    return i * 2 + 1


def worker(n):
    total = 0
    for i in range(n):
        total += callee(i)
    return total


def threads(calls):
    """8 threads of small calls (`callee` is the hot one)."""
    pool = [threading.Thread(target=worker, args=(calls // 8,)) for _ in range(8)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


class Meter:
    def __init__(self):
        self.count = 0

    def tick(self, i):
        self.count += 1
        return i * 2 + 1


def method(n):
    """A method called in a loop (`Meter.tick` is the hot one)."""
    meter = Meter()
    total = 0
    for i in range(n):
        total += meter.tick(i)
    return total


def numbers(n):
    for i in range(n):
        yield i * 2 + 1


def generator(n):
    """A generator's resumptions (`numbers` is the hot one)."""
    total = 0
    for value in numbers(n):
        total += value
    return total


async def twice(i):
    return i * 2 + 1


async def awaiting(n):
    total = 0
    for i in range(n):
        total += await twice(i)
    return total


def coroutine(n):
    """Coroutines awaited in a loop, driven without an event loop (`twice` is the hot one)."""
    try:
        awaiting(n).send(None)
    except StopIteration as stop:
        return stop.value


BLOCK = None  # the context manager entered around each call in blocks(): `profile` or a pyitt task


def blocks(n):
    """`with profile:` around one small call per iteration (bare: the same loop without the block)."""
    total = 0
    if BLOCK is None:
        for i in range(n):
            total += callee(i)
    else:
        for i in range(n):
            with BLOCK:
                total += callee(i)
    return total


WORKLOADS = {"fib": (fib, 27), "mixed": (mixed, 10000), "numeric": (numeric, 3_000_000),
             "threads": (threads, 400_000), "fib10m": (fib, 33),
             "method": (method, 600_000), "generator": (generator, 1_000_000), "coroutine": (coroutine, 500_000),
             "blocks": (blocks, 400_000)}  # fib10m: 11.4 M calls (trace_bench.py)
HOT = {"fib": ["fib"], "mixed": ["Ledger.record", "Ledger.recent_total", "settle"], "numeric": [],
       "threads": ["callee"], "fib10m": ["fib"], "method": ["Meter.tick"], "generator": ["numbers"],
       "coroutine": ["twice"], "blocks": []}


def decorate_hot(workload, decorator):
    for name in HOT[workload]:
        if "." in name:
            cls, method = name.split(".")
            owner = globals()[cls]
            setattr(owner, method, decorator(getattr(owner, method)))
        else:
            globals()[name] = decorator(globals()[name])


def main():
    global BLOCK
    workload, mode = sys.argv[1], sys.argv[2]
    func, arg = WORKLOADS[workload]
    if len(sys.argv) > 3:
        arg = int(sys.argv[3])
    if mode == "decorators":
        import pyitt
        decorate_hot(workload, pyitt.task)
        func = globals()[func.__name__]
    elif mode == "task-blocks":  # blocks(): a pyitt task around each call instead of `with profile:`
        import pyitt
        BLOCK = pyitt.task("block")
    elif mode == "builtin-profile":
        BLOCK = builtins.profile
        decorate_hot(workload, builtins.profile)
        func = globals()[func.__name__]
    profiler = None
    if mode == "viztracer":
        import viztracer
        profiler = viztracer.VizTracer(verbose=0, tracer_entries=4_000_000)
        profiler.start()
    elif mode == "yappi":
        import yappi
        yappi.start()
    elif mode == "cprofile":
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
    if mode == "viztracer":
        profiler.stop()
    elif mode == "yappi":
        yappi.stop()
    elif profiler is not None:
        profiler.disable()
    print(f"{elapsed:.6f}")


if __name__ == "__main__":
    main()
