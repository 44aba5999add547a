// How a region begins and ends, wraps a callable and runs a call: the hot paths, in C.
#include "region_core.h"

#include <cstring>
#include <string>
#include <string_view>

#include "collection_switch.h"
#include "py_util.h"
#include "task_stack.h"

namespace pyitt::api::region {

namespace {

DomainObject* domain_of(RegionObject* r) { return reinterpret_cast<DomainObject*>(r->domain); }
StringHandleObject* name_of(RegionObject* r) { return reinterpret_cast<StringHandleObject*>(r->name); }
itt::Id id_or_null(PyObject* id) { return id ? reinterpret_cast<IdObject*>(id)->id : itt::kNullId; }

// An exception in flight, kept aside while a region ends.
class PendingError {
public:
#if PY_VERSION_HEX >= 0x030C0000
    PendingError() : exc_(PyErr_GetRaisedException()) {}
    void restore() { PyErr_SetRaisedException(exc_.release()); }
    // Makes the pending exception the __context__ of the one now set (as a raise in `finally`).
    void chain_under_current() {
        PyObject* current = PyErr_GetRaisedException();
        PyException_SetContext(current, exc_.release());
        PyErr_SetRaisedException(current);
    }

private:
    Ref exc_;
#else
    PendingError() {
        PyErr_Fetch(&type_, &value_, &tb_);
        PyErr_NormalizeException(&type_, &value_, &tb_);
        if (tb_ != nullptr && value_ != nullptr) PyException_SetTraceback(value_, tb_);
    }
    ~PendingError() {
        Py_XDECREF(type_);
        Py_XDECREF(value_);
        Py_XDECREF(tb_);
    }
    void restore() {
        PyErr_Restore(type_, value_, tb_);
        type_ = value_ = tb_ = nullptr;
    }
    void chain_under_current() {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        PyErr_NormalizeException(&t, &v, &tb);
        PyException_SetContext(v, value_);  // steals
        value_ = nullptr;
        PyErr_Restore(t, v, tb);
    }

private:
    PyObject *type_ = nullptr, *value_ = nullptr, *tb_ = nullptr;
#endif
};

// pause/resume may block in a collector: let other threads run meanwhile (as pyitt does).
void collection_switch(bool resume) {
    Py_BEGIN_ALLOW_THREADS;
    if (resume)
        control::resume(control::Source::kProgram);
    else
        control::pause(control::Source::kProgram);
    Py_END_ALLOW_THREADS;
}

// ITT events are never freed: one per name, however many Event objects use it.
PyObject* g_events = nullptr;  // dict: str -> int

bool ensure_event(RegionObject* r) {
    if (r->event_created) return true;
    PyObject* name = name_of(r)->str;
    if (g_events == nullptr && (g_events = PyDict_New()) == nullptr) return false;
    if (PyObject* known = PyDict_GetItemWithError(g_events, name)) {
        r->event = static_cast<int>(PyLong_AsLong(known));
    } else {
        if (PyErr_Occurred()) return false;
        std::string_view utf8;
        if (!utf8_name(name, "Event", "name", utf8)) return false;
        r->event = itt::event_create(utf8.data(), static_cast<int>(utf8.size()));
        Ref value(PyLong_FromLong(r->event));
        if (!value || PyDict_SetItem(g_events, name, value.get()) < 0) return false;
    }
    r->event_created = true;
    return true;
}

bool ensure_pt_region(RegionObject* r) {
    if (r->pt_created) return true;
    std::string_view utf8;
    if (!utf8_name(name_of(r)->str, "PTRegion", "name", utf8)) return false;
    r->pt_region = itt::pt_region_create(utf8.data());
    r->pt_created = true;
    return true;
}

PyObject* g_proxy_wrap = nullptr;  // pyitt._proxies.wrap

// Generators, coroutines and async generators are wrapped in Python (their resumes go through
// Python anyway): pyitt._proxies, compiled into the binary.
PyObject* wrap_result(RegionObject* r, PyObject* result, Callee kind) {
    Ref owned(result);
    if (g_proxy_wrap == nullptr) {
        Ref proxies(PyImport_ImportModule("pyitt._proxies"));
        if (!proxies) return nullptr;
        g_proxy_wrap = PyObject_GetAttrString(proxies.get(), "wrap");
        if (g_proxy_wrap == nullptr) return nullptr;
    }
    const int which = kind == Callee::kGenerator ? 0 : kind == Callee::kCoroutine ? 1 : 2;
    return PyObject_CallFunction(g_proxy_wrap, "OOi", result, reinterpret_cast<PyObject*>(r), which);
}

// pyitt names a callable object (or functools.partial, or anything else without a name) by its
// class's qualified name: "outer.<locals>.CallableClass.__call__", "partial.__call__".
PyObject* call_method_name(PyObject* obj) {
    Ref qualname(PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(obj)), "__qualname__"));
    if (!qualname || !PyUnicode_Check(qualname.get())) {
        PyErr_Clear();
        return PyUnicode_FromFormat("%s.__call__", Py_TYPE(obj)->tp_name);
    }
    return PyUnicode_FromFormat("%U.__call__", qualname.get());
}

PyObject* qualname_of(PyObject* func) {
    for (const char* attr : {"__qualname__", "__name__"}) {
        PyObject* name = PyObject_GetAttrString(func, attr);
        if (name != nullptr && PyUnicode_Check(name)) return name;
        Py_XDECREF(name);
        PyErr_Clear();
    }
    // Descriptors without names (old staticmethod) and callable instances.
    if (PyObject* inner = PyObject_GetAttrString(func, "__func__")) {
        PyObject* name = qualname_of(inner);
        Py_DECREF(inner);
        return name;
    }
    PyErr_Clear();
    return call_method_name(func);
}

PyObject* g_update_wrapper = nullptr;  // functools.update_wrapper

bool copy_metadata(RegionObject* r, PyObject* func) {
    if (g_update_wrapper == nullptr) {
        Ref functools(PyImport_ImportModule("functools"));
        if (!functools) return false;
        g_update_wrapper = PyObject_GetAttrString(functools.get(), "update_wrapper");
        if (g_update_wrapper == nullptr) return false;
    }
    // updated=(): the wrapped function's __dict__ is not copied (it may hold unrelated state).
    Ref args(Py_BuildValue("(OO)", reinterpret_cast<PyObject*>(r), func));
    Ref kwargs(Py_BuildValue("{s:()}", "updated"));
    if (!args || !kwargs) return false;
    Ref done(PyObject_Call(g_update_wrapper, args.get(), kwargs.get()));
    if (!done) return false;
    if (r->callee == Callee::kCoroutine) {
        // inspect/asyncio.iscoroutinefunction(wrapper) stays true, as for pyitt's wrappers.
        Ref proxies(PyImport_ImportModule("pyitt._proxies"));
        if (!proxies) return false;
        Ref marked(PyObject_CallMethod(proxies.get(), "mark_coroutine_function", "O", reinterpret_cast<PyObject*>(r)));
        if (!marked) return false;
    }
    return true;
}

// The call site "file.py:line" of the Python code that created the region, skipping pyitt's own
// compiled-in modules (their files are "<pyitt>/..."), so compatibility layers name their callers.
PyObject* g_call_sites = nullptr;  // dict: (code, line) -> StringHandle

StringHandleObject* call_site_name() {
    PyFrameObject* frame = PyEval_GetFrame();
    Ref walk = Ref::borrow(reinterpret_cast<PyObject*>(frame));
    while (walk) {
        auto* f = reinterpret_cast<PyFrameObject*>(walk.get());
        Ref code(reinterpret_cast<PyObject*>(PyFrame_GetCode(f)));
        PyObject* file = reinterpret_cast<PyCodeObject*>(code.get())->co_filename;
        static PyObject* const own_prefix = PyUnicode_InternFromString("<pyitt>");
        if (PyUnicode_Check(file) && PyUnicode_Tailmatch(file, own_prefix, 0, PY_SSIZE_T_MAX, -1) == 1) {
            walk = Ref(reinterpret_cast<PyObject*>(PyFrame_GetBack(f)));
            continue;
        }
        const int line = PyFrame_GetLineNumber(f);
        if (g_call_sites == nullptr && (g_call_sites = PyDict_New()) == nullptr) return nullptr;
        Ref key(Py_BuildValue("(Oi)", code.get(), line));
        if (!key) return nullptr;
        if (PyObject* hit = PyDict_GetItemWithError(g_call_sites, key.get()))
            return reinterpret_cast<StringHandleObject*>(hit);
        if (PyErr_Occurred()) return nullptr;
        Py_ssize_t size = 0;
        const char* path = PyUnicode_AsUTF8AndSize(file, &size);
        if (path == nullptr) return nullptr;
        std::string_view p(path, static_cast<std::size_t>(size));
        const std::size_t slash = p.rfind('/');
        if (slash != std::string_view::npos) p.remove_prefix(slash + 1);
        std::string site(p);
        site += ':' + std::to_string(line);
        Ref text(PyUnicode_DecodeUTF8(site.data(), static_cast<Py_ssize_t>(site.size()), "replace"));
        if (!text) return nullptr;
        StringHandleObject* handle = string_handle_named(text.get(), "task", "name");
        if (handle == nullptr || PyDict_SetItem(g_call_sites, key.get(), reinterpret_cast<PyObject*>(handle)) < 0)
            return nullptr;
        return handle;
    }
    static PyObject* unknown = PyUnicode_InternFromString("<unknown>");
    return string_handle_named(unknown, "task", "name");
}

bool has_own_id(RegionKind kind) {
    return kind == RegionKind::kNestedTask || kind == RegionKind::kOverlappedTask || kind == RegionKind::kRegion;
}

// parent: None, an Id, or a task object (its id).
bool to_parent(PyObject* arg, const char* where, PyObject** out) {
    *out = nullptr;
    if (arg == nullptr || arg == Py_None) return true;
    if (is_id(arg)) {
        *out = arg;
        return true;
    }
    if (RegionObject* task = as_region(arg); task != nullptr && (task->id != nullptr || has_own_id(task->kind))) {
        *out = task_id_object(task);
        return *out != nullptr;
    }
    type_error(where, "parent", "a pyitt.Id, a task with an id, or None", arg);
    return false;
}

const char* what_of(RegionKind kind) {
    switch (kind) {
        case RegionKind::kNestedTask: return "nested task";
        case RegionKind::kOverlappedTask: return "overlapped task";
        case RegionKind::kRegion: return "region";
        case RegionKind::kFrame: return "frame";
        case RegionKind::kEvent: return "event";
        case RegionKind::kPtRegion: return "PT region";
        case RegionKind::kActiveRegion: return "active region";
        case RegionKind::kPausedRegion: return "paused region";
    }
    return "region";
}

std::nullptr_t not_begun(RegionObject* r) {
    Ref name(display_name(r));
    PyErr_Format(PyExc_RuntimeError, "cannot end %s %R: it was not begun (or has already ended)", what_of(r->kind),
                 name.get());
    return nullptr;
}

}  // namespace

PyObject* task_id_object(RegionObject* r) {
    if (r->id != nullptr || !has_own_id(r->kind)) return r->id;
    // Every task has an id, as in pyitt, but ITT sees it only once the program has used it: an id
    // nothing refers to changes no profile, and would double the collector's cost of every task.
    const itt::Id id = next_call_id();
    itt::id_create(domain_of(r)->handle, id);
    r->id = id_adopt(domain_of(r), id);  // destroys it when freed, as pyitt's Id
    if (r->id == nullptr) {
        itt::id_destroy(domain_of(r)->handle, id);
        return nullptr;
    }
    r->task_id = id;
    return r->id;
}

bool is_named(RegionKind kind) {
    return kind != RegionKind::kFrame && kind != RegionKind::kActiveRegion && kind != RegionKind::kPausedRegion;
}

bool spans_calls(RegionKind kind) { return kind == RegionKind::kOverlappedTask || kind == RegionKind::kRegion; }

PyObject* display_name(RegionObject* r) {
    if (r->name != nullptr) return Py_NewRef(name_of(r)->str);
    if (r->func != nullptr) return qualname_of(r->func);
    return PyUnicode_FromString(what_of(r->kind));
}

bool begin_span(RegionObject* r, OpenSpan& span) {
    span = OpenSpan{itt::kNullId, false, false};
    switch (r->kind) {
        case RegionKind::kNestedTask:
            r->name_final = true;
            nested_task_begin(reinterpret_cast<PyObject*>(r), domain_of(r), r->task_id, id_or_null(r->parent),
                              name_of(r));
            break;
        case RegionKind::kOverlappedTask:
        case RegionKind::kRegion:
            r->name_final = true;
            // The task's id, as in pyitt, unless another span of the same object is still open: two
            // calls of one decorated coroutine overlap, and a shared id would make them one span.
            if (r->id != nullptr && (r->id_given || r->open_count == 0)) {
                span.id = r->task_id;
            } else {
                span.id = next_call_id();
                span.fresh_id = true;
                itt::id_create(domain_of(r)->handle, span.id);
            }
            if (r->kind == RegionKind::kOverlappedTask)
                itt::task_begin_overlapped(domain_of(r)->handle, span.id, id_or_null(r->parent), name_of(r)->handle);
            else
                itt::region_begin(domain_of(r)->handle, span.id, id_or_null(r->parent), name_of(r)->handle);
            break;
        case RegionKind::kFrame: {
            itt::Id id = id_or_null(r->id);
            itt::frame_begin_v3(domain_of(r)->handle, r->id ? &id : nullptr);
            break;
        }
        case RegionKind::kEvent:
            r->name_final = true;
            if (!ensure_event(r)) return false;
            itt::event_start(r->event);
            break;
        case RegionKind::kPtRegion:
            r->name_final = true;
            if (!ensure_pt_region(r)) return false;
            itt::mark_pt_region_begin(r->pt_region);
            break;
        case RegionKind::kActiveRegion:
        case RegionKind::kPausedRegion: {
            int active = 1;
            if (r->activator != nullptr && PyCallable_Check(r->activator)) {
                Ref answer(PyObject_CallNoArgs(r->activator));
                if (!answer || (active = PyObject_IsTrue(answer.get())) < 0) return false;
            }
            span.active = active != 0;
            if (span.active) collection_switch(r->kind == RegionKind::kActiveRegion);
            break;
        }
    }
    ++r->open_count;
    return true;
}

bool end_span(RegionObject* r, const OpenSpan& span) {
    switch (r->kind) {
        case RegionKind::kNestedTask: {
            Ref name(display_name(r));
            if (!nested_task_end(reinterpret_cast<PyObject*>(r), "task", name.get())) return false;
            break;
        }
        case RegionKind::kOverlappedTask:
        case RegionKind::kRegion:
            if (r->kind == RegionKind::kOverlappedTask)
                itt::task_end_overlapped(domain_of(r)->handle, span.id);
            else
                itt::region_end(domain_of(r)->handle, span.id);
            if (span.fresh_id) itt::id_destroy(domain_of(r)->handle, span.id);
            break;
        case RegionKind::kFrame: {
            itt::Id id = id_or_null(r->id);
            itt::frame_end_v3(domain_of(r)->handle, r->id ? &id : nullptr);
            break;
        }
        case RegionKind::kEvent: itt::event_end(r->event); break;
        case RegionKind::kPtRegion: itt::mark_pt_region_end(r->pt_region); break;
        case RegionKind::kActiveRegion:
        case RegionKind::kPausedRegion:
            if (span.active) collection_switch(r->kind == RegionKind::kPausedRegion);
            break;
    }
    --r->open_count;
    return true;
}

bool begin_explicit(RegionObject* r) {
    OpenSpan span;
    if (!begin_span(r, span)) return false;
    if (r->kind == RegionKind::kNestedTask) return true;  // the thread's task stack keeps it
    if (r->spans == nullptr) r->spans = new std::vector<OpenSpan>();
    r->spans->push_back(span);
    return true;
}

bool end_explicit(RegionObject* r) {
    if (r->kind == RegionKind::kNestedTask) return end_span(r, OpenSpan{});
    if (r->spans == nullptr || r->spans->empty()) {
        // pyitt ends an event or a PT region that was not begun without complaint (ITT ignores it too).
        if (r->kind == RegionKind::kEvent) {
            if (!ensure_event(r)) return false;
            itt::event_end(r->event);
            return true;
        }
        if (r->kind == RegionKind::kPtRegion) {
            if (!ensure_pt_region(r)) return false;
            itt::mark_pt_region_end(r->pt_region);
            return true;
        }
        return not_begun(r), false;
    }
    OpenSpan span = r->spans->back();
    r->spans->pop_back();
    return end_span(r, span);
}

bool is_wrappable(PyObject* func) {
    // pyitt's rule: callable(func) or inspect.ismethoddescriptor(func).
    return PyCallable_Check(func) || (Py_TYPE(func)->tp_descr_get != nullptr && Py_TYPE(func)->tp_descr_set == nullptr &&
                                      !PyType_Check(func));
}

Callee classify(PyObject* func) {
    if (PyObject_TypeCheck(func, &PyStaticMethod_Type) || PyObject_TypeCheck(func, &PyClassMethod_Type) ||
        !PyCallable_Check(func))
        return Callee::kDescriptor;
    PyObject* f = func;
    while (PyMethod_Check(f)) f = PyMethod_GET_FUNCTION(f);
    if (PyFunction_Check(f)) {
        const int flags = reinterpret_cast<PyCodeObject*>(PyFunction_GET_CODE(f))->co_flags;
        if (flags & CO_ASYNC_GENERATOR) return Callee::kAsyncGenerator;
        if (flags & CO_COROUTINE) return Callee::kCoroutine;
        if (flags & (CO_GENERATOR | CO_ITERABLE_COROUTINE)) return Callee::kGenerator;
        return Callee::kPlain;
    }
    // Callables marked by inspect.markcoroutinefunction or asyncio (our own wrappers included).
    for (const char* marker : {"_is_coroutine_marker", "_is_coroutine"}) {
        if (PyObject_HasAttrString(func, marker)) return Callee::kCoroutine;
    }
    return Callee::kPlain;
}

bool set_func(RegionObject* r, PyObject* func) {
    if (!is_wrappable(func)) {
        type_error("pyitt", is_named(r->kind) ? "task" : "func", "a callable object, a method descriptor or None",
                   func);
        return false;
    }
    assign(r->func, func);
    r->callee = classify(func);
    if (is_named(r->kind) && !r->name_final) {
        Ref qualname(qualname_of(func));
        if (!qualname) return false;
        StringHandleObject* name = string_handle_named(qualname.get(), "pyitt", "task");
        if (name == nullptr) return false;
        assign(r->name, reinterpret_cast<PyObject*>(name));
        r->name_final = true;
    }
    return copy_metadata(r, func);
}

PyObject* call_in_region(RegionObject* r, PyObject* callee, Callee kind, PyObject* const* args, size_t nargsf,
                         PyObject* kwnames) {
    switch (kind) {
        case Callee::kPlain: {
            OpenSpan span;
            if (!begin_span(r, span)) return nullptr;
            PyObject* result = PyObject_Vectorcall(callee, args, nargsf, kwnames);
            if (result != nullptr) {
                if (end_span(r, span)) return result;
                Py_DECREF(result);
                return nullptr;
            }
            PendingError pending;
            if (end_span(r, span)) {
                pending.restore();
            } else {
                pending.chain_under_current();
            }
            return nullptr;
        }
        case Callee::kDescriptor: {
            // A static or class method object called directly, not through a class.
            descrgetfunc get = Py_TYPE(callee)->tp_descr_get;
            if (get == nullptr) return type_error("pyitt", "func", "callable", callee);
            Ref target(get(callee, Py_None, reinterpret_cast<PyObject*>(Py_TYPE(Py_None))));
            if (!target) return nullptr;
            Callee inner = classify(target.get());
            return call_in_region(r, target.get(), inner == Callee::kDescriptor ? Callee::kPlain : inner, args, nargsf,
                                  kwnames);
        }
        case Callee::kNone: return type_error("pyitt", "func", "callable", callee);
        default: {
            PyObject* result = PyObject_Vectorcall(callee, args, nargsf, kwnames);
            if (result == nullptr) return nullptr;
            return wrap_result(r, result, kind);
        }
    }
}

bool setup(RegionObject* r, RegionKind kind, PyObject* const* values) {
    r->kind = kind;
    r->callee = Callee::kNone;
    PyObject* target = values[0] != nullptr ? values[0] : Py_None;
    const char* where = Py_TYPE(r)->tp_name;
    switch (kind) {
        case RegionKind::kNestedTask:
        case RegionKind::kOverlappedTask:
        case RegionKind::kRegion:
        case RegionKind::kFrame: {
            PyObject* domain_arg = values[1];
            if ((domain_arg == nullptr || domain_arg == Py_None) && type_of_kind(kind) != Py_TYPE(r)) {
                // Subclasses (the compatibility layers) may choose another default domain.
                PyObject* fallback = PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(r)), "_default_domain");
                if (fallback == nullptr) PyErr_Clear();
                Ref keep(fallback);
                DomainObject* d = to_domain(fallback, where, "domain");
                if (d == nullptr) return false;
                assign(r->domain, reinterpret_cast<PyObject*>(d));
            } else {
                DomainObject* d = to_domain(domain_arg, where, "domain");
                if (d == nullptr) return false;
                assign(r->domain, reinterpret_cast<PyObject*>(d));
            }
            IdObject* id = nullptr;
            if (!to_optional_id(values[2], where, "id", &id)) return false;
            assign(r->id, reinterpret_cast<PyObject*>(id));
            r->id_given = id != nullptr;
            r->task_id = id != nullptr ? id->id : itt::kNullId;
            if (kind != RegionKind::kFrame) {
                PyObject* parent = nullptr;
                if (!to_parent(values[3], where, &parent)) return false;
                assign(r->parent, parent);
            }
            break;
        }
        case RegionKind::kActiveRegion:
        case RegionKind::kPausedRegion: assign(r->activator, values[1]); break;
        case RegionKind::kEvent:
        case RegionKind::kPtRegion: break;
    }
    if (target == Py_None) {
        if (is_named(kind)) {
            StringHandleObject* site = call_site_name();
            if (site == nullptr) return false;
            assign(r->name, reinterpret_cast<PyObject*>(site));
            r->name_final = false;
        }
        return true;
    }
    if (is_named(kind) && (PyUnicode_Check(target) || is_string_handle(target))) {
        StringHandleObject* name = to_string_handle(target, where, kind == RegionKind::kNestedTask ||
                                                                        kind == RegionKind::kOverlappedTask
                                                                    ? "task"
                                                                    : "region");
        if (name == nullptr) return false;
        assign(r->name, reinterpret_cast<PyObject*>(name));
        r->name_final = true;
        return true;
    }
    if (!is_wrappable(target) && is_named(kind)) {
        // pyitt names a region after anything it is given (task(42) is a task "int.__call__"); it
        // wraps nothing yet, so calling it later decorates, keeping this name.
        Ref text(call_method_name(target));
        if (!text) return false;
        StringHandleObject* name = string_handle_named(text.get(), where, "task");
        if (name == nullptr) return false;
        assign(r->name, reinterpret_cast<PyObject*>(name));
        r->name_final = true;
        return true;
    }
    if (!is_wrappable(target)) {
        const char* param = kind == RegionKind::kNestedTask || kind == RegionKind::kOverlappedTask ? "task"
                            : kind == RegionKind::kActiveRegion || kind == RegionKind::kPausedRegion ? "func"
                                                                                                     : "region";
        type_error(where, param,
                   is_named(kind) ? "str, pyitt.StringHandle, a callable object or None" : "a callable object or None",
                   target);
        return false;
    }
    return set_func(r, target);
}

}  // namespace pyitt::api::region
