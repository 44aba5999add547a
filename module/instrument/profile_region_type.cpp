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

}  // namespace

bool add_profile_regions(PyObject* module) {
    static PyObject* type = nullptr;  // once per process; the objects are the module's for good
    if (type == nullptr && (type = PyType_FromSpec(&g_spec)) == nullptr) return false;
    auto* region_type = reinterpret_cast<PyTypeObject*>(type);
    for (auto [name, mark] : {std::pair{"profile", RegionMark::kProfile}, std::pair{"noprofile", RegionMark::kNoProfile}}) {
        PyObject* region = make_region(region_type, mark);
        if (region == nullptr || PyModule_AddObject(module, name, region) < 0) {
            Py_XDECREF(region);
            return false;
        }
    }
    Py_INCREF(type);
    if (PyModule_AddObject(module, "_ProfileRegion", type) < 0) {
        Py_DECREF(type);
        return false;
    }
    return true;
}

}  // namespace pyitt::instrument
