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

// 3.9-3.11, where every Python call the hook evaluates is a C call: the C stack this thread runs
// on, when it is not the one the thread was created with (the host runs the program on a larger
// one). A call near its end raises RecursionError instead of crashing. A no-op from 3.12.
void set_stack_floor_for_this_thread(const void* lowest, size_t size);

// Calls adjust(module) right after the program imports `module_name` (at once if it has): how
// pyitt-host adjusts a module of the program's without importing it first.
void after_import(const char* module_name, pybind11::object adjust);

// Before the program, around pyitt-host's own set-up: what it imports for itself leaves
// sys.modules again (pyitt's own modules stay), so the program's imports find and run what they
// would under python (a re.py beside the script, a gevent patching threading before its import).
class ModulesImportedForItself {
public:
    ModulesImportedForItself();   // notes what sys.modules holds
    void forget();                // removes what was added since, but pyitt and pyitt.*
private:
    pybind11::object before_;
};

}  // namespace pyitt::instrument
