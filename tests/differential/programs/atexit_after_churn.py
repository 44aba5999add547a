"""Much allocation, then (with an argument) atexit imported by the program, its handlers run in
python's order, and (with two) a forkserver that must still be stopped after them. 3.9 keeps
atexit's callbacks in the module object, which the interpreter only borrows: one pyitt-host
imported for itself and forgot was freed, its memory reused, and the exit crashed."""
import sys


def churn(n):
    return [{"k": str(i) * 3} for i in range(n)]


def goodbye(word):
    print("atexit:", word, flush=True)


def main():
    kept = [tuple(range(i % 12)) for i in range(200_000)]  # objects of every small size, kept
    for _ in range(200):
        churn(500)
    if len(sys.argv) < 2:
        print("main done", len(kept))
        return
    import atexit
    atexit.register(goodbye, "registered first, runs last")
    atexit.register(goodbye, "registered last, runs first")
    if len(sys.argv) > 2:
        import multiprocessing
        multiprocessing.set_start_method("forkserver")
        with multiprocessing.Pool(1) as pool:
            print("pool:", pool.map(abs, [-1, -2]))
    print("main done", len(kept))


if __name__ == "__main__":
    main()
