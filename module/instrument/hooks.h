// The call hooks: the fastest mechanism each Python version allows, and a fallback.
//  - 3.12+: sys.monitoring with C callbacks; filtered code gets DISABLE and then costs nothing.
//  - 3.9-3.11: a PEP 523 frame-evaluation function; every thread, begin/end balanced by construction.
//  - fallback (another tool owns those, or --trace-c before 3.12): PyEval_SetProfile.
#pragma once

#include <Python.h>

#include "instrument_config.h"
#include "itt_client.h"

namespace pyitt::instrument {

// The domain every automatic task goes to, created with the first of them (ensure_domain).
inline itt::Domain* g_domain = nullptr;

// Installs the fast hook for Python calls that suits `config` on this version (the registry is
// configured; call_hooks.cpp); false when another tool owns it. Throws pybind11::error_already_set.
bool install_python_call_hooks(const Config& config);

// Each installs one mechanism; false when it cannot (another tool owns it, or not this version).
// sys.monitoring's events may be held back until start_monitoring_events().
bool install_monitoring(const Config& config, bool events_now);
bool install_eval_frame();
void start_monitoring_events();
void uninstall_eval_frame();

// 3.12+: set once the frame-evaluation function has handed the run over to sys.monitoring.
inline bool g_monitoring_took_over = false;
// 3.12+: PYITT_CALL_HOOK=evaluator: no handover for cost (only where python would run differently).
inline bool g_evaluator_kept = false;
// 3.12+: hands the run over to sys.monitoring, for good (GIL held; `why` for -v 1).
void switch_to_monitoring(const char* why);
void install_setprofile(bool python_calls, bool c_calls);
// Before 3.12 PyEval_SetProfile is per thread: each new thread calls this.
void install_setprofile_on_this_thread();

// 3.9-3.11: a call that would come within this of the end of its thread's C stack raises
// RecursionError instead of crashing (or a quarter of a smaller stack).
inline constexpr size_t kStackMargin = 1 << 20;

// Label of a C callable for --trace-c ("builtins.sorted", "math.sqrt"), cached per function.
itt::StringHandle* c_function_handle(PyObject* callable);

}  // namespace pyitt::instrument
