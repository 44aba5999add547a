"""The compatibility layers, with programs written the way itt-python and ittapi users write them
(after their READMEs and samples): only the import line differs."""


def test_itt_python_program(traced):
    trace = traced.run("""
        import pyitt.compatibility_layers.itt_python as itt

        def uninteresting():
            return sum(range(100))

        itt.pause()
        uninteresting()
        itt.resume()
        domain = itt.domain_create("example.domain")
        itt.task_begin(domain, "awesome")
        itt.task_begin(domain, "inner")
        uninteresting()
        itt.task_end(domain)
        itt.task_end(domain)
        region = itt.pt_region_create("pt")
        itt.pt_region_begin(region)
        itt.pt_region_end(region)
        itt.detach()
        itt.task_begin(domain, "after detach")
        itt.task_end(domain)
    """)
    assert trace.tasks("example.domain") == [("awesome", None), ("inner", "awesome")]
    assert [name for name, _, _ in trace.instants("pyitt")] == ["pause", "resume", "detach"]


def test_itt_python_errors(traced):
    traced.run("""
        import pyitt.compatibility_layers.itt_python as itt

        for call in (lambda: itt.domain_create(None), lambda: itt.task_begin(itt.domain_create("d"), 1)):
            try:
                call()
            except TypeError as e:
                assert "argument" in str(e)
            else:
                raise AssertionError("TypeError expected")
        itt.task_end(itt.domain_create("d"))  # no task open: nothing, as in itt-python and pyitt
    """)


def test_ittapi_program(traced):
    trace = traced.run("""
        import asyncio
        import pyitt.compatibility_layers.ittapi as ittapi

        @ittapi.task
        def workload():
            return sum(range(10))

        @ittapi.task(domain="my.domain")
        def named_workload():
            return workload()

        class Worker:
            @ittapi.task
            def run(self):
                return 1

        workload()
        named_workload()
        Worker().run()
        with ittapi.task("explicit"):
            pass
        task = ittapi.task("manual", domain=ittapi.domain("my.domain"))
        task.begin()
        task.end()
        assert task.name()._str == "manual" and str(task.domain()) == "my.domain" and isinstance(task.id(), ittapi.Id)
        overlapped = ittapi.task("ov", overlapped=True)
        overlapped.begin()
        overlapped.end()
        nested = ittapi.nested_task()  # named after the call site (line 30), through the layer
        nested.begin()
        nested.end()
        with ittapi.event("evt") as e:
            assert e.name()._str == "evt"
        region = ittapi.pt_region("pt")
        assert region.get_pt_region() is region
        with region:
            pass
        # pyitt's layer: pyitt's Domain and default domain (Intel's ittapi has 'ittapi').
        assert ittapi.Domain.__module__ == "pyitt.native" and ittapi.Domain().name == "pyitt"
        assert ittapi.domain().name == "pyitt"
        ittapi.thread_set_name("ittapi main")
        ittapi.task_begin(ittapi.Domain("low"), ittapi.StringHandle("low"))
        ittapi.task_end(ittapi.Domain("low"))

        @ittapi.active_region
        def collected():
            pass

        ittapi.pause()
        collected()
        ittapi.resume()
        import pyitt.compatibility_layers.ittapi.compat as itt
        d = itt.domain_create("compat")
        itt.task_begin(d, "compat task")
        itt.task_end(d)
    """)
    assert trace.tasks("pyitt") == [("workload", None), ("workload", None), ("Worker.run", None),
                                     ("explicit", None), ("script.py:30", None)]
    assert trace.tasks("my.domain") == [("named_workload", None), ("manual", None)]
    assert [name for name, _ in trace.spans("pyitt")] == ["ov"]
    assert [name for name, _ in trace.spans("event")] == ["evt"]
    assert trace.tasks("low") == [("low", None)] and trace.tasks("compat") == [("compat task", None)]
    assert "ittapi main" in trace.thread_names().values()
    assert trace.tasks("pyitt", "my.domain").count(("workload", "named_workload")) == 1
