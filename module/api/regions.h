// The code-region classes of pyitt: NestedTask, OverlappedTask, Region, Frame, Event, PTRegion,
// ActiveRegion and PausedRegion, and their factories (task, nested_task, ...). One C type family
// (raw C API) so that a decorated call and a `with` block cost one C call each way: they are
// decorators (functions, methods, static/class methods, generators, coroutines, async
// generators), context managers and explicit begin()/end() objects, as in pyitt.
#pragma once

#include <Python.h>

#include <vector>

#include "handles.h"

namespace pyitt::api {

enum class RegionKind : unsigned char {
    kNestedTask,
    kOverlappedTask,
    kRegion,
    kFrame,
    kEvent,
    kPtRegion,
    kActiveRegion,
    kPausedRegion,
};
inline constexpr int kRegionKinds = 8;

// What the wrapped callable returns, decided once when it is wrapped.
enum class Callee : unsigned char { kNone, kPlain, kGenerator, kCoroutine, kAsyncGenerator, kDescriptor };

// One begin() not yet ended, for the kinds that are not nested tasks.
struct OpenSpan {
    itt::Id id;      // overlapped tasks and regions
    bool fresh_id;   // id made for this span (id_create'd, destroyed at its end)
    bool active;     // active/paused regions: whether the activator said yes
};

struct RegionObject {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject* dict;      // functools.wraps writes __name__, __doc__, __wrapped__... here
    PyObject* weaklist;
    RegionKind kind;
    Callee callee;
    bool name_final;     // false while the name is the call site: wrapping a function replaces it
    int open_count;      // begins not yet ended, all threads together
    PyObject* name;      // StringHandleObject, or nullptr (frames and collection regions)
    PyObject* domain;    // DomainObject, or nullptr
    PyObject* id;        // IdObject given by the user or made on first use (`.id`, `parent=`), or nullptr
    itt::Id task_id;     // tasks and regions: r->id's id, kept here for the begin path (null without one)
    bool id_given;       // the user's id: every span uses it, overlapping or not
    PyObject* parent;    // IdObject, or nullptr
    PyObject* func;      // the wrapped callable, or nullptr
    PyObject* activator; // collection regions
    int event;           // kEvent, created at the first begin
    bool event_created;
    itt::PtRegion pt_region;
    bool pt_created;
    std::vector<OpenSpan>* spans;  // LIFO of open spans (non-nested kinds), allocated on first use
};

// Creates the types once per process and adds them and the factory functions to `module`.
// default_activator is the shared ManualCollectionRegionActivator of active_region()/paused_region().
bool add_region_types(PyObject* module, PyObject* default_activator);

}  // namespace pyitt::api
