// `profile` / `noprofile` regions: entered by `with profile:` blocks and, for decorated functions,
// by the call hooks around each run of the function's code object (marked when decorated), so a
// decorated function costs what a selected one does. With -b, a profile region is where recording
// and collection happen (it lifts the thread's suppression and is a resume trigger).
#pragma once

#include <Python.h>

#include "thread_state.h"
#include "triggers.h"

namespace pyitt::instrument {

inline bool g_builtin_regions = false;  // -b

inline void enter_region(ThreadState* state, RegionMark region) {
    if (region == RegionMark::kProfile) {
        if (state->profile_depth++ == 0 && g_builtin_regions) {
            thread_enters_region();
            --state->suppress;
        }
    } else {
        ++state->suppress;
    }
}

inline void leave_region(ThreadState* state, RegionMark region) {
    if (region == RegionMark::kProfile) {
        if (state->profile_depth > 0 && --state->profile_depth == 0 && g_builtin_regions) {
            ++state->suppress;
            thread_leaves_region();
        }
    } else {
        --state->suppress;
    }
}

// Whether the running hooks enter regions of marked code objects (sys.monitoring or the frame
// evaluation function: every thread, every run); otherwise decorators wrap functions.
inline bool g_hooks_mark_regions = false;

// Marks `code` so that each run of it is inside `region` (decided with the rest of its CodeInfo on
// its first run). The code object must be one only the decorated function runs.
void mark_region_code(PyCodeObject* code, RegionMark region);

// The qualified name of the function whose code `code` is, for labels before 3.11 (no co_qualname);
// told before the code's first run. Does nothing from 3.11.
void tell_qualified_name(PyCodeObject* code, PyObject* qualified_name);

}  // namespace pyitt::instrument
