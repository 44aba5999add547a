// The few CPython C API calls the module uses that older supported versions (3.9, 3.10) lack or
// declare outside Python.h.
#pragma once

#include <Python.h>
#include <frameobject.h>  // PyFrame_GetBack, PyFrame_GetCode: not in Python.h before 3.11

#if PY_VERSION_HEX < 0x030A0000
inline PyObject* Py_NewRef(PyObject* object) {
    Py_INCREF(object);
    return object;
}
inline PyObject* Py_XNewRef(PyObject* object) {
    Py_XINCREF(object);
    return object;
}
inline int Py_IsNone(PyObject* object) { return object == Py_None; }
inline int Py_Is(PyObject* x, PyObject* y) { return x == y; }
#endif

#if PY_VERSION_HEX < 0x030B0000
inline PyObject* PyType_GetName(PyTypeObject* type) { return PyObject_GetAttrString(reinterpret_cast<PyObject*>(type), "__name__"); }
#endif
