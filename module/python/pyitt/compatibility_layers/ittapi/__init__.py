"""ittapi's Python API (https://github.com/intel/ittapi/tree/master/python, 1.2) on pyitt.

    import pyitt.compatibility_layers.ittapi as ittapi

    @ittapi.task
    def work(): ...

    with ittapi.task('phase', domain='my.domain'):
        ...

As in pyitt's layer: the default domain is pyitt's ('pyitt') and Domain is pyitt.Domain; tasks,
events and PT regions have the methods name(), domain(), id() and parent_id() (pyitt has properties);
task(..., overlapped=True) selects an overlapped task; submodules event, pt_region and task hold what
pyitt's do. `pyitt.compatibility_layers.ittapi.compat` is ittapi.compat (itt-python's API).
"""
import pyitt as _pyitt
from pyitt import (ActiveRegion, Domain, Id, PausedRegion, StringHandle, active_region, detach, pause, paused_region,
                   resume, string_handle, task_begin, task_begin_overlapped, task_end, task_end_overlapped,
                   thread_set_name)
from pyitt import id  # pylint: disable=redefined-builtin

_DEFAULT_DOMAIN = "pyitt"

__all__ = ["Domain", "Id", "StringHandle", "task_begin", "task_end", "task_begin_overlapped", "task_end_overlapped",
           "detach", "pause", "resume", "active_region", "paused_region", "ActiveRegion", "PausedRegion", "event",
           "Event", "domain", "id", "string_handle", "NestedTask", "OverlappedTask", "task", "nested_task",
           "overlapped_task", "thread_set_name", "pt_region", "PT_Region", "PTRegion"]


def domain(name=None):
    """Creates (or finds) a domain; None means pyitt's default domain."""
    return Domain(name)


def _task_base(task_object):
    return _pyitt.NestedTask if isinstance(task_object, _pyitt.NestedTask) else _pyitt.OverlappedTask


class _CompatibleTask:
    """ittapi's accessors: methods rather than pyitt's properties."""

    __slots__ = ()
    _default_domain = _DEFAULT_DOMAIN

    def name(self):
        """The name of the task."""
        return _task_base(self).name.__get__(self)

    def domain(self):
        """The domain of the task."""
        return _task_base(self).domain.__get__(self)

    def id(self):
        """The id of the task."""
        return _task_base(self).id.__get__(self)

    def parent_id(self):
        """The id of the parent task."""
        return _task_base(self).parent_id.__get__(self)

    def __str__(self):
        return (f"{{ name: '{self.name()}', domain: '{self.domain()}', id: {self.id()},"
                f" parent_id: {self.parent_id()} }}")


class NestedTask(_CompatibleTask, _pyitt.NestedTask):
    """NestedTask(task=None, domain=None, id=None, parent=None): a nested task (see pyitt.NestedTask)."""

    def __new__(cls, task=None, domain=None, id=None, parent=None):  # pylint: disable=redefined-outer-name
        return super().__new__(cls, task, domain, id, parent)


class OverlappedTask(_CompatibleTask, _pyitt.OverlappedTask):
    """OverlappedTask(task=None, domain=None, id=None, parent=None): an overlapped task."""

    def __new__(cls, task=None, domain=None, id=None, parent=None):  # pylint: disable=redefined-outer-name
        return super().__new__(cls, task, domain, id, parent)


def nested_task(task=None, domain=None, id=None, parent=None):  # pylint: disable=redefined-outer-name
    """Creates a NestedTask; task None names it after the call site."""
    return NestedTask(task, domain, id, parent)


def overlapped_task(task=None, domain=None, id=None, parent=None):  # pylint: disable=redefined-outer-name
    """Creates an OverlappedTask; task None names it after the call site."""
    return OverlappedTask(task, domain, id, parent)


def task(task=None, domain=None, id=None, parent=None, overlapped=False):  # pylint: disable=redefined-outer-name
    """Creates a task: an OverlappedTask when overlapped is true, else a NestedTask."""
    return (OverlappedTask if overlapped else NestedTask)(task, domain, id, parent)


class Event(_pyitt.Event):
    """Event(region=None): an ITT event; name() is a method, as in ittapi."""

    def name(self):
        """The name of the event."""
        return _pyitt.Event.name.__get__(self)

    def __str__(self):
        return str(self.name())


def event(region=None):
    """Creates an Event named region (or after a callable, or the call site)."""
    return Event(region)


class PT_Region(_pyitt.PTRegion):  # pylint: disable=invalid-name
    """PT_Region(region=None): an Intel Processor Trace region, as ittapi names it."""

    def name(self):
        """The name of the region."""
        return _pyitt.PTRegion.name.__get__(self)

    def get_pt_region(self):
        """The region itself (ittapi returns its native region)."""
        return self

    def __str__(self):
        return f"{{ region name: '{self.name()}' }}"


PTRegion = PT_Region


def pt_region(pt_region=None):  # pylint: disable=redefined-outer-name
    """Creates a PT_Region named pt_region (or after a callable, or the call site)."""
    return PT_Region(pt_region)


def pt_region_begin(region):
    """Marks the beginning of a PT region."""
    region.begin()


def pt_region_end(region):
    """Marks the end of a PT region."""
    region.end()
