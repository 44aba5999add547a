"""pyitt 1.7.6's module layout: every public module with its public names, in the built-in module and
the extension; pyitt.native's argument rules and messages are pyitt's."""

# pyitt 1.7.6's public modules and the public names each defines or re-exports.
LAYOUT = {
    "pyitt.native": ["Counter", "Domain", "Event", "Id", "PTRegion", "StringHandle", "detach", "frame_begin",
                     "frame_end", "pause", "resume", "task_begin", "task_begin_overlapped", "task_end",
                     "task_end_overlapped", "thread_set_name"],
    "pyitt.collection_control": ["ActiveRegion", "ManualCollectionRegionActivator", "PausedRegion", "active_region",
                                 "detach", "pause", "paused_region", "resume"],
    "pyitt.task": ["NestedTask", "OverlappedTask", "nested_task", "overlapped_task", "task"],
    "pyitt.event": ["Event", "event"],
    "pyitt.frame": ["Frame", "frame"],
    "pyitt.counter": ["counter"],
    "pyitt.domain": ["domain"],
    "pyitt.id": ["id"],
    "pyitt.string_handle": ["string_handle"],
    "pyitt.pt_region": ["PTRegion", "pt_region"],
    "pyitt.thread_naming": ["thread_set_name"],
    "pyitt.compatibility_layers.itt_python.domain": ["domain_create"],
    "pyitt.compatibility_layers.itt_python.pt_region": ["pt_region_begin", "pt_region_create", "pt_region_end"],
    "pyitt.compatibility_layers.itt_python.task": ["task_begin", "task_end"],
    "pyitt.compatibility_layers.ittapi.event": ["Event", "event"],
    "pyitt.compatibility_layers.ittapi.pt_region": ["PTRegion", "pt_region"],
    "pyitt.compatibility_layers.ittapi.task": ["NestedTask", "OverlappedTask", "nested_task", "overlapped_task",
                                               "task"],
}


def test_every_module_and_name(traced):
    traced.run(f"""
        import importlib
        import sys
        before = set(sys.modules)
        import pyitt
        # import pyitt stays cheap: the submodules run when first used (the three pyitt binds are lazy)
        new = sorted(n for n in set(sys.modules) - before if n.startswith("pyitt.") and n != "pyitt.instrumenter")
        assert all(type(sys.modules[n]).__name__ == "_LazyModule" for n in new), new
        assert set(new) <= {{"pyitt.native", "pyitt.collection_control", "pyitt.thread_naming"}}, new
        for module, names in {LAYOUT!r}.items():
            m = importlib.import_module(module)
            missing = [n for n in names if not hasattr(m, n)]
            assert not missing, (module, missing)
        for package in ("pyitt.compatibility_layers.itt_python", "pyitt.compatibility_layers.ittapi"):
            assert hasattr(importlib.import_module(package), "__path__"), package
        # the submodules named like functions leave pyitt's functions in place, as in pyitt
        import pyitt.task, pyitt.id, pyitt.domain, pyitt.counter, pyitt.event, pyitt.frame
        assert callable(pyitt.task) and callable(pyitt.id) and callable(pyitt.domain) and callable(pyitt.counter)
        from pyitt.task import NestedTask
        from pyitt.collection_control import ActiveRegion
        assert NestedTask is pyitt.NestedTask and ActiveRegion is pyitt.ActiveRegion
        assert pyitt.task is sys.modules["pyitt.task"].task
        assert type(pyitt) is type(sys)  # a plain module: CPython's fast path for pyitt.<name> stays
        importlib.reload(sys.modules["pyitt.task"])
        assert type(pyitt) is type(sys) and callable(pyitt.task)
        # one class each, as in pyitt: the high-level API uses pyitt.native's
        import pyitt.native as native
        for name in ("Domain", "StringHandle", "Id", "Counter"):
            assert getattr(pyitt, name) is getattr(native, name), name
        assert pyitt.native.Event is not pyitt.Event  # pyitt.Event is the decorator kind
    """)


def test_submodules_used_without_import(traced):
    # pyitt's collection_control_sample.py calls pyitt.collection_control.resume() after `import pyitt` only.
    trace = traced.run("""
        import pyitt

        @pyitt.active_region
        @pyitt.task
        def run_workload():
            pass

        run_workload()
        pyitt.collection_control.resume()
        with pyitt.task("resumed region"):
            pass
        with pyitt.paused_region():
            with pyitt.task("paused region"):
                pass
        pyitt.thread_naming.thread_set_name("named")
        pyitt.native.pause()
        pyitt.native.resume()
    """)
    assert {"run_workload", "resumed region"} <= set(trace.names("pyitt", ph="X"))
    assert "named" in trace.thread_names().values()


def test_native_argument_rules_and_messages(traced):
    traced.run("""
        from pyitt.native import (Domain, Event, Id, PTRegion, StringHandle, detach, frame_begin, frame_end, pause,
                                  resume, task_begin, task_begin_overlapped, task_end, task_end_overlapped,
                                  thread_set_name)

        def message(call):
            try:
                call()
            except TypeError as e:
                return str(e)
            raise AssertionError("no TypeError")

        d, name = Domain("native"), StringHandle("native task")
        assert message(lambda: task_begin()) == "function takes at least 2 arguments (0 given)"
        assert message(lambda: task_begin(d, name, None, None, None)) == "function takes at most 4 arguments (5 given)"
        assert message(lambda: task_begin(None, name)) == ("The passed domain is not a valid instance of"
                                                           " pyitt.native.Domain type.")
        assert message(lambda: task_begin(d, "str")) == ("The passed name is not a valid instance of"
                                                         " pyitt.native.StringHandle type.")
        assert message(lambda: task_begin(d, name, 42)) == "The passed id is not a valid instance of pyitt.native.Id type."
        assert message(lambda: task_begin(d, name, None, 42)) == ("The passed parent_id is not a valid instance of"
                                                                  " pyitt.native.Id type.")
        assert message(lambda: task_end()) == "function takes exactly 1 argument (0 given)"
        assert message(lambda: task_begin_overlapped(d, name)) == "function takes at least 3 arguments (2 given)"
        assert message(lambda: task_begin_overlapped(d, name, None)) == ("The passed id is not a valid instance of"
                                                                         " pyitt.native.Id type.")
        assert message(lambda: task_end_overlapped(d)) == "function takes exactly 2 arguments (1 given)"
        assert message(lambda: frame_begin(None)) == ("The passed domain is not a valid instance of"
                                                      " pyitt.native.Domain type.")
        assert message(lambda: frame_end(d, 1)) == "The passed id is not a valid instance of pyitt.native.Id type."
        assert message(lambda: thread_set_name(1)) == ("The passed name is not a valid instance of str or"
                                                       " pyitt.native.StringHandle.")
        assert message(lambda: pause(1)) == "pause() takes no arguments (1 given)"
        assert message(lambda: Event()) == "function missing required argument 'name' (pos 1)"
        assert message(lambda: Event(1)) == ("The passed name is not a valid instance of str or"
                                             " pyitt.native.StringHandle.")
        # the calls themselves
        task_begin(d, name)
        task_begin(d, name, Id(d), Id(d))
        task_end(d)
        task_end(d)
        task_end(d)  # none open: nothing, as pyitt's
        i = Id(d)
        task_begin_overlapped(d, name, i)
        task_end_overlapped(d, i)
        frame_begin(d)
        frame_end(d, None)
        e = Event(StringHandle("native event"))
        assert e.name == "native event" and str(e) == "native event"
        e.end()  # without begin: ignored, as pyitt's
        e.begin()
        e.end()
        assert PTRegion().name is None and PTRegion("pt").name == "pt"
        resume()
    """)
