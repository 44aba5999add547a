# The instrumentation's Python helpers (the module pyitt._instrument_support), compiled into the binaries
# (module/embed) as the file name "<pyitt instrument>": names starting with "<pyitt" are never tasks.
import sys

# Modules the program imports get pyitt-host's adjustments right after their own code has run: a
# module pyitt-host imported first would no longer be found where the program looks (a threading.py
# beside the script), nor patchable before anyone imports it (gevent's monkey.patch_all). The import
# system's own _find_spec is wrapped while adjustments wait, rather than a finder added to
# sys.meta_path, which programs (and their import hooks) look at.
import _frozen_importlib

_after_import = {}
_real_find_spec = _frozen_importlib._find_spec

def after_import(name, adjust):
    """Calls adjust(module) once the program has imported `name` (now, if it has)."""
    module = sys.modules.get(name)
    if module is not None:
        _adjust_all([adjust], module)
        return
    _after_import.setdefault(name, []).append(adjust)
    _frozen_importlib._find_spec = _find_spec_and_adjust

def _adjust_all(adjusts, module):
    for adjust in adjusts:
        try:
            adjust(module)
        except Exception:  # not the module pyitt-host knows (a threading.py of the program's)
            pass

class _AdjustingLoader:
    """A class loader (BuiltinImporter, FrozenImporter) for this one import: its exec_module is
    every builtin module's. The module ends with the real loader, as under python."""
    def __init__(self, loader, adjusts):
        self._loader = loader
        self._adjusts = adjusts

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = module.__loader__ = self._loader
        self._loader.exec_module(module)
        _adjust_all(self._adjusts, module)

def _find_spec_and_adjust(name, path, target=None):
    spec = _real_find_spec(name, path, target)
    if spec is None or name not in _after_import:
        return spec
    adjusts = _after_import.pop(name)
    if not _after_import:
        _frozen_importlib._find_spec = _real_find_spec
    exec_module = getattr(spec.loader, "exec_module", None)
    if exec_module is not None and isinstance(spec.loader, type):  # builtin, frozen: shared by all
        spec.loader = _AdjustingLoader(spec.loader, adjusts)
    elif exec_module is not None:
        def exec_and_adjust(module):
            exec_module(module)
            _adjust_all(adjusts, module)
        try:
            spec.loader.exec_module = exec_and_adjust
        except (AttributeError, TypeError):  # a loader that takes no attributes: adjusted never
            pass
    return spec

def name_threads(set_name, per_thread_setup):
    """Gives every threading.Thread's name to ITT, renames too, and runs per_thread_setup in each,
    from when the program imports threading; until then the only thread is the main one."""
    named = "threading" not in sys.modules
    if named:
        set_name("MainThread")
    after_import("threading", lambda threading: _name_threads(threading, set_name, per_thread_setup, named))

def _name_threads(threading, set_name, per_thread_setup, main_named=False):
    Thread = threading.Thread
    start_inner = Thread._bootstrap_inner
    def _bootstrap_inner(self):
        per_thread_setup()
        set_name(self.name)
        return start_inner(self)
    Thread._bootstrap_inner = _bootstrap_inner
    name = Thread.name
    def set_thread_name(self, value):
        name.fset(self, value)
        if self.ident is not None and self.ident == threading.get_ident():
            set_name(self.name)
    Thread.name = property(name.fget, set_thread_name, doc=name.__doc__)
    current = threading.current_thread()
    if not (main_named and current is threading.main_thread() and current.name == "MainThread"):
        set_name(current.name)  # named already: a second call would only repeat it to ITT
