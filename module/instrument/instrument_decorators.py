# pyitt.instrumenter's decorators, executed into the support module (instrument_support.py) when
# first used: most runs decorate nothing. Precompiled at build time like the support module.
import sys

# inspect's is*function tests by their code flags: importing inspect (dis, ast, tokenize...) would
# cost every process ~10 ms at start, spawned pool workers included.
_CO_GENERATOR, _CO_COROUTINE, _CO_ASYNC_GENERATOR = 0x20, 0x80, 0x200

def _has_code_flag(func, flag):
    partial = getattr(sys.modules.get("_functools"), "partial", None)  # none exists before it is imported
    while partial is not None and isinstance(func, partial):
        func = func.func
    code = getattr(getattr(func, "__func__", func), "__code__", None)
    return code is not None and bool(code.co_flags & flag)

_FunctionType = type(after_import)

def decorate_marked(region, func, mark):
    """What decorate does, natively: a plain function becomes a copy of itself with a code object
    of its own, marked (mark(code)) so that the call hooks enter `region` around every run of it
    (each resumption of a generator or coroutine), without a wrapper's call. The function itself
    is left as it was. Anything else is wrapped. mark(code, copy) also lets 3.13 specialise calls
    of the copy, as it does for functions a def made."""
    if isinstance(func, (staticmethod, classmethod)):
        return type(func)(decorate_marked(region, func.__func__, mark))
    if type(func) is not _FunctionType:
        return decorate(region, func)
    code = func.__code__.replace()
    copy = _FunctionType(code, func.__globals__, func.__name__, func.__defaults__, func.__closure__)
    copy.__kwdefaults__ = func.__kwdefaults__
    for name in ("__module__", "__qualname__", "__doc__", "__annotations__", "__type_params__"):
        try:
            setattr(copy, name, getattr(func, name))
        except AttributeError:  # __type_params__ before 3.12
            pass
    copy.__dict__.update(func.__dict__)
    copy.__wrapped__ = func  # as functools.wraps says
    mark(code, copy)
    return copy

def decorate(region, func):
    """Wraps func so that `region` is entered around every run of it (each resumption for
    generators and coroutines, so the region is inactive while they are suspended)."""
    import functools
    if isinstance(func, (staticmethod, classmethod)):
        return type(func)(decorate(region, func.__func__))
    if _has_code_flag(func, _CO_GENERATOR):
        @functools.wraps(func)
        def generator_wrapper(*args, **kwargs):
            return (yield from _Stepper(region, func(*args, **kwargs)))
        return generator_wrapper
    if _has_code_flag(func, _CO_COROUTINE):
        @functools.wraps(func)
        async def coroutine_wrapper(*args, **kwargs):
            return await _Stepper(region, func(*args, **kwargs))
        return coroutine_wrapper
    if _has_code_flag(func, _CO_ASYNC_GENERATOR):
        @functools.wraps(func)
        async def async_generator_wrapper(*args, **kwargs):
            agen = func(*args, **kwargs)
            try:
                while True:
                    try:
                        item = await _Stepper(region, agen.__anext__())
                    except StopAsyncIteration:
                        return
                    yield item
            finally:
                await _Stepper(region, agen.aclose())
        return async_generator_wrapper
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with region:
            return func(*args, **kwargs)
    return wrapper

class _Stepper:
    """Drives a generator or coroutine one step at a time, inside `region` for each step."""
    __slots__ = ("region", "inner")
    def __init__(self, region, inner):
        self.region, self.inner = region, inner
    def __await__(self):
        return self._run()
    def __iter__(self):
        return self._run()
    def _run(self):
        inner, region = self.inner, self.region
        send = getattr(inner, "send")
        value, error = None, None
        while True:
            with region:
                try:
                    item = send(value) if error is None else inner.throw(error)
                except StopIteration as stop:
                    return stop.value
            value, error = None, None
            try:
                value = yield item
            except GeneratorExit:
                inner.close()
                raise
            except BaseException as raised:
                error = raised
