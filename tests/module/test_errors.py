"""Bad input: TypeError naming the parameter, ValueError for NUL bytes and out-of-range numbers,
RuntimeError for ends without a begin, and the nesting of the other tasks left intact."""

CHECKER = """
import pyitt

def fails(exc, needle, call):
    try:
        call()
    except exc as e:
        assert needle in str(e), f"{needle!r} not in {e!r}"
        return
    except Exception as e:
        raise AssertionError(f"expected {exc.__name__}, got {e!r}")
    raise AssertionError(f"expected {exc.__name__}, nothing raised")
"""


def test_wrong_types_name_the_parameter(traced):
    traced.run(CHECKER + """
d = pyitt.Domain("t")
fails(TypeError, "'region'", lambda: pyitt.frame(3))
fails(TypeError, "'domain'", lambda: pyitt.task("x", domain=3))
fails(TypeError, "'id'", lambda: pyitt.nested_task("x", id="a"))
fails(TypeError, "'parent'", lambda: pyitt.overlapped_task("x", parent=1))
# pyitt.Domain is pyitt.native.Domain...: the constructors give pyitt.native's messages
fails(TypeError, "passed name is not a valid instance of str or pyitt.native.StringHandle", lambda: pyitt.Domain(1))
fails(TypeError, "passed string is not a valid instance of str type", lambda: pyitt.StringHandle(None))
assert pyitt.StringHandle(str="k") is pyitt.StringHandle(string="k")  # pyitt 1.7 and ours
fails(TypeError, "passed domain is not a valid instance of pyitt.native.Domain type", lambda: pyitt.Id("t"))
fails(TypeError, "passed name is not a valid instance of str or pyitt.native.StringHandle", lambda: pyitt.Counter(5))
fails(ValueError, "pyitt.native.Domain object cannot be created", lambda: pyitt.Counter("c", domain=5))
fails(TypeError, "passed value is not a valid instance of int", lambda: pyitt.Counter("c", value="x"))
# pyitt: a new value that is no number is a ValueError (the initial value a TypeError).
fails(ValueError, "passed value is not a valid instance of int", lambda: pyitt.counter("c").set("x"))
fails(ValueError, "passed delta is not a valid instance of int", lambda: pyitt.counter("c").inc("x"))
fails(TypeError, "'name'", lambda: pyitt.thread_set_name(5))
fails(TypeError, "'name'", lambda: pyitt.task_begin(d, 5))
fails(TypeError, "'domain'", lambda: pyitt.task_end(5))
fails(TypeError, "'id'", lambda: pyitt.task_begin_overlapped(d, "x", None))
fails(TypeError, "'id'", lambda: pyitt.frame_begin(d, 5))
fails(TypeError, "'scope'", lambda: pyitt.marker("m", scope=3.5))
fails(TypeError, "'value'", lambda: pyitt.metadata_add("k", object()))
fails(TypeError, "'head'", lambda: pyitt.relation_add(1, "child_of", 2))
fails(TypeError, "'func'", lambda: pyitt.active_region(5))
fails(TypeError, "'region'", lambda: pyitt.frame(5))
fails(TypeError, "'y'", lambda: pyitt.Histogram("h").submit(None, 5))
fails(TypeError, "'foo'", lambda: pyitt.task(domain="x", foo=1))
fails(TypeError, "positional-only", lambda: pyitt.task(task="x"))
""")


def test_nul_bytes_and_out_of_range_values(traced):
    traced.run(CHECKER + """
fails(ValueError, "NUL", lambda: pyitt.Domain("a\\0b"))
fails(ValueError, "NUL", lambda: pyitt.StringHandle("a\\0b"))
fails(ValueError, "NUL", lambda: pyitt.task("a\\0b"))
fails(ValueError, "NUL", lambda: pyitt.event("a\\0b"))
fails(ValueError, "NUL", lambda: pyitt.thread_set_name("a\\0b"))
fails(ValueError, "NUL", lambda: pyitt.metadata_add("k", "a\\0b"))
fails(OverflowError, "negative", lambda: pyitt.counter("c", init_value=-1))  # pyitt's exception classes
fails(OverflowError, "can't convert negative int to unsigned", lambda: pyitt.counter("c").dec())  # pyitt's message
fails(OverflowError, "would become -32769", lambda: pyitt.Counter("c", type="s16", value=-32768).dec())
c = pyitt.counter("c", init_value=1)
fails(OverflowError, "negative", lambda: c.set(-5))
assert c.value == 1  # a refused value changes nothing
fails(OverflowError, "out of range", lambda: pyitt.Counter("c", type="s16", value=1 << 20))
fails(ValueError, "out of range", lambda: pyitt.metadata_add("k", 1 << 70))
fails(ValueError, "'bogus'", lambda: pyitt.Counter("c", type="bogus"))
fails(ValueError, "'nope'", lambda: pyitt.marker("m", scope="nope"))
fails(ValueError, "either id or scope", lambda: pyitt.metadata_add("k", 1, id=pyitt.id(pyitt.Domain()), scope="global"))
fails(ValueError, "same length", lambda: pyitt.Histogram("h").submit([1], [1, 2]))
""")


def test_bad_ends_raise_and_keep_the_nesting(traced):
    trace = traced.run(CHECKER + """
import threading

d = pyitt.Domain("t")
fails(RuntimeError, "not begun", lambda: pyitt.task("never", domain=d).end())
fails(RuntimeError, "not begun", lambda: pyitt.overlapped_task("never", domain=d).end())
fails(RuntimeError, "not begun", lambda: pyitt.frame(domain=d).end())
fails(RuntimeError, "not begun", lambda: pyitt.active_region().end())
fails(RuntimeError, "no task", lambda: pyitt.task_end(d))

outer = pyitt.task("outer", domain=d)
inner = pyitt.task("inner", domain=d)
outer.begin()
inner.begin()
fails(RuntimeError, "still open", outer.end)          # refused: inner stays the innermost
other = threading.Thread(target=lambda: fails(RuntimeError, "this thread", inner.end))
other.start()
other.join()
with pyitt.task("deepest", domain=d):
    pass
inner.end()
outer.end()
fails(RuntimeError, "not begun", outer.end)           # ended once only
""")
    assert trace.tasks("t") == [("outer", None), ("inner", "outer"), ("deepest", "inner")]


def test_exceptions_propagate_and_end_the_task(traced):
    trace = traced.run("""
        import pyitt

        @pyitt.task(domain="t")
        def boom():
            raise KeyError("inside")

        try:
            boom()
        except KeyError as e:
            assert e.args == ("inside",)
        try:
            with pyitt.task("block", domain="t"):
                raise ValueError("block")
        except ValueError:
            pass
        with pyitt.task("after", domain="t"):
            pass
    """)
    assert trace.tasks("t") == [("boom", None), ("block", None), ("after", None)]


def test_garbage_never_crashes(traced):
    """Every public callable and method with junk arguments: exceptions only, never a crash."""
    trace = traced.run("""
        import itertools
        import pyitt

        junk = [None, 0, -1, 1 << 80, 1.5, float("nan"), "x", "a\\0b", b"x", [], [1, "a"], object(),
                pyitt.Domain("j"), pyitt.StringHandle("j"), pyitt.Id(pyitt.Domain("j")), pyitt.task("j")]
        calls = 0
        def poke(fn):
            global calls
            for n in range(3):
                for args in itertools.product(junk, repeat=n):
                    calls += 1
                    try:
                        result = fn(*args)
                    except Exception:
                        continue
                    # Whatever was created: use it the same way.
                    for method in ("begin", "end", "inc", "dec", "set", "submit", "__enter__"):
                        m = getattr(result, method, None)
                        if callable(m):
                            for a in junk[:4]:
                                try:
                                    m(a)
                                except Exception:
                                    pass
                                try:
                                    m()
                                except Exception:
                                    pass
        for name in sorted(dir(pyitt)):
            obj = getattr(pyitt, name)
            # Not the calls that stop collection, and not the instrumentation's builtins (module/instrument).
            if callable(obj) and not name.startswith("_") and name not in ("pause", "detach", "pause_scoped",
                                                                              "thread_ignore", "profile",
                                                                              "noprofile", "instrumenter"):
                poke(obj)
        print("calls", calls)
    """, timeout=600)
    assert int(trace.stdout.split()[-1]) > 10000


def test_refused_end_in_a_decorated_call_keeps_the_original_exception(traced):
    trace = traced.run("""
        import pyitt

        leaked = pyitt.nested_task("leaked", domain="t")

        @pyitt.task(domain="t")
        def careless():
            leaked.begin()  # never ended inside
            raise KeyError("original")

        try:
            careless()
        except RuntimeError as e:
            assert "still open" in str(e) and isinstance(e.__context__, KeyError), repr(e)
        else:
            raise AssertionError("RuntimeError expected")
        leaked.end()
    """)
    # careless stays open (its end was refused); the trace closes it at exit, marked unfinished.
    assert trace.tasks("t") == [("careless", None), ("leaked", "careless")]
    (careless,) = [e for e in trace.of("t", ph="X") if e["name"] == "careless"]
    assert careless["args"]["unfinished"] is True
