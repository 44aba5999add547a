"""pyitt.string_handle: pyitt.string_handle()."""
from pyitt import string_handle

__all__ = ["string_handle"]
