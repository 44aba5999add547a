#include "pyitt_module.h"

#include <cstring>
#include <unordered_set>

#include "api.h"
#include "instrumenter.h"
#include "thread_state.h"

namespace py = pybind11;

namespace pyitt {
namespace {

// pybind11 2.10 allocates a class's tp_doc with PyObject_Malloc; CPython 3.13 frees it with
// PyMem_Free, which the debug allocators (-X dev, PYTHONMALLOC=debug) reject at exit. Re-home
// every docstring of our classes into the allocator that will free it.
void rehome_class_docs(py::handle namespace_object, std::unordered_set<PyObject*>& seen) {
#if PY_VERSION_HEX >= 0x030D0000
    if (!seen.insert(namespace_object.ptr()).second) return;
    py::dict members = namespace_object.attr("__dict__");
    for (auto item : members) {
        PyObject* value = item.second.ptr();
        if (PyType_Check(value) && std::strcmp(Py_TYPE(value)->tp_name, "pybind11_type") == 0) {
            if (seen.count(value) != 0) continue;
            auto* type = reinterpret_cast<PyTypeObject*>(value);
            if (type->tp_doc != nullptr) {
                const size_t size = std::strlen(type->tp_doc) + 1;
                auto* copy = static_cast<char*>(PyMem_Malloc(size));
                if (copy == nullptr) continue;
                std::memcpy(copy, type->tp_doc, size);
                PyObject_Free(const_cast<char*>(type->tp_doc));
                type->tp_doc = copy;
            }
            rehome_class_docs(value, seen);  // nested classes
        } else if (PyModule_CheckExact(value)) {  // not the lazy submodules: reading them runs them
            const char* name = PyModule_GetName(value);
            if (name != nullptr && std::strncmp(name, "pyitt", 5) == 0) rehome_class_docs(value, seen);
            PyErr_Clear();
        }
    }
#else
    (void)namespace_object;
    (void)seen;
#endif
}

}  // namespace

void define_module(py::module_& module, bool in_host) {
    // Importing pyitt runs Python code of its own (and the stdlib it imports): never the program's tasks.
    instrument::Busy busy(instrument::thread_state());
    module.doc() = "Intel ITT API for Python (pyitt-compatible), from pyitt-host.";
    module.attr("__version__") = kVersion;
    module.attr("in_host") = in_host;
    py::object register_abcs = api::define(module, in_host);
    if (in_host) instrument::after_import("importlib.abc", register_abcs);
    instrument::define(module);
    std::unordered_set<PyObject*> seen;
    rehome_class_docs(module, seen);
}

}  // namespace pyitt
