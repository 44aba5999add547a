"""The module itself: the same API in the host and in the extension, import forms, re-import and
reload of the compiled-in Python parts, docstrings and the type stubs."""
import ast
import re
from pathlib import Path

STUBS = Path(__file__).resolve().parents[2] / "module" / "python" / "pyitt"

# pyitt 1.7's public names (pyitt/__init__.py), all of which must exist.
PYITT_17 = ["Counter", "Domain", "Id", "StringHandle", "frame_begin", "frame_end", "task_begin", "task_end",
            "task_begin_overlapped", "task_end_overlapped", "detach", "pause", "resume", "active_region",
            "paused_region", "ActiveRegion", "PausedRegion", "counter", "domain", "event", "Event", "frame", "Frame",
            "id", "string_handle", "NestedTask", "OverlappedTask", "task", "nested_task", "overlapped_task",
            "PTRegion", "pt_region", "thread_set_name", "ManualCollectionRegionActivator"]
ADDED = ["marker", "metadata_add", "relation_add", "relation_add_to_current", "Region", "region", "Histogram",
         "pause_scoped", "resume_scoped", "collection_state", "thread_ignore", "get_timestamp", "frame_submit",
         "Scope", "Relation", "MetadataType", "CollectionState", "CollectionScope"]


def stub_names(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


def test_public_names_docstrings_and_stubs(traced):
    trace = traced.run("""
        import pyitt
        import pyitt.compatibility_layers.itt_python as itt_python
        import pyitt.compatibility_layers.ittapi as ittapi
        for module in (pyitt, itt_python, ittapi):
            for name in sorted(n for n in dir(module) if not n.startswith("_")):
                obj = getattr(module, name)
                if callable(obj) and getattr(obj, "__module__", "") not in ("builtins",):
                    doc = (obj.__doc__ or "").strip()
                    print(module.__name__, name, "DOC" if len(doc) > 10 else "NODOC")
    """)
    lines = [line.split() for line in trace.stdout.splitlines()]
    names = {(m, n) for m, n, _ in lines}
    for name in PYITT_17 + ADDED:
        assert ("pyitt", name) in names, name
    undocumented = [(m, n) for m, n, d in lines if d == "NODOC" and n not in ("profile", "noprofile")]
    assert undocumented == []
    stubbed = {"pyitt": stub_names(STUBS / "__init__.pyi"),
               "pyitt.compatibility_layers.itt_python": stub_names(STUBS / "compatibility_layers" / "itt_python" /
                                                                               "__init__.pyi"),
               "pyitt.compatibility_layers.ittapi": stub_names(STUBS / "compatibility_layers" / "ittapi" /
                                                               "__init__.pyi")}
    missing = sorted((m, n) for m, n in names if n not in stubbed[m] and n not in ("profile", "noprofile",
                                                                                    "instrumenter"))
    assert missing == []


def test_help_explains_task(traced):
    trace = traced.run("""
        import pydoc
        import pyitt
        print(pydoc.render_doc(pyitt.task, renderer=pydoc.plaintext))
        print(pydoc.render_doc(pyitt.NestedTask, renderer=pydoc.plaintext))
    """)
    assert "task(task=None, /, domain=None, id=None, parent=None)" in trace.stdout
    assert "coroutine function" in trace.stdout and "begin()" in trace.stdout


def test_import_forms_reimport_and_reload(traced):
    trace = traced.run("""
        import importlib
        import sys
        import pyitt
        import pyitt.compatibility_layers.itt_python as itt
        from pyitt.compatibility_layers import ittapi
        from pyitt.compatibility_layers.ittapi import compat
        assert itt.__file__.startswith("<pyitt>/") and compat.domain_create().name == "pyitt"

        # reload re-executes the compiled-in source
        import pyitt.compatibility_layers.itt_python.domain as itt_domain
        original = itt_domain.domain_create
        itt_domain.domain_create = None
        itt_domain = importlib.reload(itt_domain)
        assert itt_domain.domain_create is not None and itt_domain.domain_create is not original
        assert importlib.reload(itt) is itt and itt.domain_create is itt_domain.domain_create  # from .domain

        # forget everything pyitt and import again
        domain = pyitt.Domain("kept")
        for name in [n for n in sys.modules if n == "pyitt" or n.startswith("pyitt.")]:
            del sys.modules[name]
        import pyitt as again
        import pyitt.compatibility_layers.itt_python as itt2
        assert again.Domain("kept") is domain  # domains live as long as the process
        with again.task("after reimport", domain="t"):
            pass
        import inspect
        assert "def domain_create" in inspect.getsource(itt2.domain)
        print(again.in_host)
    """)
    assert trace.stdout.strip() == ("True" if traced.kind == "host" else "False")
    assert trace.tasks("t") == [("after reimport", None)]


def test_tracebacks_show_compiled_in_sources(traced):
    trace = traced.run("""
        import traceback
        import pyitt.compatibility_layers.itt_python as itt
        try:
            itt.domain_create(5)
        except TypeError:
            print(traceback.format_exc())
    """)
    assert re.search(r'File "<pyitt>/pyitt/compatibility_layers/itt_python/domain.py", line \d+, in domain_create\n'
                     r'\s+_require_str', trace.stdout), trace.stdout


def test_compiled_in_sources_are_the_current_files(traced):
    sources = sorted(STUBS.rglob("*.py"))
    trace = traced.run("""
        import importlib
        import inspect
        import sys
        for path, name in zip(sys.argv[1::2], sys.argv[2::2]):
            module = importlib.import_module(name)
            with open(path, encoding="utf-8") as f:
                assert inspect.getsource(module) == f.read(), f"{name}: stale compiled-in source, rebuild"
        print("checked", len(sys.argv) // 2)
    """, args=[a for p in sources for a in (p, ".".join(p.relative_to(STUBS.parent).with_suffix("").parts)
                                               .replace(".__init__", ""))])
    assert trace.stdout.split() == ["checked", str(len(sources))]
