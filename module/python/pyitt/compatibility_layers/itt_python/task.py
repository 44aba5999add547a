"""itt-python's task_begin() and task_end()."""
import pyitt as _pyitt
from pyitt.native import task_end as _native_task_end

from ._checks import require_str as _require_str

__all__ = ["task_begin", "task_end"]


def task_begin(domain, name):
    """Begins a task called name in domain on the calling thread."""
    _require_str("task_begin", "name", name)
    _pyitt.task_begin(domain, name)


def task_end(domain):
    """Ends the innermost task of the calling thread (none open: nothing, as in itt-python and pyitt)."""
    _native_task_end(domain)
