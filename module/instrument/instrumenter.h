// Automatic ITT tasks for Python calls: the entry points the host and the pyitt module use.
#pragma once

#include <pybind11/pybind11.h>

#include "instrument_config.h"

namespace pyitt::instrument {

// Adds `profile`, `noprofile` and the `instrumenter` submodule to the pyitt module. Without a
// running instrumentation (plain python), they switch nothing that matters: scripts decorated for
// -b run everywhere.
void define(pybind11::module_& module);

// Starts instrumenting every thread of the running interpreter (GIL held, before the program).
// Throws std::invalid_argument for a filter that is not a valid regular expression.
void start(const Config& config);

// At exit: writes --explain.
void finish();

}  // namespace pyitt::instrument
