"""ittapi.compat: itt-python's API as ittapi provides it (domain_create's default is pyitt's domain)."""
from pyitt import detach, pause, resume
from pyitt.compatibility_layers.itt_python import pt_region_begin, pt_region_create, pt_region_end, task_begin, task_end
from pyitt.compatibility_layers.ittapi import domain as domain_create

__all__ = ["resume", "pause", "detach", "domain_create", "pt_region_create", "pt_region_begin", "pt_region_end",
           "task_begin", "task_end"]
