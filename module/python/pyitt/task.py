"""pyitt.task: the task classes and factories of pyitt (the same objects as pyitt.task(), pyitt.NestedTask...)."""
from pyitt import NestedTask, OverlappedTask, nested_task, overlapped_task, task

__all__ = ["NestedTask", "OverlappedTask", "nested_task", "overlapped_task", "task"]
