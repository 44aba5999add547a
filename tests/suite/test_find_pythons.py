"""tests/find_pythons.sh: which Pythons tests/run.sh builds and tests, found rather than assumed, on
machines laid out like a user's Debian box (no pyenv), CI's (pyenv), and broken ones. The pythons here
are fake: shell scripts that answer the probe as a python of that version would."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import REPO  # noqa: E402

FIND = REPO / "tests" / "find_pythons.sh"
BASH = shutil.which("bash")


def fake_python(path: Path, version: str, why: str = "", real: Path = None) -> Path:
    """A python of `version` whose probe says `why` it cannot be embedded ("": it can)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{BASH}\nprintf '%s\\t%s\\t%s\\n' '{version}' '{real or path}' '{why}'\n")
    path.chmod(0o755)
    return path


def find(tmp_path: Path, system: Path, path_dirs=(), pyenv_root: Path = None, selection: str = None) -> list:
    """find_pythons.sh's lines as tuples, with only these directories on PATH (no real python)."""
    env = {"PATH": ":".join(str(d) for d in path_dirs), "HOME": str(tmp_path / "home"),
           "PYITT_SYSTEM_PYTHON": str(system), "PYENV_ROOT": str(pyenv_root or tmp_path / "no-pyenv")}
    if selection is not None:
        env["PYITT_TEST_PYTHONS"] = selection
    result = subprocess.run([BASH, FIND], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [tuple(line.split("\t")) for line in result.stdout.splitlines()]


def picked_for_testing(lines) -> list:
    return [(version, python) for what, version, python, *_ in lines if what == "test"]


def test_debian_box_without_pyenv_tests_its_python3_only(tmp_path):
    system = fake_python(tmp_path / "usr/bin/python3", "3.11")
    lines = find(tmp_path, system, [tmp_path / "usr/bin"])
    assert picked_for_testing(lines) == [("3.11", str(system))]
    assert [line for line in lines if line[0] != "test"] == []


def test_ci_layout_tests_debian_and_the_newest_other(tmp_path):
    system = fake_python(tmp_path / "usr/bin/python3", "3.11")
    pyenv = tmp_path / "pyenv"
    for version in ("3.8.18", "3.9.18", "3.11.7", "3.12.1", "3.13.0"):
        fake_python(pyenv / "versions" / version / "bin/python", version.rsplit(".", 1)[0])
    fake_python(pyenv / "shims/python3.12", "3.12", why="must not be run: pyenv's versions are read instead")
    lines = find(tmp_path, system, [pyenv / "shims", tmp_path / "usr/bin"], pyenv)
    assert picked_for_testing(lines) == [("3.11", str(system)), ("3.13", str(pyenv / "versions/3.13.0/bin/python"))]
    found = {line[1]: line for line in lines}
    assert found["3.9"][0] == "found" and found["3.12"][0] == "found"
    assert found["3.8"][0] == "skip" and "3.9 to 3.13" in found["3.8"][3]
    assert "shims" not in "".join(map(str, lines))
    # The pyenv 3.11 is another python of a version already found: reported, not tested twice.
    [other_311] = [line for line in lines if line[2].endswith("3.11.7/bin/python")]
    assert other_311[0] == "skip"

    everything = find(tmp_path, system, [tmp_path / "usr/bin"], pyenv, selection="all")
    assert [v for v, _ in picked_for_testing(everything)] == ["3.9", "3.11", "3.12", "3.13"]
    picked = find(tmp_path, system, [tmp_path / "usr/bin"], pyenv, selection="3.12 3.10")
    assert picked_for_testing(picked) == [("3.12", str(pyenv / "versions/3.12.1/bin/python"))]
    assert ("skip", "3.10") in [line[:2] for line in picked]


def test_python3_x_on_path_and_pythons_that_cannot_be_embedded(tmp_path):
    system = fake_python(tmp_path / "usr/bin/python3", "3.11")
    local = tmp_path / "local/bin"
    fake_python(local / "python3.12", "3.12", why="no Python.h in /x (Debian: apt-get install python3.12-dev)")
    fake_python(local / "python3.10", "3.10")
    fake_python(local / "python3.11", "3.11", real=system)  # Debian's python3.11: the same python
    broken = local / "python3.9"
    broken.write_text(f"#!{BASH}\necho 'error while loading shared libraries' >&2\nexit 127\n")
    broken.chmod(0o755)
    lines = find(tmp_path, system, [local], None)
    assert picked_for_testing(lines) == [("3.10", str(local / "python3.10")), ("3.11", str(system))]
    reasons = {line[2]: line[3] for line in lines if line[0] == "skip"}
    assert "python3.12-dev" in reasons[str(local / "python3.12")]
    assert reasons[str(broken)].startswith("does not run: error while loading shared libraries")
    assert str(local / "python3.11") not in reasons


def test_a_path_given_takes_its_versions_place(tmp_path):
    system = fake_python(tmp_path / "usr/bin/python3", "3.11")
    mine = fake_python(tmp_path / "opt/python/bin/python3", "3.11")
    missing = tmp_path / "nowhere/python3"
    lines = find(tmp_path, system, [], None, selection=f"{mine} {missing}")
    assert picked_for_testing(lines) == [("3.11", str(mine))]
    assert ("skip", "?", str(missing), "no executable file") in lines


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="no /usr/bin/python3")
def test_run_sh_reports_what_it_tests_and_skips(tmp_path):
    """run.sh's report, on a machine where only Debian's python3 and an unusable 3.13 exist; the
    build itself is replaced by a bootstrap.sh that fails, to see that a failure is a failure."""
    fake_repo = tmp_path / "repo"
    (fake_repo / "tests").mkdir(parents=True)
    (fake_repo / "third_party").mkdir()
    shutil.copy2(REPO / "tests" / "run.sh", fake_repo / "tests" / "run.sh")
    shutil.copy2(FIND, fake_repo / "tests" / "find_pythons.sh")
    (fake_repo / "third_party" / "bootstrap.sh").write_text(f"#!{BASH}\necho \"bootstrap $*\"\nexit 1\n")
    (fake_repo / "third_party" / "bootstrap.sh").chmod(0o755)
    local = tmp_path / "bin"
    fake_python(local / "python3.13", "3.13", why="neither a shared nor a static libpython")
    env = {"PATH": f"{local}:/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv")}
    result = subprocess.run([BASH, fake_repo / "tests" / "run.sh"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert "skipping Python 3.13" in result.stdout and "libpython" in result.stdout
    assert "bootstrap build /usr/bin/python3" in result.stdout
    assert result.returncode == 1 and "FAILED: 3." in result.stderr, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("=== tested Python 3.")
