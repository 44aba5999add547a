// The nested tasks each thread has begun through pyitt, innermost last. ITT's task_end closes the
// innermost task of the thread; keeping our own stack lets end() refuse (RuntimeError) to close a
// task that was not begun, was begun on another thread, or still has inner tasks open, instead of
// silently closing someone else's task and corrupting the nesting.
#pragma once

#include <Python.h>

#include "handles.h"

namespace pyitt::api {

// Begins a nested task owned by `owner` (a region object, strong reference taken) or by nobody
// (nullptr: pyitt.task_begin).
void nested_task_begin(PyObject* owner, const DomainObject* domain, itt::Id id, itt::Id parent,
                       const StringHandleObject* name);

// Ends the innermost task of this thread, which must be owned by `owner`. On refusal raises
// RuntimeError (naming `what`) and returns false; ITT is not called then.
bool nested_task_end(PyObject* owner, const char* what, PyObject* name);

// pyitt.task_end(domain): ends the innermost task of this thread whoever began it, so code that
// pairs task_begin/task_end by hand keeps working. RuntimeError when the thread has none open.
bool nested_task_end_any(const DomainObject* domain);

// Whether `owner` has a task open on this thread (for error messages).
bool nested_task_open_here(PyObject* owner);

}  // namespace pyitt::api
