// pyitt's functions (collection control, threads, the low-level task and frame calls, handle
// factories) and what pyitt lacks: markers, metadata, relations, timestamps, frame_submit,
// scoped pause/resume, the collection state, thread_ignore. pybind11: none of these is a hot path
// in the way a decorated call is, and its docstrings/signatures feed help().
#include <pybind11/pybind11.h>

#include <string>

#include "api_parts.h"
#include "collection_switch.h"
#include "args.h"
#include "task_stack.h"

namespace pyitt::api {

namespace {

using py::arg;

void define_enums(py::module_& m) {
    py::enum_<itt_abi::Scope>(m, "Scope", py::arithmetic(), "The scope of a marker or of metadata.")
        .value("GLOBAL", itt_abi::kScopeGlobal)
        .value("TRACK_GROUP", itt_abi::kScopeTrackGroup)
        .value("TRACK", itt_abi::kScopeTrack)
        .value("TASK", itt_abi::kScopeTask)
        .value("MARKER", itt_abi::kScopeMarker);
    py::enum_<itt_abi::Relation>(m, "Relation", py::arithmetic(), "How two tasks relate (relation_add).")
        .value("DEPENDENT_ON", itt_abi::kRelationDependentOn)
        .value("SIBLING_OF", itt_abi::kRelationSiblingOf)
        .value("PARENT_OF", itt_abi::kRelationParentOf)
        .value("CONTINUATION_OF", itt_abi::kRelationContinuationOf)
        .value("CHILD_OF", itt_abi::kRelationChildOf)
        .value("CONTINUED_BY", itt_abi::kRelationContinuedBy)
        .value("PREDECESSOR_TO", itt_abi::kRelationPredecessorTo);
    py::enum_<itt_abi::MetadataType>(m, "MetadataType", py::arithmetic(),
                                     "The C type of metadata values, counters and histogram axes.")
        .value("U64", itt_abi::kMetadataU64)
        .value("S64", itt_abi::kMetadataS64)
        .value("U32", itt_abi::kMetadataU32)
        .value("S32", itt_abi::kMetadataS32)
        .value("U16", itt_abi::kMetadataU16)
        .value("S16", itt_abi::kMetadataS16)
        .value("FLOAT", itt_abi::kMetadataFloat)
        .value("DOUBLE", itt_abi::kMetadataDouble);
    py::enum_<itt_abi::CollectionState>(m, "CollectionState", py::arithmetic(),
                                        "What the ITT runtime found (collection_state()).")
        .value("UNINITIALIZED", itt_abi::kStateUninitialized)
        .value("INIT_FAIL", itt_abi::kStateInitFail)
        .value("COLLECTOR_ABSENT", itt_abi::kStateCollectorAbsent)
        .value("COLLECTOR_EXISTS", itt_abi::kStateCollectorExists)
        .value("INIT_SUCCESSFUL", itt_abi::kStateInitSuccessful);
    py::enum_<itt_abi::CollectionScope>(m, "CollectionScope", py::arithmetic(),
                                        "What pause_scoped()/resume_scoped() act on.")
        .value("HOST", itt_abi::kScopeHost)
        .value("OFFLOAD", itt_abi::kScopeOffload)
        .value("ALL", itt_abi::kScopeAll);
}

// pyitt's ManualCollectionRegionActivator: a switch for active_region()/paused_region().
class ManualActivator {
public:
    static constexpr int kInactive = 0;
    static constexpr int kActive = 1;
    explicit ManualActivator(int state) : state_(state) {}
    bool operator()() const { return state_ == kActive; }
    void activate() { state_ = kActive; }
    void deactivate() { state_ = kInactive; }
    int state() const { return state_; }

private:
    int state_;
};

void define_collection_control(py::module_& m) {
    py::class_<ManualActivator>(m, "ManualCollectionRegionActivator",
                                "ManualCollectionRegionActivator(state=ACTIVE)\n\n"
                                "A switch that turns active_region()/paused_region() regions on and off.")
        .def(py::init<int>(), arg("state") = static_cast<int>(ManualActivator::kActive))
        .def_readonly_static("INACTIVE", &ManualActivator::kInactive)
        .def_readonly_static("ACTIVE", &ManualActivator::kActive)
        .def("__call__", &ManualActivator::operator(), "True when the regions it controls are active.")
        .def("activate", &ManualActivator::activate, "Activates the regions.")
        .def("deactivate", &ManualActivator::deactivate, "Deactivates the regions.")
        .def_property_readonly("state", &ManualActivator::state, "ACTIVE or INACTIVE.");

    // Through the process-wide switch, which pyitt-host's own collection control shares.
    m.def("pause", [] { py::gil_scoped_release unlocked; control::pause(control::Source::kProgram); },
          "pause()\n\nPauses the collection of profiling data (all threads, the whole process).");
    m.def("resume", [] { py::gil_scoped_release unlocked; control::resume(control::Source::kProgram); },
          "resume()\n\nResumes the collection of profiling data.");
    m.def("detach", [] { py::gil_scoped_release unlocked; control::detach(control::Source::kProgram); },
          "detach()\n\nDetaches the collector: the program runs on, nothing more is collected.");
    m.def(
        "pause_scoped",
        [](py::object scope) {
            int s = enum_arg(scope, m_attr("CollectionScope"), "pause_scoped()", "scope");
            py::gil_scoped_release unlocked;
            control::pause_scoped(s);
        },
        arg("scope"), "pause_scoped(scope)\n\nPauses collection for a CollectionScope ('host', 'offload', 'all').");
    m.def(
        "resume_scoped",
        [](py::object scope) {
            int s = enum_arg(scope, m_attr("CollectionScope"), "resume_scoped()", "scope");
            py::gil_scoped_release unlocked;
            control::resume_scoped(s);
        },
        arg("scope"), "resume_scoped(scope)\n\nResumes collection for a CollectionScope ('host', 'offload', 'all').");
    m.def(
        "collection_state",
        [] { return static_cast<itt_abi::CollectionState>(itt::collection_state()); },
        "collection_state()\n\nThe state of the ITT runtime: loads the collector if that has not happened yet, "
        "then returns a CollectionState (INIT_SUCCESSFUL when a collector is attached).");
}

void define_threads(py::module_& m) {
    m.def(
        "thread_set_name",
        [](py::object name) {
            std::string text = text_arg(name, "thread_set_name()", "name");
            itt::thread_set_name(text.c_str());
        },
        arg("name"), "thread_set_name(name)\n\nNames the calling thread in the profiler (str or StringHandle).");
    m.def("thread_ignore", [] { itt::thread_ignore(); },
          "thread_ignore()\n\nAsks the collector to ignore the calling thread from now on.");
}

void define_low_level_tasks(py::module_& m) {
    m.def(
        "task_begin",
        [](py::object domain, py::object name, py::object id, py::object parent_id) {
            const char* w = "task_begin()";
            nested_task_begin(nullptr, given_domain_arg(domain, w), id_arg(id, w, "id"), id_arg(parent_id, w, "parent_id"),
                              name_arg(name, w));
        },
        arg("domain"), arg("name"), arg("id") = py::none(), arg("parent_id") = py::none(),
        "task_begin(domain, name, id=None, parent_id=None)\n\nBegins a nested task on the calling thread.");
    m.def(
        "task_end",
        [](py::object domain) {
            if (!nested_task_end_any(given_domain_arg(domain, "task_end()"))) throw py::error_already_set();
        },
        arg("domain"),
        "task_end(domain)\n\nEnds the innermost task of the calling thread (RuntimeError if there is none).");
    m.def(
        "task_begin_overlapped",
        [](py::object domain, py::object name, py::object id, py::object parent_id) {
            const char* w = "task_begin_overlapped()";
            if (id.is_none()) throw_type_error(w, "id", "a pyitt.Id", id);
            itt::task_begin_overlapped(given_domain_arg(domain, w)->handle, id_arg(id, w, "id"),
                                       id_arg(parent_id, w, "parent_id"), name_arg(name, w)->handle);
        },
        arg("domain"), arg("name"), arg("id"), arg("parent_id") = py::none(),
        "task_begin_overlapped(domain, name, id, parent_id=None)\n\nBegins an overlapped task identified by id.");
    m.def(
        "task_end_overlapped",
        [](py::object domain, py::object id) {
            const char* w = "task_end_overlapped()";
            if (id.is_none()) throw_type_error(w, "id", "a pyitt.Id", id);
            itt::task_end_overlapped(given_domain_arg(domain, w)->handle, id_arg(id, w, "id"));
        },
        arg("domain"), arg("id"), "task_end_overlapped(domain, id)\n\nEnds the overlapped task identified by id.");
    m.def(
        "frame_begin",
        [](py::object domain, py::object id) {
            bool given = false;
            itt::Id value = id_arg(id, "frame_begin()", "id", &given);
            itt::frame_begin_v3(given_domain_arg(domain, "frame_begin()")->handle, given ? &value : nullptr);
        },
        arg("domain"), arg("id") = py::none(), "frame_begin(domain, id=None)\n\nBegins a frame of domain.");
    m.def(
        "frame_end",
        [](py::object domain, py::object id) {
            bool given = false;
            itt::Id value = id_arg(id, "frame_end()", "id", &given);
            itt::frame_end_v3(given_domain_arg(domain, "frame_end()")->handle, given ? &value : nullptr);
        },
        arg("domain"), arg("id") = py::none(), "frame_end(domain, id=None)\n\nEnds the frame of domain.");
    m.def(
        "frame_submit",
        [](py::object domain, py::object begin, py::object end, py::object id) {
            const char* w = "frame_submit()";
            bool given = false;
            itt::Id value = id_arg(id, w, "id", &given);
            auto stamp = [&](py::object t, const char* p) {
                return t.is_none() ? itt_abi::kTimestampNone : unsigned_arg(t, w, p, ~0ULL - 1);
            };
            itt::frame_submit_v3(domain_arg(domain, w)->handle, given ? &value : nullptr, stamp(begin, "begin"),
                                 stamp(end, "end"));
        },
        arg("domain"), arg("begin"), arg("end"), arg("id") = py::none(),
        "frame_submit(domain, begin, end, id=None)\n\nSubmits a frame that ran from begin to end "
        "(get_timestamp() values; None means now).");
    m.def("get_timestamp", [] { return static_cast<unsigned long long>(itt::get_timestamp()); },
          "get_timestamp()\n\nThe collector's current timestamp (for frame_submit), 0 without a collector.");
}

void define_handle_factories(py::module_& m) {
    py::object domain_t = m.attr("Domain"), handle_t = m.attr("StringHandle"), id_t = m.attr("Id");
    m.def(
        "domain", [domain_t](py::object name) { return domain_t(name); }, arg("name") = py::none(),
        "domain(name=None)\n\nThe Domain of that name (None: the default domain 'pyitt').");
    m.def(
        "string_handle", [handle_t](py::object string) { return handle_t(string); }, arg("string"),
        "string_handle(string)\n\nThe StringHandle of that string.");
    m.def(
        "id", [id_t](py::object domain) { return id_t(domain); }, arg("domain"),
        "id(domain)\n\nA new unique Id in domain.");
}

void define_markup(py::module_& m) {
    m.def(
        "marker",
        [](py::object name, py::object domain, py::object id, py::object scope) {
            const char* w = "marker()";
            int s = enum_arg(scope, m_attr("Scope"), w, "scope");
            itt::marker(domain_arg(domain, w)->handle, id_arg(id, w, "id"), name_arg(name, w)->handle, s);
        },
        arg("name"), arg("domain") = py::none(), arg("id") = py::none(), arg("scope") = "task",
        "marker(name, domain=None, id=None, scope='task')\n\nAn instant marker. scope is a Scope or its name: "
        "'global', 'track_group', 'track', 'task' or 'marker'.");
    m.def(
        "metadata_add",
        [](py::object key, py::object value, py::object domain, py::object id, py::object scope, py::object type) {
            const char* w = "metadata_add()";
            DomainObject* d = domain_arg(domain, w);
            StringHandleObject* k = name_arg(key, w, "key");
            bool has_id = false;
            itt::Id target = id_arg(id, w, "id", &has_id);
            const bool scoped = !scope.is_none();
            if (scoped && has_id) throw py::value_error("metadata_add(): give either id or scope, not both");
            const int s = scoped ? enum_arg(scope, m_attr("Scope"), w, "scope") : 0;
            if (PyUnicode_Check(value.ptr()) || is_string_handle(value.ptr())) {
                if (!type.is_none()) throw py::value_error("metadata_add(): type applies to numbers, not to str values");
                std::string text = text_arg(value, w, "value");
                if (scoped)
                    itt::metadata_str_add_with_scope(d->handle, s, k->handle, text.c_str(), text.size());
                else
                    itt::metadata_str_add(d->handle, target, k->handle, text.c_str(), text.size());
                return;
            }
            // One number or a sequence of numbers, of one ITT type.
            py::list items;
            if (!(PyList_Check(value.ptr()) || PyTuple_Check(value.ptr()) || PyNumber_Check(value.ptr())))
                throw_type_error(w, "value", "a str, a number or a list/tuple of numbers", value);
            if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
                items = py::list(value);
                if (items.empty()) throw py::value_error("metadata_add(): argument 'value' must not be empty");
            } else {
                items.append(value);
            }
            int t = 0;
            if (!type.is_none()) {
                t = metadata_type_arg(type, w, "type");
            } else {
                bool any_float = false;
                for (auto item : items) any_float |= PyFloat_Check(item.ptr()) != 0;
                t = any_float ? itt_abi::kMetadataDouble : itt_abi::kMetadataS64;
            }
            std::string data;
            for (auto item : items) append_typed(data, t, item, w, "value");
            if (scoped)
                itt::metadata_add_with_scope(d->handle, s, k->handle, t, items.size(), data.data());
            else
                itt::metadata_add(d->handle, target, k->handle, t, items.size(), data.data());
        },
        arg("key"), arg("value"), arg("domain") = py::none(), arg("id") = py::none(), arg("scope") = py::none(),
        arg("type") = py::none(),
        "metadata_add(key, value, domain=None, id=None, scope=None, type=None)\n\n"
        "Attaches metadata: to the task with id, else to the current task, or with scope to a Scope. value is a "
        "str, a number or a list/tuple of numbers; type is a MetadataType or its name ('u64', 's32', 'double'...), "
        "by default 's64' for ints and 'double' when any value is a float.");
    m.def(
        "relation_add",
        [](py::object head, py::object relation, py::object tail, py::object domain) {
            const char* w = "relation_add()";
            // One by one, so that the first bad argument is the one reported.
            const itt::Id head_id = id_arg(head, w, "head");
            const int r = enum_arg(relation, m_attr("Relation"), w, "relation");
            const itt::Id tail_id = id_arg(tail, w, "tail");
            itt::relation_add(domain_arg(domain, w)->handle, head_id, r, tail_id);
        },
        arg("head"), arg("relation"), arg("tail"), arg("domain") = py::none(),
        "relation_add(head, relation, tail, domain=None)\n\nRecords 'head <relation> tail' between two ids "
        "(Ids or tasks with ids); relation is a Relation or its name, e.g. 'child_of'.");
    m.def(
        "relation_add_to_current",
        [](py::object relation, py::object tail, py::object domain) {
            const char* w = "relation_add_to_current()";
            int r = enum_arg(relation, m_attr("Relation"), w, "relation");
            itt::relation_add_to_current(domain_arg(domain, w)->handle, r, id_arg(tail, w, "tail"));
        },
        arg("relation"), arg("tail"), arg("domain") = py::none(),
        "relation_add_to_current(relation, tail, domain=None)\n\nRecords 'current task <relation> tail'.");
}

}  // namespace

void define_functions(py::module_& m) {
    define_enums(m);
    for (const char* name : {"Scope", "Relation", "MetadataType", "CollectionState", "CollectionScope"})
        remember_type(name, m.attr(name));
    define_collection_control(m);
    define_threads(m);
    define_low_level_tasks(m);
    define_handle_factories(m);
    define_markup(m);
}

}  // namespace pyitt::api
