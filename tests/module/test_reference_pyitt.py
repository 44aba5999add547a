"""pyitt 1.7.6 itself next to pyitt-host --noinstrumenter: each of pyitt's samples makes the same ITT
calls under both, as logged by the fake collector (tests/itt_client/fake_collector.cpp): the same
distinct calls with the same names and arguments. Order and repetition are left out: they differ by
the deviations README.md lists ("The pyitt module": a task per resumption, ids ITT sees only once
used, handles made once per name and events at their first begin), and threads run in any order.

Opt-in: PYITT_REFERENCE_PYITT names a pyitt 1.7.6 source tree (github esuldin/pyitt) whose
pyitt.native is built for the python under test; its samples/ are run. PYITT_REFERENCE_REFCOL (Intel's
reference collector) repeats the comparison with that collector's log.
"""
import os
import re
import subprocess
from pathlib import Path

import pytest

REFERENCE = os.environ.get("PYITT_REFERENCE_PYITT")
SAMPLES = sorted(Path(REFERENCE, "samples").glob("*_sample.py")) if REFERENCE else []

RUNNER = """
import atexit, ctypes, os, runpy, sys

def dump():
    events = ctypes.CDLL(os.environ["INTEL_LIBITTNOTIFY64"]).fake_events
    events.restype = ctypes.c_char_p
    with open(os.environ["ITT_LOG"], "w") as out:
        out.write(events().decode())

atexit.register(dump)
sample = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(sample))
runpy.run_path(sample, run_name="__main__")
"""

# pyitt-host names every thread to ITT by its threading name (pyitt leaves that to the program).
HOST_THREAD_NAMES = re.compile(r"thread_set_name\((MainThread|Thread-\d+( \(.*\))?)\)$")


def calls(log, host):
    found = set()
    for call in log.split(";"):
        if not call or call.startswith(("api_init", "api_fini", "id_create", "id_destroy")):
            continue
        if host and HOST_THREAD_NAMES.match(call):
            continue
        # created before the collector came (pyitt creates its domain at import): the same calls
        call = re.sub(r"^spill_domain\(([^,]*),flags=\d+\)$", r"domain_create(\1)", call)
        call = re.sub(r"^spill_string\((.*)\)$", r"string_handle_create(\1)", call)
        call = re.sub(r"^spill_counter\(([^/]*)/([^/]*)/\d+\)$", r"counter_create(\1,\2)", call)
        found.add(re.sub(r"id=\d+\.\d+\.\d+", "id=*", call))
    return found


@pytest.mark.skipif(not REFERENCE, reason="PYITT_REFERENCE_PYITT (a built pyitt 1.7.6 tree) is not set")
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample_makes_pyitt_s_calls(sample, build_dir, host, python_exe, clean_env, tmp_path):
    fake = build_dir / "tests" / "itt_client" / "fakes" / "libitt_fake_v2.so"
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    logs = {}
    for kind, command, extra in (
            ("pyitt", [python_exe], {"PYTHONPATH": REFERENCE}),
            ("host", [str(host), "--noinstrumenter", "--"], {})):
        log = tmp_path / f"{kind}.log"
        env = dict(clean_env, INTEL_LIBITTNOTIFY64=str(fake), ITT_LOG=str(log), **extra)
        # pyitt's native module may crash at exit under the fake collector (after the log is written)
        subprocess.run(command + [str(runner), str(sample), "--run-sample"], env=env, cwd=tmp_path,
                       capture_output=True, timeout=300)
        assert log.exists(), f"{kind}: no log"
        logs[kind] = calls(log.read_text(), kind == "host")
    assert sorted(logs["pyitt"] - logs["host"]) == [] and sorted(logs["host"] - logs["pyitt"]) == []


REFCOL = os.environ.get("PYITT_REFERENCE_REFCOL")  # Intel's libittnotify_refcol.so (ittapi/src/ittnotify_refcol)


def refcol_calls(log_dir, host):
    found = set()
    for log in Path(log_dir).glob("*.log"):
        for call in log.read_text().splitlines():
            call = re.sub(r"\s*\([^()]*(created new|already exists)[^()]*\)\s*$", "", call)
            call = re.sub(r"(taskid|parentid|id)=\d+,\d+,\d+", r"\1=*", call)
            if host and re.search(r"thread_set_name.*name=(MainThread|Thread-\d+( \(.*\))?)$", call):
                continue
            found.add(call)
    return found


@pytest.mark.skipif(not (REFERENCE and REFCOL), reason="PYITT_REFERENCE_PYITT and PYITT_REFERENCE_REFCOL are not set")
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample_under_intel_reference_collector(sample, host, python_exe, clean_env, tmp_path):
    logs = {}
    for kind, command, extra in (
            ("pyitt", [python_exe], {"PYTHONPATH": REFERENCE}),
            ("host", [str(host), "--noinstrumenter", "--"], {})):
        log_dir = tmp_path / kind
        log_dir.mkdir()
        env = dict(clean_env, INTEL_LIBITTNOTIFY64=REFCOL, INTEL_LIBITTNOTIFY_LOG_DIR=str(log_dir), **extra)
        subprocess.run(command + [str(sample), "--run-sample"], env=env, cwd=sample.parent, capture_output=True,
                       timeout=300)
        logs[kind] = refcol_calls(log_dir, kind == "host")
        assert logs[kind], f"{kind}: the reference collector logged nothing"
    assert sorted(logs["pyitt"] - logs["host"]) == [] and sorted(logs["host"] - logs["pyitt"]) == []
