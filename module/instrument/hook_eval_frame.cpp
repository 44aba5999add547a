// Python 3.9-3.11: a PEP 523 frame-evaluation function. It wraps the evaluation of every frame
// (each generator or coroutine resumption too), so begin and end pair by construction, on every
// thread of the interpreter, exceptions included.
// Its mere presence costs 3.11 its inlined Python-to-Python calls and call specialization (fib:
// ~750 instructions a call against python's ~525, of which the hook's own are 17). 3.11 has no
// other way to see every call of the code the filters select: its Python-to-Python calls, inlined
// or specialized, never read a function's vectorcall (only CALL's type check and CALL_PY_*'s
// func_version, which the specializer hands out itself), it has no function or code watchers to
// learn of a function made by a def, lambda or exec, and a generator's resumptions reach C only
// through this function. So code the filters leave alone still passes through here, briefly.
#include "hooks.h"

#if PY_VERSION_HEX < 0x030C0000

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

#if PY_VERSION_HEX >= 0x030B0000
// The fields of 3.11's _PyInterpreterFrame (Include/internal/pycore_frame.h) read here.
struct FrameFields {
    PyObject* f_func;
    PyObject* f_globals;
    PyObject* f_builtins;
    PyObject* f_locals;
    PyCodeObject* f_code;
    PyObject* frame_obj;
    void* previous;
    void* prev_instr;
    int stacktop;
    bool is_entry;
    char owner;
    PyObject* localsplus[1];
};
static_assert(offsetof(FrameFields, f_code) == 32 && offsetof(FrameFields, localsplus) == 72);
using Frame = struct _PyInterpreterFrame;
inline PyCodeObject* code_of(Frame* frame) { return reinterpret_cast<FrameFields*>(frame)->f_code; }
inline PyObject* globals_of(Frame* frame) { return reinterpret_cast<FrameFields*>(frame)->f_globals; }
inline PyObject* const* fast_locals_of(Frame* frame) { return reinterpret_cast<FrameFields*>(frame)->localsplus; }
// 3.11 evaluates a generator's or coroutine's frame once to create it (up to RETURN_GENERATOR):
// that is not a run of its body. The frame has not executed anything yet then.
inline bool only_creates_generator(Frame* frame, PyCodeObject* code) {
    if ((code->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) == 0) return false;
    const auto* first = reinterpret_cast<const _Py_CODEUNIT*>(code->co_code_adaptive);
    return reinterpret_cast<FrameFields*>(frame)->prev_instr == first - 1;
}
#else
using Frame = PyFrameObject;
inline PyCodeObject* code_of(Frame* frame) { return frame->f_code; }
inline PyObject* globals_of(Frame* frame) { return frame->f_globals; }
inline PyObject* const* fast_locals_of(Frame* frame) { return frame->f_localsplus; }
// Before 3.11 creating a generator does not evaluate its frame.
inline bool only_creates_generator(Frame*, PyCodeObject*) { return false; }
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
    itt::StringHandle* handle = info->label_per_call ? per_call_handle(code, *info, nullptr, fast_locals_of(frame))
                                                     : recorded_handle(info);
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
// collected whole. Creating a generator (3.11) is not a run and switches nothing.
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
// before its trigger and its task. Creating a generator (3.11) is not a run.
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

// Every Python call evaluated through this hook is a C call too (3.11 no longer nests its own), so
// a recursion python runs on the heap runs here on the thread's C stack. Near its end the call
// gets python's RecursionError instead of a crash. Each thread's floor is found on its first call
// (until then it is kFloorUnknown, above any stack, which sends that call to the slow path); the
// host sets the main thread's, whose stack it replaced (set_stack_floor_for_this_thread).
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

[[gnu::noinline, gnu::cold]] PyObject* stack_exhausted(PyThreadState* thread, Frame* frame, int throwflag,
                                                       PyCodeObject* code) {
    // A generator's or coroutine's frame is owned by its object, which expects it run: it runs.
    if (code->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) {
        return _PyEval_EvalFrameDefault(thread, frame, throwflag);
    }
    PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded while calling a Python object");
    return nullptr;
}

// Everything but a decided passive code object with stack to spare: the thread's first call, a
// code object seen for the first time, the stack's end, and code that is a task, trigger or region.
[[gnu::noinline]] PyObject* evaluate_unusual(PyThreadState* thread, Frame* frame, int throwflag) {
    PyCodeObject* code = code_of(frame);
    uintptr_t floor = t_stack_floor;
    if (floor == kFloorUnknown) t_stack_floor = floor = find_stack_floor();
    if (stack_pointer() < floor) [[unlikely]] return stack_exhausted(thread, frame, throwflag, code);
    CodeInfo* info = code_info(code, globals_of(frame));
    if (info->passive) return _PyEval_EvalFrameDefault(thread, frame, throwflag);
    if (info->region != RegionMark::kNone) return evaluate_region(thread, frame, throwflag, code, info);
    if (info->trigger != Trigger::kNone) return evaluate_trigger(thread, frame, throwflag, code, info);
    return evaluate_selected(thread, frame, throwflag, code, info, thread_state());
}

// The hook. Its hot path is code the filters leave alone: a few loads, two tests and a tail call,
// with no frame of its own (17 instructions on 3.11; tests/bench/call_instructions.py counts them).
PyObject* evaluate(PyThreadState* thread, Frame* frame, int throwflag) {
    const CodeInfo* info = decided_code_info(code_of(frame));
    if (info != nullptr && info->passive && stack_pointer() >= t_stack_floor) [[likely]] {
        return _PyEval_EvalFrameDefault(thread, frame, throwflag);
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

bool install_monitoring(const Config&) { return false; }

}  // namespace pyitt::instrument

#endif
