"""Fixtures of the packaging tests: a user's environment and an unrelated working directory, and
the check that an installed pyitt-host runs the fib sample completely."""
import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import read_trace, run  # noqa: E402

FIB_CALLS = 21891  # fib(20) in samples/fib.py


@pytest.fixture
def user_env() -> dict:
    """The environment of a user's shell on a profiling host: none of our variables, no loaded modules."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PYITT_", "INTEL_LIBITTNOTIFY", "INTEL_ITTNOTIFY", "VIRTUAL_ENV", "PYTHON",
                                 "MODULE", "LOADEDMODULES", "_LMFILES_"))}


@pytest.fixture
def unrelated(tmp_path) -> Path:
    """A working directory that has nothing to do with the build or the install."""
    path = tmp_path / "somewhere" / "else"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def check_fib_run(user_env, python_exe):
    """check(host, sample, cwd): `host -R fib -- sample` run in cwd prints what python prints, the
    summary, and writes a trace (default place: ./pyitt-output) holding every call of fib."""
    def check(host: Path, sample: Path, cwd: Path):
        result = run([host, "-R", "fib", "--", sample], env=user_env, cwd=cwd)
        assert result.returncode == 0, result.stderr
        assert result.stdout == run([python_exe, sample], env=user_env, cwd=cwd).stdout != ""
        assert re.search(r"^pyitt summary", result.stderr, re.M), result.stderr
        assert re.search(rf"^fib \(recursive, depth 1-20\) +{FIB_CALLS} ", result.stderr, re.M), result.stderr
        [trace] = [p for p in (cwd / "pyitt-output").glob("fib-*/trace-*") if p.name.endswith((".json", ".perfetto-trace"))]
        events = read_trace(trace)["traceEvents"]
        assert sum(1 for e in events if e.get("name") == "fib" and e.get("ph") in ("X", "B")) == FIB_CALLS
    return check
