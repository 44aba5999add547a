"""One process's trace as the collection-control tests read it."""
import collections
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pyitt_testing import read_trace, summary_path, trace_files  # noqa: E402


class Trace:
    """One process's trace: tasks by name, and the collection marks in time order."""

    def __init__(self, directory, pid=None):
        paths = trace_files(directory, f"trace-{pid or '*'}.*")
        assert len(paths) == 1, paths
        self.path = paths[0]
        self.events = read_trace(self.path)["traceEvents"]
        self.tasks = [e for e in self.events if e["ph"] == "X"]
        self.marks = sorted((e for e in self.events if e["ph"] == "i" and e.get("cat") == "pyitt"),
                            key=lambda e: e["ts"])
        self.summary = summary_path(self.path)

    def counts(self, domain="python"):
        return collections.Counter(e["name"] for e in self.tasks if e.get("cat") == domain)

    def mark_names(self):
        return [e["name"] for e in self.marks]

    def collection_line(self):
        """(paused ms, pauses, resumes, detached-at ms or None) from the summary's header."""
        text = self.summary.read_text()
        m = re.search(r"^collection paused (\S+) ms \(\S+% of the wall time\): (\d+) pause\(s\), (\d+) resume\(s\)"
                      r"(?:; detached at (\S+) ms)?$", text, re.M)
        assert m, text
        return float(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4) and float(m.group(4))
