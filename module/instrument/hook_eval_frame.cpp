// A PEP 523 frame-evaluation function: it wraps the evaluation of every frame (each generator or
// coroutine resumption too), so begin and end pair by construction, on every thread of the
// interpreter, exceptions included.
//  - 3.9-3.11: the call hook of every run (3.11's -R runs: from when a selected function exists,
//    eval_frame_on_demand.h).
//  - 3.12+: the call hook of runs that record most calls, until the run switches, once, to
//    sys.monitoring (call_hooks.cpp says when).
// Its mere presence costs 3.11+ their inlined Python-to-Python calls and call specialization (3.11's
// fib: ~750 instructions a call against python's ~525, of which the hook's own are 17). 3.11 has no
// other way to see every call of the code the filters select: its Python-to-Python calls, inlined
// or specialized, never read a function's vectorcall (only CALL's type check and CALL_PY_*'s
// func_version, which the specializer hands out itself), it has no function or code watchers to
// learn of a function made by a def, lambda or exec, and a generator's resumptions reach C only
// through this function. So code the filters leave alone still passes through here, briefly, once
// it is installed.
// 3.12+'s sys.monitoring sees every call too, but its PY_START/PY_RETURN dispatch costs more than
// this function does (~460 instructions a call), which pays when most calls are recorded.
#include "hooks.h"

#include <frameobject.h>  // PyFrameObject's fields before 3.11
#include <pthread.h>

#include <algorithm>
#include <cstdint>

#include "code_registry.h"
#include "instrumenter.h"
#include "profile_regions.h"
#include "thread_state.h"
#include "triggers.h"

namespace pyitt::instrument {
namespace {

// A bytecode unit (_Py_CODEUNIT, not public in 3.13): two bytes.
using CodeUnit = uint16_t;

#if PY_VERSION_HEX >= 0x030C0000
// The fields of 3.12's and 3.13's _PyInterpreterFrame (Include/internal/pycore_frame.h) read here.
struct FrameFields {
    PyCodeObject* f_code;  // 3.13: f_executable, a code object in every frame evaluated
    void* previous;
    PyObject* f_funcobj;
    PyObject* f_globals;
    PyObject* f_builtins;
    PyObject* f_locals;
    PyObject* frame_obj;
    CodeUnit* instr;  // 3.12: prev_instr (the one before the next); 3.13: instr_ptr (the next)
    int stacktop;
    uint16_t return_offset;
    char owner;
    PyObject* localsplus[1];
};
static_assert(offsetof(FrameFields, instr) == 56 && offsetof(FrameFields, localsplus) == 72);
#elif PY_VERSION_HEX >= 0x030B0000
// The fields of 3.11's _PyInterpreterFrame (Include/internal/pycore_frame.h) read here.
struct FrameFields {
    PyObject* f_func;
    PyObject* f_globals;
    PyObject* f_builtins;
    PyObject* f_locals;
    PyCodeObject* f_code;
    PyObject* frame_obj;
    void* previous;
    CodeUnit* instr;  // prev_instr: the one before the next
    int stacktop;
    bool is_entry;
    char owner;
    PyObject* localsplus[1];
};
static_assert(offsetof(FrameFields, f_code) == 32 && offsetof(FrameFields, localsplus) == 72);
#endif

#if PY_VERSION_HEX >= 0x030B0000
using Frame = struct _PyInterpreterFrame;
inline PyCodeObject* code_of(Frame* frame) { return reinterpret_cast<FrameFields*>(frame)->f_code; }
inline PyObject* globals_of(Frame* frame) { return reinterpret_cast<FrameFields*>(frame)->f_globals; }
inline PyObject* const* fast_locals_of(Frame* frame) { return reinterpret_cast<FrameFields*>(frame)->localsplus; }
// 3.11+ evaluates a generator's or coroutine's frame once to create it (up to RETURN_GENERATOR):
// that is not a run of its body. The frame has not executed anything yet then.
inline bool only_creates_generator(Frame* frame, PyCodeObject* code) {
    if ((code->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) == 0) return false;
    const auto* first = reinterpret_cast<const CodeUnit*>(code->co_code_adaptive);
#if PY_VERSION_HEX >= 0x030D0000
    return reinterpret_cast<FrameFields*>(frame)->instr == first;
#else
    return reinterpret_cast<FrameFields*>(frame)->instr == first - 1;
#endif
}
#else
using Frame = PyFrameObject;
inline PyCodeObject* code_of(Frame* frame) { return frame->f_code; }
inline PyObject* globals_of(Frame* frame) { return frame->f_globals; }
inline PyObject* const* fast_locals_of(Frame* frame) { return frame->f_localsplus; }
// Before 3.11 creating a generator does not evaluate its frame.
inline bool only_creates_generator(Frame*, PyCodeObject*) { return false; }
#endif

#if PY_VERSION_HEX >= 0x030C0000
// Whether sys.monitoring has taken over (switch_to_monitoring). A thread that ran Python code
// between deciding to begin a frame here and evaluating it (deciding about a new code object, a
// label with arguments) may find the switch made meanwhile: the frame is then sys.monitoring's,
// whose PY_START fires in it (its code is instrumented at its RESUME), and begins nothing here.
inline bool monitoring_took_over() { return g_monitoring_took_over; }
#else
constexpr bool monitoring_took_over() { return false; }
#endif

// A code object the filters select (or exclude with its callees): its task, or its -E subtree.
// Inlined into evaluate_region, so that a decorated function costs one call frame, as -R does.
[[gnu::always_inline]] inline PyObject* run_selected(PyThreadState* thread, Frame* frame, int throwflag,
                                                     PyCodeObject* code, CodeInfo* info, ThreadState* state) {
    if (info->decision == CodeInfo::kSkip) return _PyEval_EvalFrameDefault(thread, frame, throwflag);
    if (info->decision == CodeInfo::kExcludeSubtree) {
        ++state->suppress;
        PyObject* result = _PyEval_EvalFrameDefault(thread, frame, throwflag);
        --state->suppress;
        return result;
    }
    if (state->suppress != 0 || only_creates_generator(frame, code)) {
        return _PyEval_EvalFrameDefault(thread, frame, throwflag);
    }
    itt::StringHandle* handle;
    if (!info->label_per_call) [[likely]] {
        handle = recorded_handle(info);
    } else {
        handle = per_call_handle(code, *info, nullptr, fast_locals_of(frame));  // runs Python (repr)
        if (monitoring_took_over()) return _PyEval_EvalFrameDefault(thread, frame, throwflag);
    }
    itt::task_begin(g_domain, itt::kNullId, itt::kNullId, handle);
    PyObject* result = _PyEval_EvalFrameDefault(thread, frame, throwflag);
    itt::task_end(g_domain);
    return result;
}

PyObject* evaluate_selected(PyThreadState* thread, Frame* frame, int throwflag, PyCodeObject* code,
                            CodeInfo* info, ThreadState* state) {
    return run_selected(thread, frame, throwflag, code, info, state);
}

// --resume-on / --pause-on: the switch goes around the task, so a resumed function's own task is
// collected whole. Creating a generator (3.11+) is not a run and switches nothing.
[[gnu::noinline]] PyObject* evaluate_trigger(PyThreadState* thread, Frame* frame, int throwflag, PyCodeObject* code,
                                             CodeInfo* info) {
    ThreadState* state = thread_state();
    if (only_creates_generator(frame, code)) return evaluate_selected(thread, frame, throwflag, code, info, state);
    enter_trigger(state, info->trigger);
    PyObject* result = evaluate_selected(thread, frame, throwflag, code, info, state);
    leave_trigger(state, info->trigger);
    return result;
}

// A function decorated with profile / noprofile: each run of it is inside its region, entered
// before its trigger and its task. Creating a generator (3.11+) is not a run.
[[gnu::noinline]] PyObject* evaluate_region(PyThreadState* thread, Frame* frame, int throwflag, PyCodeObject* code,
                                            CodeInfo* info) {
    ThreadState* state = thread_state();
    // Already inside a profile region (recursion): this run is within the outer one's, which is left
    // only after it, on this C stack; entering changes nothing but the depth.
    if (info->region == RegionMark::kProfile && state->profile_depth != 0 && info->trigger == Trigger::kNone) {
        return run_selected(thread, frame, throwflag, code, info, state);
    }
    const bool run = !only_creates_generator(frame, code);
    if (run) enter_region(state, info->region);
    PyObject* result = info->trigger != Trigger::kNone ? evaluate_trigger(thread, frame, throwflag, code, info)
                                                       : run_selected(thread, frame, throwflag, code, info, state);
    if (run) leave_region(state, info->region);
    return result;
}

// Every Python call evaluated through this hook is a C call too (3.11+ no longer nest their own),
// so a recursion python runs on the heap runs here on the thread's C stack. Each thread's floor is
// found on its first call (until then it is kFloorUnknown, above any stack, which sends that call
// to the slow path); the host sets the main thread's, whose stack it replaced
// (set_stack_floor_for_this_thread). Near it, 3.9-3.11 give the call python's RecursionError
// instead of a crash; 3.12+ switch to sys.monitoring, which runs calls as python does.
constexpr uintptr_t kFloorUnknown = UINTPTR_MAX;
constexpr uintptr_t kFloorNone = 0;  // the stack's bounds are unknown: no check
// initial-exec: one %fs-relative load on the hot path, not a __tls_get_addr call (as the collector's
// tl_buffer; a few bytes of the static TLS that glibc keeps for dlopen'ed libraries when in the extension).
constinit thread_local uintptr_t t_stack_floor __attribute__((tls_model("initial-exec"))) = kFloorUnknown;

uintptr_t stack_floor(const void* lowest, size_t size) {
    return reinterpret_cast<uintptr_t>(lowest) + std::min<size_t>(size / 4, kStackMargin);
}

// Where this call is on the C stack (the address of the hook's own frame, which a tail call has
// no need for, would cost a frame).
[[gnu::always_inline]] inline uintptr_t stack_pointer() {
    uintptr_t sp;
#if defined(__x86_64__)
    asm("movq %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
    asm("mov %0, sp" : "=r"(sp));
#else
    sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
#endif
    return sp;
}

[[gnu::noinline, gnu::cold]] uintptr_t find_stack_floor() {
    pthread_attr_t attributes;
    void* lowest = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
        pthread_attr_getstack(&attributes, &lowest, &size);
        pthread_attr_destroy(&attributes);
    }
    if (lowest == nullptr || size == 0) return kFloorNone;
    return stack_floor(lowest, size);
}

#if PY_VERSION_HEX >= 0x030C0000
// 3.12+: python runs a Python-to-Python call on the heap, but each frame this function evaluates
// takes C stack and two units of the thread's C recursion budget (PY_EVAL_C_STACK_UNITS; 3.12 has
// 1500 units, 3.13 10000), which python spends only on calls from C. A program recursing deeper
// than python's default limit must meet its RecursionError where python would, so past this many
// nested frames on any thread the run switches to sys.monitoring; below it, a recursion through C
// (a nested repr, json) inside them has at most 100 units less than under python on 3.12 (7%) and
// 200 on 3.13 (2%). (Whether python would have inlined a call is not known here, so the units of
// those it would have cannot be given back.)
constexpr int kMaxNesting = PY_VERSION_HEX >= 0x030D0000 ? 100 : 50;
constinit thread_local int t_nesting __attribute__((tls_model("initial-exec"))) = 0;

[[gnu::always_inline]] inline bool within_bounds() {
    return t_nesting < kMaxNesting && stack_pointer() >= t_stack_floor;
}

// Whether this function still costs less than sys.monitoring would. A call it records costs ~240
// instructions less here (3.13's fib); a passive one, which sys.monitoring lets run as under python
// after its first call, ~360 more. The balance counts 2 for the one, -3 for the other; capped, so
// that an early stretch of recorded calls does not pay for a long one of passive calls later, and
// starting with that cap, so that imports' calls (the import machinery is passive) at the start
// do not decide alone. Below zero, the run switches. Under the GIL: a plain int.
constexpr int kRecordedGain = 2, kPassiveCost = 3, kBalanceCap = kPassiveCost * 200'000;
int g_balance = kBalanceCap;

[[gnu::noinline, gnu::cold]] void balance_spent() {
    if (g_evaluator_kept) {
        g_balance = kBalanceCap;
    } else {
        switch_to_monitoring("few calls are recorded");
    }
}

[[gnu::always_inline]] inline void count_passive() {
    if ((g_balance -= kPassiveCost) < 0) [[unlikely]] balance_spent();
}
[[gnu::always_inline]] inline void count_recorded() {
    g_balance = std::min(g_balance + kRecordedGain, kBalanceCap);
}

// A frame evaluated here, counted while it runs.
template <class Evaluate>
[[gnu::always_inline]] inline PyObject* nested(Evaluate evaluate) {
    ++t_nesting;
    PyObject* result = evaluate();
    --t_nesting;
    return result;
}

[[gnu::noinline, gnu::cold]] PyObject* out_of_bounds(PyThreadState* thread, Frame* frame, int throwflag) {
    // An exception thrown into a generator goes first to its handlers, where no RESUME makes its
    // code instrumented for a PY_START that sys.monitoring could pair with an end: it is evaluated
    // here, and the frames it starts switch.
    if (throwflag != 0) return nested([&] { return _PyEval_EvalFrameDefault(thread, frame, throwflag); });
    switch_to_monitoring(t_nesting >= kMaxNesting ? "a deep recursion" : "a thread's C stack is short");
    return _PyEval_EvalFrameDefault(thread, frame, throwflag);  // sys.monitoring's PY_START begins it
}
#else
[[gnu::always_inline]] inline bool within_bounds() { return stack_pointer() >= t_stack_floor; }
inline void count_passive() {}
inline void count_recorded() {}

template <class Evaluate>
[[gnu::always_inline]] inline PyObject* nested(Evaluate evaluate) {
    return evaluate();
}

[[gnu::noinline, gnu::cold]] PyObject* out_of_bounds(PyThreadState* thread, Frame* frame, int throwflag) {
    // A generator's or coroutine's frame is owned by its object, which expects it run: it runs.
    if (code_of(frame)->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) {
        return _PyEval_EvalFrameDefault(thread, frame, throwflag);
    }
    PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded while calling a Python object");
    return nullptr;
}
#endif

// Everything but a decided passive code object within bounds: the thread's first call, a code
// object seen for the first time, the stack's end, and code that is a task, trigger or region.
[[gnu::noinline]] PyObject* evaluate_unusual(PyThreadState* thread, Frame* frame, int throwflag) {
    PyCodeObject* code = code_of(frame);
    if (t_stack_floor == kFloorUnknown) t_stack_floor = find_stack_floor();
    if (!within_bounds()) [[unlikely]] return out_of_bounds(thread, frame, throwflag);
    CodeInfo* info = code_info(code, globals_of(frame));  // may run Python (and let other threads run)
    if (monitoring_took_over()) [[unlikely]] return _PyEval_EvalFrameDefault(thread, frame, throwflag);
    return nested([&] {
        if (info->passive) return _PyEval_EvalFrameDefault(thread, frame, throwflag);
        if (info->region != RegionMark::kNone) return evaluate_region(thread, frame, throwflag, code, info);
        if (info->trigger != Trigger::kNone) return evaluate_trigger(thread, frame, throwflag, code, info);
        return evaluate_selected(thread, frame, throwflag, code, info, thread_state());
    });
}

// A recorded function's run, when nothing else is to be done around it: its task.
[[gnu::always_inline]] inline bool only_a_task(const CodeInfo* info) {
    return info->decision == CodeInfo::kRecord && info->region == RegionMark::kNone &&
           info->trigger == Trigger::kNone && !info->label_per_call;
}

[[gnu::always_inline]] inline PyObject* run_task(PyThreadState* thread, Frame* frame, int throwflag,
                                                 PyCodeObject* code, CodeInfo* info, const ThreadState* state) {
    if (state->suppress != 0 || only_creates_generator(frame, code)) [[unlikely]] {
        return _PyEval_EvalFrameDefault(thread, frame, throwflag);
    }
    itt::task_begin(g_domain, itt::kNullId, itt::kNullId, recorded_handle(info));
    PyObject* result = _PyEval_EvalFrameDefault(thread, frame, throwflag);
    itt::task_end(g_domain);
    return result;
}

// The hook. Its hot paths: code the filters leave alone (a few loads, two tests and a tail call,
// with no frame of its own before 3.12: 17 instructions on 3.11; tests/bench/call_instructions.py
// counts them), and a recorded function's task. 3.12+ count the nesting around the call.
// A decided code object that is not passive, within bounds (its own function: the passive path
// keeps a small frame).
[[gnu::noinline]] PyObject* evaluate_active(PyThreadState* thread, Frame* frame, int throwflag, CodeInfo* info) {
    const ThreadState* state = t_state;
    if (only_a_task(info) && state != nullptr) [[likely]] {
        count_recorded();
        return nested([&] { return run_task(thread, frame, throwflag, code_of(frame), info, state); });
    }
    return evaluate_unusual(thread, frame, throwflag);
}

PyObject* evaluate(PyThreadState* thread, Frame* frame, int throwflag) {
    CodeInfo* info = decided_code_info(code_of(frame));
    if (info != nullptr && within_bounds()) [[likely]] {
        if (info->passive) {
            count_passive();
            return nested([&] { return _PyEval_EvalFrameDefault(thread, frame, throwflag); });
        }
        return evaluate_active(thread, frame, throwflag, info);
    }
    return evaluate_unusual(thread, frame, throwflag);
}

}  // namespace

void set_stack_floor_for_this_thread(const void* lowest, size_t size) { t_stack_floor = stack_floor(lowest, size); }

bool install_eval_frame() {
    PyInterpreterState* interpreter = PyThreadState_GetInterpreter(PyThreadState_Get());
    if (_PyInterpreterState_GetEvalFrameFunc(interpreter) != _PyEval_EvalFrameDefault) return false;
    _PyInterpreterState_SetEvalFrameFunc(interpreter, evaluate);
    return true;
}

// Frames it is evaluating keep running through it and end there.
void uninstall_eval_frame() {
    PyInterpreterState* interpreter = PyThreadState_GetInterpreter(PyThreadState_Get());
    if (_PyInterpreterState_GetEvalFrameFunc(interpreter) == evaluate) {
        _PyInterpreterState_SetEvalFrameFunc(interpreter, _PyEval_EvalFrameDefault);
    }
}

}  // namespace pyitt::instrument
