// A Python source compiled into a binary with its code object, marshalled at build time by the python
// the build embeds (precompile.py): running it costs an unmarshal, not a compile, at every start.
#pragma once

#include <Python.h>
#include <marshal.h>
#include <pybind11/pybind11.h>

#include <cstddef>

namespace pyitt::embed {

struct EmbeddedCode {
    const char* filename;  // the code's co_filename: shown in tracebacks
    const char* source;
    std::size_t source_size;
    const unsigned char* code;  // marshal.dumps(compile(source, filename, "exec", optimize=0))
    std::size_t code_size;
    long magic;  // importlib.util.MAGIC_NUMBER of the python that marshalled it
};

// The marshalled code serves when this interpreter reads it as it was written: same bytecode (magic)
// and no -O (the code was compiled with asserts and docstrings kept).
inline bool precompiled_usable(const EmbeddedCode& entry) {
    if (entry.magic != PyImport_GetMagicNumber()) return false;
    PyObject* flags = PySys_GetObject("flags");  // borrowed
    if (flags == nullptr) return true;
    pybind11::object optimize = pybind11::getattr(flags, "optimize", pybind11::int_(0));
    return optimize.cast<long>() == 0;
}

// The entry's code object: unmarshalled, or compiled from its source where the marshalled one does not serve.
inline pybind11::object code_object(const EmbeddedCode& entry) {
    PyObject* code = precompiled_usable(entry)
                         ? PyMarshal_ReadObjectFromString(reinterpret_cast<const char*>(entry.code),
                                                          static_cast<Py_ssize_t>(entry.code_size))
                         : Py_CompileString(entry.source, entry.filename, Py_file_input);
    if (code == nullptr) throw pybind11::error_already_set();
    return pybind11::reinterpret_steal<pybind11::object>(code);
}

// Runs the entry's code in globals (its module's namespace).
inline void exec_embedded(const EmbeddedCode& entry, pybind11::dict globals) {
    pybind11::object code = code_object(entry);
    PyObject* result = PyEval_EvalCode(code.ptr(), globals.ptr(), globals.ptr());
    if (result == nullptr) throw pybind11::error_already_set();
    Py_DECREF(result);
}

// The marshalled code as a read-only memoryview of the binary's own bytes (for marshal.loads when the
// module is first imported), or None where it does not serve.
inline pybind11::object marshalled_view(const EmbeddedCode& entry) {
    if (!precompiled_usable(entry)) return pybind11::none();
    PyObject* view = PyMemoryView_FromMemory(const_cast<char*>(reinterpret_cast<const char*>(entry.code)),
                                             static_cast<Py_ssize_t>(entry.code_size), PyBUF_READ);
    if (view == nullptr) throw pybind11::error_already_set();
    return pybind11::reinterpret_steal<pybind11::object>(view);
}

}  // namespace pyitt::embed
