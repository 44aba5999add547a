// What the instrumentation knows about each code object: decided once, on first sight, and kept in
// the code object's co_extra slot, so it is freed with the code object and costs one lookup per call.
#pragma once

#include <Python.h>

#include <string>

#include <vector>

#include "instrument_config.h"
#include "itt_client.h"
#include "thread_state.h"

namespace pyitt::instrument {

struct CodeInfo {
    enum Decision : unsigned char {
        kSkip,            // never a task (filtered out): sys.monitoring may DISABLE its events
        kRecord,          // a task on every call
        kExcludeSubtree,  // -E: not a task, and nothing it calls is one
    };
    Decision decision = kSkip;
    Trigger trigger = Trigger::kNone;  // decided apart from the filters: -R fib --resume-on solve
    RegionMark region = RegionMark::kNone;  // a function decorated with profile / noprofile
    // Not a task, not a trigger, not a region: the hooks' one test (and sys.monitoring may DISABLE it).
    bool passive = true;
    bool label_per_call = false;  // --label args: the label depends on the arguments
    itt::StringHandle* handle = nullptr;  // made by the first call recorded: see recorded_handle()
    std::string name;   // the qualified name of recorded code, for per-call labels
    std::string label;  // the task's name, once handle is made
};

// Compiles the filters (Python regular expressions) and requests the co_extra index. Throws
// std::invalid_argument for a pattern that does not compile.
void configure_registry(const Config& config);

// The cached decision for `code`, deciding now on first sight. `globals` (the frame's; null means
// the current frame's) gives the module name. Never null; errors inside are reported once and mean kSkip.
CodeInfo* code_info_slow(PyCodeObject* code, PyObject* globals);

inline Py_ssize_t g_extra_index = -1;

// The layout of a code object's co_extra (CPython's _PyCodeObjectExtra, the same in 3.9-3.13),
// read here directly: the per-call lookup is two loads and a compare instead of a call into
// _PyCode_GetExtra with its checks. Written only through the API.
struct CodeExtraSlots {
    Py_ssize_t size;
    void* slots[1];
};

// The decision already made for `code`, or null if it is seen for the first time.
inline CodeInfo* decided_code_info(PyCodeObject* code) {
    const auto* extra = static_cast<const CodeExtraSlots*>(code->co_extra);
    if (__builtin_expect(extra != nullptr && g_extra_index < extra->size, 1)) {
        return static_cast<CodeInfo*>(extra->slots[g_extra_index]);
    }
    return nullptr;
}

inline CodeInfo* code_info(PyCodeObject* code, PyObject* globals) {
    CodeInfo* info = decided_code_info(code);
    return __builtin_expect(info != nullptr, 1) ? info : code_info_slow(code, globals);
}

// ITT sees a domain and a name only with the first task recorded with them: code that runs while
// recording is off (--noinstrumenter) or that no filter selects makes no ITT call at all.
itt::StringHandle* first_recorded_handle(CodeInfo* info);

// The task name of a recorded call: one well-predicted test on the hot path.
inline itt::StringHandle* recorded_handle(CodeInfo* info) {
    itt::StringHandle* handle = info->handle;
    return __builtin_expect(handle != nullptr, 1) ? handle : first_recorded_handle(info);
}

// Creates the instrumentation's domain (hooks.h's g_domain) if no task has needed it yet.
void ensure_domain();

// The label of one call when it depends on the arguments (--label args), as a string handle.
itt::StringHandle* per_call_handle(PyCodeObject* code, const CodeInfo& info, PyObject* locals_or_null,
                                   PyObject* const* fast_locals_or_null);

// Whether the filters could select `code` (a task or a trigger) by its names alone, wherever it runs:
// for a run whose filters decide by names (-R: eval_frame_on_demand.h). True when a filter fails.
// 3.11+ (co_qualname).
bool might_be_selected(PyCodeObject* code);

// "qualified.name in file", for messages (3.11+).
std::string where_defined(PyCodeObject* code);

// --resume-on / --pause-on patterns that no code object has matched so far.
struct UnmatchedTrigger {
    Trigger kind;
    std::string pattern;
};
std::vector<UnmatchedTrigger> unmatched_triggers();

// --explain: every code object seen, its decision and the rule that made it.
void write_explanation(const std::string& path);

}  // namespace pyitt::instrument
