// Argument conversions for the pybind11-bound functions: every parameter is taken as py::object
// and converted here, so that a wrong type raises a TypeError naming the parameter (pybind11's
// own overload errors do not) and out-of-range numbers raise ValueError.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "handles.h"

namespace pyitt::api {

namespace py = pybind11;

[[noreturn]] inline void throw_type_error(const char* where, const char* param, const char* expected,
                                          py::handle got) {
    throw py::type_error(std::string(where) + ": argument '" + param + "' must be " + expected + ", not " +
                         Py_TYPE(got.ptr())->tp_name);
}

inline DomainObject* domain_arg(py::handle arg, const char* where, const char* param = "domain") {
    DomainObject* d = to_domain(arg.ptr(), where, param);
    if (d == nullptr) throw py::error_already_set();
    return d;
}

// pyitt's low-level task and frame calls take no default domain: None is a TypeError there, as in pyitt.
inline DomainObject* given_domain_arg(py::handle arg, const char* where) {
    if (arg.is_none()) throw_type_error(where, "domain", "a pyitt.Domain, str or pyitt.StringHandle", arg);
    return domain_arg(arg, where);
}

inline StringHandleObject* name_arg(py::handle arg, const char* where, const char* param = "name") {
    StringHandleObject* s = to_string_handle(arg.ptr(), where, param);
    if (s == nullptr) throw py::error_already_set();
    return s;
}

// None -> null id.
inline itt::Id id_arg(py::handle arg, const char* where, const char* param, bool* given = nullptr);

// A text argument as UTF-8 without NUL (str, or StringHandle when allow_handle).
std::string text_arg(py::handle arg, const char* where, const char* param, bool allow_handle = true);

// Integers: Python ints and objects with __index__; floats and other numbers with __int__ are
// truncated as pyitt does. ValueError when outside [min, max].
long long signed_arg(py::handle arg, const char* where, const char* param, long long min, long long max);
unsigned long long unsigned_arg(py::handle arg, const char* where, const char* param, unsigned long long max);
double float_arg(py::handle arg, const char* where, const char* param);

// An enum member of `enum_type`, its lower-case name ("child_of"), or an int member value.
int enum_arg(py::handle arg, py::handle enum_type, const char* where, const char* param);

// A metadata/counter type: MetadataType member or "u64", "s64", "u32", "s32", "u16", "s16",
// "float", "double".
int metadata_type_arg(py::handle arg, const char* where, const char* param);

// Appends the bytes of one value of ITT metadata type `type` to out (range-checked).
void append_typed(std::string& out, int type, py::handle value, const char* where, const char* param);

py::object enum_type(const char* name);  // pyitt.<name>, registered by define_enums

inline itt::Id id_arg(py::handle arg, const char* where, const char* param, bool* given) {
    if (given) *given = false;
    if (arg.is_none()) return itt::kNullId;
    // A task (or region) with an id stands for its id.
    if (!is_id(arg.ptr())) {
        if (py::hasattr(arg, "_spans_calls") && py::hasattr(arg, "parent_id")) {
            py::object id = arg.attr("id");
            if (!id.is_none() && is_id(id.ptr())) return id_arg(id, where, param, given);
        }
        throw_type_error(where, param, "a pyitt.Id (or a task with an id)", arg);
    }
    if (given) *given = true;
    return reinterpret_cast<IdObject*>(arg.ptr())->id;
}

}  // namespace pyitt::api
