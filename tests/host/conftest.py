"""The host tests' shared fixture: a run of pyitt-host and its process's trace."""
import re
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from collection_trace import Trace  # noqa: E402
from pyitt_testing import run  # noqa: E402


@pytest.fixture
def traced(host, clean_env, tmp_path):
    """Runs pyitt-host OPTIONS -- SCRIPT (or a source text) and returns the Trace of its process."""
    def run_traced(*options, script=None, source=None, args=(), expect_status=0):
        if source is not None:
            script = tmp_path / "prog.py"
            script.write_text(textwrap.dedent(source))
        out = tmp_path / f"out{len(list(tmp_path.glob('out*')))}"
        result = run([host, "-o", out, *options, "--", script, *args], env=clean_env, cwd=tmp_path)
        assert result.returncode == expect_status, result.stderr
        own = re.search(r"same file as trace-(\d+)\.", result.stderr)  # else the merged run's table names main
        trace = Trace(out, pid=own.group(1) if own else re.search(r"^ *(\d+) +\d+ main ", result.stderr, re.M).group(1))
        trace.result = result
        trace.out = out
        return trace
    return run_traced
