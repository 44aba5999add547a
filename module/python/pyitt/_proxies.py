"""Wrappers that keep a pyitt region open while a generator, coroutine or async generator runs.

The C part of pyitt calls wrap() with the object a decorated function returned. A region calls
back region._enter_call() when the wrapped object resumes and region._exit_call(token) when it
suspends:
  * nested kinds (nested tasks, frames, events...) get one span per resume, so they nest with the
    caller's tasks whatever order the caller resumes things in;
  * overlapped kinds (overlapped tasks, regions: region._spans_calls) get one span from the first
    resume to the end, with an id of its own.
"""
import collections.abc
import inspect
import sys

_GENERATOR, _COROUTINE, _ASYNC_GENERATOR = 0, 1, 2


class _Spans:
    """When a region begins and ends for one call of a generator, coroutine or async generator."""

    __slots__ = ("_region", "_whole", "_token", "_started", "_finished")

    def __init__(self, region):
        self._region = region
        self._whole = region._spans_calls
        self._token = None
        self._started = False
        self._finished = False

    def resume(self):
        if self._finished:
            return  # resuming a finished object runs no code: no span (suspend() ignores it too)
        if self._whole:
            if not self._started:
                self._token = self._region._enter_call()
        else:
            self._token = self._region._enter_call()
        self._started = True

    def suspend(self, finished):
        if self._finished:
            return
        if finished:
            self._finished = True
        if not self._whole or finished:
            self._region._exit_call(self._token)

    @property
    def running(self):
        """Started and not finished: closing it runs code of the wrapped object."""
        return self._started and not self._finished


def _step(spans, method, *args):
    """Runs one resume of the wrapped object inside the region."""
    spans.resume()
    try:
        result = method(*args)
    except BaseException:  # StopIteration included: the object is finished
        spans.suspend(True)
        raise
    spans.suspend(False)
    return result


class _Proxy:
    __slots__ = ("_wrapped", "_spans", "__weakref__")

    def __init__(self, wrapped, region):
        self._wrapped = wrapped
        self._spans = _Spans(region)

    def __getattr__(self, name):  # gi_frame, cr_await, __name__, __qualname__...
        return getattr(self._wrapped, name)

    def __repr__(self):
        return f"<pyitt proxy of {self._wrapped!r}>"

    def __del__(self):
        # Close a suspended object now, inside the region, rather than leave a span open.
        if self._spans.running:
            try:
                self.close()
            except BaseException:  # pylint: disable=broad-except
                pass


class _SteppingProxy(_Proxy):
    """Generator protocol shared by generator and coroutine proxies: every step inside the region."""

    __slots__ = ()

    def __iter__(self):
        return self

    def __next__(self):
        return _step(self._spans, self._wrapped.send, None)

    def send(self, value):
        return _step(self._spans, self._wrapped.send, value)

    def throw(self, *args):
        return _step(self._spans, self._wrapped.throw, *args)

    def close(self):
        if not self._spans.running:
            return self._wrapped.close()
        self._spans.resume()
        try:
            return self._wrapped.close()
        finally:
            self._spans.suspend(True)


class GeneratorProxy(_SteppingProxy, collections.abc.Generator):
    """A generator whose every resume runs inside a pyitt region."""

    __slots__ = ()


class CoroutineProxy(_SteppingProxy, collections.abc.Coroutine):
    """A coroutine whose execution runs inside a pyitt region."""

    __slots__ = ()

    def __await__(self):
        return self


class _AsyncStep(collections.abc.Coroutine):
    """One __anext__/asend/athrow/aclose of an async generator, run inside the region."""

    __slots__ = ("_awaitable", "_spans", "_closing")

    def __init__(self, awaitable, spans, closing=False):
        self._awaitable = awaitable
        self._spans = spans
        self._closing = closing

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        return self.send(None)

    def send(self, value):
        return self._run(self._awaitable.send, value)

    def throw(self, *args):
        return self._run(self._awaitable.throw, *args)

    def close(self):
        return self._awaitable.close()

    def _run(self, method, *args):
        spans = self._spans
        spans.resume()
        try:
            result = method(*args)
        except StopIteration:
            # The step is over: the generator yielded a value (or, for aclose, finished).
            spans.suspend(self._closing)
            raise
        except BaseException:  # StopAsyncIteration, GeneratorExit or an error: it is over
            spans.suspend(True)
            raise
        spans.suspend(False)  # awaiting something inside the step
        return result


class AsyncGeneratorProxy(_Proxy, collections.abc.AsyncGenerator):
    """An async generator whose every resume runs inside a pyitt region."""

    __slots__ = ()

    def __aiter__(self):
        return self

    def __anext__(self):
        return _AsyncStep(self._wrapped.__anext__(), self._spans)

    def asend(self, value):
        return _AsyncStep(self._wrapped.asend(value), self._spans)

    def athrow(self, *args):
        return _AsyncStep(self._wrapped.athrow(*args), self._spans)

    def aclose(self):
        if not self._spans.running:
            return self._wrapped.aclose()
        return _AsyncStep(self._wrapped.aclose(), self._spans, closing=True)

    def __del__(self):
        pass  # the event loop finalises async generators (aclose); nothing to run synchronously


_PROXIES = {_GENERATOR: GeneratorProxy, _COROUTINE: CoroutineProxy, _ASYNC_GENERATOR: AsyncGeneratorProxy}


def wrap(result, region, which):
    """Wraps what a decorated generator/coroutine/async generator function returned."""
    expected = (inspect.isgenerator, inspect.isawaitable, inspect.isasyncgen)[which]
    if not expected(result) and not isinstance(result, _Proxy):
        return result  # e.g. a coroutine function that returned a plain value: nothing to track
    return _PROXIES[which](result, region)


def mark_coroutine_function(func):
    """Makes inspect/asyncio.iscoroutinefunction() true for a wrapper of a coroutine function."""
    if sys.version_info >= (3, 12):
        inspect.markcoroutinefunction(func)
    try:
        from asyncio.coroutines import _is_coroutine  # pylint: disable=import-outside-toplevel
    except ImportError:  # removed in later versions
        return func
    func._is_coroutine = _is_coroutine  # pylint: disable=protected-access
    return func
