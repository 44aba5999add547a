#include "args.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string_view>

#include "api_parts.h"
#include "py_util.h"

namespace pyitt::api {

std::string text_arg(py::handle arg, const char* where, const char* param, bool allow_handle) {
    PyObject* text = arg.ptr();
    if (allow_handle && is_string_handle(text)) text = reinterpret_cast<StringHandleObject*>(text)->str;
    if (!PyUnicode_Check(text)) throw_type_error(where, param, allow_handle ? "str or pyitt.StringHandle" : "str", arg);
    std::string_view utf8;
    if (!utf8_name(text, where, param, utf8)) throw py::error_already_set();
    return std::string(utf8);
}

namespace {

// An int for a numeric argument: __index__ first, then __int__ (floats), never str.
py::int_ as_int(py::handle arg, const char* where, const char* param) {
    if (PyLong_Check(arg.ptr())) return py::reinterpret_borrow<py::int_>(arg);
    if (PyIndex_Check(arg.ptr())) return py::reinterpret_steal<py::int_>(PyNumber_Index(arg.ptr()));
    if (PyFloat_Check(arg.ptr()) || (Py_TYPE(arg.ptr())->tp_as_number && Py_TYPE(arg.ptr())->tp_as_number->nb_int &&
                                     !PyUnicode_Check(arg.ptr()))) {
        if (PyFloat_Check(arg.ptr()) && !std::isfinite(PyFloat_AS_DOUBLE(arg.ptr())))
            throw py::value_error(std::string(where) + ": argument '" + param + "' must be a finite number");
        PyObject* value = PyNumber_Long(arg.ptr());
        if (value == nullptr) throw py::error_already_set();
        return py::reinterpret_steal<py::int_>(value);
    }
    throw_type_error(where, param, "an int", arg);
}

[[noreturn]] void out_of_range(const char* where, const char* param, py::handle value, const char* range) {
    throw py::value_error(std::string(where) + ": argument '" + param + "' = " + py::repr(value).cast<std::string>() +
                          " is out of range (" + range + ")");
}

}  // namespace

long long signed_arg(py::handle arg, const char* where, const char* param, long long min, long long max) {
    py::int_ value = as_int(arg, where, param);
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    if (overflow != 0 || v < min || v > max)
        out_of_range(where, param, value, (std::to_string(min) + ".." + std::to_string(max)).c_str());
    return v;
}

unsigned long long unsigned_arg(py::handle arg, const char* where, const char* param, unsigned long long max) {
    py::int_ value = as_int(arg, where, param);
    if (PyObject_RichCompareBool(value.ptr(), py::int_(0).ptr(), Py_LT) == 1)
        throw py::value_error(std::string(where) + ": argument '" + param + "' must not be negative (got " +
                              py::repr(value).cast<std::string>() + ")");
    unsigned long long v = PyLong_AsUnsignedLongLong(value.ptr());
    if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
        PyErr_Clear();
        out_of_range(where, param, value, ("0.." + std::to_string(max)).c_str());
    }
    if (v > max) out_of_range(where, param, value, ("0.." + std::to_string(max)).c_str());
    return v;
}

double float_arg(py::handle arg, const char* where, const char* param) {
    if (PyFloat_Check(arg.ptr())) return PyFloat_AS_DOUBLE(arg.ptr());
    if (PyLong_Check(arg.ptr()) || PyIndex_Check(arg.ptr()) ||
        (Py_TYPE(arg.ptr())->tp_as_number && Py_TYPE(arg.ptr())->tp_as_number->nb_float && !PyUnicode_Check(arg.ptr()))) {
        double v = PyFloat_AsDouble(arg.ptr());
        if (v == -1.0 && PyErr_Occurred()) throw py::error_already_set();
        return v;
    }
    throw_type_error(where, param, "a number", arg);
}

namespace {
std::map<std::string, PyObject*>& remembered_types() {
    static std::map<std::string, PyObject*> types;  // strong references, kept for the process
    return types;
}
}  // namespace

void remember_type(const char* name, py::handle type) {
    PyObject*& slot = remembered_types()[name];
    Py_XDECREF(slot);
    slot = Py_NewRef(type.ptr());
}

py::object m_attr(const char* name) { return py::reinterpret_borrow<py::object>(remembered_types().at(name)); }

py::object enum_type(const char* name) { return m_attr(name); }

int enum_arg(py::handle arg, py::handle type, const char* where, const char* param) {
    if (py::isinstance(arg, type)) return py::int_(py::reinterpret_borrow<py::object>(arg));
    if (PyUnicode_Check(arg.ptr())) {
        std::string key = arg.cast<std::string>();
        for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        py::dict members = type.attr("__members__");
        if (members.contains(key)) return py::int_(members[py::str(key)]);
        throw py::value_error(std::string(where) + ": argument '" + param + "' = " + py::repr(arg).cast<std::string>() +
                              " is not one of " + py::repr(py::list(members.attr("keys")())).cast<std::string>());
    }
    if (PyLong_Check(arg.ptr()) && !PyBool_Check(arg.ptr())) {
        for (auto item : py::dict(type.attr("__members__")))
            if (py::int_(py::reinterpret_borrow<py::object>(item.second)).equal(arg)) return py::int_(py::reinterpret_borrow<py::object>(arg));
        throw py::value_error(std::string(where) + ": argument '" + param + "' = " + py::repr(arg).cast<std::string>() +
                              " is not a valid " + py::str(type.attr("__name__")).cast<std::string>());
    }
    throw_type_error(where, param, ("pyitt." + py::str(type.attr("__name__")).cast<std::string>() + " or str").c_str(),
                     arg);
}

int metadata_type_arg(py::handle arg, const char* where, const char* param) {
    return enum_arg(arg, enum_type("MetadataType"), where, param);
}

void append_typed(std::string& out, int type, py::handle value, const char* where, const char* param) {
    auto put = [&out](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
    using L = std::numeric_limits<long long>;
    switch (type) {
        case itt_abi::kMetadataU64: put(static_cast<std::uint64_t>(unsigned_arg(value, where, param, ~0ULL))); break;
        case itt_abi::kMetadataS64: put(static_cast<std::int64_t>(signed_arg(value, where, param, L::min(), L::max()))); break;
        case itt_abi::kMetadataU32: put(static_cast<std::uint32_t>(unsigned_arg(value, where, param, 0xFFFFFFFFULL))); break;
        case itt_abi::kMetadataS32: put(static_cast<std::int32_t>(signed_arg(value, where, param, INT32_MIN, INT32_MAX))); break;
        case itt_abi::kMetadataU16: put(static_cast<std::uint16_t>(unsigned_arg(value, where, param, 0xFFFFULL))); break;
        case itt_abi::kMetadataS16: put(static_cast<std::int16_t>(signed_arg(value, where, param, INT16_MIN, INT16_MAX))); break;
        case itt_abi::kMetadataFloat: put(static_cast<float>(float_arg(value, where, param))); break;
        case itt_abi::kMetadataDouble: put(float_arg(value, where, param)); break;
        default: throw py::value_error(std::string(where) + ": unknown metadata type");
    }
}

}  // namespace pyitt::api
