"""itt-python's API (https://github.com/NERSC/itt-python) on pyitt.

    import pyitt.compatibility_layers.itt_python as itt

    domain = itt.domain_create("my.domain")
    itt.task_begin(domain, "work")
    ...
    itt.task_end(domain)

Collection control (pause, resume, detach) releases the GIL, as itt-python does. Differences: a
domain is a pyitt.Domain rather than a capsule, and task_end() without an open task raises
RuntimeError instead of doing nothing.
"""
import pyitt as _pyitt
from pyitt import detach, pause, resume

__all__ = ["detach", "pause", "resume", "domain_create", "task_begin", "task_end", "pt_region_create",
           "pt_region_begin", "pt_region_end"]


def _require_str(function, param, value):
    if not isinstance(value, str):
        raise TypeError(f"{function}(): argument '{param}' must be str, not {type(value).__name__}")


def domain_create(name):
    """Creates (or finds) the domain called name; domains are never destroyed."""
    _require_str("domain_create", "name", name)
    return _pyitt.Domain(name)


def task_begin(domain, name):
    """Begins a task called name in domain on the calling thread."""
    _require_str("task_begin", "name", name)
    _pyitt.task_begin(domain, name)


def task_end(domain):
    """Ends the innermost task of the calling thread."""
    _pyitt.task_end(domain)


def pt_region_create(name):
    """Creates an Intel Processor Trace region called name."""
    _require_str("pt_region_create", "name", name)
    return _pyitt.PTRegion(name)


def pt_region_begin(region):
    """Marks the beginning of a PT region created by pt_region_create()."""
    region.begin()


def pt_region_end(region):
    """Marks the end of a PT region created by pt_region_create()."""
    region.end()
