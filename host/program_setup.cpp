#include "program_setup.h"

#include <pybind11/embed.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>
#include <stdexcept>

#include "collection_control.h"
#include "instrumenter.h"
#include "stderr_line.h"

namespace py = pybind11;

namespace pyitt::host {

pyitt::instrument::Config instrument_config(const HostOptions& options) {
    pyitt::instrument::Config config;
    config.domain = options.domain;
    config.include_functions = options.include_functions;
    config.exclude_functions = options.exclude_functions;
    config.restrict_functions = options.restrict_functions;
    config.include_modules = options.include_modules;
    config.exclude_modules = options.exclude_modules;
    config.restrict_modules = options.restrict_modules;
    config.default_filters = options.default_filters;
    const auto has_label = [&](const char* piece) {
        return std::find(options.labels.begin(), options.labels.end(), piece) != options.labels.end();
    };
    config.label_args = has_label("args");
    config.label_file = has_label("file");
    config.label_line = has_label("line");
    config.full_filepath = options.full_filepath;
    config.trace_c = options.trace_c;
    config.builtin_regions = options.builtin_regions;
    config.start_disabled = options.noinstrumenter;
    config.explain_path = options.explain_file;
    config.verbosity = options.verbosity;
    config.resume_on = options.resume_on;
    config.pause_on = options.pause_on;
    return config;
}

void run_setup_file(const std::string& path) {
    try {
        py::module_ runpy = py::module_::import("runpy");
        runpy.attr("run_path")(path, py::arg("run_name") = "__pyitt_setup__");
    } catch (py::error_already_set& error) {
        error.restore();
        PyErr_Print();  // SystemExit ends the process here, as in a program
        std::exit(1);
    }
}

namespace {

PyObject* g_run_module_as_main = nullptr;
std::string* g_embedded_python = nullptr;

// In C, so that no frame of ours shows in the program's tracebacks.
PyObject* run_module_as_main(PyObject*, PyObject* const* args, Py_ssize_t count) {
    PyObject* result = PyObject_Vectorcall(g_run_module_as_main, args, static_cast<size_t>(count), nullptr);
    if (result != nullptr || !PyErr_ExceptionMatches(PyExc_SystemExit)) return result;
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    PyObject* code = value != nullptr ? PyObject_GetAttrString(value, "code") : nullptr;
    PyObject* executable = PySys_GetObject("executable");  // borrowed
    if (code != nullptr && executable != nullptr && PyUnicode_Check(code) && PyUnicode_Check(executable)) {
        PyObject* prefix = PyUnicode_FromFormat("%U: ", executable);
        if (prefix != nullptr && PyUnicode_Tailmatch(code, prefix, 0, PY_SSIZE_T_MAX, -1) == 1) {
            PyObject* rest = PyUnicode_Substring(code, PyUnicode_GetLength(prefix), PY_SSIZE_T_MAX);
            PyObject* renamed = rest != nullptr ? PyUnicode_FromFormat("%s: %U", g_embedded_python->c_str(), rest) : nullptr;
            if (renamed != nullptr) PyObject_SetAttrString(value, "code", renamed);
            Py_XDECREF(renamed);
            Py_XDECREF(rest);
        }
        Py_XDECREF(prefix);
    }
    Py_XDECREF(code);
    PyErr_Clear();
    PyErr_Restore(type, value, traceback);
    return nullptr;
}

// METH_FASTCALL functions are stored as PyCFunction and called with their real type.
PyMethodDef g_run_module_as_main_def = {
    "_run_module_as_main", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(run_module_as_main)),
    METH_FASTCALL, nullptr};

}  // namespace

void name_python_in_runpy_errors(const std::string& embedded_python) {
    try {
        py::module_ runpy = py::module_::import("runpy");
        g_run_module_as_main = py::object(runpy.attr("_run_module_as_main")).release().ptr();
        g_embedded_python = new std::string(embedded_python);
        py::object wrapper = py::reinterpret_steal<py::object>(PyCFunction_New(&g_run_module_as_main_def, nullptr));
        if (!wrapper) throw py::error_already_set();
        runpy.attr("_run_module_as_main") = wrapper;
    } catch (py::error_already_set& error) {
        pyitt::print_stderr("pyitt-host: warning: runpy's messages will name pyitt-host ({})\n", error.what());
    }
}

void prepare_program(const HostOptions& options, bool is_child) {
    pyitt::instrument::ModulesImportedForItself for_control;
    start_collection_control(options);  // --start-paused: before the setup file, which is user code too
    for_control.forget();
    if (!options.setup_file.empty()) run_setup_file(options.setup_file);  // its imports are the user's
    pyitt::instrument::ModulesImportedForItself for_instrumentation;
    try {
        pyitt::instrument::Config config = instrument_config(options);
        if (is_child && !config.explain_path.empty()) {  // one file per process: explain-<pid>.txt
            const std::filesystem::path path(config.explain_path);
            config.explain_path = (path.parent_path() / fmt::format("{}-{}{}", path.stem().string(), ::getpid(),
                                                                    path.extension().string()))
                                      .string();
        }
        config.warn_unmatched_triggers = !is_child;
        config.trigger_report_path = options.trigger_report;
        pyitt::instrument::start(config);
        for_instrumentation.forget();
    } catch (const std::invalid_argument& error) {
        pyitt::print_stderr("pyitt-host: error: {}\n", error.what());
        std::fflush(stderr);
        std::_Exit(2);
    } catch (py::error_already_set& error) {
        pyitt::print_stderr("pyitt-host: error: cannot start the instrumentation: {}\n", error.what());
        std::fflush(stderr);
        std::_Exit(1);
    }
}

}  // namespace pyitt::host
