#include "task_stack.h"

#include "py_compat.h"

#include <vector>

namespace pyitt::api {

namespace {

struct OpenTask {
    PyObject* owner;  // strong reference, or nullptr
    const itt::Domain* domain;
};

// The references of a thread that exits with tasks open are leaked on purpose: its thread_local
// destructor runs without the GIL, so it must not touch Python objects.
std::vector<OpenTask>& open_tasks() {
    static thread_local std::vector<OpenTask> tasks;
    return tasks;
}

}  // namespace

void nested_task_begin(PyObject* owner, const DomainObject* domain, itt::Id id, itt::Id parent,
                       const StringHandleObject* name) {
    open_tasks().push_back(OpenTask{Py_XNewRef(owner), domain->handle});
    itt::task_begin(domain->handle, id, parent, name->handle);
}

bool nested_task_end(PyObject* owner, const char* what, PyObject* name) {
    std::vector<OpenTask>& tasks = open_tasks();
    if (!tasks.empty() && tasks.back().owner == owner) {
        const itt::Domain* domain = tasks.back().domain;
        tasks.pop_back();
        itt::task_end(domain);
        Py_DECREF(owner);
        return true;
    }
    if (nested_task_open_here(owner)) {
        PyErr_Format(PyExc_RuntimeError,
                     "cannot end %s %R: a task begun inside it on this thread is still open (end the inner "
                     "tasks first)",
                     what, name);
    } else {
        PyErr_Format(PyExc_RuntimeError,
                     "cannot end %s %R: it was not begun on this thread (begin() and end() of a nested task "
                     "must be called on the same thread)",
                     what, name);
    }
    return false;
}

bool nested_task_end_any(const DomainObject* domain) {
    std::vector<OpenTask>& tasks = open_tasks();
    if (tasks.empty()) {
        PyErr_SetString(PyExc_RuntimeError, "task_end(): no task was begun on this thread");
        return false;
    }
    PyObject* owner = tasks.back().owner;
    tasks.pop_back();
    itt::task_end(domain->handle);
    Py_XDECREF(owner);
    return true;
}

bool nested_task_open_here(PyObject* owner) {
    for (const OpenTask& t : open_tasks())
        if (t.owner == owner) return true;
    return false;
}

}  // namespace pyitt::api
