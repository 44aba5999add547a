"""pyitt.domain: pyitt.domain()."""
from pyitt import domain

__all__ = ["domain"]
