// Qualified names for code objects before 3.11 (no co_qualname).
#pragma once

#include <Python.h>

namespace pyitt::instrument {

// The __qualname__ of the module-level function or module-level class's method whose code is
// `code`, found in the module's `globals`; a new reference, or nullptr when there is none.
PyObject* find_qualified_name(PyCodeObject* code, PyObject* globals);

}  // namespace pyitt::instrument
