// pyitt.Counter (pyitt's u64 counter, plus typed counters: signed, float, double) and
// pyitt.Histogram. Values are range-checked before they reach ITT: a negative value for an
// unsigned counter is a ValueError, never a wrapped-around number in the profile.
#include <pybind11/pybind11.h>

#include <string>

#include "api_parts.h"
#include "args.h"

namespace pyitt::api {

namespace {

using py::arg;

bool is_float_type(int type) { return type == itt_abi::kMetadataFloat || type == itt_abi::kMetadataDouble; }

class Counter {
public:
    Counter(py::object name, py::object domain, py::object value, py::object type) {
        const char* w = "Counter()";
        // pyitt.native's messages and exception classes for the arguments pyitt has.
        if (!PyUnicode_Check(name.ptr()) && !is_string_handle(name.ptr()))
            throw py::type_error("The passed name is not a valid instance of str or pyitt.native.StringHandle.");
        std::string text = text_arg(name, w, "name");
        name_ = py::str(text);
        try {
            domain_ = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(domain_arg(domain, w)));
        } catch (py::error_already_set& e) {
            py::raise_from(e, PyExc_ValueError,
                           "The pyitt.native.Domain object cannot be created for the instance of pyitt.native.Counter.");
            throw py::error_already_set();
        }
        type_ = type.is_none() ? itt_abi::kMetadataU64 : metadata_type_arg(type, w, "type");
        std::string domain_name = py::str(domain_).cast<std::string>();
        handle_ = type_ == itt_abi::kMetadataU64 ? itt::counter_create(text.c_str(), domain_name.c_str())
                                                 : itt::counter_create_typed(text.c_str(), domain_name.c_str(), type_);
        if (!value.is_none()) {
            try {
                require_number(value, w, "value");
            } catch (const py::value_error&) {
                throw py::type_error("The passed value is not a valid instance of int and cannot be converted to int.");
            }
        }
        // As pyitt: the counter starts at its initial value (0 by default) in the profile.
        store_checked(value.is_none() ? py::object(py::int_(0)) : value, w, "value");
    }
    Counter(const Counter&) = delete;
    Counter& operator=(const Counter&) = delete;
    ~Counter() {
        if (handle_ != nullptr) itt::counter_destroy(handle_);
    }

    void set(py::object value) {
        require_number(value, "Counter.set()", "value");
        store_checked(value, "Counter.set()", "value");
    }
    void inc(py::object delta) { step(delta, "Counter.inc()", false); }
    void dec(py::object delta) { step(delta, "Counter.dec()", true); }

    py::object name() const { return name_; }
    py::object domain() const { return domain_; }
    py::object value() const { return value_; }
    py::object type() const { return py::cast(static_cast<itt_abi::MetadataType>(type_)); }

private:
    void store(py::handle value, const char* where, const char* param) {
        std::string bytes;
        append_typed(bytes, type_, value, where, param);
        if (is_float_type(type_))
            value_ = py::float_(float_arg(value, where, param));
        else
            value_ = py::reinterpret_steal<py::object>(PyNumber_Long(value.ptr()));
        itt::counter_set_value(handle_, bytes.data());
    }

    // An int outside the type's range is pyitt's OverflowError (from PyLong_AsUnsignedLongLong).
    void store_checked(py::handle value, const char* where, const char* param) {
        if (type_ == itt_abi::kMetadataU64) check_u64(value);
        try {
            store(value, where, param);
        } catch (const py::value_error& e) {
            if (is_float_type(type_)) throw;
            PyErr_SetString(PyExc_OverflowError, e.what());
            throw py::error_already_set();
        }
    }

    void step(py::handle delta, const char* where, bool down) {
        py::object d;
        if (is_float_type(type_)) {
            d = py::float_(float_arg(delta, where, "delta"));
        } else {
            require_number(delta, where, "delta");
            d = py::reinterpret_steal<py::object>(PyNumber_Long(delta.ptr()));
            if (!d) throw py::error_already_set();
        }
        py::object next = py::reinterpret_steal<py::object>(down ? PyNumber_Subtract(value_.ptr(), d.ptr())
                                                                  : PyNumber_Add(value_.ptr(), d.ptr()));
        if (!next) throw py::error_already_set();
        if (type_ == itt_abi::kMetadataU64) check_u64(next);
        try {
            store(next, where, "value");
        } catch (const py::value_error&) {
            const std::string message = std::string(where) + ": the counter would become " +
                                        py::repr(next).cast<std::string>() + ", out of the range of its type " +
                                        py::str(type()).cast<std::string>();
            PyErr_SetString(is_float_type(type_) ? PyExc_ValueError : PyExc_OverflowError, message.c_str());
            throw py::error_already_set();
        }
    }

    // pyitt's u64 counters: Python's own OverflowError ("can't convert negative int to unsigned").
    static void check_u64(py::handle value) {
        py::object as_int = py::reinterpret_steal<py::object>(PyNumber_Long(value.ptr()));
        if (!as_int) throw py::error_already_set();
        PyLong_AsUnsignedLongLong(as_int.ptr());
        if (PyErr_Occurred()) throw py::error_already_set();
    }

    // pyitt: a new value that is not a number (no __int__) is a ValueError, with its message.
    void require_number(py::handle value, const char* where, const char* param) const {
        PyObject* p = value.ptr();
        if (PyLong_Check(p) || PyIndex_Check(p) || PyFloat_Check(p)) return;
        if (!is_float_type(type_) && Py_TYPE(p)->tp_as_number != nullptr && Py_TYPE(p)->tp_as_number->nb_int != nullptr)
            return;
        (void)where;
        throw py::value_error(std::string("The passed ") + param +
                              " is not a valid instance of int and cannot be converted to int.");
    }

    py::object name_, domain_, value_;
    int type_ = itt_abi::kMetadataU64;
    itt::CounterHandle handle_ = nullptr;
};

class Histogram {
public:
    Histogram(py::object name, py::object domain, py::object x_type, py::object y_type) {
        const char* w = "Histogram()";
        std::string text = text_arg(name, w, "name");
        name_ = py::str(text);
        DomainObject* d = domain_arg(domain, w);
        domain_ = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(d));
        x_type_ = metadata_type_arg(x_type, w, "x_type");
        y_type_ = metadata_type_arg(y_type, w, "y_type");
        handle_ = itt::histogram_create(d->handle, text.c_str(), x_type_, y_type_);
    }

    void submit(py::object x, py::object y) {
        const char* w = "Histogram.submit()";
        if (!PySequence_Check(y.ptr()) || PyUnicode_Check(y.ptr())) throw_type_error(w, "y", "a sequence of numbers", y);
        py::list ys(y);
        std::string y_bytes, x_bytes;
        for (auto v : ys) append_typed(y_bytes, y_type_, v, w, "y");
        if (!x.is_none()) {
            if (!PySequence_Check(x.ptr()) || PyUnicode_Check(x.ptr()))
                throw_type_error(w, "x", "a sequence of numbers or None", x);
            py::list xs(x);
            if (xs.size() != ys.size()) throw py::value_error("Histogram.submit(): x and y must have the same length");
            for (auto v : xs) append_typed(x_bytes, x_type_, v, w, "x");
        }
        if (ys.size() == 0) return;
        itt::histogram_submit(handle_, ys.size(), x.is_none() ? nullptr : x_bytes.data(), y_bytes.data());
    }

    py::object name() const { return name_; }
    py::object domain() const { return domain_; }

private:
    py::object name_, domain_;
    int x_type_ = 0, y_type_ = 0;
    itt::Histogram* handle_ = nullptr;
};

}  // namespace

void define_counters(py::module_& m) {
    py::class_<Counter>(m, "Counter",
                        "Counter(name, domain=None, value=None, type=None)\n\n"
                        "An ITT counter. name is a str or StringHandle, domain a Domain, a name or None ('pyitt'), "
                        "value the initial value (0), type a MetadataType or its name: 'u64' (default, pyitt's), "
                        "'s64', 'u32', 's32', 'u16', 's16', 'float' or 'double'. Each change is recorded; "
                        "a value outside the type's range is a ValueError.")
        .def(py::init<py::object, py::object, py::object, py::object>(), arg("name"), arg("domain") = py::none(),
             arg("value") = py::none(), arg("type") = py::none())
        .def("inc", &Counter::inc, arg("delta") = 1, "inc(delta=1)\n\nAdds delta to the counter.")
        .def("dec", &Counter::dec, arg("delta") = 1, "dec(delta=1)\n\nSubtracts delta from the counter.")
        .def("set", &Counter::set, arg("value"), "set(value)\n\nSets the counter.")
        .def("__iadd__", [](py::object self, py::object delta) { self.cast<Counter&>().inc(delta); return self; })
        .def("__isub__", [](py::object self, py::object delta) { self.cast<Counter&>().dec(delta); return self; })
        .def_property_readonly("name", &Counter::name, "The name of the counter (str).")
        .def_property_readonly("domain", &Counter::domain, "The domain of the counter.")
        .def_property_readonly("value", &Counter::value, "The current value.")
        .def_property_readonly("type", &Counter::type, "The MetadataType of the values.")
        .def("__repr__",
             [](const Counter& c) {
                 return py::str("pyitt.native.Counter({!r}, {!r}, {!r})").format(c.name(), c.domain(), c.value());
             })
        .def("__str__", [](const Counter& c) {
            return py::str("{{ name: '{}', domain: '{}', value: {} }}").format(c.name(), c.domain(), c.value());
        });
    m.attr("Counter").attr("__module__") = "pyitt.native";  // pyitt.Counter is pyitt.native.Counter
    m.def(
        "counter",
        [](py::object name, py::object domain, py::object init_value, py::object type) {
            return py::cast(new Counter(name, domain, init_value, type), py::return_value_policy::take_ownership);
        },
        arg("name"), arg("domain") = py::none(), arg("init_value") = py::none(), arg("type") = py::none(),
        "counter(name, domain=None, init_value=None, type=None)\n\nCreates a Counter.");

    py::class_<Histogram>(m, "Histogram",
                          "Histogram(name, domain=None, x_type='u64', y_type='u64')\n\n"
                          "An ITT histogram: submit(x, y) records len(y) points (x None: the indexes).")
        .def(py::init<py::object, py::object, py::object, py::object>(), arg("name"), arg("domain") = py::none(),
             arg("x_type") = "u64", arg("y_type") = "u64")
        .def("submit", &Histogram::submit, arg("x"), arg("y"),
             "submit(x, y)\n\nSubmits the points (x[i], y[i]); x may be None.")
        .def_property_readonly("name", &Histogram::name, "The name of the histogram.")
        .def_property_readonly("domain", &Histogram::domain, "The domain of the histogram.")
        .def("__repr__", [](const Histogram& h) {
            return py::str("pyitt.Histogram({!r}, {!r})").format(h.name(), h.domain());
        });
}

}  // namespace pyitt::api
