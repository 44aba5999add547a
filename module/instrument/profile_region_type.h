// The `profile` and `noprofile` objects of the pyitt module (profile_region_type.cpp).
#pragma once

#include <Python.h>

#include "thread_state.h"

namespace pyitt::instrument {

// Adds profile, noprofile and their type to `module`; false with a Python error set.
bool add_profile_regions(PyObject* module);

// `profile` (kProfile) or `noprofile`, the very objects the module has: a new reference, or null with
// a Python error set.
PyObject* profile_region(RegionMark mark);

// `region(func)`: func decorated so that each run of it is inside `mark` (instrumenter.cpp). A new
// reference, or null with a Python error set.
PyObject* decorate_with_region(PyObject* region, RegionMark mark, PyObject* func);

}  // namespace pyitt::instrument
