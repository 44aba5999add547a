// `profile` and `noprofile` as objects: a raw C type, so that a `with profile:` block costs two C
// method calls (no pybind11 dispatch, no argument conversion) around the region's own counters.
// Calling one decorates a function (instrumenter.cpp does that part, in Python).
#include "profile_region_type.h"

#include <utility>

#include "profile_regions.h"
#include "thread_state.h"

namespace pyitt::instrument {
namespace {

struct ProfileRegionObject {
    PyObject_HEAD
    RegionMark mark;
};

RegionMark mark_of(PyObject* self) { return reinterpret_cast<ProfileRegionObject*>(self)->mark; }

PyObject* enter(PyObject* self, PyObject*) {
    enter_region(thread_state(), mark_of(self));
    Py_INCREF(self);
    return self;
}

// Any arguments, as `with` passes three: exceptions are not swallowed.
PyObject* leave(PyObject* self, PyObject* const*, Py_ssize_t) {
    leave_region(thread_state(), mark_of(self));
    Py_RETURN_FALSE;
}

PyObject* call(PyObject* self, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"func", nullptr};
    PyObject* func = nullptr;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:__call__", const_cast<char**>(keywords), &func)) return nullptr;
    return decorate_with_region(self, mark_of(self), func);
}

PyObject* repr(PyObject* self) {
    return PyUnicode_FromString(mark_of(self) == RegionMark::kProfile ? "<pyitt profile region>"
                                                                      : "<pyitt noprofile region>");
}

PyMethodDef g_methods[] = {
    {"__enter__", enter, METH_NOARGS, "Enters the region on the calling thread."},
    {"__exit__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(leave)), METH_FASTCALL,
     "Leaves the region on the calling thread."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot g_slots[] = {
    {Py_tp_doc, const_cast<char*>("A block or decorated function where Python calls become ITT tasks (profile) or "
                                  "do not (noprofile). Under pyitt-host -b only `profile` regions are instrumented. "
                                  "Called with a function, returns it decorated: the same around every run of it.")},
    {Py_tp_methods, g_methods},
    {Py_tp_call, reinterpret_cast<void*>(call)},
    {Py_tp_repr, reinterpret_cast<void*>(repr)},
    {0, nullptr},
};

PyType_Spec g_spec = {"pyitt._ProfileRegion", sizeof(ProfileRegionObject), 0, Py_TPFLAGS_DEFAULT, g_slots};

PyObject* make_region(PyTypeObject* type, RegionMark mark) {
    auto* region = PyObject_New(ProfileRegionObject, type);
    if (region != nullptr) region->mark = mark;
    return reinterpret_cast<PyObject*>(region);
}

// Once per process, and never freed: -b puts them in builtins before the program runs (without
// importing pyitt, ~6.5 M instructions), and the module, if the program imports it, has the same ones.
PyObject* g_type = nullptr;
PyObject* g_regions[2] = {nullptr, nullptr};  // profile, noprofile

bool make_regions() {
    if (g_regions[1] != nullptr) return true;
    if (g_type == nullptr && (g_type = PyType_FromSpec(&g_spec)) == nullptr) return false;
    auto* region_type = reinterpret_cast<PyTypeObject*>(g_type);
    if (g_regions[0] == nullptr && (g_regions[0] = make_region(region_type, RegionMark::kProfile)) == nullptr) return false;
    return (g_regions[1] = make_region(region_type, RegionMark::kNoProfile)) != nullptr;
}

}  // namespace

PyObject* profile_region(RegionMark mark) {
    if (!make_regions()) return nullptr;
    PyObject* region = g_regions[mark == RegionMark::kProfile ? 0 : 1];
    Py_INCREF(region);
    return region;
}

bool add_profile_regions(PyObject* module) {
    if (!make_regions()) return false;
    for (auto [name, region] : {std::pair{"profile", g_regions[0]}, std::pair{"noprofile", g_regions[1]}}) {
        Py_INCREF(region);
        if (PyModule_AddObject(module, name, region) < 0) {
            Py_DECREF(region);
            return false;
        }
    }
    PyObject* type = g_type;
    Py_INCREF(type);
    if (PyModule_AddObject(module, "_ProfileRegion", type) < 0) {
        Py_DECREF(type);
        return false;
    }
    return true;
}

}  // namespace pyitt::instrument
