"""pyitt.native: pyitt's low-level layer, one function per ITT call.

The same names, signatures, argument rules, exceptions and messages as pyitt 1.7.6's native module, so
code written against it runs unchanged. Domain, StringHandle, Id and Counter are the classes the rest
of pyitt uses (pyitt.Domain is pyitt.native.Domain, as in pyitt); Event and PTRegion are the plain
ITT objects (pyitt.Event and pyitt.PTRegion are the decorator/context-manager kinds).

Unlike pyitt.task_begin() and friends, these accept only the handle objects: a name is a StringHandle,
a domain a Domain, an id an Id.
"""
import pyitt as _pyitt
from pyitt import Counter, Domain, Id, StringHandle

__all__ = ["Counter", "Domain", "Event", "Id", "PTRegion", "StringHandle", "detach", "frame_begin", "frame_end",
           "pause", "resume", "task_begin", "task_begin_overlapped", "task_end", "task_end_overlapped",
           "thread_set_name"]
__version__ = "1.7.6"

_DOMAIN = "pyitt.native.Domain"
_STRING_HANDLE = "pyitt.native.StringHandle"
_ID = "pyitt.native.Id"


def _plural(n):
    return "argument" if n == 1 else "arguments"


def _positional(function, args, kwargs, required, allowed):
    """The checks CPython's PyArg_ParseTuple makes for pyitt's METH_VARARGS functions."""
    if kwargs:
        raise TypeError(f"{function}() takes no keyword arguments")
    given = len(args)
    if required == allowed and given != required:
        raise TypeError(f"function takes exactly {required} {_plural(required)} ({given} given)")
    if given < required:
        raise TypeError(f"function takes at least {required} {_plural(required)} ({given} given)")
    if given > allowed:
        raise TypeError(f"function takes at most {allowed} {_plural(allowed)} ({given} given)")
    return args + (None,) * (allowed - given)


def _check(value, cls, param, type_name):
    if not isinstance(value, cls):
        raise TypeError(f"The passed {param} is not a valid instance of {type_name} type.")


def _check_optional_id(value, param):
    if value is not None:
        _check(value, Id, param, _ID)


def _no_arguments(function, args, kwargs):
    if kwargs:
        raise TypeError(f"{function}() takes no keyword arguments")
    if args:
        raise TypeError(f"{function}() takes no arguments ({len(args)} given)")


def _name_argument(args, kwargs, optional):
    """The `name` parameter of Event() and PTRegion(): str or StringHandle, as a str."""
    if len(args) > 1 or (args and kwargs) or (kwargs and set(kwargs) != {"name"}):
        extra = next((k for k in kwargs if k != "name"), None)
        if extra is not None:
            raise TypeError(f"'{extra}' is an invalid keyword argument for this function")
        raise TypeError(f"function takes at most 1 argument ({len(args) + len(kwargs)} given)")
    name = args[0] if args else kwargs.get("name")
    if name is None and not args and "name" not in kwargs and not optional:
        raise TypeError("function missing required argument 'name' (pos 1)")
    if name is None and optional:
        return None
    if isinstance(name, StringHandle):
        return str(name)
    if not isinstance(name, str):
        raise TypeError(f"The passed name is not a valid instance of str or {_STRING_HANDLE}.")
    return name


def _require_instance(obj, cls, method):
    """The check CPython makes for a C method called on another object (pyitt's classes are C types)."""
    if not isinstance(obj, cls):
        raise TypeError(f"descriptor '{method}' requires a 'pyitt.native.{cls.__name__}' object but received a"
                        f" '{type(obj).__name__}'")


def pause(*args, **kwargs):
    """Pause data collection."""
    _no_arguments("pause", args, kwargs)
    _pyitt.pause()


def resume(*args, **kwargs):
    """Resume data collection."""
    _no_arguments("resume", args, kwargs)
    _pyitt.resume()


def detach(*args, **kwargs):
    """Detach data collection."""
    _no_arguments("detach", args, kwargs)
    _pyitt.detach()


def frame_begin(*args, **kwargs):
    """Marks the beginning of a frame instance."""
    domain, frame_id = _positional("frame_begin", args, kwargs, 1, 2)
    _check(domain, Domain, "domain", _DOMAIN)
    _check_optional_id(frame_id, "id")
    _pyitt.frame_begin(domain, frame_id)


def frame_end(*args, **kwargs):
    """Marks the end of a frame instance."""
    domain, frame_id = _positional("frame_end", args, kwargs, 1, 2)
    _check(domain, Domain, "domain", _DOMAIN)
    _check_optional_id(frame_id, "id")
    _pyitt.frame_end(domain, frame_id)


def thread_set_name(*args, **kwargs):
    """Sets a name for current thread."""
    if kwargs:
        raise TypeError("thread_set_name() takes no keyword arguments")
    if len(args) != 1:
        raise TypeError(f"thread_set_name() takes exactly one argument ({len(args)} given)")
    name = args[0]
    if not isinstance(name, (str, StringHandle)):
        raise TypeError(f"The passed name is not a valid instance of str or {_STRING_HANDLE}.")
    _pyitt.thread_set_name(name)


def task_begin(*args, **kwargs):
    """Marks the beginning of a task."""
    domain, name, task_id, parent_id = _positional("task_begin", args, kwargs, 2, 4)
    _check(domain, Domain, "domain", _DOMAIN)
    _check(name, StringHandle, "name", _STRING_HANDLE)
    _check_optional_id(task_id, "id")
    _check_optional_id(parent_id, "parent_id")
    _pyitt.task_begin(domain, name, task_id, parent_id)


def task_end(*args, **kwargs):
    """Marks the end of a task."""
    (domain,) = _positional("task_end", args, kwargs, 1, 1)
    _check(domain, Domain, "domain", _DOMAIN)
    try:
        _pyitt.task_end(domain)
    except RuntimeError:
        pass  # no task open on this thread: pyitt's task_end returns None (the end reaches no collector)


def task_begin_overlapped(*args, **kwargs):
    """Marks the beginning of an overlapped task."""
    domain, name, task_id, parent_id = _positional("task_begin_overlapped", args, kwargs, 3, 4)
    _check(domain, Domain, "domain", _DOMAIN)
    _check(name, StringHandle, "name", _STRING_HANDLE)
    _check(task_id, Id, "id", _ID)
    _check_optional_id(parent_id, "parent_id")
    _pyitt.task_begin_overlapped(domain, name, task_id, parent_id)


def task_end_overlapped(*args, **kwargs):
    """Marks the end of an overlapped task."""
    domain, task_id = _positional("task_end_overlapped", args, kwargs, 2, 2)
    _check(domain, Domain, "domain", _DOMAIN)
    _check(task_id, Id, "id", _ID)
    _pyitt.task_end_overlapped(domain, task_id)


class Event:
    """A class that represents an ITT event."""

    __slots__ = ("__name", "__event")

    def __init__(self, *args, **kwargs):
        self.__name = _name_argument(args, kwargs, optional=False)
        self.__event = _pyitt.Event(self.__name)

    @property
    def name(self):
        """a name of the event"""
        return self.__name

    def __repr__(self):
        _require_instance(self, Event, '__repr__')
        return f"pyitt.native.Event('{self.__name}')"

    def __str__(self):
        _require_instance(self, Event, '__str__')
        return self.__name

    def begin(self):
        """Marks the beginning of the event."""
        _require_instance(self, Event, 'begin')
        self.__event.begin()

    def end(self):
        """Marks the end of the event."""
        _require_instance(self, Event, 'end')
        self.__event.end()


class PTRegion:
    """A class that represents an ITT PT region."""

    __slots__ = ("__name", "__region")

    def __init__(self, *args, **kwargs):
        self.__name = _name_argument(args, kwargs, optional=True)
        # An unnamed PT region of pyitt is still a region; ours needs a name, and "" names none.
        self.__region = _pyitt.PTRegion("" if self.__name is None else self.__name)

    @property
    def name(self):
        """a PT region name"""
        return self.__name

    def __repr__(self):
        _require_instance(self, PTRegion, '__repr__')
        return f"pyitt.native.PTRegion('{self.__name}')"

    def __str__(self):
        _require_instance(self, PTRegion, '__str__')
        return str(self.__name)

    def begin(self):
        """Marks the beginning of a code region targeted for Intel PT analysis."""
        _require_instance(self, PTRegion, 'begin')
        self.__region.begin()

    def end(self):
        """Marks the end of a code region targeted for Intel PT analysis."""
        _require_instance(self, PTRegion, 'end')
        self.__region.end()
