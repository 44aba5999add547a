"""The job merge's cost: one job of 4 and one of 16 ranks under mpirun, each rank recording the same
calls (3 tasks per call of step), in each trace format, then `pyitt-host --merge` of each: on one host, and with half the
ranks moved to another host (their rank.txt says so: every one of their events is rewritten, ts
and pid), as the fastest of a few rounds (noise only ever adds time) and as events per second.

    /usr/bin/python3 tests/bench/job_merge.py [--build build] [--rounds 5] [--calls 10000]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import re
import time
from pathlib import Path

WORK = """
import sys
def leaf(i):
    return i * 2
def step(i):
    return leaf(i) + leaf(i + 1)
def work(calls):
    for i in range(calls):
        step(i)
if __name__ == "__main__":
    calls = int(sys.argv[1])
    work(calls)
"""


def timed(cmd, **kw):
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=10000)
    args = parser.parse_args()
    host = Path(args.build).resolve() / "pyitt-host"
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        sys.exit("mpirun not installed (Debian's openmpi-bin)")
    root_flag = ["--allow-run-as-root"] if os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "work.py").write_text(WORK)
        print(f"{'format':>8} {'ranks':>5} {'events':>9} {'trace MB':>9} {'merge (s)':>10} {'events/s':>10} "
              f"{'2 hosts (s)':>12} {'ratio':>6}")
        for trace_format in ("json", "perfetto"):
            env = dict(os.environ, PYITT_TRACE_FORMAT=trace_format)
            for ranks in (4, 16):
                job = tmp / f"{trace_format}{ranks}"
                subprocess.run([mpirun, "--oversubscribe", *root_flag, "-n", str(ranks), host, "-q", "-o", job, "--",
                                tmp / "work.py", str(args.calls)], check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
                two = tmp / f"{trace_format}{ranks}-two-hosts"
                shutil.copytree(job, two)
                for rank in range(ranks // 2, ranks):
                    info = two / f"rank-{rank}" / "rank.txt"
                    text = re.sub(r"^host .*$", "host other-node", info.read_text(), flags=re.M)
                    info.write_text(re.sub(r"^monotonic_ns (\d+)$", lambda m: f"monotonic_ns {int(m.group(1)) + 1000}",
                                           text, flags=re.M))
                one_host = min(timed([host, "--merge", job], env=env) for _ in range(args.rounds))
                two_hosts = min(timed([host, "--merge", two], env=env) for _ in range(args.rounds))
                said = subprocess.run([host, "--merge", job], env=env, capture_output=True, text=True).stderr
                events = int(re.search(r"job of \d+ rank\(s\): (\d+) ITT events", said).group(1))
                trace = next(p for p in job.iterdir() if p.name.startswith("trace.") and p.is_file())
                size = trace.stat().st_size / 1e6
                print(f"{trace_format:>8} {ranks:>5} {events:>9} {size:>9.1f} {one_host:>10.3f} "
                      f"{events / one_host:>10.0f} {two_hosts:>12.3f} {two_hosts / one_host:>6.2f}")


if __name__ == "__main__":
    main()
