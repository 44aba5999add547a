// Internals shared by the region files: begin/end of one span, calls through a region, naming.
#pragma once

#include "regions.h"

namespace pyitt::api::region {

RegionObject* as_region(PyObject* o);  // nullptr when o is not one of the region types
RegionKind kind_of_type(PyTypeObject* type, bool* found);
PyTypeObject* type_of_kind(RegionKind kind);

bool is_named(RegionKind kind);     // has a name (tasks, regions, events, PT regions)
bool spans_calls(RegionKind kind);  // one span per call even for generators (overlapped kinds)

// One begin, and the end of the same span. For explicit begin()/end() the span is kept by the
// object; for decorated calls it lives on the C stack (so recursion and concurrency are safe).
bool begin_span(RegionObject* r, OpenSpan& span);
bool end_span(RegionObject* r, const OpenSpan& span);

// Explicit begin()/end() (also __enter__/__exit__).
bool begin_explicit(RegionObject* r);
bool end_explicit(RegionObject* r);

// Sets the wrapped callable; the name becomes its __qualname__ unless it was given.
bool set_func(RegionObject* r, PyObject* func);
Callee classify(PyObject* func);
bool is_wrappable(PyObject* func);

// Calls `callee` (r->func or a bound descriptor target) inside the region.
PyObject* call_in_region(RegionObject* r, PyObject* callee, Callee kind, PyObject* const* args, size_t nargsf,
                         PyObject* kwnames);

// Fills a new object: values are the constructor's parameters in order (null = not given).
bool setup(RegionObject* r, RegionKind kind, PyObject* const* values);

// The name shown in error messages and repr (a str, new reference).
PyObject* display_name(RegionObject* r);

// The task's id as an Id object, made (id_create'd) on first use. Borrowed; null with an exception set
// on error, null without one for the kinds that have no id of their own (frames, events...).
PyObject* task_id_object(RegionObject* r);

bool add_bound_call_type();
// region.__get__ for a wrapped static or class method: binds the descriptor, keeps the region.
PyObject* bind_descriptor(RegionObject* r, PyObject* obj, PyObject* type);

}  // namespace pyitt::api::region
