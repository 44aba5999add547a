// A region bound to the target of a static or class method descriptor (region.__get__ returns
// one), so that `obj.static_method(...)` runs inside the region like a plain method does.
#include "region_core.h"

#include <structmember.h>

#include "py_util.h"

namespace pyitt::api::region {

namespace {

struct BoundCallObject {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject* region;
    PyObject* target;
    Callee kind;
};

PyTypeObject* g_bound_call_type = nullptr;

PyObject* bound_call_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
    auto* b = reinterpret_cast<BoundCallObject*>(self);
    return call_in_region(reinterpret_cast<RegionObject*>(b->region), b->target, b->kind, args, nargsf, kwnames);
}

int bound_call_traverse(PyObject* self, visitproc visit, void* arg) {
    auto* b = reinterpret_cast<BoundCallObject*>(self);
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(b->region);
    Py_VISIT(b->target);
    return 0;
}

int bound_call_clear(PyObject* self) {
    auto* b = reinterpret_cast<BoundCallObject*>(self);
    Py_CLEAR(b->region);
    Py_CLEAR(b->target);
    return 0;
}

void bound_call_dealloc(PyObject* self) {
    PyObject_GC_UnTrack(self);
    bound_call_clear(self);
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

PyObject* bound_call_get_wrapped(PyObject* self, void*) {
    return Py_NewRef(reinterpret_cast<BoundCallObject*>(self)->target);
}

PyMemberDef bound_call_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(BoundCallObject, vectorcall), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

PyGetSetDef bound_call_getset[] = {
    {"__wrapped__", bound_call_get_wrapped, nullptr, "The bound static or class method.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot bound_call_slots[] = {
    {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
    {Py_tp_traverse, reinterpret_cast<void*>(bound_call_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(bound_call_clear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(bound_call_dealloc)},
    {Py_tp_members, bound_call_members},
    {Py_tp_getset, bound_call_getset},
    {Py_tp_doc, const_cast<char*>("A pyitt region bound to a static or class method.")},
    {0, nullptr},
};

PyType_Spec bound_call_spec = {"pyitt._BoundCall", sizeof(BoundCallObject), 0,
                               Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
                               bound_call_slots};

}  // namespace

bool add_bound_call_type() {
    if (g_bound_call_type == nullptr)
        g_bound_call_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&bound_call_spec));
    return g_bound_call_type != nullptr;
}

PyObject* bind_descriptor(RegionObject* r, PyObject* obj, PyObject* type) {
    descrgetfunc get = Py_TYPE(r->func)->tp_descr_get;
    if (get == nullptr) return Py_NewRef(reinterpret_cast<PyObject*>(r));
    Ref target(get(r->func, obj, type));
    if (!target) return nullptr;
    auto* b = PyObject_GC_New(BoundCallObject, g_bound_call_type);
    if (b == nullptr) return nullptr;
    b->vectorcall = bound_call_vectorcall;
    b->region = Py_NewRef(reinterpret_cast<PyObject*>(r));
    Callee kind = classify(target.get());
    b->kind = kind == Callee::kDescriptor ? Callee::kPlain : kind;
    b->target = target.release();
    PyObject_GC_Track(b);
    return reinterpret_cast<PyObject*>(b);
}

}  // namespace pyitt::api::region
