// Deciding about code objects (omnitrace-python's filter rules, ../shared/docs/anchors.md §b, made
// once per code object instead of once per event) and naming them. Off the hot path.
#include "code_registry.h"

#include <pybind11/pybind11.h>

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "default_filters.h"
#include "eval_frame_on_demand.h"
#include "hooks.h"
#include "plain_pattern.h"
#include "profile_regions.h"
#include "qualname.h"
#include "thread_state.h"
#include "stderr_line.h"

namespace py = pybind11;

namespace pyitt::instrument {
namespace {

// pyitt's compiled-in Python code carries file names "<pyitt...>": never a task, even if forced.
bool is_internal(std::string_view file) { return file.rfind("<pyitt", 0) == 0; }

struct PatternSet {
    std::vector<std::string> sources;
    std::vector<std::optional<PlainPattern>> plain;  // matched natively where the pattern is plain
    // The others' re.Pattern.search, bound once (3.11 checks every code object made with it:
    // eval_frame_on_demand.h); C code, so no frames run.
    std::vector<py::object> searches;

    // `re` is given by a call, made only for a pattern that is not plain.
    template <class Re>
    void compile(const std::vector<std::string>& patterns, Re&& re) {
        sources = patterns;
        plain.clear();
        searches.clear();
        for (const auto& pattern : patterns) {
            plain.push_back(PlainPattern::parse(pattern));
            if (plain.back()) {
                searches.emplace_back();
                continue;
            }
            try {
                searches.push_back(re().attr("compile")(pattern).attr("search"));
            } catch (py::error_already_set& error) {
                throw std::invalid_argument(fmt::format("'{}' is not a Python regular expression: {}", pattern,
                                                        py::str(error.value()).cast<std::string>()));
            }
        }
    }
    bool empty() const { return sources.empty(); }
    bool found_in(size_t i, PyObject* text) const {
        if (text == nullptr) return false;
        if (plain[i]) return plain[i]->search(text);
        PyObject* match = PyObject_CallOneArg(searches[i].ptr(), text);
        if (match == nullptr) throw py::error_already_set();
        Py_DECREF(match);
        return match != Py_None;
    }
    // Marks every pattern found in any of `texts` in `matched`; true when one was.
    bool mark_all(std::initializer_list<PyObject*> texts, std::vector<bool>& matched) const {
        bool any = false;
        for (size_t i = 0; i < sources.size(); ++i) {
            for (PyObject* text : texts) {
                if (!found_in(i, text)) continue;
                matched[i] = true;
                any = true;
                break;
            }
        }
        return any;
    }
    // The first pattern found in any of `texts`, or nullptr.
    const std::string* find(std::initializer_list<PyObject*> texts) const {
        for (size_t i = 0; i < sources.size(); ++i) {
            for (PyObject* text : texts) {
                if (found_in(i, text)) return &sources[i];
            }
        }
        return nullptr;
    }
};

struct Registry {
    Config config;
    PatternSet include_functions, exclude_functions, restrict_functions;
    PatternSet include_modules, exclude_modules, restrict_modules;
    PatternSet resume_on, pause_on;  // triggers: searched on every code object, whatever the filters say
    std::vector<bool> resume_on_matched, pause_on_matched;
    std::vector<std::string> explanation;  // only with --explain
    bool warned = false;
};

Registry* g_registry = nullptr;

// Code objects marked as regions before their first run, each held until it is decided (so that
// its address is not reused meanwhile). Touched with the GIL held only.
std::unordered_map<PyCodeObject*, RegionMark>* g_pending_regions = nullptr;

RegionMark take_pending_region(PyCodeObject* code) {
    if (g_pending_regions == nullptr) return RegionMark::kNone;
    const auto found = g_pending_regions->find(code);
    if (found == g_pending_regions->end()) return RegionMark::kNone;
    const RegionMark region = found->second;
    g_pending_regions->erase(found);
    Py_DECREF(code);  // the running frame holds it too
    return region;
}

#if PY_VERSION_HEX < 0x030B0000
// Before 3.11 a code object has no co_qualname, and a nested function's (`make.<locals>.inner`) is
// not among its module's globals: the decorated function told it. Held like pending regions.
std::unordered_map<PyCodeObject*, py::object>* g_told_qualified_names = nullptr;

py::object take_told_qualified_name(PyCodeObject* code) {
    if (g_told_qualified_names == nullptr) return {};
    const auto found = g_told_qualified_names->find(code);
    if (found == g_told_qualified_names->end()) return {};
    py::object name = std::move(found->second);
    g_told_qualified_names->erase(found);
    Py_DECREF(code);
    return name;
}
#endif

void free_code_info(void* info) { delete static_cast<CodeInfo*>(info); }

struct Verdict {
    CodeInfo::Decision decision;
    std::string rule;
};

// A file name that is not valid UTF-8 (surrogate escapes of a path's bytes) is the program's, and
// leaves no exception behind for it.
bool is_internal_file(PyObject* file) {
    const char* text = PyUnicode_AsUTF8(file);
    if (text == nullptr) {
        PyErr_Clear();
        return false;
    }
    return is_internal(text);
}

Verdict decide(const Registry& r, PyObject* name, PyObject* qualname, PyObject* file, PyObject* module,
               bool is_function) {
    if (is_internal_file(file)) return {CodeInfo::kSkip, "pyitt's own code"};

    bool forced = false;
    std::string rule;
    if (!r.restrict_functions.empty()) {
        const std::string* hit = r.restrict_functions.find({name, qualname});
        if (hit == nullptr) return {CodeInfo::kSkip, "not matched by -R"};
        forced = true;
        rule = "-R " + *hit;
    } else if (const std::string* hit = r.include_functions.find({name, qualname})) {
        forced = true;
        rule = "-I " + *hit;
    } else if (const std::string* hit = r.exclude_functions.find({name, qualname})) {
        return {CodeInfo::kExcludeSubtree, "-E " + *hit + " (with everything it calls)"};
    } else if (const std::string* hit = (r.config.default_filters ? find_default(default_function_filters(), {name}) : nullptr)) {
        return {CodeInfo::kSkip, "default exclusion " + *hit};
    } else if (r.config.default_filters && !is_function) {
        return {CodeInfo::kSkip, "default exclusion of class bodies"};
    }
    if (forced) return {CodeInfo::kRecord, rule};

    if (!r.restrict_modules.empty()) {
        const std::string* hit = r.restrict_modules.find({file, module});
        if (hit == nullptr) return {CodeInfo::kSkip, "not matched by -MR"};
        return {CodeInfo::kRecord, "-MR " + *hit};
    }
    if (const std::string* hit = r.include_modules.find({file, module})) return {CodeInfo::kRecord, "-MI " + *hit};
    if (const std::string* hit = r.exclude_modules.find({file, module})) return {CodeInfo::kSkip, "-ME " + *hit};
    if (const std::string* hit = (r.config.default_filters ? find_default(default_module_filters(), {file, module}) : nullptr)) {
        return {CodeInfo::kSkip, "default module exclusion " + *hit};
    }
    return {CodeInfo::kRecord, "no filter excludes it"};
}

// Pause wins when both match: a pause trigger inside a resume trigger pauses anyway.
Trigger decide_trigger(Registry& r, PyObject* name, PyObject* qualname, PyObject* file) {
    if (r.resume_on.empty() && r.pause_on.empty()) return Trigger::kNone;
    if (is_internal_file(file)) return Trigger::kNone;
    const bool pauses = r.pause_on.mark_all({name, qualname}, r.pause_on_matched);
    const bool resumes = r.resume_on.mark_all({name, qualname}, r.resume_on_matched);
    return pauses ? Trigger::kPause : resumes ? Trigger::kResume : Trigger::kNone;
}

// co_qualname from 3.11; before, the module's function or class method that owns the code.
py::object qualified_name(PyCodeObject* code, PyObject* globals) {
#if PY_VERSION_HEX >= 0x030B0000
    (void)globals;
    return py::reinterpret_borrow<py::object>(code->co_qualname);
#else
    if (py::object told = take_told_qualified_name(code)) return told;
    if (PyObject* nested = nested_qualified_name(code)) return py::reinterpret_steal<py::object>(nested);
    if (PyObject* found = find_qualified_name(code, globals)) return py::reinterpret_steal<py::object>(found);
    return py::reinterpret_borrow<py::object>(code->co_name);
#endif
}

std::string utf8(PyObject* text) {
    if (text == nullptr) return {};
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(text, &size);
    if (data == nullptr) {  // a path's undecodable bytes: shown as \xNN
        PyErr_Clear();
        py::object escaped = py::reinterpret_steal<py::object>(PyUnicode_AsEncodedString(text, "utf-8", "backslashreplace"));
        if (!escaped) {
            PyErr_Clear();
            return "?";
        }
        return std::string(PyBytes_AS_STRING(escaped.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(escaped.ptr())));
    }
    return std::string(data, static_cast<size_t>(size));
}

std::string file_label(PyCodeObject* code, const Config& config) {
    std::string file = utf8(code->co_filename);
    if (!config.full_filepath) {
        const auto slash = file.rfind('/');
        if (slash != std::string::npos) file = file.substr(slash + 1);
    }
    return file;
}

// omnitrace's label: the qualified name, or [name(args)][file:line] with the pieces asked for.
std::string label_of(PyCodeObject* code, const std::string& name, const Config& config, const std::string& args) {
    if (!config.label_args && !config.label_file && !config.label_line) return name;
    std::string label = "[" + name + (config.label_args ? "(" + args + ")" : "") + "]";
    if (config.label_file || config.label_line) {
        label += "[";
        if (config.label_file) label += file_label(code, config);
        if (config.label_line) label += fmt::format(":{}", code->co_firstlineno);
        label += "]";
    }
    return label;
}

itt::StringHandle* handle_for(const std::string& label) {
    // ITT handles are never freed and are deduplicated by name, by the runtime and the collector.
    static std::unordered_map<std::string, itt::StringHandle*> handles;
    auto [it, inserted] = handles.try_emplace(label, nullptr);
    if (inserted) it->second = itt::string_handle_create(label.c_str());
    return it->second;
}

}  // namespace

void configure_registry(const Config& config) {
    auto registry = std::make_unique<Registry>();
    registry->config = config;
    // `re` only for patterns of the user's that are not plain: the defaults and plain ones are matched
    // natively.
    py::object re_module;
    auto re = [&re_module]() -> const py::object& {
        if (!re_module) re_module = py::module_::import("re");
        return re_module;
    };
    registry->include_functions.compile(config.include_functions, re);
    registry->exclude_functions.compile(config.exclude_functions, re);
    registry->restrict_functions.compile(config.restrict_functions, re);
    registry->include_modules.compile(config.include_modules, re);
    registry->exclude_modules.compile(config.exclude_modules, re);
    registry->restrict_modules.compile(config.restrict_modules, re);
    registry->resume_on.compile(config.resume_on, re);
    registry->pause_on.compile(config.pause_on, re);
    registry->resume_on_matched.assign(config.resume_on.size(), false);
    registry->pause_on_matched.assign(config.pause_on.size(), false);
    if (g_extra_index < 0) {
#if PY_VERSION_HEX >= 0x030C0000
        g_extra_index = PyUnstable_Eval_RequestCodeExtraIndex(free_code_info);
#else
        g_extra_index = _PyEval_RequestCodeExtraIndex(free_code_info);
#endif
        if (g_extra_index < 0) throw py::error_already_set();
    }
    delete g_registry;
    g_registry = registry.release();
}

// A frame evaluated to throw into it (a generator closed or thrown into, 3.9-3.11) comes with its
// exception already set: deciding about its code calls Python (the filters, the qualified name),
// which must neither see nor clear it.
class PendingExceptionKept {
public:
#if PY_VERSION_HEX >= 0x030C0000
    PendingExceptionKept() : exception_(PyErr_GetRaisedException()) {}
    ~PendingExceptionKept() {
        if (exception_ != nullptr) PyErr_SetRaisedException(exception_);  // replaces anything of ours
    }
#else
    PendingExceptionKept() { PyErr_Fetch(&exception_, &value_, &traceback_); }
    ~PendingExceptionKept() {
        if (exception_ != nullptr) PyErr_Restore(exception_, value_, traceback_);  // replaces anything of ours
    }
#endif
    PendingExceptionKept(const PendingExceptionKept&) = delete;
    PendingExceptionKept& operator=(const PendingExceptionKept&) = delete;

private:
    PyObject* exception_ = nullptr;  // before 3.12: the type
    PyObject* value_ = nullptr;
    PyObject* traceback_ = nullptr;
};

CodeInfo* code_info_slow(PyCodeObject* code, PyObject* globals) {
    PendingExceptionKept pending;
    Busy busy(thread_state());
    auto info = std::make_unique<CodeInfo>();
    const Registry& r = *g_registry;
    if (globals == nullptr) globals = PyEval_GetGlobals();  // sys.monitoring: the starting frame's
    PyObject* module = globals != nullptr && PyDict_Check(globals) ? PyDict_GetItemString(globals, "__name__") : nullptr;
    if (module != nullptr && !PyUnicode_Check(module)) module = nullptr;
#if PY_VERSION_HEX < 0x030B0000
    // A module's (or exec'd source's) code: its functions' and classes' names, before any of them runs.
    if (!(code->co_flags & CO_OPTIMIZED) && PyUnicode_CompareWithASCIIString(code->co_name, "<module>") == 0) {
        name_nested_code(code);
    }
#endif
    const py::object qualname = qualified_name(code, globals);
    Verdict verdict{CodeInfo::kSkip, ""};
    Trigger trigger = Trigger::kNone;
    try {
        trigger = decide_trigger(*g_registry, code->co_name, qualname.ptr(), code->co_filename);
        // Module and class bodies run once, at import: not functions (no CO_OPTIMIZED).
        const bool is_function = (code->co_flags & CO_OPTIMIZED) != 0;
        verdict = decide(r, code->co_name, qualname.ptr(), code->co_filename, module, is_function);
    } catch (py::error_already_set& error) {
        if (!g_registry->warned) {
            g_registry->warned = true;
            pyitt::print_stderr("pyitt-host: warning: a filter failed on {} ({}); it is not instrumented\n",
                       utf8(qualname.ptr()), error.what());
        }
        verdict = {CodeInfo::kSkip, "a filter failed"};
    }
    info->decision = verdict.decision;
    info->trigger = trigger;
    info->region = take_pending_region(code);
    info->passive = info->decision == CodeInfo::kSkip && trigger == Trigger::kNone && info->region == RegionMark::kNone;
    if (info->decision == CodeInfo::kRecord) {
        info->label_per_call = r.config.label_args;
        info->name = utf8(qualname.ptr());
        info->label = label_of(code, info->name, r.config, "...");
    }
    static constexpr const char* kNames[] = {"skip", "record", "exclude-subtree"};
    static constexpr const char* kTriggers[] = {"", " (--resume-on trigger)", " (--pause-on trigger)"};
    if (r.config.verbosity >= 2) {  // -v 2: what --explain writes at exit, as it is decided
        pyitt::print_stderr("pyitt-host: [v2] {} ({}:{}): {} ({}){}\n", utf8(qualname.ptr()), utf8(code->co_filename),
                            code->co_firstlineno, kNames[info->decision], verdict.rule,
                            kTriggers[static_cast<int>(trigger)]);
    }
    if (!r.config.explain_path.empty()) {
        g_registry->explanation.push_back(fmt::format("{}\t{}\t{}:{}\t{}\t{}{}", kNames[info->decision],
                                                      utf8(qualname.ptr()), utf8(code->co_filename),
                                                      code->co_firstlineno, utf8(module), verdict.rule,
                                                      kTriggers[static_cast<int>(trigger)]));
    }
    CodeInfo* raw = info.get();
#if PY_VERSION_HEX >= 0x030C0000
    const int failed = PyUnstable_Code_SetExtra(reinterpret_cast<PyObject*>(code), g_extra_index, raw);
#else
    const int failed = _PyCode_SetExtra(reinterpret_cast<PyObject*>(code), g_extra_index, raw);
#endif
    if (failed) {
        PyErr_Clear();
        static CodeInfo skip;  // cannot cache: treat as filtered rather than decide on every call
        return &skip;
    }
    return info.release();
}

#if PY_VERSION_HEX >= 0x030B0000
bool might_be_selected(PyCodeObject* code) {
    const Registry& r = *g_registry;
    if (is_internal_file(code->co_filename)) return false;
    PendingExceptionKept pending;  // a regular expression's search is Python's
    try {
        const std::initializer_list<PyObject*> names{code->co_name, code->co_qualname};
        return r.restrict_functions.find(names) != nullptr || r.resume_on.find(names) != nullptr ||
               r.pause_on.find(names) != nullptr;
    } catch (py::error_already_set&) {
        return true;  // decided, and reported, when it runs
    }
}

std::string where_defined(PyCodeObject* code) { return utf8(code->co_qualname) + " in " + utf8(code->co_filename); }
#endif

void tell_qualified_name([[maybe_unused]] PyCodeObject* code, [[maybe_unused]] PyObject* qualified_name) {
#if PY_VERSION_HEX < 0x030B0000
    if (qualified_name == nullptr || !PyUnicode_Check(qualified_name)) return;
    if (g_told_qualified_names == nullptr) g_told_qualified_names = new std::unordered_map<PyCodeObject*, py::object>();
    const auto [it, inserted] = g_told_qualified_names->insert_or_assign(code, py::reinterpret_borrow<py::object>(qualified_name));
    if (inserted) Py_INCREF(code);
#endif
}

void mark_region_code(PyCodeObject* code, RegionMark region) {
    eval_frame_needed_now("a profile region was marked");
    void* extra = nullptr;
#if PY_VERSION_HEX >= 0x030C0000
    PyUnstable_Code_GetExtra(reinterpret_cast<PyObject*>(code), g_extra_index, &extra);
#else
    _PyCode_GetExtra(reinterpret_cast<PyObject*>(code), g_extra_index, &extra);
#endif
    if (extra != nullptr) {  // decided already
        auto* info = static_cast<CodeInfo*>(extra);
        info->region = region;
        info->passive = false;
        return;
    }
    if (g_pending_regions == nullptr) g_pending_regions = new std::unordered_map<PyCodeObject*, RegionMark>();
    const auto [it, inserted] = g_pending_regions->try_emplace(code, region);
    if (inserted) {
        Py_INCREF(code);
    } else {
        it->second = region;
    }
}

void ensure_domain() {
    if (g_domain == nullptr) g_domain = itt::domain_create(g_registry->config.domain.c_str());
}

itt::StringHandle* first_recorded_handle(CodeInfo* info) {
    ensure_domain();
    info->handle = handle_for(info->label);
    return info->handle;
}

itt::StringHandle* per_call_handle(PyCodeObject* code, const CodeInfo& info, PyObject* locals,
                                   PyObject* const* fast_locals) {
    Busy busy(thread_state());
    ensure_domain();
    const Config& config = g_registry->config;
    std::string args;
#if PY_VERSION_HEX >= 0x030B0000
    py::object names = py::reinterpret_steal<py::object>(PyCode_GetVarnames(code));
#else
    py::object names = py::reinterpret_borrow<py::object>(code->co_varnames);
#endif
    int count = code->co_argcount + code->co_kwonlyargcount;
    if (code->co_flags & CO_VARARGS) ++count;
    if (code->co_flags & CO_VARKEYWORDS) ++count;
    for (int i = 0; i < count && names && i < PyTuple_GET_SIZE(names.ptr()); ++i) {
        PyObject* name = PyTuple_GET_ITEM(names.ptr(), i);
        PyObject* value = nullptr;
        if (fast_locals != nullptr) {
            value = fast_locals[i];
        } else if (locals != nullptr) {
            value = PyObject_GetItem(locals, name);  // new reference
            if (value == nullptr) PyErr_Clear();
        }
        std::string shown = "?";
        if (value != nullptr) {
            PyObject* repr = PyObject_Repr(value);
            if (repr != nullptr) {
                shown = utf8(repr);
                Py_DECREF(repr);
            } else {
                PyErr_Clear();
            }
            if (shown.size() > 40) shown = shown.substr(0, 37) + "...";
            if (fast_locals == nullptr) Py_DECREF(value);
        }
        args += fmt::format("{}{}={}", i ? ", " : "", utf8(name), shown);
    }
    return handle_for(label_of(code, info.name, config, args));
}

std::vector<UnmatchedTrigger> unmatched_triggers() {
    std::vector<UnmatchedTrigger> unmatched;
    if (g_registry == nullptr) return unmatched;
    const auto collect = [&](Trigger kind, const PatternSet& set, const std::vector<bool>& matched) {
        for (size_t i = 0; i < set.sources.size(); ++i)
            if (!matched[i]) unmatched.push_back({kind, set.sources[i]});
    };
    collect(Trigger::kResume, g_registry->resume_on, g_registry->resume_on_matched);
    collect(Trigger::kPause, g_registry->pause_on, g_registry->pause_on_matched);
    return unmatched;
}

void write_explanation(const std::string& path) {
    if (g_registry == nullptr || path.empty()) return;
    std::ofstream out(path);
    out << "# decision\tqualified name\tfile:line\tmodule\trule\n";
    for (const auto& line : g_registry->explanation) out << line << '\n';
    if (!out) pyitt::print_stderr("pyitt-host: warning: cannot write --explain file {}\n", path);
}

}  // namespace pyitt::instrument
