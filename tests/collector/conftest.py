"""The collector tests' shared fixture."""
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import run  # noqa: E402


@pytest.fixture
def run_host(host, clean_env, tmp_path):
    """Runs pyitt-host on a program (and its other files) in tmp_path, output in tmp_path/out."""
    def go(options, program, *args, files=None, timeout=120):
        for name, text in (files or {}).items():
            (tmp_path / name).write_text(textwrap.dedent(text))
        (tmp_path / "program.py").write_text(textwrap.dedent(program))
        out = tmp_path / "out"
        result = run([host, *options, "-o", out, "--", "program.py", *args], env=clean_env, cwd=tmp_path,
                     timeout=timeout)
        return result, out
    return go
