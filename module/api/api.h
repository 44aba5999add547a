// pyitt::api: the complete `pyitt` module (pyitt 1.7's API, what it lacks, and the itt-python and
// ittapi compatibility layers), shared by the host's built-in module and the extension module.
#pragma once

#include <pybind11/pybind11.h>

namespace pyitt::api {

// Fills `module` (named "pyitt"). in_host says whether it is pyitt-host's built-in module; there
// the caller passes importlib.abc, once the program imports it, to the function returned.
pybind11::object define(pybind11::module_& module, bool in_host);

}  // namespace pyitt::api
