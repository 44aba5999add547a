// The pyitt module's definition, shared by the host's built-in module and the extension module.
#pragma once

#include <pybind11/pybind11.h>

namespace pyitt {

inline constexpr const char* kVersion = PYITT_VERSION;

// Fills `module` with pyitt's API. in_host says whether it is pyitt-host's built-in module.
void define_module(pybind11::module_& module, bool in_host);

}  // namespace pyitt
