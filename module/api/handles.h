// pyitt.Domain, pyitt.StringHandle and pyitt.Id: the ITT handles as Python objects. Domains and
// string handles are never freed by ITT, so each name maps to one cached Python object for the
// life of the process: Domain('x') is Domain('x'), and creating one again is a dict lookup.
#pragma once

#include <Python.h>

#include "itt_client.h"

namespace pyitt::api {

struct DomainObject {
    PyObject_HEAD
    PyObject* name;  // str
    itt::Domain* handle;  // nullptr when no collector is configured: calls are then no-ops
};

struct StringHandleObject {
    PyObject_HEAD
    PyObject* str;  // str
    itt::StringHandle* handle;
};

struct IdObject {
    PyObject_HEAD
    PyObject* domain;  // DomainObject
    itt::Id id;
};

// The default domain of pyitt.
inline constexpr const char* kDefaultDomain = "pyitt";

// Creates the three types once per process (re-imports reuse them, so cached objects stay valid)
// and adds them to `module`. Returns false with an exception set.
bool add_handle_types(PyObject* module);

PyTypeObject* domain_type();
PyTypeObject* string_handle_type();
PyTypeObject* id_type();

inline bool is_domain(PyObject* o) { return Py_IS_TYPE(o, domain_type()); }
inline bool is_string_handle(PyObject* o) { return Py_IS_TYPE(o, string_handle_type()); }
inline bool is_id(PyObject* o) { return PyObject_TypeCheck(o, id_type()); }

// Borrowed references to cached objects (they live forever). Null with an exception set on error.
DomainObject* domain_named(PyObject* name_str, const char* where, const char* param);
DomainObject* default_domain();
StringHandleObject* string_handle_named(PyObject* name_str, const char* where, const char* param);

// Argument conversions whose errors name the parameter. Borrowed results.
// domain: None (the default domain), str, StringHandle or Domain.
DomainObject* to_domain(PyObject* arg, const char* where, const char* param);
// name: str or StringHandle.
StringHandleObject* to_string_handle(PyObject* arg, const char* where, const char* param);
// id: None (returns true and sets *out to null) or Id.
bool to_optional_id(PyObject* arg, const char* where, const char* param, IdObject** out);

// An Id object for an id already id_create'd in `domain`: it takes the id over (destroys it when freed).
PyObject* id_adopt(DomainObject* domain, itt::Id id);

// A fresh id for one overlapped task or region instance, unique in the process; no Python object.
itt::Id next_call_id();

}  // namespace pyitt::api
