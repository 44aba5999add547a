"""The summary a user reads at exit, and the collapsed stacks beside it, from real pyitt-host runs:
bounded on stderr, whole in summary.txt, a call tree per thread, recursion folded, long names cut in
the middle, a run that recorded nothing saying why, --quiet, and a run of several processes merged."""
import re
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run, without_host_report  # noqa: E402

STACK_LINE = re.compile(r"^[^;\n]+(;[^;\n]+)* (\d+)$")


def run_program(host, env, tmp_path, source, *host_args, name="prog.py", args=()):
    script = tmp_path / name
    script.write_text(textwrap.dedent(source))
    out = tmp_path / "out"
    result = run([host, "-o", out, *host_args, "--", script, *args], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result, out


def flat_rows(text):
    """label -> fields of the last flat table in `text` (the summary's own, or the brief's top rows)."""
    part = text[text.rindex("\nlabel "):]
    rows = {}
    for line in part.splitlines()[3:]:
        m = re.match(r"^(\S.*?)\s+(\d+\*?)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", line)
        if not m:
            break
        rows[m.group(1)] = m.groups()[1:]
    return rows


def stacks(path):
    lines = path.read_text().splitlines()
    assert lines, f"{path} is empty"
    for line in lines:
        assert STACK_LINE.match(line), line
    return {line.rsplit(" ", 1)[0]: int(line.rsplit(" ", 1)[1]) for line in lines}


RECURSION = """
import sys, threading
sys.setrecursionlimit(100000)

def down(n):
    return 0 if n == 0 else 1 + down(n - 1)

def main():
    print(down(DEPTH))

threading.stack_size(512 * 1024 * 1024)
t = threading.Thread(target=main)
t.start()
t.join()
"""


def test_deep_recursion_is_one_row(host, clean_env, tmp_path):
    depth = 1000
    result, out = run_program(host, clean_env, tmp_path, RECURSION.replace("DEPTH", str(depth)), "-R", "^down$")
    assert result.stdout == f"{depth}\n"
    text = (out / "summary.txt").read_text()
    assert len(re.findall(r"^\s*down \(recursive", text, re.M)) == 2  # the thread's tree and the flat table
    rows = flat_rows(text)
    assert list(rows) == [f"down (recursive, depth 1-{depth + 1})"]
    count, _, inclusive, exclusive, share = rows[f"down (recursive, depth 1-{depth + 1})"]
    assert count == str(depth + 1)
    assert float(inclusive) == float(exclusive) and float(share) == 100.0  # outermost calls only: no double count
    assert "1 task label(s)" in text.splitlines()[0]
    # the flame graph's stack folds the recursion too: one frame, not 5001
    assert [s.split(";")[-1] for s in stacks(out / "stacks.txt")] == ["down"]
    assert len(result.stderr.splitlines()) < 15


THREADS = """
import threading

def spin(n):
    total = 0
    for i in range(n):
        total += i
    return total

def worker(n):
    for _ in range(5):
        spin(n)

threads = [threading.Thread(target=worker, args=(20000,), name=f"worker-{i}") for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
worker(1000)
"""


def test_threads_have_their_own_trees(host, clean_env, tmp_path):
    result, out = run_program(host, clean_env, tmp_path, THREADS, "-R", "^(spin|worker)$")
    text = (out / "summary.txt").read_text()
    trees = re.findall(r"^Call tree of thread (\d+) ?(\S*)", text, re.M)
    assert sorted(name for _, name in trees)[1:] == ["worker-0", "worker-1", "worker-2"]
    for section in text.split("\nCall tree of thread ")[1:]:
        section = section.split("\nFlat")[0]
        for line in section.splitlines()[3:]:
            if line.strip():
                assert float(line.split()[-1]) <= 100.0, line  # share of the thread's own wall time
    assert len(re.findall(r"^  thread \d+.*: \d+ task\(s\), wall [\d.]+ [mu]?s, CPU [\d.]+ [mu]?s$", text, re.M)) == 4
    rows = flat_rows(text)
    assert rows["spin"][0] == "20" and rows["worker"][0] == "4"
    # stderr: a line per thread with its wall and CPU time, and the top of the flat table
    brief = result.stderr
    assert len(re.findall(r"^  thread \d+.*wall .*CPU", brief, re.M)) == 4
    assert "Call tree" not in brief
    roots = {s.split(";")[0] for s in stacks(out / "stacks.txt")}  # a root frame per thread
    assert len(roots) == 4 and sorted(r.split()[0] for r in roots)[1:] == ["worker-0", "worker-1", "worker-2"]


LONG_NAMES = """
class AVeryLongClassNameThatGoesOnAndOnForeverAndEverUntilItFillsTheWholeColumn:
    def first_method_of_the_class(self):
        return sum(range(1000))

    def second_method_of_the_class(self):
        return sum(range(2000))

o = AVeryLongClassNameThatGoesOnAndOnForeverAndEverUntilItFillsTheWholeColumn()
for _ in range(3):
    o.first_method_of_the_class()
    o.second_method_of_the_class()
"""


def test_long_names_are_cut_in_the_middle(host, clean_env, tmp_path):
    result, out = run_program(host, clean_env, tmp_path, LONG_NAMES, "-R", "_method_of_the_class")
    text = (out / "summary.txt").read_text()
    assert all(len(line) <= 100 for line in text.splitlines())
    rows = flat_rows(text)
    assert len(rows) == 2, rows
    first, = [r for r in rows if r.endswith(".first_method_of_the_class")]
    second, = [r for r in rows if r.endswith(".second_method_of_the_class")]
    assert first.startswith("AVeryLongClass") and "..." in first and "..." in second


def test_bounded_stderr_and_label_count(host, clean_env, tmp_path):
    source = "\n".join(f"def f{i}():\n    return sum(range({100 * (i + 1)}))\n" for i in range(30))
    source += "\nfor _ in range(2):\n" + "".join(f"    f{i}()\n" for i in range(30))
    result, out = run_program(host, clean_env, tmp_path, source, "-R", r"^f\d+$")
    text = (out / "summary.txt").read_text()
    assert "30 task label(s), 60 task(s) on 1 thread(s)" in text.splitlines()[0]
    assert len(flat_rows(text)) == 30
    brief = result.stderr
    rows = flat_rows(brief)
    assert len(rows) == 20 and "Top 20 of 30 label(s)" in brief
    assert "... 10 more label(s), and each thread's call tree, in summary.txt" in brief
    shares = [float(r[-1]) for r in rows.values()]
    exclusive = [float(r[-2]) for r in rows.values()]
    assert exclusive == sorted(exclusive, reverse=True) and shares == sorted(shares, reverse=True)
    assert len(brief.splitlines()) <= 30
    assert brief.splitlines()[-1].startswith("pyitt-host: 60 ITT events")
    assert "summary.txt" in brief.splitlines()[-1] and "flamegraph.html" in brief.splitlines()[-1]


def test_nothing_recorded_says_why(host, clean_env, tmp_path):
    result, out = run_program(host, clean_env, tmp_path, "print('hi')\n", "-R", "^no_such_function$")
    assert result.stdout == "hi\n"
    assert "no task was recorded" in result.stderr and "--explain" in result.stderr
    assert "label " not in result.stderr and "---" not in result.stderr
    assert "no task was recorded" in (out / "summary.txt").read_text()
    assert (out / "stacks.txt").read_text() == ""


def test_quiet_prints_only_where_the_files_are(host, clean_env, tmp_path):
    source = "import sys\ndef f():\n    return 1\nf()\nprint('out')\nprint('err', file=sys.stderr)\n"
    result, out = run_program(host, clean_env, tmp_path, source, "--quiet", "-R", "^f$")
    assert result.stdout == "out\n"
    lines = result.stderr.splitlines()
    assert lines[0] == "err" and len(lines) == 2, result.stderr
    assert lines[1].startswith("pyitt-host: 1 ITT events") and "trace in" in lines[1]
    assert without_host_report(result.stderr) == "err\n"
    assert "Call tree" in (out / "summary.txt").read_text()


CHILDREN = """
import subprocess, sys

def parent_work():
    return sum(range(10000))

def child_work():
    return sum(range(20000))

if len(sys.argv) > 1:
    child_work()
else:
    parent_work()
    for i in range(2):
        subprocess.run([sys.executable, __file__, "child"], check=True)
"""


def test_a_run_of_several_processes_is_merged(host, clean_env, tmp_path):
    result, out = run_program(host, clean_env, tmp_path, CHILDREN, "-R", "_work$", name="kids.py")
    text = (out / "summary.txt").read_text()
    assert text.startswith("pyitt summary, all processes: 3 process(es)")
    assert len(re.findall(r"^ +thread \d+ .*: 1 task\(s\), wall ", text, re.M)) == 3
    # label, processes, count
    assert sorted(re.findall(r"^(\w+_work) +(\d+) +(\d+) ", text, re.M)) == [("child_work", "2", "2"),
                                                                             ("parent_work", "1", "1")]
    frames = stacks(out / "stacks.txt")
    roots = {s.split(";")[0] for s in frames}
    assert len(roots) == 3 and all(re.match(r".+ \(pid \d+\)$", r) for r in roots)
    assert sum(1 for s in frames if s.endswith(";child_work")) == 2
    assert all(len(s.split(";")) == 3 for s in frames)  # process, thread, task
    assert (out / "flamegraph.html").read_text().count("child_work") == 1  # names are written once
    per_process = sorted(p.name for p in out.glob("stacks-*.txt"))
    assert len(per_process) == 3
    assert "pyitt summary, all processes" in result.stderr and "3 processes" in result.stderr.splitlines()[-1]


def seconds(text):
    value, unit = re.match(r"([\d.]+) ([mu]?s)", text).groups()
    return float(value) * {"s": 1, "ms": 1e-3, "us": 1e-6}[unit]


def test_a_threads_wall_and_cpu_time_cover_the_same_span(host, clean_env, tmp_path):
    # Busy from its first task to its end, the main thread's CPU time is about its wall time; a
    # thread that only sleeps has almost none. (The CPU of the start-up before the first ITT call,
    # the interpreter's own, is in neither.)
    result, out = run_program(host, clean_env, tmp_path, """
    import threading, time

    def busy():
        end = time.process_time() + 0.2
        while time.process_time() < end:
            pass

    def sleeper():
        time.sleep(0.2)

    end = time.process_time() + 0.1  # busy outside any task: in both, or in neither
    while time.process_time() < end:
        pass
    t = threading.Thread(target=sleeper, name="sleeper")
    t.start()
    t.join()
    busy()
    """, "-R", "^(busy|sleeper)$")
    found = re.findall(r"^  thread \d+ (\S+): \d+ task\(s\), wall ([\d.]+ [mu]?s), CPU ([\d.]+ [mu]?s)$",
                       (out / "summary.txt").read_text(), re.M)
    lines = {name: (wall, cpu) for name, wall, cpu in found}
    main_wall, main_cpu = (seconds(x) for x in lines["MainThread"])
    assert 0.3 <= main_cpu <= main_wall + 0.005, lines
    sleeper_wall, sleeper_cpu = (seconds(x) for x in lines["sleeper"])
    assert sleeper_wall >= 0.2 and sleeper_cpu < 0.05, lines
