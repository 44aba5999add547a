"""Runs a Python program that uses pyitt under the built-in collector and reads back its trace.

Two ways to get pyitt: the host's built-in module (`pyitt-host -- script.py`) and the extension
module (`python script.py` with the build directory on PYTHONPATH). Tests take the `traced`
fixture, which runs them once with each.
"""
import json
import os
import subprocess
import textwrap

from pyitt_testing import read_trace, trace_files
from dataclasses import dataclass, field
from pathlib import Path

RUNNERS = ("host", "extension")


@dataclass
class Trace:
    """The events of one run, and what the program printed."""

    stdout: str
    stderr: str
    returncode: int
    events: list = field(default_factory=list)

    def of(self, *cats, ph=None):
        """Events of these categories (domains), in file order, metadata events left out."""
        return [e for e in self.events
                if e.get("ph") != "M" and (not cats or e.get("cat") in cats) and (ph is None or e["ph"] in ph)]

    def tasks(self, *cats):
        """Nested tasks as (name, parent name or None), in the order they began."""
        spans = sorted(self.of(*cats, ph="X"), key=lambda e: (e["tid"], e["ts"], -e["dur"]))
        result = []
        for i, e in enumerate(spans):
            parent = None
            for p in reversed(spans[:i]):
                if p["tid"] == e["tid"] and p["ts"] <= e["ts"] and e["ts"] + e["dur"] <= p["ts"] + p["dur"]:
                    parent = p["name"]
                    break
            result.append((e["name"], parent))
        return result

    def names(self, *cats, ph=None):
        return [e["name"] for e in self.of(*cats, ph=ph)]

    def spans(self, *cats):
        """Async spans ("b"/"e" pairs) as (name, args of the begin), in the order they began."""
        begins = [e for e in self.of(*cats, ph="b")]
        return [(e["name"], e.get("args", {})) for e in sorted(begins, key=lambda e: e["ts"])]

    def counters(self, *cats):
        return [(e["name"], e["args"]["value"]) for e in self.of(*cats, ph="C")]

    def instants(self, *cats):
        return [(e["name"], e["s"], e.get("args", {})) for e in self.of(*cats, ph="i")]

    def thread_names(self):
        return {e["tid"]: e["args"]["name"] for e in self.events if e.get("ph") == "M" and e["name"] == "thread_name"}


class Runner:
    """Runs programs with pyitt from the host or from the extension module."""

    def __init__(self, kind, build_dir, host, python_exe, env, workdir):
        self.kind, self.build_dir, self.host, self.python = kind, Path(build_dir), host, python_exe
        self.env, self.workdir = dict(env), Path(workdir)
        self.count = 0

    def command(self, script, args=(), collector=True):
        if self.kind == "host":
            return [self.host, *([] if collector else ["--collector", "none"]), "--", script, *args]
        return [self.python, script, *args]

    def environment(self, output, collector=True):
        env = dict(self.env)
        env["PYITT_OUTPUT_DIR"] = str(output)
        if collector:
            env["INTEL_LIBITTNOTIFY64"] = str(self.build_dir / "libpyitt-collector.so")
        if self.kind == "extension":
            env["PYTHONPATH"] = str(self.build_dir)
        return env

    def run(self, source, *, args=(), check=True, collector=True, timeout=120):
        """Runs the program source; returns its Trace (events empty without a collector)."""
        return self.run_file(None, source=source, args=args, check=check, collector=collector, timeout=timeout)

    def run_file(self, script, *, source=None, args=(), check=True, collector=True, timeout=120):
        """Runs the program in file script (or source, written to script.py); returns its Trace."""
        self.count += 1
        run_dir = self.workdir / f"run{self.count}"
        output = run_dir / "out"
        output.mkdir(parents=True)
        if script is None:
            script = run_dir / "script.py"
            script.write_text(textwrap.dedent(source))
        # As tests/conftest.py's run(); not imported: this directory has a conftest.py of its own.
        result = subprocess.run([str(c) for c in self.command(script, args, collector)], env=self.environment(output, collector),
                                cwd=run_dir, timeout=timeout, capture_output=True, text=True)
        trace = Trace(result.stdout, result.stderr, result.returncode)
        if check:
            assert result.returncode == 0, f"{self.kind} run failed:\n{result.stdout}\n{result.stderr}"
        traces = trace_files(output)
        # The collector writes a trace when the program made ITT calls, one per process.
        assert len(traces) <= 1, f"expected one trace in {output}: {os.listdir(output)}\n{result.stderr}"
        if traces:
            trace.events = read_trace(traces[0])["traceEvents"]
        return trace
