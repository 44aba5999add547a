"""The ittapi layer's tasks (pyitt.compatibility_layers.ittapi.task, as in pyitt)."""
from pyitt.compatibility_layers.ittapi import NestedTask, OverlappedTask, nested_task, overlapped_task, task

__all__ = ["NestedTask", "OverlappedTask", "nested_task", "overlapped_task", "task"]
