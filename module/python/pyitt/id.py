"""pyitt.id: pyitt.id()."""
from pyitt import id  # pylint: disable=redefined-builtin

__all__ = ["id"]
