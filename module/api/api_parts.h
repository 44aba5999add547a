// The parts of pyitt::api::define, one per file.
#pragma once

#include <pybind11/pybind11.h>

namespace pyitt::api {

void define_functions(pybind11::module_& m);  // functions.cpp
void define_counters(pybind11::module_& m);   // counters.cpp

// pyitt's enum types (Scope, Relation...), remembered when defined: arguments are checked
// against them even if the module was removed from sys.modules.
void remember_type(const char* name, pybind11::handle type);
pybind11::object m_attr(const char* name);

}  // namespace pyitt::api
