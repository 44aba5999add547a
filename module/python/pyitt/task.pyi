"""pyitt.task: re-exports of pyitt (see pyitt/__init__.pyi)."""
from pyitt import NestedTask as NestedTask, OverlappedTask as OverlappedTask, nested_task as nested_task, overlapped_task as overlapped_task, task as task
