"""Helpers shared by the test suites (a plain module: conftest files of sub-suites would clash)."""
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# What pyitt-host itself adds at exit on stderr: the built-in collector's summary (none with --quiet)
# and where it went.
HOST_REPORT = re.compile(r"^(?:pyitt summary[:,] .*?)?^pyitt-host: \d+ ITT events [^\n]*\n", re.S | re.M)


def without_host_report(stderr: str) -> str:
    return HOST_REPORT.sub("", stderr)


def run(cmd, *, env=None, cwd=None, input=None, timeout=120):
    """Runs a command and returns the CompletedProcess (text mode), never raising on exit codes."""
    return subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, input=input, timeout=timeout,
                          capture_output=True, text=True)
