"""Runs across the moment a deep recursion makes pyitt-host's frame-evaluation function hand the run
over to sys.monitoring (3.12+): generators, coroutines and a thread started before it and resumed
after, an exception thrown into a generator and one unwinding out of frames begun before it, and
(with -b) a profile region and (with --resume-on) a trigger around it. Prints what python prints."""
import builtins
import sys
import threading

profile = getattr(builtins, "profile", lambda function: function)  # pyitt-host -b puts one there


def leaf(x):
    return x * 2


def numbers(n):
    for i in range(n):
        yield leaf(i)


class Step:
    def __await__(self):
        value = yield "step"
        return value


async def twice(x):
    first = await Step()
    second = await Step()
    return leaf(x) + first + second


def catcher():
    caught = 0
    while True:
        try:
            yield caught
        except ValueError:
            caught = leaf(caught + 1)


def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)


def failing(n):
    if n == 0:
        raise KeyError("failing")
    return failing(n - 1)


handed_over = threading.Event()
threads = [None, None]  # kept: see resumed_after


def worker(results):
    gen = numbers(4)
    results.append(next(gen))
    handed_over.wait()  # the main thread recursed meanwhile; this frame was begun before
    results.extend(leaf(i) for i in range(3))
    results.extend(gen)


def spin(started, stop):
    calls = 0
    started.set()
    while not stop.is_set():  # running, between the GIL's switches, when the handover comes
        calls += leaf(1)
    return calls


def resumed_after():
    gen = numbers(6)
    first = [next(gen), next(gen)]
    coroutine = twice(5)
    coroutine.send(None)
    catching = catcher()
    next(catching)
    thrown = [catching.throw(ValueError)]
    results = []
    # Kept past this frame: its end would free the Thread, and the callback that drops it from
    # threading's WeakSet runs within the frame's task under the frame-evaluation function (which
    # ends the task after the frame's locals are gone) but after it under sys.monitoring.
    thread = threads[0] = threading.Thread(target=worker, args=(results,), name="worker")
    thread.start()
    started, stop = threading.Event(), threading.Event()
    spinner = threads[1] = threading.Thread(target=spin, args=(started, stop), name="spinner")
    spinner.start()
    started.wait()
    depth = deep(150)  # past the evaluation function's nesting bound
    handed_over.set()
    stop.set()
    spinner.join()
    rest = list(gen)
    coroutine.send(1)
    try:
        coroutine.send(2)
    except StopIteration as stop:
        done = stop.value
    thrown.append(catching.throw(ValueError))
    catching.close()
    thread.join()
    try:
        failing(30)
    except KeyError as error:
        failed = str(error)
    return first, rest, done, thrown, depth, results, failed


def unwinding():
    deep(150)
    raise LookupError("unwinding")


@profile
def region():
    return resumed_after()


def main():
    print(region())
    try:
        unwinding()
    except LookupError as error:
        print(error)
    print(deep(10))


if __name__ == "__main__":
    main()
