// Domain, StringHandle and Id types (raw C API: they are on the hot path of every task).
#include "handles.h"

#include <atomic>
#include <cstring>

#include "py_util.h"

namespace pyitt::api {

namespace {

PyTypeObject* g_domain_type = nullptr;
PyTypeObject* g_string_handle_type = nullptr;
PyTypeObject* g_id_type = nullptr;
PyObject* g_domains = nullptr;         // dict: str -> DomainObject
PyObject* g_string_handles = nullptr;  // dict: str -> StringHandleObject

// ---- Domain ----

PyObject* domain_new(PyTypeObject*, PyObject* args, PyObject* kwargs) {
    static const char* kwlist[] = {"name", nullptr};
    PyObject* name = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O", const_cast<char**>(kwlist), &name)) return nullptr;
    // pyitt.native's message (pyitt.Domain is that class).
    if (name != Py_None && !PyUnicode_Check(name) && !is_string_handle(name))
        return PyErr_Format(PyExc_TypeError, "The passed name is not a valid instance of str or %s.",
                            string_handle_type()->tp_name);
    return Py_XNewRef(reinterpret_cast<PyObject*>(to_domain(name, "Domain()", "name")));
}

PyObject* domain_repr(PyObject* self) {
    return PyUnicode_FromFormat("%s('%U')", Py_TYPE(self)->tp_name, reinterpret_cast<DomainObject*>(self)->name);
}

PyObject* domain_str(PyObject* self) { return Py_NewRef(reinterpret_cast<DomainObject*>(self)->name); }

PyObject* domain_get_name(PyObject* self, void*) { return Py_NewRef(reinterpret_cast<DomainObject*>(self)->name); }

PyGetSetDef domain_getset[] = {
    {"name", domain_get_name, nullptr, "The name of the domain.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot domain_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(domain_new)},
    {Py_tp_repr, reinterpret_cast<void*>(domain_repr)},
    {Py_tp_str, reinterpret_cast<void*>(domain_str)},
    {Py_tp_getset, domain_getset},
    {Py_tp_doc, const_cast<char*>(
                    "Domain(name=None)\n--\n\n"
                    "An ITT domain: a named group of tasks, frames and counters that a tool can enable\n"
                    "or disable as a whole. name is a str or a StringHandle; None means the default\n"
                    "domain 'pyitt'. Domains are never destroyed, so Domain(name) returns the same\n"
                    "object for the same name.")},
    {0, nullptr},
};

// pyitt's classes live in pyitt.native (pyitt.Domain is pyitt.native.Domain): the same names and reprs.
PyType_Spec domain_spec = {"pyitt.native.Domain", sizeof(DomainObject), 0, Py_TPFLAGS_DEFAULT, domain_slots};

// ---- StringHandle ----

PyObject* string_handle_new(PyTypeObject*, PyObject* args, PyObject* kwargs) {
    static const char* kwlist[] = {"str", nullptr};
    PyObject* text = nullptr;
    // pyitt calls the parameter `str`; the stubs' `string` is accepted too.
    if (kwargs != nullptr && PyTuple_GET_SIZE(args) == 0 && PyDict_GET_SIZE(kwargs) == 1)
        text = PyDict_GetItemString(kwargs, "string");
    if (text == nullptr && !PyArg_ParseTupleAndKeywords(args, kwargs, "O", const_cast<char**>(kwlist), &text))
        return nullptr;
    if (is_string_handle(text)) return Py_NewRef(text);
    if (!PyUnicode_Check(text))
        return PyErr_Format(PyExc_TypeError, "The passed string is not a valid instance of str type.");
    return Py_XNewRef(reinterpret_cast<PyObject*>(string_handle_named(text, "StringHandle()", "string")));
}

PyObject* string_handle_repr(PyObject* self) {
    return PyUnicode_FromFormat("%s('%U')", Py_TYPE(self)->tp_name, reinterpret_cast<StringHandleObject*>(self)->str);
}

PyObject* string_handle_str(PyObject* self) { return Py_NewRef(reinterpret_cast<StringHandleObject*>(self)->str); }

PyObject* string_handle_get_str(PyObject* self, void*) { return string_handle_str(self); }

PyGetSetDef string_handle_getset[] = {
    {"_str", string_handle_get_str, nullptr, "The string of the handle (pyitt's attribute name).", nullptr},
    {"string", string_handle_get_str, nullptr, "The string of the handle.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot string_handle_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(string_handle_new)},
    {Py_tp_repr, reinterpret_cast<void*>(string_handle_repr)},
    {Py_tp_str, reinterpret_cast<void*>(string_handle_str)},
    {Py_tp_getset, string_handle_getset},
    {Py_tp_doc, const_cast<char*>(
                    "StringHandle(string)\n--\n\n"
                    "An ITT string handle: a name registered once and passed cheaply to tasks,\n"
                    "counters and metadata. Handles are never destroyed, so StringHandle(s) returns\n"
                    "the same object for the same string.")},
    {0, nullptr},
};

PyType_Spec string_handle_spec = {"pyitt.native.StringHandle", sizeof(StringHandleObject), 0, Py_TPFLAGS_DEFAULT,
                                  string_handle_slots};

// ---- Id ----

PyObject* id_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
    static const char* kwlist[] = {"domain", nullptr};
    PyObject* domain_arg = nullptr;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O", const_cast<char**>(kwlist), &domain_arg)) return nullptr;
    if (!is_domain(domain_arg))
        return PyErr_Format(PyExc_TypeError, "The passed domain is not a valid instance of %s type.",
                            domain_type()->tp_name);
    auto* self = reinterpret_cast<IdObject*>(type->tp_alloc(type, 0));
    if (self == nullptr) return nullptr;
    self->domain = Py_NewRef(domain_arg);
    // __itt_id_make(self, 0): the object's address is unique while it lives, and it lives until
    // id_destroy in dealloc.
    self->id = itt::Id{reinterpret_cast<unsigned long long>(self), 0, 0};
    itt::id_create(reinterpret_cast<DomainObject*>(domain_arg)->handle, self->id);
    return reinterpret_cast<PyObject*>(self);
}

void id_dealloc(PyObject* self) {
    auto* id = reinterpret_cast<IdObject*>(self);
    if (id->domain != nullptr) itt::id_destroy(reinterpret_cast<DomainObject*>(id->domain)->handle, id->id);
    Py_CLEAR(id->domain);
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

PyObject* id_repr(PyObject* self) {
    const itt::Id& id = reinterpret_cast<IdObject*>(self)->id;
    return PyUnicode_FromFormat("%s(%llu, %llu)", Py_TYPE(self)->tp_name, id.d1, id.d2);
}

PyObject* id_str(PyObject* self) {
    const itt::Id& id = reinterpret_cast<IdObject*>(self)->id;
    return PyUnicode_FromFormat("(%llu, %llu)", id.d1, id.d2);
}

PyObject* id_get_domain(PyObject* self, void*) { return Py_NewRef(reinterpret_cast<IdObject*>(self)->domain); }

PyObject* id_get_value(PyObject* self, void*) {
    const itt::Id& id = reinterpret_cast<IdObject*>(self)->id;
    return Py_BuildValue("(KKK)", id.d1, id.d2, id.d3);
}

PyGetSetDef id_getset[] = {
    {"domain", id_get_domain, nullptr, "The domain that controls the lifetime of the id.", nullptr},
    {"value", id_get_value, nullptr, "The id as a tuple (d1, d2, d3).", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot id_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(id_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(id_dealloc)},
    {Py_tp_repr, reinterpret_cast<void*>(id_repr)},
    {Py_tp_str, reinterpret_cast<void*>(id_str)},
    {Py_tp_getset, id_getset},
    {Py_tp_doc, const_cast<char*>(
                    "Id(domain)\n--\n\n"
                    "A unique ITT id (__itt_id_make + __itt_id_create), destroyed with the object.\n"
                    "Use it to identify a task or frame, to relate tasks, or as a parent.")},
    {0, nullptr},
};

PyType_Spec id_spec = {"pyitt.native.Id", sizeof(IdObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, id_slots};

PyTypeObject* make_type(PyType_Spec* spec) { return reinterpret_cast<PyTypeObject*>(PyType_FromSpec(spec)); }

}  // namespace

PyTypeObject* domain_type() { return g_domain_type; }
PyTypeObject* string_handle_type() { return g_string_handle_type; }
PyTypeObject* id_type() { return g_id_type; }

bool add_handle_types(PyObject* module) {
    if (g_domain_type == nullptr) {
        g_domains = PyDict_New();
        g_string_handles = PyDict_New();
        g_domain_type = make_type(&domain_spec);
        g_string_handle_type = make_type(&string_handle_spec);
        g_id_type = make_type(&id_spec);
        if (!g_domains || !g_string_handles || !g_domain_type || !g_string_handle_type || !g_id_type) return false;
    }
    for (PyTypeObject* t : {g_domain_type, g_string_handle_type, g_id_type}) {
        const char* dot = std::strrchr(t->tp_name, '.');
        if (PyModule_AddObject(module, dot + 1, Py_NewRef(reinterpret_cast<PyObject*>(t))) < 0) return false;
    }
    return true;
}

DomainObject* domain_named(PyObject* name, const char* where, const char* param) {
    if (PyObject* hit = PyDict_GetItemWithError(g_domains, name)) return reinterpret_cast<DomainObject*>(hit);
    if (PyErr_Occurred()) return nullptr;
    std::string_view utf8;
    if (!utf8_name(name, where, param, utf8)) return nullptr;
    auto* self = PyObject_New(DomainObject, g_domain_type);
    if (self == nullptr) return nullptr;
    self->name = Py_NewRef(name);
    self->handle = itt::domain_create(utf8.data());
    Ref owner(reinterpret_cast<PyObject*>(self));
    if (PyDict_SetItem(g_domains, name, owner.get()) < 0) return nullptr;
    return self;  // the cache keeps it alive
}

DomainObject* default_domain() {
    // Looked up once: every task without a domain needs it.
    static DomainObject* cached = nullptr;
    if (cached == nullptr) {
        Ref name(PyUnicode_InternFromString(kDefaultDomain));
        if (!name) return nullptr;
        cached = domain_named(name.get(), "Domain()", "name");
    }
    return cached;
}

StringHandleObject* string_handle_named(PyObject* text, const char* where, const char* param) {
    if (PyUnicode_Check(text)) {
        if (PyObject* hit = PyDict_GetItemWithError(g_string_handles, text))
            return reinterpret_cast<StringHandleObject*>(hit);
        if (PyErr_Occurred()) return nullptr;
    }
    std::string_view utf8;
    if (!utf8_name(text, where, param, utf8)) return nullptr;
    auto* self = PyObject_New(StringHandleObject, g_string_handle_type);
    if (self == nullptr) return nullptr;
    self->str = Py_NewRef(text);
    self->handle = itt::string_handle_create(utf8.data());
    Ref owner(reinterpret_cast<PyObject*>(self));
    if (PyDict_SetItem(g_string_handles, text, owner.get()) < 0) return nullptr;
    return self;
}

DomainObject* to_domain(PyObject* arg, const char* where, const char* param) {
    if (arg == nullptr || arg == Py_None) return default_domain();
    if (is_domain(arg)) return reinterpret_cast<DomainObject*>(arg);
    if (is_string_handle(arg)) return domain_named(reinterpret_cast<StringHandleObject*>(arg)->str, where, param);
    if (PyUnicode_Check(arg)) return domain_named(arg, where, param);
    return type_error(where, param, "a pyitt.Domain, str, StringHandle or None", arg);
}

StringHandleObject* to_string_handle(PyObject* arg, const char* where, const char* param) {
    if (is_string_handle(arg)) return reinterpret_cast<StringHandleObject*>(arg);
    if (PyUnicode_Check(arg)) return string_handle_named(arg, where, param);
    return type_error(where, param, "str or pyitt.StringHandle", arg);
}

bool to_optional_id(PyObject* arg, const char* where, const char* param, IdObject** out) {
    *out = nullptr;
    if (arg == nullptr || arg == Py_None) return true;
    if (!is_id(arg)) return type_error(where, param, "a pyitt.Id or None", arg), false;
    *out = reinterpret_cast<IdObject*>(arg);
    return true;
}

PyObject* id_adopt(DomainObject* domain, itt::Id id) {
    auto* self = reinterpret_cast<IdObject*>(g_id_type->tp_alloc(g_id_type, 0));
    if (self == nullptr) return nullptr;
    self->domain = Py_NewRef(reinterpret_cast<PyObject*>(domain));
    self->id = id;
    return reinterpret_cast<PyObject*>(self);
}

itt::Id next_call_id() {
    // d2 = 1 keeps these apart from Id objects, whose d2 is 0 (__itt_id_make(address, 0)).
    static std::atomic<unsigned long long> counter{0};
    return itt::Id{counter.fetch_add(1, std::memory_order_relaxed) + 1, 1, 0};
}

}  // namespace pyitt::api
