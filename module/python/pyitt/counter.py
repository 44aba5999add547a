"""pyitt.counter: pyitt.counter()."""
from pyitt import counter

__all__ = ["counter"]
