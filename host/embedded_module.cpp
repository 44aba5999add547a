// pyitt as a built-in module of the host: registered (PyImport_AppendInittab) by a static
// initialiser, so before the interpreter starts.
#include <pybind11/embed.h>

#include "pyitt_module.h"

PYBIND11_EMBEDDED_MODULE(pyitt, module) { pyitt::define_module(module, /*in_host=*/true); }
