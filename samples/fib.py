"""The sample of omnitrace's Python documentation: a recursive fib, a quadratic loop, and run().

    pyitt-host -I fib -- samples/fib.py       # every fib call, plus run and inefficient
    pyitt-host -R fib -- samples/fib.py       # exactly the 21891 fib calls of fib(20)
"""
import sys


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def inefficient(n):
    total = 0
    for i in range(n):
        total += i
        for j in range(n):
            total += i * j
    return total


def run(n):
    return fib(n) + inefficient(n)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"fib({n}) + inefficient({n}) = {run(n)}")
