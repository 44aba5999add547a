"""itt-python's task_begin() and task_end()."""
import pyitt as _pyitt

from ._checks import require_str as _require_str

__all__ = ["task_begin", "task_end"]


def task_begin(domain, name):
    """Begins a task called name in domain on the calling thread."""
    _require_str("task_begin", "name", name)
    _pyitt.task_begin(domain, name)


def task_end(domain):
    """Ends the innermost task of the calling thread."""
    _pyitt.task_end(domain)
