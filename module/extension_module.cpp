// The pyitt extension module for a plain python interpreter.
#include "pyitt_module.h"

PYBIND11_MODULE(pyitt, module) { pyitt::define_module(module, /*in_host=*/false); }
