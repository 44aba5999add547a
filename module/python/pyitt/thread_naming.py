"""pyitt.thread_naming: pyitt.thread_set_name()."""
from pyitt import thread_set_name

__all__ = ["thread_set_name"]
