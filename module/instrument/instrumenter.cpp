#include "instrumenter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "code_registry.h"
#include "embedded_code.h"
#include "eval_frame_on_demand.h"
#include "hooks.h"
#include "profile_region_type.h"
#include "profile_regions.h"
#include "thread_state.h"
#include "triggers.h"
#include "stderr_line.h"

namespace py = pybind11;

namespace pyitt::instrument {

constinit thread_local ThreadState* t_state = nullptr;

// The Python helpers of the instrumentation: instrument_support.py, precompiled (module/embed).
extern const embed::EmbeddedCode kSupportCode;
extern const embed::EmbeddedCode kDecoratorCode;  // the decorators' part, run when first used

namespace {

Config g_config;
bool g_running = false;

// Frees a thread's state when the thread ends.
struct ThreadStateOwner {
    std::unique_ptr<ThreadState> state;
    ~ThreadStateOwner() { t_state = nullptr; }
};
thread_local ThreadStateOwner t_owner;


// Leaked on purpose: a static py::object would be released after the interpreter is gone.
py::module_ support_module() {
    static PyObject* module = nullptr;
    if (module == nullptr) {
        py::object module_type = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyModule_Type));
        py::object created = module_type("pyitt._instrument_support");
        py::dict globals = created.attr("__dict__");
        py::module_ builtins = py::module_::import("builtins");
        globals["__builtins__"] = builtins;
        embed::exec_embedded(kSupportCode, globals);
        module = created.release().ptr();
    }
    return py::reinterpret_borrow<py::module_>(module);
}

py::module_ decorator_support() {
    static bool added = false;
    py::module_ support = support_module();
    if (!added) {
        embed::exec_embedded(kDecoratorCode, support.attr("__dict__"));
        added = true;
    }
    return support;
}

// pyitt.instrumenter.enable() / disable(): the thread's switch inside a block or a function.
struct Switch {
    py::object decorate(py::object self, py::object func) const { return decorator_support().attr("decorate")(self, func); }
    bool on;
    void enter() {
        ThreadState* state = thread_state();
        state->saved_enabled.push_back(state->enabled);
        state->set_enabled(on);
    }
    void exit() {
        ThreadState* state = thread_state();
        if (state->saved_enabled.empty()) return;
        state->set_enabled(state->saved_enabled.back());
        state->saved_enabled.pop_back();
    }
};

template <class T>
void bind_block(py::class_<T>& cls) {
    cls.def("__enter__", [](py::object self) {
           self.cast<T&>().enter();
           return self;
       })
        .def("__exit__", [](T& self, py::args) {
            self.exit();
            return false;
        })
        .def("__call__",
             [](py::object self, py::object func) {
                 Busy busy(thread_state());  // functools at work: not the program's calls
                 return self.cast<const T&>().decorate(self, func);
             },
             py::arg("func"), "Use as a decorator: the same, around every run of func.");
}

}  // namespace

// 3.13 specialises a call (CALL_PY_EXACT_ARGS...) only of a function with a version, which only a
// def gives (MAKE_FUNCTION: its code's co_version); one made by FunctionType() has none, and each
// call of it took the generic path (~125 more instructions). The copy gets what a def would give
// it; setting its code, defaults or the like later takes the version away again, as for any function.
static void give_code_version([[maybe_unused]] PyFunctionObject* function) {
#if PY_VERSION_HEX >= 0x030D0000
    if (function->func_version == 0) {
        function->func_version = reinterpret_cast<PyCodeObject*>(function->func_code)->co_version;
    }
#endif
}

// `profile` (with -b: instrument only inside it) and `noprofile` (switch off beneath it), called
// with a function. With -b, profile regions are also active regions: collection runs inside them.
PyObject* decorate_with_region(PyObject* region, RegionMark mark, PyObject* func) {
    try {
        Busy busy(thread_state());  // functools at work: not the program's calls
        py::object self = py::reinterpret_borrow<py::object>(region);
        py::object target = py::reinterpret_borrow<py::object>(func);
        if (!g_hooks_mark_regions) return decorator_support().attr("decorate")(self, target).release().ptr();
        return decorator_support()
            .attr("decorate_marked")(self, target, py::cpp_function([mark](py::handle code, py::handle copy) {
                mark_region_code(reinterpret_cast<PyCodeObject*>(code.ptr()), mark);
                tell_qualified_name(reinterpret_cast<PyCodeObject*>(code.ptr()),
                                    reinterpret_cast<PyFunctionObject*>(copy.ptr())->func_qualname);
                give_code_version(reinterpret_cast<PyFunctionObject*>(copy.ptr()));
            }))
            .release()
            .ptr();
    } catch (py::error_already_set& error) {
        error.restore();
        return nullptr;
    } catch (const std::exception& error) {
        PyErr_SetString(PyExc_RuntimeError, error.what());
        return nullptr;
    }
}

ThreadState* create_thread_state() {
    t_owner.state = std::make_unique<ThreadState>();
    ThreadState* state = t_owner.state.get();
    if (g_config.start_disabled) {
        state->enabled = false;
        ++state->suppress;
    }
    if (g_config.builtin_regions) ++state->suppress;  // outside any profile region
    t_state = state;
    return state;
}

void define(py::module_& module) {
    if (!add_profile_regions(module.ptr())) throw py::error_already_set();

    py::module_ instrumenter = module.def_submodule(
        "instrumenter", "Switch the automatic instrumentation on or off for the calling thread (Score-P style).");
    py::class_<Switch> cls(instrumenter, "Switch", "A block or decorated function with instrumentation on or off.");
    bind_block(cls);
    instrumenter.def("enable", [] { return Switch{true}; },
                     "Instrumentation on for this thread inside the with-block or decorated function.");
    instrumenter.def("disable", [] { return Switch{false}; },
                     "Instrumentation off for this thread inside the with-block or decorated function.");
    instrumenter.def("is_enabled", [] { return thread_state()->enabled; },
                     "Whether the instrumenter switch is on for this thread.");
    instrumenter.def("is_running", [] { return g_running; }, "Whether pyitt-host instruments this process.");
}

void start(const Config& config) {
    g_config = config;
    g_builtin_regions = config.builtin_regions;
    if (ThreadState* state = t_state) {  // the main thread may have used the API already
        state->suppress = (state->enabled ? 0 : 1) + (config.builtin_regions && state->profile_depth == 0 ? 1 : 0);
    }
    if (config.start_disabled) thread_state()->set_enabled(false);

    if (config.builtin_regions) {  // the program sees nothing else of us (pyitt is not imported)
        py::module_ builtins = py::module_::import("builtins");
        for (auto [name, mark] : {std::pair{"profile", RegionMark::kProfile}, std::pair{"noprofile", RegionMark::kNoProfile}}) {
            py::object region = py::reinterpret_steal<py::object>(profile_region(mark));
            if (!region) throw py::error_already_set();
            builtins.attr(name) = region;
        }
    }

    configure_triggers(!config.resume_on.empty() || config.builtin_regions);
    py::module_::import("os").attr("register_at_fork")(
        py::arg("before") = py::cpp_function([] { triggers_before_fork(); }),
        py::arg("after_in_parent") = py::cpp_function([] { triggers_after_fork_in_parent(); }),
        py::arg("after_in_child") = py::cpp_function([] { triggers_after_fork(t_state); }));

    // The domain comes with the first task recorded (code_registry.cpp: ensure_domain).
    if (!itt::initialize()) {  // no collector: every task would be dropped anyway
        stop_watching_code_made();
        return;
    }
    configure_registry(config);
    py::module_ support = support_module();  // its imports are ours: before the hooks

    bool setprofile_needed = false;
    bool python_hooked = install_python_call_hooks(config);
    g_hooks_mark_regions = python_hooked;
    if (!python_hooked) {
        pyitt::print_stderr(
                   "pyitt-host: warning: another tool owns the fast call hook; using PyEval_SetProfile, "
                   "which is slower\n");
        setprofile_needed = true;
    }
    const bool c_calls_by_setprofile = config.trace_c && PY_VERSION_HEX < 0x030C0000;
    if (setprofile_needed || c_calls_by_setprofile) {
        install_setprofile(!python_hooked, c_calls_by_setprofile);
    }

    support.attr("name_threads")(py::cpp_function([](const std::string& name) { itt::thread_set_name(name.c_str()); }),
                                          py::cpp_function([] { install_setprofile_on_this_thread(); }));
    g_running = true;
}

void after_import(const char* module_name, py::object adjust) {
    support_module().attr("after_import")(module_name, adjust);
}

ModulesImportedForItself::ModulesImportedForItself() {
    before_ = py::reinterpret_steal<py::object>(PySet_New(PyImport_GetModuleDict()));
    if (!before_) throw py::error_already_set();
}

void ModulesImportedForItself::forget() {
    py::dict modules = py::reinterpret_borrow<py::dict>(PyImport_GetModuleDict());
    py::list added;
    for (auto item : modules) {
        const std::string name = py::str(item.first);
        if (PySet_Contains(before_.ptr(), item.first.ptr()) == 1) continue;
        if (name == "pyitt" || name.rfind("pyitt.", 0) == 0) continue;
        added.append(item.first);
    }
#if PY_VERSION_HEX < 0x030A0000
    // 3.9's atexit keeps its callbacks in the module object, which the interpreter only borrows
    // to call them at exit: forgotten, it would be freed (a crash at exit). It is kept alive; if
    // the program imports atexit anew, the new module owns the exit call, so the kept one's
    // callbacks (registered by pyitt-host first) are run from it, last, as they would have run.
    py::object kept_atexit;
    for (auto name : added) {
        if (std::string(py::str(name)) == "atexit") kept_atexit = modules[name];
    }
#endif
    for (auto name : added) PyDict_DelItem(modules.ptr(), name.ptr());
#if PY_VERSION_HEX < 0x030A0000
    if (kept_atexit) {
        kept_atexit.inc_ref();  // never dropped: the interpreter may call it at its very end
        after_import("atexit", py::cpp_function([kept_atexit](py::object fresh) {
                         if (!fresh.is(kept_atexit)) fresh.attr("register")(kept_atexit.attr("_run_exitfuncs"));
                     }));
    }
#endif
}

std::string report_line(const UnmatchedTrigger& trigger) {
    return fmt::format("{}\t{}", trigger.kind == Trigger::kResume ? "resume" : "pause", trigger.pattern);
}

// A child's part: the patterns it matched, one line each, appended (one write per line).
void report_matched_triggers(const std::string& path) {
    std::vector<UnmatchedTrigger> matched;
    const std::vector<UnmatchedTrigger> unmatched = unmatched_triggers();
    const auto add = [&](Trigger kind, const std::vector<std::string>& patterns) {
        for (const std::string& pattern : patterns) {
            const bool missed = std::any_of(unmatched.begin(), unmatched.end(), [&](const UnmatchedTrigger& u) {
                return u.kind == kind && u.pattern == pattern;
            });
            if (!missed) matched.push_back({kind, pattern});
        }
    };
    add(Trigger::kResume, g_config.resume_on);
    add(Trigger::kPause, g_config.pause_on);
    if (matched.empty()) return;
    std::ofstream out(path, std::ios::app);
    for (const UnmatchedTrigger& trigger : matched) out << report_line(trigger) + "\n" << std::flush;
}

// A trigger that no process matched is most likely a typo: say so, once per pattern.
void warn_unmatched_triggers() {
    std::set<std::string> matched_elsewhere;
    if (!g_config.trigger_report_path.empty()) {
        std::ifstream in(g_config.trigger_report_path);
        for (std::string line; std::getline(in, line);) matched_elsewhere.insert(line);
        std::remove(g_config.trigger_report_path.c_str());
    }
    const bool resumed = resume_trigger_ever_fired();
    for (const UnmatchedTrigger& unmatched : unmatched_triggers()) {
        if (matched_elsewhere.count(report_line(unmatched)) != 0) continue;
        const bool resume = unmatched.kind == Trigger::kResume;
        pyitt::print_stderr("pyitt-host: warning: --{} '{}' never matched{}\n", resume ? "resume-on" : "pause-on",
                   unmatched.pattern,
                   !resume    ? "; it paused nothing"
                   : resumed ? "; it resumed nothing"
                             : "; collection stayed paused");
    }
}

void finish() {
    write_explanation(g_config.explain_path);
    if (!g_running) return;
    if (g_config.builtin_regions) settle_region_pause();  // the run ends paused, as it started
    if (g_config.warn_unmatched_triggers) {
        warn_unmatched_triggers();
    } else if (!g_config.trigger_report_path.empty()) {
        report_matched_triggers(g_config.trigger_report_path);
    }
}

}  // namespace pyitt::instrument
