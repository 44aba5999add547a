"""pyitt.thread_naming: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import thread_set_name as thread_set_name
