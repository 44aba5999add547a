// The region types (one per pyitt class, same layout) and the factory functions.
#include "regions.h"

#include <structmember.h>

#include <cstring>

#include "py_util.h"
#include "region_core.h"

namespace pyitt::api {

namespace region {

namespace {

PyTypeObject* g_types[kRegionKinds] = {};
PyObject* g_default_activator = nullptr;

// ---- arguments ----

struct Params {
    const char* where;        // "task()", used in error messages
    const char* names[4];
    int count;
    int positional_only;      // leading parameters that cannot be given by keyword
};

const Params kTaskParams = {"task()", {"task", "domain", "id", "parent"}, 4, 1};
const Params kRegionParams = {"region()", {"region", "domain", "id", "parent"}, 4, 1};
const Params kFrameParams = {"frame()", {"region", "domain", "id"}, 3, 0};
const Params kNamedParams = {"event()", {"region"}, 1, 0};
const Params kCollectionParams = {"active_region()", {"func", "activator"}, 2, 0};

const Params& params_of(RegionKind kind) {
    switch (kind) {
        case RegionKind::kNestedTask:
        case RegionKind::kOverlappedTask: return kTaskParams;
        case RegionKind::kRegion: return kRegionParams;
        case RegionKind::kFrame: return kFrameParams;
        case RegionKind::kEvent:
        case RegionKind::kPtRegion: return kNamedParams;
        default: return kCollectionParams;
    }
}

bool put_keyword(const Params& p, const char* where, PyObject* key, PyObject* value, PyObject** out) {
    for (int i = 0; i < p.count; ++i) {
        if (PyUnicode_CompareWithASCIIString(key, p.names[i]) != 0) continue;
        if (i < p.positional_only) {
            PyErr_Format(PyExc_TypeError, "%s got positional-only argument '%s' passed as keyword", where, p.names[i]);
            return false;
        }
        if (out[i] != nullptr) {
            PyErr_Format(PyExc_TypeError, "%s got multiple values for argument '%s'", where, p.names[i]);
            return false;
        }
        out[i] = value;
        return true;
    }
    PyErr_Format(PyExc_TypeError, "%s got an unexpected keyword argument '%U'", where, key);
    return false;
}

bool too_many(const Params& p, const char* where, Py_ssize_t given) {
    PyErr_Format(PyExc_TypeError, "%s takes at most %d positional arguments (%zd given)", where, p.count, given);
    return false;
}

bool parse_fast(const Params& p, const char* where, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                PyObject** out) {
    if (nargs > p.count) return too_many(p, where, nargs);
    for (Py_ssize_t i = 0; i < nargs; ++i) out[i] = args[i];
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; ++i)
        if (!put_keyword(p, where, PyTuple_GET_ITEM(kwnames, i), args[nargs + i], out)) return false;
    return true;
}

bool parse_tuple(const Params& p, const char* where, PyObject* args, PyObject* kwargs, PyObject** out) {
    const Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (nargs > p.count) return too_many(p, where, nargs);
    for (Py_ssize_t i = 0; i < nargs; ++i) out[i] = PyTuple_GET_ITEM(args, i);
    if (kwargs == nullptr) return true;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(kwargs, &pos, &key, &value))
        if (!put_keyword(p, where, key, value, out)) return false;
    return true;
}

// ---- object lifetime ----

PyObject* region_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames);

PyObject* create(PyTypeObject* type, RegionKind kind, PyObject* const* values) {
    PyObject* self = type->tp_alloc(type, 0);
    if (self == nullptr) return nullptr;
    auto* r = reinterpret_cast<RegionObject*>(self);
    r->vectorcall = region_vectorcall;
    if (!setup(r, kind, values)) {
        Py_DECREF(self);
        return nullptr;
    }
    return self;
}

PyObject* region_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
    bool found = false;
    RegionKind kind = kind_of_type(type, &found);
    if (!found) return PyErr_Format(PyExc_TypeError, "cannot create %s objects", type->tp_name);
    PyObject* values[4] = {};
    if (!parse_tuple(params_of(kind), type->tp_name, args, kwargs, values)) return nullptr;
    if ((kind == RegionKind::kActiveRegion || kind == RegionKind::kPausedRegion) && values[1] == nullptr)
        values[1] = g_default_activator;
    return create(type, kind, values);
}

// Subclasses (the compatibility layers) may define __init__ with the same parameters: tp_new did
// the work already.
int region_init(PyObject*, PyObject*, PyObject*) { return 0; }

int region_traverse(PyObject* self, visitproc visit, void* arg) {
    auto* r = reinterpret_cast<RegionObject*>(self);
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(r->dict);
    Py_VISIT(r->name);
    Py_VISIT(r->domain);
    Py_VISIT(r->id);
    Py_VISIT(r->parent);
    Py_VISIT(r->func);
    Py_VISIT(r->activator);
    return 0;
}

int region_clear(PyObject* self) {
    auto* r = reinterpret_cast<RegionObject*>(self);
    Py_CLEAR(r->dict);
    Py_CLEAR(r->name);
    Py_CLEAR(r->domain);
    Py_CLEAR(r->id);
    Py_CLEAR(r->parent);
    Py_CLEAR(r->func);
    Py_CLEAR(r->activator);
    return 0;
}

void region_dealloc(PyObject* self) {
    auto* r = reinterpret_cast<RegionObject*>(self);
    PyObject_GC_UnTrack(self);
    if (r->weaklist != nullptr) PyObject_ClearWeakRefs(self);
    region_clear(self);
    delete r->spans;
    r->spans = nullptr;
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

// ---- calls and binding ----

PyObject* region_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
    auto* r = reinterpret_cast<RegionObject*>(self);
    if (r->func != nullptr) return call_in_region(r, r->func, r->callee, args, nargsf, kwnames);
    // Not wrapping anything yet: this call is the decoration, @pyitt.task(...).
    const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs != 1 || (kwnames != nullptr && PyTuple_GET_SIZE(kwnames) != 0))
        return PyErr_Format(PyExc_TypeError,
                            "%s wraps no function yet: call it with exactly one callable to decorate it",
                            Py_TYPE(self)->tp_name);
    if (!set_func(r, args[0])) return nullptr;
    return Py_NewRef(self);
}

PyObject* region_descr_get(PyObject* self, PyObject* obj, PyObject* type) {
    auto* r = reinterpret_cast<RegionObject*>(self);
    if (r->func == nullptr) return Py_NewRef(self);
    if (r->callee == Callee::kDescriptor) return bind_descriptor(r, obj, type);
    if (obj == nullptr || obj == Py_None) return Py_NewRef(self);
    return PyMethod_New(self, obj);
}

// ---- methods ----

PyObject* m_begin(PyObject* self, PyObject*) {
    if (!begin_explicit(reinterpret_cast<RegionObject*>(self))) return nullptr;
    Py_RETURN_NONE;
}

PyObject* m_end(PyObject* self, PyObject*) {
    if (!end_explicit(reinterpret_cast<RegionObject*>(self))) return nullptr;
    Py_RETURN_NONE;
}

PyObject* m_enter(PyObject* self, PyObject*) {
    if (!begin_explicit(reinterpret_cast<RegionObject*>(self))) return nullptr;
    return Py_NewRef(self);
}

PyObject* m_exit(PyObject* self, PyObject* const*, Py_ssize_t) {
    if (!end_explicit(reinterpret_cast<RegionObject*>(self))) return nullptr;
    Py_RETURN_NONE;  // never swallows the exception of the block
}

PyObject* m_set_name(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    auto* r = reinterpret_cast<RegionObject*>(self);
    if (nargs != 2) return PyErr_Format(PyExc_TypeError, "__set_name__() takes 2 arguments (%zd given)", nargs);
    if (!is_named(r->kind) || r->name_final) Py_RETURN_NONE;
    Ref owner_name(PyObject_GetAttrString(args[0], "__qualname__"));
    if (!owner_name) return nullptr;
    Ref text(PyUnicode_FromFormat("%U.%U", owner_name.get(), args[1]));
    if (!text) return nullptr;
    StringHandleObject* name = string_handle_named(text.get(), "__set_name__", "name");
    if (name == nullptr) return nullptr;
    assign(r->name, reinterpret_cast<PyObject*>(name));
    r->name_final = true;
    Py_RETURN_NONE;
}

// _enter_call() / _exit_call(token): one span of a generator, coroutine or async generator call,
// for pyitt._proxies. The token carries the span's id between them.
PyObject* m_enter_call(PyObject* self, PyObject*) {
    OpenSpan span;
    if (!begin_span(reinterpret_cast<RegionObject*>(self), span)) return nullptr;
    return Py_BuildValue("(KKKii)", span.id.d1, span.id.d2, span.id.d3, span.fresh_id ? 1 : 0, span.active ? 1 : 0);
}

PyObject* m_exit_call(PyObject* self, PyObject* token) {
    OpenSpan span{};
    int fresh = 0, active = 0;
    if (!PyArg_ParseTuple(token, "KKKii:_exit_call", &span.id.d1, &span.id.d2, &span.id.d3, &fresh, &active))
        return nullptr;
    span.fresh_id = fresh != 0;
    span.active = active != 0;
    if (!end_span(reinterpret_cast<RegionObject*>(self), span)) return nullptr;
    Py_RETURN_NONE;
}

PyObject* frame_domain(PyObject* self, PyObject*) { return Py_NewRef(reinterpret_cast<RegionObject*>(self)->domain); }

PyObject* frame_id(PyObject* self, PyObject*) {
    PyObject* id = reinterpret_cast<RegionObject*>(self)->id;
    return Py_NewRef(id ? id : Py_None);
}

#define PYITT_REGION_METHODS                                                                                    \
    {"begin", m_begin, METH_NOARGS, "begin()\n--\n\nMarks the beginning of the region."},                        \
        {"end", m_end, METH_NOARGS,                                                                             \
         "end()\n--\n\nMarks the end of the region. RuntimeError if it was not begun (for a nested task: on "   \
         "this thread, with no inner task still open)."},                                                       \
        {"__enter__", m_enter, METH_NOARGS, "Begins the region; returns it."},                                  \
        {"__exit__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(m_exit)), METH_FASTCALL,        \
         "Ends the region; exceptions propagate."},                                                             \
        {"__set_name__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(m_set_name)), METH_FASTCALL, \
         "Names a region created without a name after the class attribute that holds it."},                    \
        {"_enter_call", m_enter_call, METH_NOARGS, "Internal: begins one span of a call."},                    \
        {"_exit_call", m_exit_call, METH_O, "Internal: ends the span begun by _enter_call()."}

PyMethodDef region_methods[] = {PYITT_REGION_METHODS, {nullptr, nullptr, 0, nullptr}};
PyMethodDef frame_methods[] = {
    PYITT_REGION_METHODS,
    {"domain", frame_domain, METH_NOARGS, "domain()\n--\n\nThe domain of the frame."},
    {"id", frame_id, METH_NOARGS, "id()\n--\n\nThe id of the frame, or None."},
    {nullptr, nullptr, 0, nullptr},
};

// ---- attributes ----

PyObject* get_or_none(PyObject* o) { return Py_NewRef(o ? o : Py_None); }
PyObject* g_name(PyObject* self, void*) { return get_or_none(reinterpret_cast<RegionObject*>(self)->name); }
PyObject* g_domain(PyObject* self, void*) { return get_or_none(reinterpret_cast<RegionObject*>(self)->domain); }
PyObject* g_id(PyObject* self, void*) {
    auto* r = reinterpret_cast<RegionObject*>(self);
    PyObject* id = task_id_object(r);
    return id != nullptr ? Py_NewRef(id) : (PyErr_Occurred() ? nullptr : Py_NewRef(Py_None));
}
PyObject* g_parent(PyObject* self, void*) { return get_or_none(reinterpret_cast<RegionObject*>(self)->parent); }
PyObject* g_spans(PyObject* self, void*) {
    return PyBool_FromLong(spans_calls(reinterpret_cast<RegionObject*>(self)->kind));
}
PyObject* g_activator(PyObject* self, void*) {
    return get_or_none(reinterpret_cast<RegionObject*>(self)->activator);
}
int s_activator(PyObject* self, PyObject* value, void*) {
    assign(reinterpret_cast<RegionObject*>(self)->activator, value == Py_None ? nullptr : value);
    return 0;
}

#define PYITT_COMMON_GETSET                                                                                \
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr, nullptr},                      \
        {"_spans_calls", g_spans, nullptr, "Internal: one span per call (overlapped kinds).", nullptr}
#define PYITT_END_GETSET {nullptr, nullptr, nullptr, nullptr, nullptr}

PyGetSetDef task_getset[] = {
    PYITT_COMMON_GETSET,
    {"name", g_name, nullptr, "The name of the task (a StringHandle).", nullptr},
    {"domain", g_domain, nullptr, "The domain of the task.", nullptr},
    {"id", g_id, nullptr, "The id of the task (its own unless one was given), as pyitt's.",
     nullptr},
    {"parent_id", g_parent, nullptr, "The id of the parent task, or None.", nullptr},
    PYITT_END_GETSET,
};
PyGetSetDef frame_getset[] = {PYITT_COMMON_GETSET, PYITT_END_GETSET};
PyGetSetDef named_getset[] = {
    PYITT_COMMON_GETSET,
    {"name", g_name, nullptr, "The name of the region (a StringHandle).", nullptr},
    PYITT_END_GETSET,
};
PyGetSetDef collection_getset[] = {
    PYITT_COMMON_GETSET,
    {"activator", g_activator, s_activator,
     "A callable without arguments that says whether the region is active; None means always.", nullptr},
    PYITT_END_GETSET,
};

PyMemberDef region_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(RegionObject, vectorcall), READONLY, nullptr},
    {"__dictoffset__", T_PYSSIZET, offsetof(RegionObject, dict), READONLY, nullptr},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(RegionObject, weaklist), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

// ---- repr ----

PyObject* region_repr(PyObject* self) {
    auto* r = reinterpret_cast<RegionObject*>(self);
    Ref type_name(PyType_GetName(Py_TYPE(self)));
    if (!type_name) return nullptr;
    switch (r->kind) {
        case RegionKind::kNestedTask:
        case RegionKind::kOverlappedTask:
        case RegionKind::kRegion:
        {
            PyObject* id = task_id_object(r);
            if (id == nullptr && PyErr_Occurred()) return nullptr;
            return PyUnicode_FromFormat("%U(%R, %R, %R, %R)", type_name.get(), r->name, r->domain, id ? id : Py_None,
                                        r->parent ? r->parent : Py_None);
        }
        case RegionKind::kFrame:
            return PyUnicode_FromFormat("%U(%R, %R)", type_name.get(), r->domain, r->id ? r->id : Py_None);
        case RegionKind::kEvent:
        case RegionKind::kPtRegion:
            return PyUnicode_FromFormat("%U(%R)", type_name.get(), reinterpret_cast<StringHandleObject*>(r->name)->str);
        default: return PyUnicode_FromFormat("%U(%R)", type_name.get(), r->func ? r->func : Py_None);
    }
}

PyObject* region_str(PyObject* self) {
    auto* r = reinterpret_cast<RegionObject*>(self);
    switch (r->kind) {
        case RegionKind::kNestedTask:
        case RegionKind::kOverlappedTask:
        case RegionKind::kRegion:
        {
            PyObject* id = task_id_object(r);
            if (id == nullptr && PyErr_Occurred()) return nullptr;
            return PyUnicode_FromFormat("{ name: '%S', domain: '%S', id: %S, parent_id: %S }", r->name, r->domain,
                                        id ? id : Py_None, r->parent ? r->parent : Py_None);
        }
        case RegionKind::kFrame:
            return PyUnicode_FromFormat("{ domain: '%S', id: %S }", r->domain, r->id ? r->id : Py_None);
        case RegionKind::kEvent:
        case RegionKind::kPtRegion: return PyObject_Str(r->name);
        default: return region_repr(self);
    }
}

// ---- types ----

struct TypeInfo {
    const char* name;  // static storage: PyType_FromSpec keeps the pointer
    const char* doc;
    PyMethodDef* methods;
    PyGetSetDef* getset;
};

const TypeInfo kTypeInfo[kRegionKinds] = {
    {"pyitt.NestedTask",
     "NestedTask(task=None, /, domain=None, id=None, parent=None)\n--\n\n"
     "A nested ITT task: end() closes the innermost task of the thread, so tasks nest like calls.\n"
     "task is the name (str or StringHandle) or a callable to wrap (named by its __qualname__);\n"
     "None names it after the call site 'file.py:line'. Use it as a decorator (functions,\n"
     "methods, static/class methods, generators, coroutines, async generators: one task per\n"
     "resume), as a context manager, or with begin()/end().",
     region_methods, task_getset},
    {"pyitt.OverlappedTask",
     "OverlappedTask(task=None, /, domain=None, id=None, parent=None)\n--\n\n"
     "An overlapped ITT task: tasks may overlap and end in any order or on another thread. Each\n"
     "begin (each call when decorating) gets its own id unless id is given; a decorated\n"
     "coroutine or generator is one task from its first resume to its end.",
     region_methods, task_getset},
    {"pyitt.Region",
     "Region(region=None, /, domain=None, id=None, parent=None)\n--\n\n"
     "An ITT region (__itt_region_begin/__itt_region_end): a named span identified by an id,\n"
     "used like an overlapped task.",
     region_methods, task_getset},
    {"pyitt.Frame",
     "Frame(region=None, domain=None, id=None)\n--\n\n"
     "An ITT frame (__itt_frame_begin_v3/__itt_frame_end_v3) of a domain: a unit of repeated work\n"
     "such as one iteration of a main loop. region is a callable to wrap or None.",
     frame_methods, frame_getset},
    {"pyitt.Event",
     "Event(region=None)\n--\n\n"
     "An ITT event (__itt_event_start/__itt_event_end): a named span of the thread. region is the\n"
     "name or a callable to wrap; None names it after the call site.",
     region_methods, named_getset},
    {"pyitt.PTRegion",
     "PTRegion(region=None)\n--\n\n"
     "An Intel Processor Trace region (__itt_pt_region_create, __itt_mark_pt_region_begin/end).\n"
     "region is the name or a callable to wrap; None names it after the call site. Without IPT\n"
     "support in the collector the marks do nothing.",
     region_methods, named_getset},
    {"pyitt.ActiveRegion",
     "ActiveRegion(func=None, activator=ManualCollectionRegionActivator())\n--\n\n"
     "A region where collection runs: resume() on entry, pause() on exit, when activator() is\n"
     "true. For `vtune -start-paused`.",
     region_methods, collection_getset},
    {"pyitt.PausedRegion",
     "PausedRegion(func=None, activator=ManualCollectionRegionActivator())\n--\n\n"
     "A region where collection is paused: pause() on entry, resume() on exit, when activator()\n"
     "is true.",
     region_methods, collection_getset},
};

PyTypeObject* make_type(const TypeInfo& info) {
    PyType_Slot slots[] = {
        {Py_tp_new, reinterpret_cast<void*>(region_new)},
        {Py_tp_init, reinterpret_cast<void*>(region_init)},
        {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
        {Py_tp_descr_get, reinterpret_cast<void*>(region_descr_get)},
        {Py_tp_traverse, reinterpret_cast<void*>(region_traverse)},
        {Py_tp_clear, reinterpret_cast<void*>(region_clear)},
        {Py_tp_dealloc, reinterpret_cast<void*>(region_dealloc)},
        {Py_tp_repr, reinterpret_cast<void*>(region_repr)},
        {Py_tp_str, reinterpret_cast<void*>(region_str)},
        {Py_tp_methods, info.methods},
        {Py_tp_getset, info.getset},
        {Py_tp_members, region_members},
        {Py_tp_doc, const_cast<char*>(info.doc)},
        {0, nullptr},
    };
    PyType_Spec spec = {info.name, sizeof(RegionObject), 0,
                        Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
                        slots};
    return reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&spec));
}

// ---- factories ----

PyObject* factory(RegionKind kind, const char* where, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    PyObject* values[4] = {};
    if (!parse_fast(params_of(kind), where, args, nargs, kwnames, values)) return nullptr;
    if ((kind == RegionKind::kActiveRegion || kind == RegionKind::kPausedRegion) && values[1] == nullptr)
        values[1] = g_default_activator;
    return create(g_types[static_cast<int>(kind)], kind, values);
}

PyObject* f_task(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    // pyitt: coroutine functions get overlapped tasks, everything else nested ones.
    PyObject* target = nargs > 0 ? args[0] : nullptr;
    const bool coroutine = target != nullptr && target != Py_None && !PyUnicode_Check(target) &&
                           !is_string_handle(target) && is_wrappable(target) &&
                           classify(target) == Callee::kCoroutine;
    return factory(coroutine ? RegionKind::kOverlappedTask : RegionKind::kNestedTask, "task()", args, nargs, kwnames);
}

#define PYITT_FACTORY(fn, kind, where)                                                        \
    PyObject* fn(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {     \
        return factory(RegionKind::kind, where, args, nargs, kwnames);                        \
    }
PYITT_FACTORY(f_nested_task, kNestedTask, "nested_task()")
PYITT_FACTORY(f_overlapped_task, kOverlappedTask, "overlapped_task()")
PYITT_FACTORY(f_region, kRegion, "region()")
PYITT_FACTORY(f_frame, kFrame, "frame()")
PYITT_FACTORY(f_event, kEvent, "event()")
PYITT_FACTORY(f_pt_region, kPtRegion, "pt_region()")
PYITT_FACTORY(f_active_region, kActiveRegion, "active_region()")
PYITT_FACTORY(f_paused_region, kPausedRegion, "paused_region()")
#undef PYITT_FACTORY

#define PYITT_FASTCALL(fn) reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fn))
PyMethodDef factory_methods[] = {
    {"task", PYITT_FASTCALL(f_task), METH_FASTCALL | METH_KEYWORDS,
     "task(task=None, /, domain=None, id=None, parent=None)\n--\n\n"
     "Creates a task: an OverlappedTask if task is a coroutine function, else a NestedTask.\n"
     "task is a name (str or StringHandle), a callable to wrap, or None (the call site\n"
     "'file.py:line' names it). domain is a Domain, a name or None ('pyitt'); id an Id or None;\n"
     "parent an Id, a task with an id, or None. Use the result as a decorator, a context\n"
     "manager, or call begin()/end()."},
    {"nested_task", PYITT_FASTCALL(f_nested_task), METH_FASTCALL | METH_KEYWORDS,
     "nested_task(task=None, /, domain=None, id=None, parent=None)\n--\n\nCreates a NestedTask (see task())."},
    {"overlapped_task", PYITT_FASTCALL(f_overlapped_task), METH_FASTCALL | METH_KEYWORDS,
     "overlapped_task(task=None, /, domain=None, id=None, parent=None)\n--\n\nCreates an OverlappedTask (see task())."},
    {"region", PYITT_FASTCALL(f_region), METH_FASTCALL | METH_KEYWORDS,
     "region(region=None, /, domain=None, id=None, parent=None)\n--\n\nCreates a Region (ITT region_begin/end)."},
    {"frame", PYITT_FASTCALL(f_frame), METH_FASTCALL | METH_KEYWORDS,
     "frame(region=None, domain=None, id=None)\n--\n\nCreates a Frame of a domain; region is a callable to wrap or None."},
    {"event", PYITT_FASTCALL(f_event), METH_FASTCALL | METH_KEYWORDS,
     "event(region=None)\n--\n\nCreates an Event named region (or after the callable, or the call site)."},
    {"pt_region", PYITT_FASTCALL(f_pt_region), METH_FASTCALL | METH_KEYWORDS,
     "pt_region(region=None)\n--\n\nCreates a PTRegion named region (or after the callable, or the call site)."},
    {"active_region", PYITT_FASTCALL(f_active_region), METH_FASTCALL | METH_KEYWORDS,
     "active_region(func=None, activator=ManualCollectionRegionActivator())\n--\n\n"
     "Creates an ActiveRegion: collection is resumed inside it (run under `vtune -start-paused`)."},
    {"paused_region", PYITT_FASTCALL(f_paused_region), METH_FASTCALL | METH_KEYWORDS,
     "paused_region(func=None, activator=ManualCollectionRegionActivator())\n--\n\n"
     "Creates a PausedRegion: collection is paused inside it."},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

RegionObject* as_region(PyObject* o) {
    bool found = false;
    kind_of_type(Py_TYPE(o), &found);
    return found ? reinterpret_cast<RegionObject*>(o) : nullptr;
}

RegionKind kind_of_type(PyTypeObject* type, bool* found) {
    *found = false;
    for (int i = 0; i < kRegionKinds; ++i)
        if (type == g_types[i]) return *found = true, static_cast<RegionKind>(i);
    PyObject* mro = type->tp_mro;  // Python subclasses
    if (mro == nullptr) return RegionKind::kNestedTask;
    for (Py_ssize_t m = 0; m < PyTuple_GET_SIZE(mro); ++m)
        for (int i = 0; i < kRegionKinds; ++i)
            if (PyTuple_GET_ITEM(mro, m) == reinterpret_cast<PyObject*>(g_types[i]))
                return *found = true, static_cast<RegionKind>(i);
    return RegionKind::kNestedTask;
}

PyTypeObject* type_of_kind(RegionKind kind) { return g_types[static_cast<int>(kind)]; }

}  // namespace region

bool add_region_types(PyObject* module, PyObject* default_activator) {
    using namespace region;
    if (g_types[0] == nullptr) {
        for (int i = 0; i < kRegionKinds; ++i)
            if ((g_types[i] = make_type(kTypeInfo[i])) == nullptr) return false;
        if (!add_bound_call_type()) return false;
    }
    assign(g_default_activator, default_activator);
    for (int i = 0; i < kRegionKinds; ++i) {
        const char* short_name = std::strrchr(kTypeInfo[i].name, '.') + 1;
        if (PyModule_AddObject(module, short_name, Py_NewRef(reinterpret_cast<PyObject*>(g_types[i]))) < 0) return false;
    }
    PyObject* module_name = PyModule_GetNameObject(module);
    if (module_name == nullptr) return false;
    Ref keep(module_name);
    for (PyMethodDef* def = factory_methods; def->ml_name != nullptr; ++def) {
        Ref fn(PyCFunction_NewEx(def, nullptr, module_name));
        if (!fn || PyModule_AddObject(module, def->ml_name, fn.release()) < 0) return false;
    }
    return true;
}

}  // namespace pyitt::api
