"""The ITT calls pyitt-host makes on its own, counted by a logging fake collector
(tests/itt_client/fake_collector.cpp): no domain and no string handle for code nobody records."""
import subprocess

import pytest

PROGRAM = """
import ctypes, os, threading

def leaf(x):
    return x + 1

def caller():
    return [leaf(i) for i in range(3)]

caller()
events = ctypes.CDLL(os.environ["INTEL_LIBITTNOTIFY64"]).fake_events
events.restype = ctypes.c_char_p
log = events().decode().split(";")
print(sum(e.startswith("domain_create(") for e in log), sum(e.startswith("string_handle_create(") for e in log))
print(";".join(e for e in log if e.startswith(("domain_create(", "string_handle_create("))))
print(sum(e == "thread_set_name(MainThread)" for e in log))
"""


@pytest.fixture
def itt_creations(build_dir, host, clean_env, tmp_path):
    fake = build_dir / "tests" / "itt_client" / "fakes" / "libitt_fake_v2.so"
    if not fake.exists():
        pytest.fail(f"the fake collector is not built in {build_dir}")
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)

    def run(*options):
        env = dict(clean_env, INTEL_LIBITTNOTIFY64=str(fake))
        result = subprocess.run([str(host), *options, "--", str(script)], env=env, capture_output=True, text=True,
                                timeout=120, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        counts, names, main_named = result.stdout.splitlines()[:3]
        domains, handles = map(int, counts.split())
        assert main_named == "1"  # the host names the main thread once, threading imported or not
        return domains, handles, names
    return run


def test_nothing_recorded_creates_nothing(itt_creations):
    assert itt_creations("--noinstrumenter")[:2] == (0, 0)
    assert itt_creations("-R", "^no_such_function$")[:2] == (0, 0)


def test_one_domain_and_a_handle_per_recorded_name(itt_creations):
    domains, handles, names = itt_creations("-R", "^leaf$")
    assert (domains, handles) == (1, 1) and names == "domain_create(python);string_handle_create(leaf)"
    domains, handles, names = itt_creations("-R", "^(leaf|caller)$")
    assert domains == 1 and handles == 2
