"""pyitt.string_handle: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import string_handle as string_handle
