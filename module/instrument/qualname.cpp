// Qualified names before 3.11, whose code objects carry only co_name: found once per code object
// (off the hot path) among the module's functions and the methods of its classes, which covers
// `Class.method`; anything else keeps its plain name. Only type checks and dictionary reads: no
// attribute lookup that could run the program's code.
#include "qualname.h"

namespace pyitt::instrument {
namespace {

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
