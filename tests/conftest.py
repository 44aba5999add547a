"""Shared pytest fixtures: where the build under test is, and how to run pyitt-host and its python."""
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pyitt_testing import REPO  # noqa: E402


def _build_dir() -> Path:
    return Path(os.environ.get("PYITT_BUILD_DIR", REPO / "build")).resolve()


@pytest.fixture(scope="session")
def build_dir() -> Path:
    path = _build_dir()
    if not (path / "pyitt-test-config.json").exists():
        pytest.exit(f"no configured build at {path}: run tests/run.sh, or set PYITT_BUILD_DIR", 2)
    return path


@pytest.fixture(scope="session")
def build_config(build_dir) -> dict:
    return json.loads((build_dir / "pyitt-test-config.json").read_text())


@pytest.fixture(scope="session")
def host(build_dir) -> Path:
    """The pyitt-host executable under test."""
    return build_dir / "pyitt-host"


@pytest.fixture(scope="session")
def python_exe(build_config) -> str:
    """The python whose libpython the host embeds: the reference for differential tests."""
    return build_config["python_executable"]


@pytest.fixture
def clean_env(tmp_path):
    """An environment without our own variables, so tests start like a user's shell."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYITT_", "INTEL_LIBITTNOTIFY", "INTEL_ITTNOTIFY", "VIRTUAL_ENV",
                                "PYTHON"))}
    env["PYITT_OUTPUT_DIR"] = str(tmp_path / "pyitt-output")
    return env
