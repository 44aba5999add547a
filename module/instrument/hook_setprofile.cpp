// The fallback hook, PyEval_SetProfile, for when another tool owns the fast mechanism (a debugger,
// torch.compile), and for C calls (--trace-c) before 3.12. Slower: while it is set, every
// bytecode runs on the tracing path. Also the labels of C functions.
#include "hooks.h"

#include <pybind11/pybind11.h>

#include <string>
#include <unordered_map>

#include "frame_marks.h"

namespace py = pybind11;

namespace pyitt::instrument {
namespace {

bool g_python_calls = false;
bool g_c_calls = false;

int on_event(PyObject*, PyFrameObject* frame, int what, PyObject* arg) {
    switch (what) {
        case PyTrace_CALL:
        case PyTrace_RETURN: {
            if (!g_python_calls) return 0;
            PyCodeObject* code = PyFrame_GetCode(frame);  // new reference
            Py_DECREF(code);                               // the frame keeps it alive
            CodeInfo* info = code_info(code, nullptr);
            if (info->passive) return 0;
            ThreadState* state = thread_state();
            if (what == PyTrace_RETURN) {
                end_frame(state, code);
            } else {
                begin_frame(state, code, info);
            }
            return 0;
        }
        case PyTrace_C_CALL: {
            if (!g_c_calls) return 0;
            PyCodeObject* caller = PyFrame_GetCode(frame);
            Py_DECREF(caller);
            if (code_info(caller, nullptr)->decision == CodeInfo::kSkip) return 0;
            begin_c_call(thread_state(), arg);
            return 0;
        }
        case PyTrace_C_RETURN:
        case PyTrace_C_EXCEPTION:
            if (g_c_calls) end_c_call(thread_state(), arg);
            return 0;
        default:
            return 0;
    }
}

std::string attribute_text(PyObject* object, const char* name) {
    PyObject* value = PyObject_GetAttrString(object, name);
    if (value == nullptr) {
        PyErr_Clear();
        return {};
    }
    std::string text;
    if (PyUnicode_Check(value)) {
        const char* data = PyUnicode_AsUTF8(value);
        if (data != nullptr) text = data;
    }
    Py_DECREF(value);
    PyErr_Clear();
    return text;
}

// Types and descriptors of builtin types' methods live as long as their type: they name
// themselves. Other callable objects are named by their type.
bool names_itself(PyObject* callable) {
    return PyCFunction_Check(callable) || PyType_Check(callable) || Py_IS_TYPE(callable, &PyMethodDescr_Type) ||
           Py_IS_TYPE(callable, &PyWrapperDescr_Type) || Py_IS_TYPE(callable, &PyClassMethodDescr_Type);
}

// A stable identity for a C callable's label: the PyMethodDef of builtin functions and bound
// methods (one per method, whatever the instance), the object for types and descriptors, else its type.
const void* label_key(PyObject* callable) {
    if (PyCFunction_Check(callable)) return reinterpret_cast<PyCFunctionObject*>(callable)->m_ml;
    return names_itself(callable) ? static_cast<const void*>(callable) : static_cast<const void*>(Py_TYPE(callable));
}

}  // namespace

itt::StringHandle* c_function_handle(PyObject* callable) {
    static std::unordered_map<const void*, itt::StringHandle*> handles;
    const void* key = label_key(callable);
    auto found = handles.find(key);
    if (found != handles.end()) return found->second;
    Busy busy(thread_state());
    PyObject* named = names_itself(callable) ? callable : reinterpret_cast<PyObject*>(Py_TYPE(callable));
    std::string module = attribute_text(named, "__module__");
    std::string qualname = attribute_text(named, "__qualname__");
    if (module.empty() && PyCFunction_Check(callable)) {
        PyObject* self = PyCFunction_GET_SELF(callable);
        if (self != nullptr && PyModule_Check(self)) module = PyModule_GetName(self) ? PyModule_GetName(self) : "";
        PyErr_Clear();
    }
    if (qualname.empty()) qualname = "<callable>";
    const std::string label = module.empty() ? qualname : module + "." + qualname;
    ensure_domain();  // the first C call recorded may be the run's first task
    itt::StringHandle* handle = itt::string_handle_create(label.c_str());
    handles.emplace(key, handle);
    return handle;
}

void install_setprofile(bool python_calls, bool c_calls) {
    g_python_calls = python_calls;
    g_c_calls = c_calls;
#if PY_VERSION_HEX >= 0x030C0000
    PyEval_SetProfileAllThreads(on_event, nullptr);
#else
    // Threads that exist now and threads started later through `threading` (see instrumenter).
    PyEval_SetProfile(on_event, nullptr);
#endif
}

void install_setprofile_on_this_thread() {
#if PY_VERSION_HEX < 0x030C0000
    if (g_python_calls || g_c_calls) PyEval_SetProfile(on_event, nullptr);
#endif
}

}  // namespace pyitt::instrument
