"""Serves pyitt's compiled-in Python modules to the import system.

pyitt's pure-Python parts are compiled into the host and the extension module. A meta-path finder
hands them to `import` like files on disk: `import pyitt.compatibility_layers.itt_python as itt`
works, importlib.reload() re-executes the source, and tracebacks and inspect.getsource() show it.
"""
import sys
from _thread import RLock as _RLock
from marshal import loads as _unmarshal

import _frozen_importlib as _bootstrap  # importlib.util's spec_from_loader and module_from_spec are these
import _frozen_importlib_external


class EmbeddedModules:
    """Finder and loader of the modules compiled into pyitt: {name: (path, is_package, source, code)}.

    code is the module's code marshalled at build time (a memoryview of the binary's bytes), or None
    where this interpreter cannot use it (then the source is compiled).

    An importlib.abc.MetaPathFinder and InspectLoader, registered as one (register_abcs) rather than
    derived from them: importing importlib.abc imports importlib.resources, tempfile, pathlib...,
    which would be most of pyitt-host -b's start. The methods they would give are here.
    """

    _pyitt_embedded = True

    def invalidate_caches(self):
        pass

    def get_code(self, fullname):
        path, _, source, code = self._sources[fullname]
        return _unmarshal(code) if code is not None else self.source_to_code(source, path)

    @staticmethod
    def source_to_code(data, path="<string>"):
        return compile(data, path, "exec", dont_inherit=True)

    load_module = _frozen_importlib_external._LoaderBasics.load_module

    def __init__(self, sources):
        self._sources = dict(sources)

    def find_spec(self, fullname, path=None, target=None):
        entry = self._sources.get(fullname)
        if entry is None:
            return None
        return _bootstrap.spec_from_loader(fullname, self, origin=entry[0], is_package=entry[1])

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        path, is_package, source, code = self._sources[module.__name__]
        module.__file__ = path
        if is_package:
            module.__path__ = []
        parent, _, child = module.__name__.rpartition(".")
        # An import (not a reload: _initializing is the import system's mark) ends by binding the
        # submodule on its parent.
        importing = getattr(module.__spec__, "_initializing", False)
        package = sys.modules.get(parent) if importing and parent == "pyitt" and child in _SHADOWED else None
        if package is not None and type(package) is _ModuleType:
            package.__class__ = _BindingGuard  # until the import system binds this submodule on it
        try:
            code = _unmarshal(code) if code is not None else compile(source, path, "exec", dont_inherit=True)
            exec(code, module.__dict__)
        except BaseException:
            if type(package) is _BindingGuard:
                package.__class__ = _ModuleType
            raise

    def is_package(self, fullname):
        return self._sources[fullname][1]

    def get_source(self, fullname):
        return self._sources[fullname][2]


_ModuleType = type(sys)


class _BindingGuard(_ModuleType):
    """The pyitt module's class while one of its submodules named like a function loads.

    pyitt 1.7.6 imports all of its submodules at `import pyitt`; here they load when first asked
    for, which keeps that import cheap. The import system then binds the new submodule on its parent,
    which would replace the function pyitt.task with the module pyitt.task: that one binding is
    dropped, as pyitt's own names win in pyitt. The class is ModuleType again right after, so that
    pyitt.<name> keeps CPython's fast path for module attributes.
    """

    def __setattr__(self, name, value):
        if isinstance(value, _ModuleType) and name in _SHADOWED and value.__name__ == f"{self.__name__}.{name}":
            _ModuleType.__setattr__(self, "__class__", _ModuleType)
            return
        super().__setattr__(name, value)


class _LazyModule(_ModuleType):
    """A submodule's class until one of its attributes is first read, which runs its code.

    What importlib.util.LazyLoader does, without its start cost: importing importlib.util, and on
    3.12+ threading (for its lock; _thread's serves). The class is ModuleType again before the code
    runs, which reads the module's own attributes.
    """

    def __getattribute__(self, name):
        with _first_use_lock:
            if object.__getattribute__(self, "__class__") is _LazyModule:
                _ModuleType.__setattr__(self, "__class__", _ModuleType)
                self.__spec__.loader.exec_module(self)
        return getattr(self, name)

    def __delattr__(self, name):
        self.__getattribute__(name)
        delattr(self, name)


_first_use_lock = _RLock()

# Submodules named like one of pyitt's functions (which pyitt.<name> stays).
_SHADOWED = frozenset(("counter", "domain", "event", "frame", "id", "pt_region", "string_handle", "task"))
# Submodules that `import pyitt` binds in pyitt 1.7.6 and that are not hidden by a function.
_ON_FIRST_USE = frozenset(("native", "collection_control", "thread_naming"))


def register_abcs(abc):
    """EmbeddedModules is an importlib.abc (the module given) MetaPathFinder and InspectLoader."""
    abc.MetaPathFinder.register(EmbeddedModules)
    abc.InspectLoader.register(EmbeddedModules)


def install(sources, package=None, register_now=True):
    """Puts one EmbeddedModules at the end of sys.meta_path, replacing an earlier one.

    Last is enough: pyitt.__path__ is empty, so the path finder never finds pyitt's submodules, and
    the programs that look at sys.meta_path[0] see what they would see without pyitt. Without
    register_now, the caller registers it with importlib.abc once that is imported (register_abcs).
    """
    if register_now or "importlib.abc" in sys.modules:
        import importlib.abc
        register_abcs(importlib.abc)
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "_pyitt_embedded", False)]
    finder = EmbeddedModules(sources)
    sys.meta_path.append(finder)
    if package is not None:
        _bind_on_first_use(finder, package)


def _bind_on_first_use(finder, package):
    """pyitt.native, pyitt.collection_control... are attributes of pyitt, as in pyitt, run when first used.

    Not a module __getattr__ (PEP 562): with one, CPython no longer specialises pyitt.<name> loads,
    and every pyitt.task(...) would pay for it.
    """
    for child in _ON_FIRST_USE:
        name = f"{package.__name__}.{child}"
        module = sys.modules.get(name)
        if module is None:
            module = _bootstrap.module_from_spec(finder.find_spec(name))
            module.__class__ = _LazyModule  # runs the source at the module's first attribute access
            sys.modules[name] = module
        setattr(package, child, module)
