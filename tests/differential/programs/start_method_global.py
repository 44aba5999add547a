"""Relies on Python's default start method (fork on Linux before 3.14): a global set under
__main__ and a lambda, neither of which a spawned worker would have or could be sent."""
import multiprocessing

SETTING = "module level"


def read_setting(index):
    return f"{index}: {SETTING} {TRANSFORM(index)}"


if __name__ == "__main__":
    SETTING = "set under __main__"
    TRANSFORM = lambda x: x * 10  # noqa: E731 (a lambda does not pickle)
    print(multiprocessing.get_start_method())
    with multiprocessing.Pool(2) as pool:
        for line in pool.map(read_setting, range(4)):
            print(line)
