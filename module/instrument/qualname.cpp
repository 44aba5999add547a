// Qualified names before 3.11, whose code objects carry only co_name. Two ways, both off the hot
// path: from the nesting of code objects in their module's code, as the compiler builds
// __qualname__ (any depth: `make.<locals>.inner`, `Outer.Inner.method`), attached when the module's
// code first runs; else, for code whose module ran before the instrumentation, among the module's
// functions and the methods of its classes. Only type checks, tuple and dictionary reads: nothing
// that could run the program's code.
#include "qualname.h"

#if PY_VERSION_HEX < 0x030B0000
#include <opcode.h>
#endif

#include <string_view>

namespace pyitt::instrument {
namespace {

#if PY_VERSION_HEX < 0x030B0000
Py_ssize_t g_name_index = -1;  // the code-extra slot holding a nested code object's name

void release_name(void* name) { Py_XDECREF(static_cast<PyObject*>(name)); }

bool named(PyCodeObject* code, std::string_view name) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(code->co_name, &size);
    if (text == nullptr) {
        PyErr_Clear();
        return false;
    }
    return std::string_view(text, static_cast<size_t>(size)) == name;
}

bool is_comprehension(PyCodeObject* code) {
    return named(code, "<listcomp>") || named(code, "<setcomp>") || named(code, "<dictcomp>") ||
           named(code, "<genexpr>");
}

// Whether `parent`'s bytecode stores `name` as a global (`global name` before a nested def or
// class): the compiler then gives the nested one its plain name.
bool stores_global(PyCodeObject* parent, PyObject* name) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(PyBytes_AS_STRING(parent->co_code));
    const Py_ssize_t size = PyBytes_GET_SIZE(parent->co_code);
    const Py_ssize_t names = PyTuple_GET_SIZE(parent->co_names);
    unsigned long argument = 0;
    for (Py_ssize_t at = 0; at + 1 < size; at += 2) {
        argument = (argument << 8) | bytes[at + 1];
        if (bytes[at] == EXTENDED_ARG) continue;
        if (bytes[at] == STORE_GLOBAL && argument < static_cast<unsigned long>(names) &&
            PyUnicode_Compare(PyTuple_GET_ITEM(parent->co_names, argument), name) == 0) {
            return true;
        }
        argument = 0;
    }
    return false;
}

// compiler_set_qualname's rules: in a function or a lambda, "<parent>.<locals>.<name>"; in a class
// body or a comprehension, "<parent>.<name>"; at the top level, or declared global, "<name>".
void name_constants(PyCodeObject* parent, PyObject* parent_name) {
    const bool parent_is_function = parent_name != nullptr && (parent->co_flags & CO_OPTIMIZED) && !is_comprehension(parent);
    PyObject* constants = parent->co_consts;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(constants); ++i) {
        PyObject* constant = PyTuple_GET_ITEM(constants, i);
        if (!PyCode_Check(constant)) continue;
        auto* code = reinterpret_cast<PyCodeObject*>(constant);
        void* named_already = nullptr;
        if (_PyCode_GetExtra(constant, g_name_index, &named_already) != 0) PyErr_Clear();
        if (named_already != nullptr) continue;  // the same code object reached twice
        const bool definition = !named(code, "<lambda>") && !is_comprehension(code);  // a def or a class
        PyObject* name = nullptr;
        if (parent_name == nullptr || (definition && stores_global(parent, code->co_name))) {
            name = code->co_name;
            Py_INCREF(name);
        } else {
            name = PyUnicode_FromFormat(parent_is_function ? "%U.<locals>.%U" : "%U.%U", parent_name, code->co_name);
        }
        if (name == nullptr) {
            PyErr_Clear();
            continue;
        }
        if (_PyCode_SetExtra(constant, g_name_index, name) != 0) {
            PyErr_Clear();
            Py_DECREF(name);
            continue;
        }
        name_constants(code, name);  // the extra slot holds the reference
    }
}
#endif

// The function behind a class attribute: itself, or wrapped by staticmethod, classmethod, property.
PyObject* function_of(PyObject* attribute) {
    if (PyFunction_Check(attribute)) return attribute;
    if (Py_IS_TYPE(attribute, &PyStaticMethod_Type) || Py_IS_TYPE(attribute, &PyClassMethod_Type) ||
        Py_IS_TYPE(attribute, &PyProperty_Type)) {
        PyObject* inner = PyObject_GetAttrString(attribute, Py_IS_TYPE(attribute, &PyProperty_Type) ? "fget" : "__func__");
        if (inner == nullptr) {
            PyErr_Clear();
            return nullptr;
        }
        Py_DECREF(inner);  // the wrapper holds it
        return PyFunction_Check(inner) ? inner : nullptr;
    }
    return nullptr;
}

bool owns(PyObject* function, PyCodeObject* code) {
    return function != nullptr && PyFunction_GET_CODE(function) == reinterpret_cast<PyObject*>(code);
}

PyObject* qualname_of(PyObject* function) {
    PyObject* name = reinterpret_cast<PyFunctionObject*>(function)->func_qualname;
    if (name == nullptr || !PyUnicode_Check(name)) return nullptr;
    Py_INCREF(name);
    return name;
}

}  // namespace

#if PY_VERSION_HEX < 0x030B0000
void name_nested_code(PyCodeObject* top_level) {
    if (g_name_index < 0) {
        g_name_index = _PyEval_RequestCodeExtraIndex(release_name);
        if (g_name_index < 0) {
            PyErr_Clear();
            return;
        }
    }
    name_constants(top_level, nullptr);
}

PyObject* nested_qualified_name(PyCodeObject* code) {
    if (g_name_index < 0) return nullptr;
    void* name = nullptr;
    if (_PyCode_GetExtra(reinterpret_cast<PyObject*>(code), g_name_index, &name) != 0) {
        PyErr_Clear();
        return nullptr;
    }
    Py_XINCREF(static_cast<PyObject*>(name));
    return static_cast<PyObject*>(name);
}
#endif

PyObject* find_qualified_name(PyCodeObject* code, PyObject* globals) {
    if (globals == nullptr || !PyDict_Check(globals)) return nullptr;
    PyObject* values = PyDict_Values(globals);  // a snapshot holding strong references
    if (values == nullptr) {
        PyErr_Clear();
        return nullptr;
    }
    PyObject* found = nullptr;
    for (Py_ssize_t i = 0; found == nullptr && i < PyList_GET_SIZE(values); ++i) {
        PyObject* value = PyList_GET_ITEM(values, i);
        if (owns(function_of(value), code)) {
            found = qualname_of(function_of(value));
        } else if (PyType_Check(value)) {
            PyObject* attributes = reinterpret_cast<PyTypeObject*>(value)->tp_dict;
            PyObject* attribute = attributes != nullptr ? PyDict_GetItemWithError(attributes, code->co_name) : nullptr;
            if (attribute == nullptr) PyErr_Clear();
            if (attribute != nullptr && owns(function_of(attribute), code)) found = qualname_of(function_of(attribute));
        }
    }
    Py_DECREF(values);
    return found;
}

}  // namespace pyitt::instrument
