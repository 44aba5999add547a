"""ittapi.compat (itt-python's API) on pyitt."""
from pyitt.compatibility_layers.itt_python import (detach as detach, pause as pause, pt_region_begin as pt_region_begin,
                                                   pt_region_create as pt_region_create, pt_region_end as pt_region_end,
                                                   resume as resume, task_begin as task_begin, task_end as task_end)
from pyitt.compatibility_layers.ittapi import domain as domain_create
