// Small helpers for the raw CPython C API code of the pyitt module: an owning reference, argument
// checks whose errors name the parameter, and UTF-8 names that refuse NUL bytes.
#pragma once

#include <Python.h>

#include "py_compat.h"

#include <cstdint>
#include <string_view>
#include <utility>

namespace pyitt::api {

// An owned (strong) reference; null means "no object" or "an exception is set".
class Ref {
public:
    Ref() = default;
    explicit Ref(PyObject* owned) : p_(owned) {}
    static Ref borrow(PyObject* borrowed) {
        Py_XINCREF(borrowed);
        return Ref(borrowed);
    }
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Ref& operator=(Ref&& o) noexcept {
        if (this != &o) {
            Py_XDECREF(p_);
            p_ = std::exchange(o.p_, nullptr);
        }
        return *this;
    }
    ~Ref() { Py_XDECREF(p_); }
    PyObject* get() const { return p_; }
    PyObject* release() { return std::exchange(p_, nullptr); }
    explicit operator bool() const { return p_ != nullptr; }

private:
    PyObject* p_ = nullptr;
};

// Replaces *slot (an owned reference or null) by a new reference to value.
inline void assign(PyObject*& slot, PyObject* value) {
    Py_XINCREF(value);
    Py_XSETREF(slot, value);
}

// TypeError "<function>() argument '<param>' must be <expected>, not <type>".
inline std::nullptr_t type_error(const char* where, const char* param, const char* expected, PyObject* got) {
    PyErr_Format(PyExc_TypeError, "%s: argument '%s' must be %s, not %s", where, param, expected,
                 Py_TYPE(got)->tp_name);
    return nullptr;
}

// The UTF-8 text of a str argument: TypeError for another type, ValueError for an embedded NUL
// (ITT takes C strings: a NUL would silently cut the name). The view lives as long as `text`.
inline bool utf8_name(PyObject* text, const char* where, const char* param, std::string_view& out) {
    if (!PyUnicode_Check(text)) return type_error(where, param, "str", text), false;
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(text, &size);
    if (data == nullptr) return false;
    if (std::string_view(data, static_cast<std::size_t>(size)).find('\0') != std::string_view::npos) {
        PyErr_Format(PyExc_ValueError, "%s: argument '%s' must not contain a NUL character", where, param);
        return false;
    }
    out = std::string_view(data, static_cast<std::size_t>(size));
    return true;
}

}  // namespace pyitt::api
