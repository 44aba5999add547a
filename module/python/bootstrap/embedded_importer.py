"""Serves pyitt's compiled-in Python modules to the import system.

pyitt's pure-Python parts are compiled into the host and the extension module. A meta-path finder
hands them to `import` like files on disk: `import pyitt.compatibility_layers.itt_python as itt`
works, importlib.reload() re-executes the source, and tracebacks and inspect.getsource() show it.
"""
import sys
from importlib.abc import InspectLoader, MetaPathFinder
from importlib.util import spec_from_loader


class EmbeddedModules(MetaPathFinder, InspectLoader):
    """Finder and loader of the modules compiled into pyitt: {name: (path, is_package, source)}."""

    _pyitt_embedded = True

    def __init__(self, sources):
        self._sources = dict(sources)

    def find_spec(self, fullname, path=None, target=None):
        entry = self._sources.get(fullname)
        if entry is None:
            return None
        return spec_from_loader(fullname, self, origin=entry[0], is_package=entry[1])

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        path, is_package, source = self._sources[module.__name__]
        module.__file__ = path
        if is_package:
            module.__path__ = []
        exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)

    def is_package(self, fullname):
        return self._sources[fullname][1]

    def get_source(self, fullname):
        return self._sources[fullname][2]


class _Package(type(sys)):
    """The class of the pyitt module: its submodules load on first use, and never hide its functions.

    pyitt 1.7.6 imports all of its submodules at `import pyitt`; loading them only when asked keeps that
    import cheap. The import system binds a newly loaded submodule on its parent, which would replace
    the function pyitt.task with the module pyitt.task: pyitt's own names win, as in pyitt.
    """

    def __setattr__(self, name, value):
        if isinstance(value, type(sys)) and name in _SHADOWED and value.__name__ == f"{self.__name__}.{name}":
            return
        super().__setattr__(name, value)


# Submodules named like one of pyitt's functions (which pyitt.<name> stays).
_SHADOWED = frozenset(("counter", "domain", "event", "frame", "id", "pt_region", "string_handle", "task"))
# Submodules that `import pyitt` binds in pyitt 1.7.6 and that are not hidden by a function.
_ON_FIRST_USE = frozenset(("native", "collection_control", "thread_naming"))


def _load_on_first_use(name):
    if name in _ON_FIRST_USE:
        from importlib import import_module  # pylint: disable=import-outside-toplevel
        return import_module(f"pyitt.{name}")
    raise AttributeError(f"module 'pyitt' has no attribute '{name}'")


def install(sources, package=None):
    """Puts one EmbeddedModules at the end of sys.meta_path, replacing an earlier one.

    Last is enough: pyitt.__path__ is empty, so the path finder never finds pyitt's submodules, and
    the programs that look at sys.meta_path[0] see what they would see without pyitt.
    """
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "_pyitt_embedded", False)]
    sys.meta_path.append(EmbeddedModules(sources))
    if package is not None:
        package.__class__ = _Package
        package.__getattr__ = _load_on_first_use
