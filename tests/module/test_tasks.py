"""Tasks against the built-in collector's trace: decorators of every kind of callable, context
managers, begin()/end(), the low-level functions, names, ids and parents."""


def test_decorated_function_and_with_block_nest(traced):
    trace = traced.run("""
        import pyitt

        @pyitt.task(domain="t")
        def inner(x):
            return x + 1

        @pyitt.task(domain="t")
        def outer():
            with pyitt.task("block", domain="t"):
                return inner(1) + inner(2)

        assert outer() == 5
        assert outer.__name__ == "outer" and outer.__wrapped__ is not None
    """)
    assert trace.tasks("t") == [("outer", None), ("block", "outer"), ("inner", "block"), ("inner", "block")]


def test_default_domain_names_and_call_site(traced):
    trace = traced.run("""
        import pyitt

        @pyitt.task
        def plain():
            pass

        plain()
        with pyitt.task():  # line 9: the call site names it
            pass
        t = pyitt.task()
        @t
        def renamed():  # a call-site task that wraps a function takes the function's name
            pass
        renamed()
    """)
    assert trace.tasks("pyitt") == [("plain", None), ("script.py:9", None), ("renamed", None)]


def test_methods_static_and_class_methods(traced):
    trace = traced.run("""
        import pyitt

        class Shape:
            @pyitt.task(domain="t")
            def area(self, k):
                return 2 * k

            @pyitt.task(domain="t")
            @staticmethod
            def unit(k):
                return k

            @pyitt.task(domain="t")
            @classmethod
            def make(cls, k):
                return cls.__name__, k

        s = Shape()
        assert s.area(3) == 6 and Shape.area(s, 1) == 2
        assert Shape.unit(4) == 4 and s.unit(5) == 5
        assert Shape.make(6) == ("Shape", 6) and s.make(7) == ("Shape", 7)
    """)
    assert trace.tasks("t") == [("Shape.area", None)] * 2 + [("Shape.unit", None)] * 2 + [("Shape.make", None)] * 2


def test_generator_gets_one_nested_task_per_resume(traced):
    trace = traced.run("""
        import pyitt

        @pyitt.task(domain="t")
        def numbers(n):
            for i in range(n):
                yield i

        with pyitt.task("loop", domain="t"):
            total = 0
            it = numbers(2)
            for x in it:
                with pyitt.task("body", domain="t"):
                    total += x
        assert total == 1
        assert next(it, "done") == "done"  # an exhausted generator: no task, nothing left open
        with pyitt.task("after", domain="t"):
            pass
    """)
    # Resumes: 0, 1, then the one that finishes; each sits inside "loop", never around "body".
    assert trace.tasks("t") == [("loop", None), ("numbers", "loop"), ("body", "loop"), ("numbers", "loop"),
                                ("body", "loop"), ("numbers", "loop"), ("after", None)]


def test_coroutine_function_gets_an_overlapped_task_per_call(traced):
    trace = traced.run("""
        import asyncio
        import inspect
        import pyitt

        async def fetch(n):
            await asyncio.sleep(0.01 * n)
            return n

        fetch = pyitt.task(fetch, domain="t")
        assert isinstance(fetch, pyitt.OverlappedTask)
        assert inspect.iscoroutinefunction(fetch) or asyncio.iscoroutinefunction(fetch)

        # As in pyitt, task() without the function cannot know: a NestedTask, one task per resume.
        @pyitt.task(domain="t")
        async def later():
            await asyncio.sleep(0)

        async def main():
            await later()
            return await asyncio.gather(fetch(1), fetch(2))

        assert asyncio.run(main()) == [1, 2]
    """)
    spans = trace.spans("t")
    assert [name for name, _ in spans] == ["fetch", "fetch"]
    assert spans[0][1]["id"] != spans[1][1]["id"]  # concurrent calls: separate ids, separate spans
    assert trace.tasks("t") == [("later", None), ("later", None)]


def test_async_generator_and_nested_task_on_coroutine(traced):
    trace = traced.run("""
        import asyncio
        import pyitt

        @pyitt.task(domain="t")
        async def ticks(n):
            for i in range(n):
                yield i

        @pyitt.nested_task(domain="t")
        async def step():
            return 1

        async def main():
            got = [x async for x in ticks(2)]
            return got, await step()

        assert asyncio.run(main()) == ([0, 1], 1)
    """)
    assert trace.tasks("t") == [("ticks", None)] * 3 + [("step", None)]


def test_explicit_begin_end_ids_and_parents(traced):
    trace = traced.run("""
        import pyitt

        d = pyitt.domain("t")
        parent_id = pyitt.id(d)
        parent = pyitt.nested_task("parent", domain=d, id=parent_id)
        child = pyitt.nested_task("child", domain=d, parent=parent)
        assert child.parent_id is parent_id and parent.id is parent_id
        assert isinstance(child.id, pyitt.Id) and child.id is child.id and child.id.domain is d
        parent.begin()
        child.begin()
        child.end()
        parent.end()
        ov = pyitt.overlapped_task("ov", domain=d)
        ov.begin()
        ov2 = pyitt.overlapped_task("ov2", domain="t", id=pyitt.Id(d))
        ov2.begin()
        ov.end()
        ov2.end()
    """)
    assert trace.tasks("t") == [("parent", None), ("child", "parent")]
    x = {e["name"]: e for e in trace.of("t", ph="X")}
    assert x["parent"]["args"]["id"] == x["child"]["args"]["parent"]
    assert x["child"]["args"]["id"] not in (x["parent"]["args"]["id"], None)  # every task has an id, as in pyitt
    assert [name for name, _ in trace.spans("t")] == ["ov", "ov2"]


def test_low_level_task_functions(traced):
    trace = traced.run("""
        import pyitt

        d = pyitt.Domain("t")
        pyitt.task_begin(d, pyitt.StringHandle("a"))
        pyitt.task_begin(d, pyitt.string_handle("b"), pyitt.Id(d))
        pyitt.task_end(d)
        pyitt.task_end(d)
        i = pyitt.id(d)
        pyitt.task_begin_overlapped(d, pyitt.StringHandle("o"), i)
        pyitt.task_end_overlapped(d, i)
    """)
    assert trace.tasks("t") == [("a", None), ("b", "a")]
    assert [name for name, _ in trace.spans("t")] == ["o"]


def test_domains_and_string_handles_are_cached(traced):
    trace = traced.run("""
        import pyitt

        assert pyitt.Domain("x") is pyitt.domain("x") is pyitt.Domain(pyitt.StringHandle("x"))
        assert pyitt.Domain() is pyitt.Domain("pyitt") and pyitt.Domain().name == "pyitt"
        assert pyitt.StringHandle("s") is pyitt.string_handle("s") and pyitt.StringHandle("s")._str == "s"
        assert str(pyitt.Domain("x")) == "x" and repr(pyitt.Domain("x")) == "pyitt.native.Domain('x')"  # pyitt's
        i = pyitt.Id(pyitt.Domain("x"))
        assert i.domain is pyitt.Domain("x") and i is not pyitt.Id(pyitt.Domain("x"))
        print("ok")
    """)
    assert trace.stdout.strip() == "ok"


def test_tasks_on_threads(traced):
    trace = traced.run("""
        import threading
        import pyitt

        @pyitt.task(domain="t")
        def work(n):
            pyitt.thread_set_name(f"worker-{n}")
            with pyitt.task(f"inner-{n}", domain="t"):
                pass

        threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    """)
    assert sorted(trace.tasks("t")) == [("inner-0", "work"), ("inner-1", "work"), ("work", None), ("work", None)]
    assert {"worker-0", "worker-1"} <= set(trace.thread_names().values())


def test_without_collector_everything_is_a_no_op(traced):
    trace = traced.run("""
        import pyitt

        @pyitt.task
        def f():
            return 1

        with pyitt.task("x"), pyitt.frame(), pyitt.event("e"), pyitt.region("r"):
            assert f() == 1
        c = pyitt.counter("c")
        c += 1
        pyitt.marker("m")
        assert pyitt.get_timestamp() == 0
        print(pyitt.collection_state())
    """, collector=False)
    assert trace.stdout.strip() == "CollectionState.COLLECTOR_ABSENT"
