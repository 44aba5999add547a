// The frame-evaluation function installed on demand (3.11): see eval_frame_on_demand.h.
#include "eval_frame_on_demand.h"

#include <pybind11/pybind11.h>

#include <cstring>
#include <string>
#include <vector>

#include "code_registry.h"
#include "hooks.h"
#include "stderr_line.h"

namespace py = pybind11;

namespace pyitt::instrument {
namespace {

// Where the run stands: code objects are kept until start(), then checked as they are made until
// one is selected, and from then on the function is installed and nothing is watched.
enum class Watch { kOff, kKeeping, kArmed };
Watch g_watch = Watch::kOff;
std::vector<PyCodeObject*>* g_kept = nullptr;  // each held, so that none is freed before it is looked at
int g_verbosity = 0;

// True when `config` decides by names alone: -R (which -I, -E, -M and the defaults do not override)
// and triggers. -b records whatever runs inside a region, --trace-c sees C calls through
// PyEval_SetProfile, and --explain and -v 2 report every code object that runs.
bool decided_by_names(const Config& config) {
    return PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && !config.restrict_functions.empty() &&
           !config.builtin_regions && !config.trace_c && config.explain_path.empty() && config.verbosity < 2;
}

void let_kept_go() {
    if (g_kept == nullptr) return;
    std::vector<PyCodeObject*> kept;
    kept.swap(*g_kept);
    delete g_kept;
    g_kept = nullptr;
    for (PyCodeObject* code : kept) Py_DECREF(code);
}

void install_now(const std::string& why) {
    g_watch = Watch::kOff;
    g_code_made = nullptr;
    if (!install_eval_frame()) {
        pyitt::print_stderr("pyitt-host: warning: another tool owns the frame-evaluation function: the functions "
                            "the filters select are not recorded ({})\n", why);
        return;
    }
    if (g_verbosity >= 1) pyitt::print_stderr("pyitt-host: [v1] Python calls: the frame-evaluation function from now on ({})\n", why);
}

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
// True when it installed the function.
bool check(PyCodeObject* code) {
    if (!might_be_selected(code)) return false;
    install_now(where_defined(code) + " is selected");
    return true;
}

// A code object and the code objects nested in it (functions, classes, comprehensions).
bool check_tree(PyCodeObject* code) {
    if (check(code)) return true;
    PyObject* constants = code->co_consts;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(constants); ++i) {
        PyObject* constant = PyTuple_GET_ITEM(constants, i);
        if (PyCode_Check(constant) && check_tree(reinterpret_cast<PyCodeObject*>(constant))) return true;
    }
    return false;
}

void on_code_made(PyCodeObject* code) {
    if (g_watch == Watch::kKeeping) {
        Py_INCREF(code);
        g_kept->push_back(code);
    } else if (g_watch == Watch::kArmed) {
        check(code);
    }
}

// The frozen modules' code objects are static: imported later, they run without being made.
bool check_frozen_modules() {
    py::module_ imp = py::module_::import("_imp");
    if (!py::hasattr(imp, "_frozen_module_names")) return false;
    for (py::handle name : imp.attr("_frozen_module_names")()) {
        py::object code;
        try {
            code = imp.attr("get_frozen_object")(name);
        } catch (py::error_already_set&) {
            continue;  // -X frozen_modules=off: imported from source, so made
        }
        if (PyCode_Check(code.ptr()) && check_tree(reinterpret_cast<PyCodeObject*>(code.ptr()))) return true;
    }
    return false;
}

// types.CodeType() and code.replace() make code objects inside codeobject.c, which the wrapper does not
// see; the event does not give the new qualified name, so any of them installs the function.
int on_audit_event(const char* event, PyObject*, void*) {
    if (g_watch == Watch::kArmed && std::strcmp(event, "code.__new__") == 0) {
        install_now("types.CodeType or code.replace() made a code object");
    }
    return 0;
}
#endif

}  // namespace

void watch_code_made_from_start([[maybe_unused]] const Config& config) {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    if (!decided_by_names(config)) return;
    if (PySys_AddAuditHook(on_audit_event, nullptr) != 0) return;  // cannot fail before Py_Initialize
    g_kept = new std::vector<PyCodeObject*>();
    g_kept->reserve(4096);
    g_watch = Watch::kKeeping;
    g_code_made = on_code_made;
#endif
}

bool arm_eval_frame_on_demand(const Config& config) {
    g_verbosity = config.verbosity;
    if (g_watch != Watch::kKeeping || !decided_by_names(config)) {
        stop_watching_code_made();
        return false;
    }
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    if (g_verbosity >= 1) {
        pyitt::print_stderr("pyitt-host: [v1] Python calls: the frame-evaluation function, once a function the "
                            "filters select is made\n");
    }
    g_watch = Watch::kArmed;
    bool installed = false;
    for (size_t i = 0; g_kept != nullptr && i < g_kept->size() && !installed; ++i) installed = check((*g_kept)[i]);
    let_kept_go();
    try {
        if (!installed) check_frozen_modules();
    } catch (py::error_already_set& error) {
        install_now(std::string("the frozen modules could not be looked at: ") + error.what());
    }
    return true;
#else
    return false;
#endif
}

void eval_frame_needed_now(const char* why) {
    if (g_watch == Watch::kArmed) install_now(why);
}

void stop_watching_code_made() {
    g_watch = Watch::kOff;
    g_code_made = nullptr;
    let_kept_go();
}

}  // namespace pyitt::instrument
