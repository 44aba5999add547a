"""--resume-on and --pause-on: the file where children report the patterns they matched lives in
the built-in collector's output directory, or (no such directory) is made only once the command
line is known to be good and removed however the run ends short of SIGKILL: no pyitt-triggers-*
piles up in $TMPDIR of a shared machine."""
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run  # noqa: E402

COLLECTORS = {"none": ["--collector", "none"], "builtin": []}


@pytest.fixture
def private_tmp(clean_env, tmp_path):
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    return tmp, dict(clean_env, TMPDIR=str(tmp))


def trigger_files(tmp: Path) -> list:
    return sorted(p.name for p in tmp.glob("pyitt-triggers-*"))


@pytest.mark.parametrize("collector", COLLECTORS)
@pytest.mark.parametrize("mistake", [
    ["--resume-on", "(solve", "--", "-c", "pass"],           # not a regex
    ["--pause-on", "load", "-R", "[x", "--", "-c", "pass"],   # another filter is not one
    ["--resume-on", "solve", "--", "-Z", "-c", "pass"],       # python's own usage error
    ["--resume-on", "solve", "--resume-after", "-1", "x.py"],  # the host's
])
def test_a_usage_error_leaves_no_trigger_report(host, private_tmp, collector, mistake):
    tmp, env = private_tmp
    result = run([host, *COLLECTORS[collector], *mistake], env=env)
    assert result.returncode == 2, result.stderr
    assert trigger_files(tmp) == []


@pytest.mark.parametrize("collector", COLLECTORS)
def test_a_normal_run_leaves_no_trigger_report_and_children_still_report(host, private_tmp, tmp_path, collector):
    tmp, env = private_tmp
    parent = tmp_path / "parent.py"
    parent.write_text("import subprocess, sys\n"
                      "subprocess.run([sys.executable, '-c', 'def solve(): pass\\nsolve()'], check=True)\n")
    result = run([host, *COLLECTORS[collector], "--resume-on", "^solve$", "--", parent], env=env)
    assert result.returncode == 0, result.stderr
    assert "never matched" not in result.stderr  # the child's match reached the parent
    assert trigger_files(tmp) == []


@pytest.mark.parametrize("collector", COLLECTORS)
def test_sigterm_leaves_no_trigger_report(host, private_tmp, tmp_path, collector):
    tmp, env = private_tmp
    ready = tmp_path / "ready"
    program = tmp_path / "waits.py"
    program.write_text(f"import pathlib, time\npathlib.Path({str(ready)!r}).touch()\ntime.sleep(60)\n")
    process = subprocess.Popen([str(host), *COLLECTORS[collector], "--resume-on", "^solve$", "--", str(program)],
                               env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), process.communicate()[1]
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM, stderr
    assert trigger_files(tmp) == []
