"""Everything but tasks against the built-in collector's trace: counters, events, frames,
regions, markers, metadata, relations, histograms, collection control, threads, timestamps."""


def test_counters_u64_and_typed(traced):
    trace = traced.run("""
        import pyitt

        c = pyitt.counter("requests", domain="t", init_value=5)
        c += 2
        c -= 1
        c.inc()
        c.dec(3)
        c.set(10)
        assert c.value == 10 and c.name == "requests" and c.domain is pyitt.Domain("t")
        s = pyitt.Counter("temperature", "t", -3, type="s64")
        s.dec(2)
        f = pyitt.Counter("load", domain="t", value=0.5, type=pyitt.MetadataType.DOUBLE)
        f.inc(0.25)
        assert s.value == -5 and f.value == 0.75
        d = pyitt.Counter("default")  # pyitt: value 0, domain 'pyitt'
        assert d.value == 0
    """)
    assert trace.counters("t") == [("requests", 5), ("requests", 7), ("requests", 6), ("requests", 7),
                                   ("requests", 4), ("requests", 10), ("temperature", -3), ("temperature", -5),
                                   ("load", 0.5), ("load", 0.75)]
    assert trace.counters("pyitt") == [("default", 0)]


def test_events_and_pt_regions(traced):
    trace = traced.run("""
        import pyitt

        @pyitt.event
        def handler():
            pass

        handler()
        with pyitt.event("click") as e:
            assert str(e) == "click" and e.name is pyitt.StringHandle("click")
        ev = pyitt.event()  # call site
        ev.begin()
        ev.end()
        with pyitt.pt_region("hot") as r:   # PT marks: no events without IPT support
            pass
        pyitt.PTRegion(handler.__wrapped__)
    """)
    assert [name for name, _ in trace.spans("event")] == ["handler", "click", "script.py:11"]
    assert trace.of("pyitt") == []


def test_frames_and_frame_submit(traced):
    trace = traced.run("""
        import pyitt

        d = pyitt.domain("t")
        for _ in range(2):
            with pyitt.frame(domain=d):
                pass

        @pyitt.frame(domain="t")
        def render():
            pass

        render()
        i = pyitt.id(d)
        f = pyitt.frame(None, d, i)
        assert f.domain() is d and f.id() is i
        f.begin()
        f.end()
        pyitt.frame_begin(d)
        pyitt.frame_end(d)
        begin = pyitt.get_timestamp()
        end = pyitt.get_timestamp()
        assert 0 < begin <= end
        pyitt.frame_submit(d, begin, end)
    """)
    spans = trace.spans("t")
    assert [name for name, _ in spans] == ["frame"] * 6
    assert [a.get("id") is not None for _, a in spans] == [False, False, False, True, False, False]


def test_regions(traced):
    trace = traced.run("""
        import pyitt

        with pyitt.region("load", domain="t"):
            pass

        @pyitt.region(domain="t")
        def save():
            pass

        save()
    """)
    assert [name for name, _ in trace.spans("t")] == ["load", "save"]


def test_markers_metadata_relations(traced):
    trace = traced.run("""
        import pyitt

        d = pyitt.domain("t")
        pyitt.marker("start", domain=d, scope="global")
        pyitt.marker("tick", domain=d, scope=pyitt.Scope.TRACK)
        with pyitt.task("job", domain=d, id=pyitt.id(d)) as job:
            pyitt.metadata_add("size", 42, domain=d)
            pyitt.metadata_add("ratio", 0.5, domain=d)
            pyitt.metadata_add("name", "alpha", domain=d)
            pyitt.metadata_add("dims", [1, 2, 3], domain=d, type="u16")
            pyitt.metadata_add("by_id", -7, domain=d, id=job.id, type=pyitt.MetadataType.S32)
            other = pyitt.id(d)
            pyitt.relation_add_to_current("child_of", other, domain=d)
            pyitt.relation_add(job, pyitt.Relation.DEPENDENT_ON, other, domain=d)
        pyitt.metadata_add("build", "release", domain=d, scope="global")
    """)
    assert trace.instants("t") == [("start", "g", {}), ("tick", "t", {}),
                                   ("metadata", "g", {"build": "release"})]
    (job,) = trace.of("t", ph="X")
    args = job["args"]
    assert (args["size"], args["ratio"], args["name"], args["dims"], args["by_id"]) == (42, 0.5, "alpha", [1, 2, 3], -7)
    assert [r.split()[0] for r in args["relations"]] == ["child_of", "dependent_on"]


def test_histogram(traced):
    trace = traced.run("""
        import pyitt

        h = pyitt.Histogram("latency", domain="t", x_type="u32", y_type="double")
        h.submit([1, 2, 3], [0.5, 1.5, 2.5])
        h.submit(None, [1.0])
    """)
    assert trace.instants("t") == [("latency", "t", {"length": 3}), ("latency", "t", {"length": 1})]


def test_collection_control(traced):
    trace = traced.run("""
        import pyitt

        d = pyitt.domain("t")
        pyitt.pause()
        with pyitt.task("hidden", domain=d):
            pass
        pyitt.resume()
        with pyitt.paused_region():
            with pyitt.task("hidden too", domain=d):
                pass
        switch = pyitt.ManualCollectionRegionActivator(pyitt.ManualCollectionRegionActivator.INACTIVE)

        @pyitt.paused_region(activator=switch)
        def not_paused():
            with pyitt.task("seen", domain=d):
                pass

        not_paused()
        pyitt.pause_scoped("host")
        pyitt.resume_scoped(pyitt.CollectionScope.ALL)

        @pyitt.active_region
        def interesting():
            with pyitt.task("interesting", domain=d):
                pass

        pyitt.pause()
        interesting()
        assert pyitt.collection_state() == pyitt.CollectionState.INIT_SUCCESSFUL
        pyitt.detach()
        with pyitt.task("after detach", domain=d):
            pass
    """)
    assert trace.names("t", ph="X") == ["seen", "interesting"]
    marks = [(name, args.get("scope")) for name, _, args in trace.instants("pyitt")]
    assert marks == [("pause", None), ("resume", None), ("pause", None), ("resume", None), ("pause", 1),
                     ("resume", None), ("pause", None), ("resume", None), ("pause", None), ("detach", None)]


def test_threads_names_and_ignore(traced):
    trace = traced.run("""
        import threading
        import pyitt

        pyitt.thread_set_name(pyitt.StringHandle("main loop"))

        def ignored():
            pyitt.thread_ignore()
            with pyitt.task("invisible", domain="t"):
                pass

        t = threading.Thread(target=ignored)
        t.start()
        t.join()
        with pyitt.task("visible", domain="t"):
            pass
    """)
    # pyitt-host may name threads itself; the name set last is the one shown.
    assert "main loop" in trace.thread_names().values()
    assert trace.names("t", ph="X") == ["visible"]


def test_classes_used_directly(traced):
    trace = traced.run("""
        import pyitt

        d = pyitt.Domain("t")
        with pyitt.NestedTask("nested", d):
            with pyitt.OverlappedTask("overlapped", domain=d):
                pass
        with pyitt.Region("region", d):
            pass
        with pyitt.Frame(None, d):
            pass
        with pyitt.Event("event"):
            pass
        with pyitt.PTRegion("pt"):
            pass
        pyitt.pause()
        with pyitt.ActiveRegion(activator=None):
            with pyitt.PausedRegion():
                with pyitt.NestedTask("paused", d):
                    pass
            with pyitt.NestedTask("active", d):
                pass
        pyitt.resume()  # the active region paused collection again at its end

        class Owner:
            phase = pyitt.nested_task(domain=d)  # named by __set_name__: 'Owner.phase'

            def run(self):
                with self.phase:
                    pass

        Owner().run()
        t = pyitt.NestedTask("r", d)
        assert repr(t) == f"NestedTask(pyitt.native.StringHandle('r'), pyitt.native.Domain('t'), {t.id!r}, None)"
    """)
    assert trace.tasks("t") == [("nested", None), ("active", None), ("Owner.phase", None)]
    assert [name for name, _ in trace.spans("t")] == ["overlapped", "region", "frame"]
    assert [name for name, _ in trace.spans("event")] == ["event"]
