"""itt-python's Intel Processor Trace regions."""
from pyitt import PTRegion as _PTRegion

from ._checks import require_str as _require_str

__all__ = ["pt_region_create", "pt_region_begin", "pt_region_end"]


def pt_region_create(name):
    """Creates an Intel Processor Trace region called name."""
    _require_str("pt_region_create", "name", name)
    return _PTRegion(name)


def pt_region_begin(region):
    """Marks the beginning of a PT region created by pt_region_create()."""
    region.begin()


def pt_region_end(region):
    """Marks the end of a PT region created by pt_region_create()."""
    region.end()
