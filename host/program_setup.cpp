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
