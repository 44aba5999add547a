"""Which collector pyitt-host uses, where the built-in one writes, and what the user sees at exit."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import REPO, read_trace, run, summary_path, trace_files  # noqa: E402


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "prog.py"
    path.write_text("import os\nprint('ran', os.environ.get('INTEL_LIBITTNOTIFY64', 'unset'))\n")
    return path



def default_sigint():
    """A child started from a background job inherits SIGINT ignored; a terminal's child does not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def traces(directory):
    return trace_files(directory)


def test_builtin_collector_by_default_writes_trace_and_summary(host, build_dir, clean_env, script, tmp_path):
    out = tmp_path / "out"
    result = run([host, "-o", out, "--", script], env=clean_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"ran {build_dir / 'libpyitt-collector.so'}\n"
    [trace] = traces(out)
    assert read_trace(trace)["traceEvents"]
    assert summary_path(trace).exists()
    assert result.stderr.startswith("pyitt summary: ")
    last = result.stderr.splitlines()[-1]
    assert last.startswith("pyitt-host: ") and "trace in" in last and trace.name in last


def test_default_output_directory_is_named_after_the_program(host, clean_env, script, tmp_path):
    env = {k: v for k, v in clean_env.items() if k != "PYITT_OUTPUT_DIR"}
    result = run([host, script], env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [directory] = (tmp_path / "pyitt-output").iterdir()
    assert directory.name.startswith("prog-") and traces(directory)


def test_pyitt_output_dir_is_the_default_output(host, clean_env, script, tmp_path):
    result = run([host, script], env=clean_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert traces(clean_env["PYITT_OUTPUT_DIR"])


def test_unwritable_output_directory_is_a_usage_error_before_running(host, clean_env, script, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run([host, "-o", blocker / "sub", "--", script], env=clean_env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("pyitt-host: error: -o: cannot create the output directory")
    assert len(result.stderr.splitlines()) == 1


def test_collector_none_leaves_nothing_behind(host, clean_env, script, tmp_path):
    env = dict(clean_env, INTEL_LIBITTNOTIFY64="/opt/intel/vtune/lib64/runtime/libittnotify_collector.so")
    result = run([host, "--collector", "none", "--", script], env=env, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "ran unset\n", "")
    assert not Path(clean_env["PYITT_OUTPUT_DIR"]).exists()


def test_vtune_collector_is_kept_in_auto_mode(host, build_dir, clean_env, script, tmp_path):
    vtune_like = build_dir / "tests" / "itt_client" / "fakes" / "libitt_fake_v2.so"
    assert vtune_like.exists()
    env = dict(clean_env, INTEL_LIBITTNOTIFY64=str(vtune_like))
    result = run([host, script], env=env, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"ran {vtune_like}\n", "")
    assert not Path(clean_env["PYITT_OUTPUT_DIR"]).exists()


def test_collector_that_fails_to_load_warns_once_and_the_program_runs(host, clean_env, script, tmp_path):
    env = dict(clean_env, INTEL_LIBITTNOTIFY64=str(tmp_path / "missing.so"))
    result = run([host, script], env=env, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("ran ")
    assert len(result.stderr.splitlines()) == 1 and "warning: cannot load the ITT collector" in result.stderr


def test_collector_path_must_exist(host, clean_env, script, tmp_path):
    result = run([host, "--collector", tmp_path / "nope.so", "--", script], env=clean_env)
    assert result.returncode == 2 and "--collector" in result.stderr and result.stdout == ""


def test_explicit_collector_path(host, build_dir, clean_env, script, tmp_path):
    result = run([host, "--collector", build_dir / "libpyitt-collector.so", "--", script], env=clean_env,
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert traces(clean_env["PYITT_OUTPUT_DIR"])


def test_sigterm_writes_the_trace_and_ends_by_sigterm(host, clean_env, tmp_path):
    script = tmp_path / "sleepy.py"
    script.write_text("import time\nprint('ready', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([str(host), str(script)], env=clean_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                                preexec_fn=default_sigint)
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGTERM
    [trace] = traces(clean_env["PYITT_OUTPUT_DIR"])
    read_trace(trace)
    assert "pyitt summary:" in stderr


def test_sigint_writes_the_trace_and_ends_by_sigint(host, clean_env, tmp_path):
    script = tmp_path / "sleepy.py"
    script.write_text("import time\nprint('ready', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([str(host), str(script)], env=clean_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                                preexec_fn=default_sigint)
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGINT
    [trace] = traces(clean_env["PYITT_OUTPUT_DIR"])
    read_trace(trace)


def test_children_write_their_own_traces_quietly(host, clean_env, tmp_path):
    script = tmp_path / "parent.py"
    script.write_text("import subprocess, sys\n"
                      "r = subprocess.run([sys.executable, '-c', 'print(1)'], capture_output=True, text=True)\n"
                      "print(repr(r.stdout), repr(r.stderr))\n")
    result = run([host, script], env=clean_env, cwd=tmp_path)
    assert result.stdout == "'1\\n' ''\n", result.stderr
    assert len(traces(clean_env["PYITT_OUTPUT_DIR"])) == 2
    assert "from 2 processes in" in result.stderr.splitlines()[-1]


@pytest.fixture
def on_full_disk(tmp_path):
    """run_on_full_disk(cmd, out): runs cmd with a 64 KiB tmpfs mounted at `out`, in a mount namespace of
    its own (unshare), so that no mount is ever seen by, or left behind on, the system running the tests."""
    mount_point = tmp_path / "full"
    mount_point.mkdir()
    # As root a mount namespace is enough; anyone else needs a user namespace too, where allowed.
    unshare = ["unshare", "--mount", "--propagation", "private"] + ([] if os.geteuid() == 0 else
                                                                  ["--user", "--map-root-user"])
    mount = ["sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$0" && exec "$@"', mount_point]
    probe = subprocess.run([*unshare, *mount, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs in a namespace of our own: {probe.stderr.decode().strip()}")

    def run_on_full_disk(cmd, env):
        return run([*unshare, *mount, *cmd], env=env)
    run_on_full_disk.mount_point = mount_point
    return run_on_full_disk


def test_full_disk_is_reported_and_keeps_the_exit_status(host, clean_env, on_full_disk):
    full_disk = on_full_disk.mount_point
    result = on_full_disk([host, "-R", "fib", "-o", full_disk / "out", "--", REPO / "samples" / "fib.py", "20"],
                          env=clean_env)
    assert result.returncode == 0
    assert result.stdout == "fib(20) + inefficient(20) = 43055\n"
    assert "No space left on device" in result.stderr
    assert "the trace could not be written" in result.stderr.splitlines()[-1]
    failing = on_full_disk([host, "-o", full_disk / "out2", "--", "-c", "import pyitt; raise SystemExit(3)"],
                           env=clean_env)
    assert failing.returncode == 3
