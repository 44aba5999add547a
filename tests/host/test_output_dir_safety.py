"""The output directory on shared machines: runs started together (a job array, a loop of `&`) in
one directory each get their own default directory, and a directory that another user can write
into (and so plant a symlink where a trace is about to be written) is pointed out."""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run, trace_files  # noqa: E402

WARNING = re.compile(r"^pyitt-host: warning: other users can write into .*$", re.M)


def test_concurrent_runs_each_get_their_own_default_directory(host, clean_env, tmp_path):
    env = {k: v for k, v in clean_env.items() if k != "PYITT_OUTPUT_DIR"}
    script = tmp_path / "job.py"
    script.write_text("def work(): pass\nwork()\n")
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    runs = 40
    # Held at the gate until all have started, then let go at once, as a job array's tasks are.
    command = f'read go < "{gate}" && exec "{host}" -R "^work$" -- "{script}"'
    processes = [subprocess.Popen(["sh", "-c", command], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for _ in range(runs)]
    time.sleep(0.5)
    with open(gate, "w") as opened:
        opened.write("go\n" * runs)
    reported = []
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        reported += re.findall(r"trace in (\S+)/ ", stderr)
    assert len(reported) == runs and len(set(reported)) == runs, sorted(reported)
    directories = sorted((tmp_path / "pyitt-output").iterdir())
    assert len(directories) == runs
    for directory in directories:
        assert directory.name.startswith("job-")
        assert len(trace_files(directory)) == 1, sorted(p.name for p in directory.iterdir())


def someone_elses_directory(path: Path, mode: int) -> Path:
    if os.geteuid() != 0:
        pytest.skip("making a directory that belongs to another user needs root")
    path.mkdir()
    os.chown(path, 65534, 65534)
    path.chmod(mode)
    return path


@pytest.mark.parametrize("mode", [0o755, 0o777, 0o1777, 0o775])
def test_an_output_directory_others_can_write_into_is_warned_about_once(host, clean_env, tmp_path, mode):
    out = someone_elses_directory(tmp_path / "shared", mode)
    script = tmp_path / "parent.py"
    script.write_text("import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'pass'], check=True)\n")
    result = run([host, "-o", out, script], env=clean_env)
    assert result.returncode == 0, result.stderr
    warnings = WARNING.findall(result.stderr)
    assert len(warnings) == 1, result.stderr
    assert f"the output directory '{out}'" in warnings[0] and ("nobody" in warnings[0] or "65534" in warnings[0])
    assert len(trace_files(out)) == 2  # the run itself goes on


def test_an_output_directory_of_ones_own_is_not_warned_about(host, clean_env, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    out.chmod(0o777)
    result = run([host, "-o", out, "--", "-c", "pass"], env=clean_env)
    assert result.returncode == 0 and not WARNING.search(result.stderr), result.stderr
    if os.geteuid() == 0:
        root_only = someone_elses_directory(tmp_path / "nobodys", 0o555)
        os.chown(root_only, 0, 0)  # root's, and writable by root alone: nobody else can plant anything
        result = run([host, "-o", root_only, "--", "-c", "pass"], env=clean_env)
        assert not WARNING.search(result.stderr), result.stderr


def test_a_default_directory_inside_one_others_can_write_into_is_warned_about(host, clean_env, tmp_path):
    """As root in a colleague's project: pyitt-output/ is theirs, so they could swap the run's directory."""
    env = {k: v for k, v in clean_env.items() if k != "PYITT_OUTPUT_DIR"}
    someone_elses_directory(tmp_path / "pyitt-output", 0o755)
    result = run([host, "--", "-c", "pass"], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = WARNING.findall(result.stderr)
    holder = f"the directory that holds the output directory, '{tmp_path / 'pyitt-output'}'"
    assert len(warnings) == 1 and holder in warnings[0], result.stderr


def test_a_sticky_directory_above_protects_the_output_directory(host, clean_env, tmp_path):
    """Others may write into a sticky directory but not replace what another user made there."""
    above = someone_elses_directory(tmp_path / "sticky", 0o1557)
    out = above / "mine"
    result = run([host, "-o", out, "--", "-c", "pass"], env=clean_env)
    assert result.returncode == 0 and not WARNING.search(result.stderr), result.stderr
