"""Parallel jobs under pyitt-host (job/): the ranks of an mpirun or srun job share one run directory,
are named by rank, and are merged into one trace and one summary, printed once by rank 0; a killed
rank, an unwritable rank directory and a stray launcher variable do no harm; --merge merges after
the fact, also the directories of several nodes, whose clocks it aligns."""
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import REPO, read_trace, run, run_trace_path  # noqa: E402

MPIRUN = shutil.which("mpirun")
needs_mpirun = pytest.mark.skipif(MPIRUN is None, reason="mpirun not installed (Debian's openmpi-bin, in bootstrap.sh)")

# Every rank: a task whose length grows with the rank (load imbalance); rank 1 also starts a spawn child.
PROGRAM = """
import multiprocessing, os, sys, time

def child_work():
    time.sleep(0.01)

def solve(rank):
    time.sleep(0.05 * (rank + 1))  # gaps of 50 ms: more than a loaded machine adds to a sleep

if __name__ == "__main__":
    rank = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("OMPI_COMM_WORLD_RANK", "0"))
    solve(rank)
    if rank == 1:
        p = multiprocessing.get_context("spawn").Process(target=child_work)
        p.start()
        p.join()
    if rank == int(os.environ.get("KILL_RANK", "-1")):
        # Killed once the others have ended (mpirun then ends the job): the others' data is whole.
        root = os.path.dirname(os.environ["PYITT_OUTPUT_DIR"])
        others = [os.path.join(root, f"rank-{r}", "ended") for r in range(4) if r != rank]
        while not all(os.path.exists(path) for path in others):
            time.sleep(0.01)
        if os.environ.get("HOW") == "abort":
            os.abort()
        os.kill(os.getpid(), 9)
    print(f"rank {rank} done", flush=True)
"""


def mpirun(n):
    root = ["--allow-run-as-root"] if os.geteuid() == 0 else []
    # Shared memory between ranks without CMA (process_vm_readv), which containers often forbid.
    return [MPIRUN, "--oversubscribe", *root, "--mca", "btl", "self,vader", "--mca", "btl_vader_single_copy_mechanism",
            "none", "-n", str(n)]


@pytest.fixture
def job_env(clean_env):
    env = dict(clean_env)
    env.pop("PYITT_OUTPUT_DIR", None)
    env["PYITT_JOB_WAIT"] = "20"
    return env


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "ranks.py"
    path.write_text(PROGRAM)
    return path


class Job:
    """What a job left in its run directory, read as a user would."""

    def __init__(self, result, root):
        self.result, self.root = result, Path(root)
        self.trace = read_trace(run_trace_path(self.root))
        self.names, self.tasks = {}, collections.defaultdict(collections.Counter)
        for event in self.trace["traceEvents"]:
            if event["ph"] == "M" and event["name"] == "process_name":
                self.names[event["pid"]] = event["args"]["name"]
            if event["ph"] == "X":
                self.tasks[event["pid"]][event["name"]] += 1
        self.summary = (self.root / "summary.txt").read_text()

    def pids_named(self, name):
        return [pid for pid, n in self.names.items() if n == name]

    def rank_row(self, rank):
        return next(line for line in self.summary.splitlines() if re.match(rf"\s+{rank} \S+\s+(\d+|-)\s", line))


@needs_mpirun
def test_mpirun_job_is_one_run(host, program, job_env, tmp_path):
    out = tmp_path / "job"
    result = run(mpirun(4) + [host, "-o", out, "--", program], env=job_env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [f"rank {r} done" for r in range(4)]
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("rank-")) == [f"rank-{r}" for r in range(4)]
    job = Job(result, out)
    for rank in range(4):
        [pid] = job.pids_named(f"rank {rank}")
        assert job.tasks[pid]["solve"] == 1
        assert job.rank_row(rank).rstrip().endswith("ok")
    [child] = job.pids_named("rank 1 / SpawnProcess-1")
    assert job.tasks[child]["child_work"] == 1
    # Printed once, by rank 0; no rank printed its own summary.
    assert result.stderr.count("pyitt job: Open MPI job ") == 1
    assert result.stderr.count("pyitt-host: job of 4 rank(s): ") == 1
    assert "ITT events from this process" not in result.stderr
    imbalance = next(line for line in job.summary.splitlines() if line.startswith("solve "))
    assert "rank 3 (" in imbalance.split("rank 0 (")[0] and "rank 0 (" in imbalance


@needs_mpirun
def test_default_directory_is_named_after_the_job(host, program, job_env, tmp_path):
    result = run(mpirun(2) + [host, "--", program], env=job_env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    [root] = list((tmp_path / "pyitt-output").iterdir())
    assert re.fullmatch(r"ranks-job-\d+", root.name)
    assert f"in pyitt-output/{root.name}/" in result.stderr
    assert len(Job(result, root).pids_named("rank 1")) == 1


@needs_mpirun
@pytest.mark.parametrize("how, state", [("kill", "no trace: killed or crashed before writing it"),
                                        ("abort", "crashed (SIGABRT), traced up to it")])
def test_killed_rank_is_named_and_the_others_are_whole(host, program, job_env, tmp_path, how, state):
    out = tmp_path / "job"
    env = dict(job_env, KILL_RANK="2", HOW=how)
    started = time.monotonic()
    result = run(mpirun(4) + [host, "-o", out, "--", program], env=env, timeout=60)
    assert time.monotonic() - started < 15  # rank 0 saw rank 2 gone: no wait for PYITT_JOB_WAIT
    assert result.returncode != 0
    job = Job(result, out)
    assert state in job.rank_row(2)
    for rank in (0, 1, 3) if how == "kill" else range(4):
        [pid] = job.pids_named(f"rank {rank}")
        assert job.tasks[pid]["solve"] == 1
    assert "1 rank(s) not whole" in job.summary.splitlines()[0]

    # After the fact: the same job, merged again from its directory.
    run_trace_path(out).unlink()
    again = run([host, "--merge", out], timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""
    assert again.stderr.count("pyitt job: Open MPI job ") == 1
    assert "not whole" in again.stderr
    assert sorted(Job(again, out).names.values()) == sorted(Job(result, out).names.values())
    assert not [p for p in out.iterdir() if p.name.startswith(("trace-", ".job-report"))]


@needs_mpirun
def test_unwritable_rank_directory_is_one_line_from_that_rank(host, program, job_env, tmp_path):
    out = tmp_path / "job"
    out.mkdir()
    (out / "rank-2").write_text("not a directory")  # unwritable as a directory, even for root
    env = dict(job_env, PYITT_JOB_WAIT="1")
    result = run(mpirun(4) + [host, "-o", out, "--", program], env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [f"rank {r} done" for r in range(4)]
    lines = [line for line in result.stderr.splitlines() if line.startswith("pyitt-host: rank 2: ")]
    assert len(lines) == 1 and "runs unrecorded, the job goes on" in lines[0]
    job = Job(result, out)
    assert "missing" in job.rank_row(2)
    assert len(job.pids_named("rank 3")) == 1


def slurm_env(base, rank, size, root, host_name=None):
    env = dict(base, SLURM_JOB_ID="4242", SLURM_STEP_ID="0", SLURM_PROCID=str(rank), SLURM_STEP_NUM_TASKS=str(size),
               SLURM_NTASKS=str(size), PYITT_OUTPUT_DIR=str(root))
    if host_name:
        env["PYITT_JOB_HOST"] = host_name
    return env


def start_ranks(host, program, envs):
    procs = [subprocess.Popen([str(host), "--", str(program), str(rank)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for rank, env in envs]
    return [(p.wait(timeout=60), *p.communicate()) for p in procs]


def test_slurm_ranks_started_by_hand(host, program, job_env, tmp_path):
    root = tmp_path / "job"
    results = start_ranks(host, program, [(r, slurm_env(job_env, r, 3, root)) for r in range(3)])
    assert [code for code, _, _ in results] == [0, 0, 0], results
    assert "pyitt job: Slurm srun job 4242.0, 3 rank(s) on 1 host(s)\n" in results[0][2]
    assert results[1][2] == "" and results[2][2] == ""
    job = Job(None, root)
    assert sorted(job.names.values()) == ["rank 0", "rank 1", "rank 1 / SpawnProcess-1", "rank 2"]


def test_hydra_ranks_started_by_hand(host, program, job_env, tmp_path):
    """MPICH's and Intel MPI's Hydra over PMI_FD name no job: ranks given one -o directory are one job."""
    root = tmp_path / "job"
    envs = [(r, dict(job_env, PMI_RANK=str(r), PMI_SIZE="2", PMI_FD="9")) for r in range(2)]
    procs = [subprocess.Popen([str(host), "-o", str(root), "--", str(program), str(r)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for r, env in envs]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0, 0], results
    assert "pyitt job: MPICH/Hydra job (unnamed), 2 rank(s) on 1 host(s)\n" in results[0][2]
    assert results[1][2] == ""
    assert sorted(Job(None, root).names.values()) == ["rank 0", "rank 1", "rank 1 / SpawnProcess-1"]


def test_a_rank_that_ends_after_rank_0_gave_up_merges_the_whole_job(host, program, job_env, tmp_path):
    root = tmp_path / "job"
    env = dict(job_env, PYITT_JOB_WAIT="0.3")
    first = start_ranks(host, program, [(r, slurm_env(env, r, 3, root)) for r in range(2)])
    assert [code for code, _, _ in first] == [0, 0], first
    assert "1 rank(s) not whole" in first[0][2]
    assert "missing: no rank-2/ directory (not started" in Job(None, root).rank_row(2)
    [(code, out, err)] = start_ranks(host, program, [(2, slurm_env(env, 2, 3, root))])
    assert code == 0 and err == "", err
    job = Job(None, root)
    assert all(job.rank_row(r).rstrip().endswith("ok") for r in range(3))
    assert len(job.pids_named("rank 2")) == 1
    assert not list(root.glob(".job-report*"))


def test_sigterm_ends_rank_0s_wait(host, program, job_env, tmp_path):
    """A scheduler ending the job (SIGTERM) while rank 0 waits for a rank elsewhere: it merges what is
    there at once, prints it, and dies of SIGTERM as under python."""
    root = tmp_path / "job"
    env = dict(slurm_env(job_env, 0, 2, root), PYITT_JOB_WAIT="60")
    rank0 = subprocess.Popen([str(host), "--", str(program), "0"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (root / "rank-0" / "ended").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    started = time.monotonic()
    rank0.send_signal(signal.SIGTERM)
    out, err = rank0.communicate(timeout=30)
    assert time.monotonic() - started < 10
    assert rank0.returncode == -signal.SIGTERM, err
    assert out == "rank 0 done\n"
    assert err.count("pyitt job: Slurm srun job 4242.0, 2 rank(s)") == 1
    job = Job(None, root)
    assert job.rank_row(0).rstrip().endswith("ok") and "missing" in job.rank_row(1)


def test_stray_launcher_variables_make_no_job(host, program, clean_env, tmp_path):
    strays = [{"OMPI_COMM_WORLD_RANK": "1"}, {"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4"},
              {"PMI_RANK": "1", "PMI_SIZE": "4"},  # no PMI connection
              {"SLURM_PROCID": "0", "SLURM_NTASKS": "4", "SLURM_JOB_ID": "7"}]  # a batch script: no step
    for stray in strays:
        env = dict(clean_env, **stray, PYITT_OUTPUT_DIR=str(tmp_path / "out"))
        result = run([host, "--", program, "1"], env=env, timeout=60)
        assert result.returncode == 0, (stray, result.stderr)
        assert "pyitt job" not in result.stderr and "rank" not in result.stderr.replace("rank 1 done", "")
        assert not list((tmp_path / "out").glob("rank-*")), stray
        shutil.rmtree(tmp_path / "out")


def shift_trace_times(path, shift_ns):
    """The trace as a host whose monotonic clock is shift_ns ahead would have written it."""
    def moved(match):
        ns = round(float(match.group(1)) * 1000) + shift_ns
        return f'"ts":{ns // 1000}.{ns % 1000:03d}'
    path.write_text(re.sub(r'"ts":([0-9.]+)', moved, path.read_text()))


def test_two_nodes_merged_on_one_timeline(host, program, job_env, tmp_path):
    node_a, node_b = tmp_path / "node-a", tmp_path / "node-b"
    # rank 0 cannot see node b's ranks: it merges node a alone. JSON: shift_trace_times edits its text.
    env = dict(job_env, PYITT_JOB_WAIT="0.5", PYITT_TRACE_FORMAT="json")
    envs = [(0, slurm_env(env, 0, 4, node_a, "node-a")), (1, slurm_env(env, 1, 4, node_a, "node-a")),
            (2, slurm_env(env, 2, 4, node_b, "node-b")), (3, slurm_env(env, 3, 4, node_b, "node-b"))]
    results = start_ranks(host, program, envs)
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    assert "2 rank(s) not whole" in results[0][2]

    merged = run([host, "--merge", node_a, node_b], timeout=60)
    assert merged.returncode == 0, merged.stderr
    before = Job(merged, node_a)
    assert all("ok" in before.rank_row(r) for r in range(4))
    assert "on 2 host(s)" in before.summary
    times = {e["pid"]: e["ts"] for e in before.trace["traceEvents"] if e["ph"] == "X" and e["name"] == "solve"}

    # Node b's clock 5 s ahead: its traces and its anchors say so; the merge puts it back.
    offset_ns = 5_000_000_000
    for trace in node_b.glob("rank-*/trace-*.json"):
        shift_trace_times(trace, offset_ns)
    for info in node_b.glob("rank-*/rank.txt"):
        info.write_text(re.sub(r"monotonic_ns (\d+)", lambda m: f"monotonic_ns {int(m.group(1)) + offset_ns}",
                               info.read_text()))
    merged = run([host, "--merge", node_a, node_b], timeout=60)
    assert merged.returncode == 0, merged.stderr
    after = Job(merged, node_a)
    assert {e["pid"]: e["ts"] for e in after.trace["traceEvents"] if e["ph"] == "X" and e["name"] == "solve"} == times
    assert re.search(r"clock: host node-b put on host node-a's timeline", after.summary)

    # Node b's rank 2 had the pid of node a's rank 0 (pids are per host): it gets a row of its own.
    def pid_of(root, rank):
        return int(re.search(r"^pid (\d+)$", (root / f"rank-{rank}" / "rank.txt").read_text(), re.M).group(1))
    pa, pb = pid_of(node_a, 0), pid_of(node_b, 2)
    for path in list((node_b / "rank-2").iterdir()):
        text = path.read_text()
        text = re.sub(rf'"(pid|tid)":{pb}\b', rf'"\g<1>":{pa}', text).replace(f"pid {pb}\n", f"pid {pa}\n")
        path.write_text(text)
        if f"-{pb}." in path.name:
            path.rename(path.with_name(path.name.replace(f"-{pb}.", f"-{pa}.")))
    merged = run([host, "--merge", node_a, node_b], timeout=60)
    assert merged.returncode == 0, merged.stderr
    moved = Job(merged, node_a)
    assert all("ok" in moved.rank_row(r) for r in range(4))
    ranks = {f"rank {r}": moved.pids_named(f"rank {r}") for r in range(4)}
    assert ranks["rank 0"] == [pa] and ranks["rank 2"] == [pa + 4194304 * 1], ranks
    assert all(moved.tasks[pids[0]]["solve"] == 1 for pids in ranks.values())
    assert "pids: host node-b's processes are shown with pid + 4194304" in moved.summary


def _wire(data):
    """(field, wire type, value) of each field of a protobuf message (tests/perfetto_trace.py reads it)."""
    from perfetto_trace import varint
    out, i = [], 0
    while i < len(data):
        tag, i = varint(data, i)
        field, kind = tag >> 3, tag & 7
        if kind == 0:
            value, i = varint(data, i)
        elif kind in (1, 5):
            n = 8 if kind == 1 else 4
            value, i = data[i:i + n], i + n
        else:
            n, i = varint(data, i)
            value, i = data[i:i + n], i + n
        out.append((field, kind, value))
    return out


def _unwire(items):
    def v(x):
        b = bytearray()
        while x >= 0x80:
            b.append(x & 0x7F | 0x80)
            x >>= 7
        b.append(x)
        return bytes(b)
    out = bytearray()
    for field, kind, value in items:
        out += v(field << 3 | kind)
        out += v(value) if kind == 0 else (v(len(value)) + value if kind == 2 else value)
    return bytes(out)


def repid_perfetto_trace(data, old, new):
    """The compact trace as process `new` would have written it, not `old` (pids in the header, trailer
    and descriptors, a main thread's tid, and the track uuids, which are pid << 32 | ...)."""
    def uuid(x):
        return (new << 32) | (x & 0xFFFFFFFF) if x >> 32 == old else x

    def message(items, rules):
        return [(f, k, rules[f](x) if f in rules else x) for f, k, x in items]

    def sub(rules):
        return lambda b: _unwire(message(_wire(b), rules))

    pid = {1: lambda x: new if x == old else x}
    thread = {1: pid[1], 2: pid[1]}
    text = lambda b: re.sub(rb'"pid":%d\b' % old, b'"pid":%d' % new, b)  # noqa: E731
    packet_rules = {
        60: sub({1: uuid, 5: uuid, 3: sub(pid), 4: sub(thread)}),
        11: sub({11: uuid}),
        59: sub({11: sub({11: uuid})}),
        19001: text, 19002: text,
        50: lambda b: zlib.compress(repid_perfetto_trace(zlib.decompress(b), old, new)),
    }
    return _unwire([(f, k, sub(packet_rules)(x) if f == 1 else x) for f, k, x in _wire(data)])


def test_two_nodes_with_the_same_pids_in_perfetto_format(host, program, job_env, tmp_path):
    # Rank 2 on node b had the pid of rank 0 on node a: in Perfetto, tracks of one uuid are one track,
    # so its pid and its tracks' uuids must move, as the JSON's pids do.
    node_a, node_b = tmp_path / "node-a", tmp_path / "node-b"
    env = dict(job_env, PYITT_JOB_WAIT="0.5", PYITT_TRACE_FORMAT="perfetto")
    envs = [(0, slurm_env(env, 0, 4, node_a, "node-a")), (1, slurm_env(env, 1, 4, node_a, "node-a")),
            (2, slurm_env(env, 2, 4, node_b, "node-b")), (3, slurm_env(env, 3, 4, node_b, "node-b"))]
    results = start_ranks(host, program, envs)
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results

    def pid_of(root, rank):
        return int(re.search(r"^pid (\d+)$", (root / f"rank-{rank}" / "rank.txt").read_text(), re.M).group(1))
    pa, pb = pid_of(node_a, 0), pid_of(node_b, 2)
    for path in list((node_b / "rank-2").iterdir()):
        if path.suffix == ".perfetto-trace":
            path.write_bytes(repid_perfetto_trace(path.read_bytes(), pb, pa))
        else:
            text = path.read_text()
            path.write_text(re.sub(rf'"(pid|tid)":{pb}\b', rf'"\g<1>":{pa}', text).replace(f"pid {pb}\n", f"pid {pa}\n"))
        if f"-{pb}." in path.name:
            path.rename(path.with_name(path.name.replace(f"-{pb}.", f"-{pa}.")))
    merged = run([host, "--merge", node_a, node_b], timeout=60)
    assert merged.returncode == 0, merged.stderr
    moved = Job(merged, node_a)
    assert run_trace_path(node_a).name == "trace.perfetto-trace"
    assert all("ok" in moved.rank_row(r) for r in range(4))
    ranks = {f"rank {r}": moved.pids_named(f"rank {r}") for r in range(4)}
    assert ranks["rank 0"] == [pa] and ranks["rank 2"] == [pa + 4194304], ranks
    assert all(moved.tasks[pids[0]]["solve"] == 1 for pids in ranks.values())


def _sequence_ids(data):
    from perfetto_trace import SEQUENCE_ID, first, packets
    return {first(packet, SEQUENCE_ID, 0) for packet in packets(data)} - {0}


def _decoded(data):
    """The merged trace as its reader sees it: events (in any order), header and trailers."""
    from perfetto_trace import decode
    trace = decode(data)
    events = sorted(json.dumps(event, sort_keys=True) for event in trace.pop("traceEvents"))
    return events, trace


def test_merge_copies_whole_traces_and_holds_what_renumbering_every_packet_holds(host, program, job_env, tmp_path):
    # The merge appends a process's compressed packets as they are when its packet sequence ids
    # (pid << 9 ...) meet no other process's; PYITT_COLLECTOR_MERGE_COPY=0 reads, renumbers and
    # deflates every packet again, as the merge did before. Same files, both ways: the same trace.
    root = tmp_path / "job"
    env = dict(job_env, PYITT_TRACE_FORMAT="perfetto")
    results = start_ranks(host, program, [(r, slurm_env(env, r, 2, root)) for r in range(2)])
    assert [code for code, _, _ in results] == [0, 0], results
    parts = list(root.glob("rank-*/trace-*.perfetto-trace"))
    assert len(parts) == 3, parts  # rank 1 started a spawn child
    own = set().union(*(_sequence_ids(p.read_bytes()) for p in parts))
    copied = run_trace_path(root).read_bytes()
    assert _sequence_ids(copied) == own  # the job's own merge copied every process's
    renumbering = run([host, "--merge", root], env=dict(env, PYITT_COLLECTOR_MERGE_COPY="0"), timeout=60)
    assert renumbering.returncode == 0, renumbering.stderr
    renumbered = run_trace_path(root).read_bytes()
    assert _sequence_ids(renumbered).isdisjoint(own) and len(_sequence_ids(renumbered)) == len(own)
    assert _decoded(renumbered) == _decoded(copied)
    again = run([host, "--merge", root], env=env, timeout=60)
    assert again.returncode == 0, again.stderr
    assert run_trace_path(root).read_bytes() == copied


@pytest.mark.parametrize("args, message", [
    ([], "give the job's run directory"),
    (["/nonexistent/dir"], "'/nonexistent/dir' is not a directory"),
    (["EMPTY"], "holds no rank-<N>/ directory of a job"),
    (["-o"], "is not a directory (--merge takes directories only)"),
])
def test_merge_bad_input_is_one_line(host, tmp_path, args, message):
    (tmp_path / "EMPTY").mkdir()
    result = run([host, "--merge", *[tmp_path / a if a == "EMPTY" else a for a in args]], timeout=30)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert result.stderr.startswith("pyitt-host: error: --merge: ")


@needs_mpirun
def test_mpi4py_sample(host, python_exe, job_env, tmp_path):
    if run([python_exe, "-c", "import mpi4py"]).returncode != 0:
        pytest.skip(f"mpi4py is not importable by {python_exe} (Debian's python3-mpi4py is for /usr/bin/python3)")
    out = tmp_path / "job"
    result = run(mpirun(4) + [host, "-o", out, "-R", "solve", "-R", "exchange", "--", REPO / "samples/mpi_ranks.py"],
                 env=job_env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "4 ranks, 3 rounds: checksum " + result.stdout.split("checksum ")[1]
    job = Job(result, out)
    for rank in range(4):
        [pid] = job.pids_named(f"rank {rank}")
        assert job.tasks[pid]["solve"] == 3 and job.tasks[pid]["exchange"] == 3
    solve = next(line for line in job.summary.splitlines() if line.startswith("solve "))
    assert re.match(r"solve +4 +rank \d \([0-9.]+\) +rank \d \([0-9.]+\) +[0-9.]+$", solve)
    assert result.stderr.count("Load imbalance (top-level labels") == 1
