"""Where pyitt-host's pyitt once differed from pyitt 1.7.6 at the level of one call: task ids and parents,
names of callable objects, and the exceptions pyitt raises (or does not)."""


def test_every_task_has_an_id_and_a_task_can_be_a_parent(traced):
    trace = traced.run("""
        import pyitt

        d = pyitt.domain("ids")
        parent = pyitt.task("p", domain=d)
        child = pyitt.task("x", domain=d, parent=pyitt.task("p", domain=d))
        assert isinstance(parent.id, pyitt.Id) and parent.id is parent.id and parent.id.domain is d
        assert child.parent_id is not None and child.parent_id is not child.id
        late = pyitt.task("late", domain=d, parent=parent)
        assert late.parent_id is parent.id
        with parent:
            with late:
                pass
        ov = pyitt.overlapped_task("ov", domain=d, parent=parent)
        ov_id = ov.id
        ov.begin()
        ov.end()
        assert f"id: {parent.id}" in str(parent) and repr(parent.id) in repr(parent)
    """)
    x = {e["name"]: e for e in trace.of("ids", ph="X")}
    assert x["p"]["args"]["id"] == x["late"]["args"]["parent"]
    # ITT sees a task's id once the program used it (deliberate: ids nobody refers to double the cost)
    assert "id" not in x["late"]["args"]
    spans = [e for e in trace.of("ids") if e.get("name") == "ov"]
    assert spans and all(e["args"].get("parent") == x["p"]["args"]["id"] for e in spans if "args" in e), spans


def test_names_of_callable_objects_and_partials(traced):
    trace = traced.run("""
        import functools
        import pyitt

        def outer():
            class CallableClass:
                def __call__(self):
                    return 1
            return CallableClass()

        assert str(pyitt.task(outer()).name) == "outer.<locals>.CallableClass.__call__"
        partial = pyitt.task(functools.partial(int, "5"))
        assert str(partial.name) == "partial.__call__" and partial() == 5
        assert str(pyitt.event(outer()).name) == "outer.<locals>.CallableClass.__call__"
        # pyitt builds a task from anything: named after its class, wrapping nothing yet
        t = pyitt.task(42)
        assert str(t.name) == "int.__call__"
        with t:
            pass
        wrapped = t(lambda: 7)
        assert wrapped() == 7 and str(wrapped.name) == "int.__call__"
    """)
    assert trace.names("pyitt", ph="X").count("int.__call__") == 2
    assert "partial.__call__" in trace.names("pyitt", ph="X")


def test_exceptions_as_pyitt_raises_them(traced):
    traced.run("""
        import pyitt

        def raises(exc, call):
            try:
                call()
            except exc as e:
                return str(e)
            raise AssertionError(f"expected {exc.__name__}")

        pyitt.event("never begun").end()  # ignored, as in pyitt
        c = pyitt.counter("c")
        assert raises(OverflowError, c.dec) == "can't convert negative int to unsigned"
        raises(OverflowError, lambda: c.set(-1))
        assert c.value == 0
        assert "delta is not a valid instance of int" in raises(ValueError, lambda: c.inc("x"))
        assert "value is not a valid instance of int" in raises(ValueError, lambda: c.set(object()))
        c.inc(2.7)  # numbers are truncated, as in pyitt
        assert c.value == 2
        c -= 2
        raises(OverflowError, lambda: c.__isub__(1))
        for call in (lambda: pyitt.task_begin(None, "x"), lambda: pyitt.task_end(None),
                     lambda: pyitt.task_begin_overlapped(None, "x", pyitt.id(pyitt.domain())),
                     lambda: pyitt.task_end_overlapped(None, pyitt.id(pyitt.domain())),
                     lambda: pyitt.frame_begin(None), lambda: pyitt.frame_end(None)):
            assert "'domain'" in raises(TypeError, call)
    """)
