"""Fixtures of the pyitt module tests: `traced` runs a program with the host's built-in module and
with the extension module (two parametrisations of every test that takes it)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tracing import RUNNERS, Runner  # noqa: E402


@pytest.fixture(params=RUNNERS)
def traced(request, build_dir, host, python_exe, clean_env, tmp_path):
    needed = host if request.param == "host" else next(build_dir.glob("pyitt.*.so"), None)
    if needed is None or not Path(needed).exists():
        pytest.fail(f"{request.param}: not built in {build_dir}")
    if not (build_dir / "libpyitt-collector.so").exists():
        pytest.fail(f"the built-in collector is not built in {build_dir}")
    return Runner(request.param, build_dir, host, python_exe, clean_env, tmp_path)
