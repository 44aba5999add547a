"""itt-python's API (https://github.com/NERSC/itt-python) on pyitt.

    import pyitt.compatibility_layers.itt_python as itt

    domain = itt.domain_create("my.domain")
    itt.task_begin(domain, "work")
    ...
    itt.task_end(domain)

Laid out as pyitt's layer is: submodules domain, pt_region and task. Collection control (pause, resume,
detach) releases the GIL, as itt-python does. Difference: a domain is a pyitt.Domain rather than a
capsule.
"""
from pyitt import detach, pause, resume

from .domain import domain_create
from .pt_region import pt_region_begin, pt_region_create, pt_region_end
from .task import task_begin, task_end

__all__ = ["detach", "pause", "resume", "domain_create", "task_begin", "task_end", "pt_region_create",
           "pt_region_begin", "pt_region_end"]
