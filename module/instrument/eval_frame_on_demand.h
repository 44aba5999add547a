// 3.11: the frame-evaluation function installed only once the program has a code object the filters
// select. Its mere presence costs every Python call of 3.11 its inlining and specialization (fib:
// ~1.4x python), selected or not; with -R, which decides by names alone, a run whose selected
// functions do not exist yet (or never do) runs as under python until they do.
//
// Every code object that can run is seen before it can: the compiler's and marshal's through the
// host's wrapper of libpython's constructor (host/code_creation.cpp, pyitt-host linked with the static
// libpython and --wrap=_PyCode_New), those made before start() is decided are kept until then,
// the frozen modules' (static, made by no one) are looked at when it arms, and types.CodeType or
// code.replace (inside the constructor's own file, out of the wrapper's reach) installs it at once,
// through an audit hook. Without the wrapper (a shared libpython) it is installed from the start.
#pragma once

#include <Python.h>

#include "instrument_config.h"

namespace pyitt::instrument {

// Set while code objects are watched: the host's wrapper calls it for each one libpython makes.
inline void (*g_code_made)(PyCodeObject*) = nullptr;

// Before Py_Initialize, by a host whose wrapper sees code objects made: if `config` may run on demand,
// keeps each code object made until start() decides, and adds the audit hook (before the program's,
// which it would otherwise notify).
void watch_code_made_from_start(const Config& config);

// start(), with the registry configured: true when the function is to be installed on demand (it
// may be installed already, by a code object that existed); false when it is to be installed now.
// Either way the code objects kept are let go.
bool arm_eval_frame_on_demand(const Config& config);

// Installs it now if it is armed: something besides the filters chose code (a profile region).
void eval_frame_needed_now(const char* why);

// No instrumentation after all (no collector): lets the code objects kept go.
void stop_watching_code_made();

}  // namespace pyitt::instrument
