// Qualified names for code objects before 3.11 (no co_qualname).
#pragma once

#include <Python.h>

namespace pyitt::instrument {

// The __qualname__ of the module-level function or module-level class's method whose code is
// `code`, found in the module's `globals`; a new reference, or nullptr when there is none.
PyObject* find_qualified_name(PyCodeObject* code, PyObject* globals);

#if PY_VERSION_HEX < 0x030B0000
// A module's code (or exec'd/compiled source's top-level code) about to run: the qualified names
// of all the code it contains, worked out from their nesting as the compiler does, are attached
// to those code objects. Call it once per top-level code object, before any of it runs.
void name_nested_code(PyCodeObject* top_level);

// The name name_nested_code() attached to `code`: a new reference, or nullptr.
PyObject* nested_qualified_name(PyCodeObject* code);
#endif

}  // namespace pyitt::instrument
