"""itt-python's domain_create()."""
from pyitt import Domain as _Domain

from ._checks import require_str as _require_str

__all__ = ["domain_create"]


def domain_create(name):
    """Creates (or finds) the domain called name; domains are never destroyed."""
    _require_str("domain_create", "name", name)
    return _Domain(name)
