"""The compact trace (Perfetto's protobuf, the default): per-process traces merged into the run's
trace.perfetto-trace with their packet sequences kept apart (a whole trace's compressed packets copied
as they are), and a trace cut short or corrupt merged up to its last whole packet and marked. Read
back with the tests' own decoder (tests/perfetto_trace.py)."""
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from perfetto_trace import COMPRESSED, SEQUENCE_ID, clock_problems, fields, first, packets  # noqa: E402
from pyitt_testing import counted, read_trace, trace_files  # noqa: E402


def sequence_ids(data):
    return {first(packet, SEQUENCE_ID, 0) for packet in packets(data)} - {0}


def test_merged_trace_keeps_each_process_on_its_own_sequences(run_host):
    result, out = run_host(["-R", "^work$"], """
    import subprocess, sys, threading
    def work():
        pass
    child = "def work(): pass\\nimport threading\\nt = threading.Thread(target=lambda: [work() for _ in range(50)])\\n" \\
            "t.start(); [work() for _ in range(70)]; t.join()"
    subprocess.run([sys.executable, "-c", child], check=True)
    subprocess.run([sys.executable, "-c", child], check=True)
    for _ in range(30):
        work()
    """)
    assert result.returncode == 0, result.stderr

    parts = trace_files(out)
    assert len(parts) == 3 and all(p.name.endswith(".perfetto-trace") for p in parts)
    # Each process samples BOOTTIME/MONOTONIC when it writes its trace (the parent last), but the
    # merge goes by file name: only one such snapshot may be merged, or Perfetto rejects the others.
    assert clock_problems((out / "trace.perfetto-trace").read_bytes()) == []
    merged = read_trace(out / "trace.perfetto-trace")
    assert "trace.perfetto-trace" in result.stderr.splitlines()[-1]
    by_pid = {int(p.name.split("-")[1].split(".")[0]): counted(read_trace(p)) for p in parts}
    assert sorted(c["work"] for c in by_pid.values()) == [30, 120, 120]
    for pid, counts in by_pid.items():
        assert counted(merged, pid) == counts
    # Each process's compressed packets were copied as they are (no inflating and deflating again):
    # their sequence ids are the process's own, and their bytes are in the merged file.
    merged_bytes = (out / "trace.perfetto-trace").read_bytes()
    own = set()
    for part in parts:
        data = part.read_bytes()
        own |= sequence_ids(data)
        chunks = [value for number, value in fields(data) if number == 1 and fields(value)[0][0] == COMPRESSED]
        assert chunks and all(chunk in merged_bytes for chunk in chunks)
    assert sequence_ids(merged_bytes) == own
    # Every sequence id of the merged file belongs to one process only.
    owner = {}
    for packet in packets((out / "trace.perfetto-trace").read_bytes()):
        sequence = next((v for f, v in packet if f == 10), None)
        for f, v in packet:
            if f == 60:
                pid = next((next((x for g, x in fields(sub) if g == 1)) for g, sub in fields(v) if g in (3, 4)), None)
                if pid is not None and sequence is not None:
                    assert owner.setdefault(sequence, pid) == pid


CUT_PROGRAM = """
import os, subprocess, sys
out = os.environ["PYITT_OUTPUT_DIR"]
def work():
    pass
child = "def work(): pass\\nfor _ in range(%d): work()"
subprocess.run([sys.executable, "-c", child % 1000], check=True)
cut = subprocess.Popen([sys.executable, "-c", child % 200000])
cut.wait()
path = os.path.join(out, "trace-%d.perfetto-trace" % cut.pid)
size = os.path.getsize(path)
with open(path, "r+b") as f:  # what a process killed while writing leaves: its trace, cut
    f.truncate(size * 6 // 10)
work()
"""


def test_cut_trace_is_merged_up_to_its_last_whole_packet_and_marked(run_host):
    result, out = run_host(["-R", "^work$"], CUT_PROGRAM)
    assert result.returncode == 0, result.stderr
    merged = read_trace(out / "trace.perfetto-trace")
    [cut] = merged["pyittTraceCut"]
    cut_count = counted(merged, cut["pid"])["work"]
    assert 0 < cut_count < 200000 and cut["events"] == cut_count, cut
    assert cut["file"] == f"trace-{cut['pid']}.perfetto-trace" and "packet" in cut["reason"]
    assert counted(merged)["work"] == 1 + 1000 + cut_count  # the other processes are whole
    [name] = [e["args"]["name"] for e in merged["traceEvents"] if e["ph"] == "M" and e["name"] == "process_name"
              and e["pid"] == cut["pid"]]
    assert name.endswith(" (trace cut short)"), name
    summary = (out / "summary.txt").read_text()
    row = next(line for line in summary.splitlines() if line.split()[:1] == [str(cut["pid"])])
    assert "cut short" in row and "1 with an incomplete trace" in summary


def test_a_trace_converted_while_its_process_ran_is_copied_as_well(run_host):
    # Its chunks were deflated into the converter's scratch file while the child ran (small
    # buffers), their checksums kept across the run: the merge copies them all the same. The child
    # pauses between batches: on a loaded machine a child that never waits ends before the
    # converter's thread is first scheduled (all 20000 calls take 3.5 ms), and nothing is converted.
    result, out = run_host(["-R", "^work$"], """
    import os, subprocess, sys
    env = dict(os.environ, PYITT_COLLECTOR_BUFFER_EVENTS="1024", PYITT_COLLECTOR_STATS="1")
    child = "import time\\ndef work(): pass\\nfor _ in range(20):\\n    for _ in range(1000): work()\\n    time.sleep(0.005)"
    subprocess.run([sys.executable, "-c", child], check=True, env=env)
    def work():
        pass
    work()
    """)
    assert result.returncode == 0, result.stderr
    converted = [int(n) for n in re.findall(r"converted (\d+) records while running", result.stderr)]
    assert converted and converted[0] > 0, result.stderr
    merged = read_trace(out / "trace.perfetto-trace")
    assert counted(merged)["work"] == 20001
    own = set()
    for part in trace_files(out):
        data = part.read_bytes()
        own |= sequence_ids(data)
        if len(read_trace(part)["pyittChunks"]) > 1:
            chunks = [value for number, value in fields(data) if number == 1 and fields(value)[0][0] == COMPRESSED]
            assert all(chunk in (out / "trace.perfetto-trace").read_bytes() for chunk in chunks)
    assert sequence_ids((out / "trace.perfetto-trace").read_bytes()) == own
    assert max(len(read_trace(p)["pyittChunks"]) for p in trace_files(out)) > 1


def test_a_trace_whose_compressed_packet_changed_is_read_packet_by_packet_and_cut_there(run_host):
    # Its trailer is whole, but a byte of a compressed packet is not what its writer wrote (its
    # checksum in the trailer says so): the merge must not copy it as it is (Perfetto refuses a
    # whole trace for one packet that does not inflate), but read it as a cut one.
    program = CUT_PROGRAM.replace("f.truncate(size * 6 // 10)", "f.seek(size * 6 // 10); b = f.read(1); f.seek(-1, 1); f.write(bytes([b[0] ^ 0x55]))")
    result, out = run_host(["-R", "^work$"], program)
    assert result.returncode == 0, result.stderr
    merged = read_trace(out / "trace.perfetto-trace")
    [cut] = merged["pyittTraceCut"]
    assert "compressed packet" in cut["reason"], cut
    assert 0 < counted(merged, cut["pid"])["work"] < 200000
    assert counted(merged)["work"] == 1 + 1000 + counted(merged, cut["pid"])["work"]


def test_an_exec_d_image_in_the_same_pid_gets_sequences_of_the_merge(run_host):
    # Both images of one pid wrote the same sequence ids: the second one read (file-name order) is
    # renumbered into the merge's own ids, never copied over the first's.
    result, out = run_host(["-R", "^work$"], """
    import subprocess, sys
    first = "import ctypes, os, sys\\ndef work(): pass\\nfor _ in range(5): work()\\n" \\
            "ctypes.CDLL(os.environ['INTEL_LIBITTNOTIFY64']).pyitt_collector_finish()\\n" \\
            "os.execv(sys.executable, [sys.executable, 'second.py'])"
    subprocess.run([sys.executable, "-c", first], check=True)
    def work():
        pass
    work()
    """, files={"second.py": "def work(): pass\nfor _ in range(7): work()\n"})
    assert result.returncode == 0, result.stderr
    parts = {p.name: p.read_bytes() for p in trace_files(out)}
    assert len(parts) == 3 and any(name.endswith("-2.perfetto-trace") for name in parts), sorted(parts)
    merged_bytes = (out / "trace.perfetto-trace").read_bytes()
    ids = sequence_ids(merged_bytes)
    assert {i for i in ids if i >= 1 << 31}, ids  # one image's, renumbered
    assert all(sequence_ids(data) <= ids for name, data in parts.items() if not name.endswith("-2.perfetto-trace"))
    merged = read_trace(out / "trace.perfetto-trace")
    assert sorted(counted(merged, pid)["work"] for pid in {e["pid"] for e in merged["traceEvents"]}) == [1, 12]
    assert "pyittTraceCut" not in merged or merged["pyittTraceCut"] == []


HELPERS = """
def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)
def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload
HEADER = field(1, field(19001, b'{"pid":999998,"run":"%s"}' % os.environ["PYITT_RUN_ID"].encode()))
"""
# Expressions of the program: what a corrupt trace-999998.perfetto-trace of the run holds.
CORRUPT = {
    "empty": 'b""',
    "binary": 'b"\\xff\\xfe\\x00garbage"',
    "header-only": "HEADER",
    "header-then-garbage": 'HEADER + b"\\x0a\\xff\\xff\\xff\\xff\\x0f"',
    "bad-deflate": 'HEADER + field(1, field(50, b"\\x78\\x01not deflate"))',
    "past-the-end": 'HEADER + field(1, field(11, b"\\x48\\x01"))[:-1]',
    "over-long-varint": 'HEADER + b"\\x0a" + b"\\xff" * 20',
    "other-run": """field(1, field(19001, b'{"pid":999998,"run":"another"}')) + field(1, field(11, b"\\x48\\x03"))""",
}


@pytest.mark.parametrize("garbage", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_traces_of_the_run_never_spoil_the_merge(run_host, garbage):
    program = "import os, subprocess, sys\n" + HELPERS + f"""
with open(os.path.join(os.environ["PYITT_OUTPUT_DIR"], "trace-999998.perfetto-trace"), "wb") as f:
    f.write({garbage})
os.mkfifo(os.path.join(os.environ["PYITT_OUTPUT_DIR"], "trace-999997.perfetto-trace"))  # never hangs the merge
subprocess.run([sys.executable, "-c", "def work(): pass\\nwork()"], check=True)
def work():
    pass
work()
"""
    result, out = run_host(["-R", "^work$"], program, timeout=60)
    assert result.returncode == 0, result.stderr
    merged = read_trace(out / "trace.perfetto-trace")
    assert counted(merged)["work"] == 2
    ours = garbage.startswith("HEADER")
    assert [c["pid"] for c in merged.get("pyittTraceCut", [])] == ([999998] if ours else [])
