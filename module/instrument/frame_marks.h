// The per-thread stack of frame marks used by the hooks that see a frame's start and its end as
// separate events (sys.monitoring, PyEval_SetProfile): every end undoes exactly what its start did
// (task, -E subtree, trigger), even when recording was switched on or off in between.
#pragma once

#include <Python.h>

#include "code_registry.h"
#include "hooks.h"
#include "profile_regions.h"
#include "thread_state.h"
#include "triggers.h"

namespace pyitt::instrument {

// A Python frame starts (the current frame is the one starting). A decorated function's region is
// entered first, then a trigger switches, both before the frame's own task begins; they are undone
// in the reverse order after it ends.
inline void begin_frame(ThreadState* state, PyCodeObject* code, CodeInfo* info) {
    FrameMark::Kind kind = FrameMark::kSkipped;
    if (info->region != RegionMark::kNone) enter_region(state, info->region);
    if (info->trigger != Trigger::kNone) enter_trigger(state, info->trigger);
    if (info->decision == CodeInfo::kExcludeSubtree) {
        ++state->suppress;
        kind = FrameMark::kExcludedRoot;
    } else if (info->decision == CodeInfo::kRecord && state->suppress == 0) {
        itt::StringHandle* handle;
        if (!info->label_per_call) {
            handle = recorded_handle(info);
        } else {
#if PY_VERSION_HEX >= 0x030B0000
            PyObject* locals = PyFrame_GetLocals(PyEval_GetFrame());  // new reference
#else
            PyObject* locals = PyEval_GetLocals();  // borrowed
            Py_XINCREF(locals);
#endif
            handle = per_call_handle(code, *info, locals, nullptr);
            Py_XDECREF(locals);
        }
        itt::task_begin(g_domain, itt::kNullId, itt::kNullId, handle);
        kind = FrameMark::kRecorded;
    }
    state->frames.push_back({code, kind, info->trigger, info->region});
}

inline void end_mark(ThreadState* state, const FrameMark& mark) {
    if (mark.kind == FrameMark::kRecorded) {
        itt::task_end(g_domain);
    } else if (mark.kind == FrameMark::kExcludedRoot) {
        --state->suppress;
    }
    if (mark.trigger != Trigger::kNone) leave_trigger(state, mark.trigger);
    if (mark.region != RegionMark::kNone) leave_region(state, mark.region);
}

// A Python frame ends. A frame that started before instrumentation has no mark. A missing end
// event would leave marks above it: close those too rather than drift.
inline void end_frame(ThreadState* state, PyCodeObject* code) {
    auto& frames = state->frames;
    for (size_t i = frames.size(); i-- > 0;) {
        if (frames[i].code != code) continue;
        while (frames.size() > i) {
            const FrameMark mark = frames.back();
            frames.pop_back();
            end_mark(state, mark);
        }
        return;
    }
}

// --trace-c: a C function called from selected code starts and returns; the callable is its key.
inline void begin_c_call(ThreadState* state, PyObject* callable) {
    FrameMark::Kind kind = FrameMark::kSkipped;
    if (state->suppress == 0) {
        itt::task_begin(g_domain, itt::kNullId, itt::kNullId, c_function_handle(callable));
        kind = FrameMark::kRecorded;
    }
    state->frames.push_back({reinterpret_cast<PyCodeObject*>(callable), kind, Trigger::kNone});
}

inline void end_c_call(ThreadState* state, PyObject* callable) {
    auto& frames = state->frames;
    if (frames.empty() || frames.back().code != reinterpret_cast<PyCodeObject*>(callable)) return;
    const FrameMark mark = frames.back();
    frames.pop_back();
    end_mark(state, mark);
}

}  // namespace pyitt::instrument
