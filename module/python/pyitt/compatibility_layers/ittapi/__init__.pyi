"""ittapi's Python API on pyitt, laid out as pyitt's layer (default domain 'pyitt', Domain is pyitt.Domain)."""
from typing import Any, Callable, Optional, Union

import pyitt
from pyitt import (ActiveRegion as ActiveRegion, Id as Id, PausedRegion as PausedRegion,
                   StringHandle as StringHandle, active_region as active_region, detach as detach, id as id,
                   pause as pause, paused_region as paused_region, resume as resume, string_handle as string_handle,
                   task_begin as task_begin, task_begin_overlapped as task_begin_overlapped, task_end as task_end,
                   task_end_overlapped as task_end_overlapped, thread_set_name as thread_set_name)

_Name = Union[str, StringHandle]


from pyitt import Domain as Domain


def domain(name: Optional[_Name] = None) -> pyitt.Domain: ...


class _CompatibleTask:
    def name(self) -> StringHandle: ...  # type: ignore[override]
    def domain(self) -> pyitt.Domain: ...  # type: ignore[override]
    def id(self) -> Optional[Id]: ...  # type: ignore[override]
    def parent_id(self) -> Optional[Id]: ...  # type: ignore[override]


class NestedTask(_CompatibleTask, pyitt.NestedTask):  # type: ignore[misc]
    def __init__(self, task: Union[_Name, Callable[..., Any], None] = None, domain: Any = None,
                 id: Optional[Id] = None, parent: Any = None) -> None: ...


class OverlappedTask(_CompatibleTask, pyitt.OverlappedTask):  # type: ignore[misc]
    def __init__(self, task: Union[_Name, Callable[..., Any], None] = None, domain: Any = None,
                 id: Optional[Id] = None, parent: Any = None) -> None: ...


def task(task: Union[_Name, Callable[..., Any], None] = None, domain: Any = None, id: Optional[Id] = None,
         parent: Any = None, overlapped: bool = False) -> Union[NestedTask, OverlappedTask]: ...
def nested_task(task: Union[_Name, Callable[..., Any], None] = None, domain: Any = None, id: Optional[Id] = None,
                parent: Any = None) -> NestedTask: ...
def overlapped_task(task: Union[_Name, Callable[..., Any], None] = None, domain: Any = None,
                    id: Optional[Id] = None, parent: Any = None) -> OverlappedTask: ...


class Event(pyitt.Event):
    def name(self) -> StringHandle: ...  # type: ignore[override]


def event(region: Union[_Name, Callable[..., Any], None] = None) -> Event: ...


class PT_Region(pyitt.PTRegion):
    def name(self) -> StringHandle: ...  # type: ignore[override]
    def get_pt_region(self) -> "PT_Region": ...


PTRegion = PT_Region


def pt_region(pt_region: Union[_Name, Callable[..., Any], None] = None) -> PT_Region: ...
def pt_region_begin(region: pyitt.PTRegion) -> None: ...
def pt_region_end(region: pyitt.PTRegion) -> None: ...
