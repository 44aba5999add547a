// Python 3.12+: sys.monitoring with C callbacks (vectorcall PyCFunctions). Code that the filters
// exclude answers DISABLE and is never reported again. A per-thread stack pairs every end with its
// start, since recording may be switched on or off between the two.
#include "hooks.h"
#include "instrumenter.h"

#if PY_VERSION_HEX >= 0x030C0000

#include <pybind11/pybind11.h>

#include "frame_marks.h"

namespace py = pybind11;

namespace pyitt::instrument {
namespace {

PyObject* g_disable = nullptr;  // sys.monitoring.DISABLE
// Held back for start_monitoring_events: sys.monitoring.set_events, our tool id and our events.
PyObject* g_set_events = nullptr;
int g_tool = -1, g_events = 0;

inline PyObject* disable() { return Py_NewRef(g_disable); }

PyObject* on_start(PyObject*, PyObject* const* args, Py_ssize_t) {
    auto* code = reinterpret_cast<PyCodeObject*>(args[0]);
    CodeInfo* info = code_info(code, nullptr);
    if (info->passive) return disable();
    begin_frame(thread_state(), code, info);
    Py_RETURN_NONE;
}

// PY_THROW cannot be disabled: answer None for filtered code.
PyObject* on_throw(PyObject*, PyObject* const* args, Py_ssize_t) {
    auto* code = reinterpret_cast<PyCodeObject*>(args[0]);
    CodeInfo* info = code_info(code, nullptr);
    if (!info->passive) begin_frame(thread_state(), code, info);
    Py_RETURN_NONE;
}

PyObject* on_end(PyObject*, PyObject* const* args, Py_ssize_t) {
    auto* code = reinterpret_cast<PyCodeObject*>(args[0]);
    CodeInfo* info = code_info(code, nullptr);
    if (info->passive) return disable();
    end_frame(thread_state(), code);
    Py_RETURN_NONE;
}

PyObject* on_unwind(PyObject*, PyObject* const* args, Py_ssize_t) {
    auto* code = reinterpret_cast<PyCodeObject*>(args[0]);
    CodeInfo* info = code_info(code, nullptr);
    if (!info->passive) end_frame(thread_state(), code);
    Py_RETURN_NONE;
}

bool is_python_callable(PyObject* callable) {
    if (PyFunction_Check(callable)) return true;
    return PyMethod_Check(callable) && PyFunction_Check(PyMethod_GET_FUNCTION(callable));
}

// --trace-c: CALL fires for every call; only C callables become tasks (Python ones get PY_START),
// and only where their caller is selected: other call sites are disabled.
PyObject* on_call(PyObject*, PyObject* const* args, Py_ssize_t) {
    if (code_info(reinterpret_cast<PyCodeObject*>(args[0]), nullptr)->decision == CodeInfo::kSkip) return disable();
    PyObject* callable = args[2];
    if (is_python_callable(callable)) Py_RETURN_NONE;
    begin_c_call(thread_state(), callable);
    Py_RETURN_NONE;
}

PyObject* on_c_end(PyObject*, PyObject* const* args, Py_ssize_t) {
    end_c_call(thread_state(), args[2]);
    Py_RETURN_NONE;
}

PyMethodDef g_callbacks[] = {
    {"pyitt_py_start", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(on_start)), METH_FASTCALL, nullptr},
    {"pyitt_py_throw", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(on_throw)), METH_FASTCALL, nullptr},
    {"pyitt_py_end", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(on_end)), METH_FASTCALL, nullptr},
    {"pyitt_py_unwind", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(on_unwind)), METH_FASTCALL, nullptr},
    {"pyitt_call", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(on_call)), METH_FASTCALL, nullptr},
    {"pyitt_c_end", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(on_c_end)), METH_FASTCALL, nullptr},
};

py::object callback(PyMethodDef& def) { return py::reinterpret_steal<py::object>(PyCFunction_New(&def, nullptr)); }

}  // namespace

// Tool ids 3 and 4 are free by convention; PROFILER_ID is left to cProfile unless all are taken.
bool install_monitoring(const Config& config, bool events_now) {
    py::object monitoring = py::module_::import("sys").attr("monitoring");
    int tool = -1;
    for (int candidate : {4, 3, 2}) {
        if (monitoring.attr("get_tool")(candidate).is_none()) {
            tool = candidate;
            break;
        }
    }
    if (tool < 0) return false;
    monitoring.attr("use_tool_id")(tool, "pyitt-host");
    g_disable = monitoring.attr("DISABLE").ptr();
    Py_INCREF(g_disable);

    py::object events = monitoring.attr("events");
    const auto event = [&](const char* name) { return events.attr(name).cast<int>(); };
    const auto hook = [&](const char* name, PyMethodDef& def) {
        monitoring.attr("register_callback")(tool, events.attr(name), callback(def));
    };
    hook("PY_START", g_callbacks[0]);
    hook("PY_RESUME", g_callbacks[0]);
    hook("PY_THROW", g_callbacks[1]);
    hook("PY_RETURN", g_callbacks[2]);
    hook("PY_YIELD", g_callbacks[2]);
    hook("PY_UNWIND", g_callbacks[3]);
    int mask = event("PY_START") | event("PY_RESUME") | event("PY_THROW") | event("PY_RETURN") |
               event("PY_YIELD") | event("PY_UNWIND");
    if (config.trace_c) {
        hook("CALL", g_callbacks[4]);
        hook("C_RETURN", g_callbacks[5]);
        hook("C_RAISE", g_callbacks[5]);
        mask |= event("CALL") | event("C_RETURN") | event("C_RAISE");
    }
    if (events_now) {
        monitoring.attr("set_events")(tool, mask);
    } else {
        g_set_events = py::object(monitoring.attr("set_events")).release().ptr();
        g_tool = tool;
        g_events = mask;
    }
    return true;
}

void start_monitoring_events() {
    if (g_set_events == nullptr) return;
    PyObject* started = PyObject_CallFunction(g_set_events, "ii", g_tool, g_events);
    Py_CLEAR(g_set_events);
    if (started == nullptr) {  // our tool id was freed by the program
        PyErr_WriteUnraisable(nullptr);
        return;
    }
    Py_DECREF(started);
}

}  // namespace pyitt::instrument

#else

namespace pyitt::instrument {
bool install_monitoring(const Config&, bool) { return false; }
}  // namespace pyitt::instrument

#endif
