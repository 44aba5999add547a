#include "child_processes.h"

#include <fmt/format.h>
#include <pybind11/embed.h>

#include <filesystem>
#include <string_view>
#include <unistd.h>

#include "command_line.h"
#include "python_command_line.h"
#include "embedded_code.h"
#include "instrumenter.h"
#include "itt_client.h"
#include "stderr_line.h"

namespace py = pybind11;

namespace pyitt::host {

// children_support.py, precompiled (module/embed).
extern const pyitt::embed::EmbeddedCode kChildrenSupportCode;

namespace {

bool command_starts(const PythonProgram& program, std::string_view code) {
    return program.kind == PythonProgram::kCommand && program.text.rfind(code, 0) == 0;
}

std::string g_role;
int g_verbosity = 0;

void set_collector_process_name(const std::string& name) {
    g_role = name;
    // A job's rank (job/): "rank 3" for its first process, "rank 3 / SpawnPoolWorker-1" for the others.
    const char* rank = std::getenv("PYITT_JOB_RANK");
    const std::string shown = rank == nullptr || *rank == '\0' ? name
                              : name == "main"                  ? std::string(rank)
                                                                : std::string(rank) + " / " + name;
    using SetName = void(const char*);
    if (auto* set = reinterpret_cast<SetName*>(pyitt::itt::collector_symbol("pyitt_collector_set_process_name")))
        set(shown.c_str());
}

}  // namespace

std::string process_role(const std::vector<std::string>& python_argv, bool is_child) {
    if (!is_child) return "main";
    const PythonProgram program = python_program(python_argv);
    if (command_starts(program, "from multiprocessing.forkserver import main")) return "forkserver";
    if (command_starts(program, "from multiprocessing.resource_tracker import main")) return "resource tracker";
    if (command_starts(program, "from multiprocessing.spawn import spawn_main")) return "spawned child";
    switch (program.kind) {
        case PythonProgram::kScript: return "python " + std::filesystem::path(program.text).filename().string();
        case PythonProgram::kModule: return "python -m " + program.text;
        case PythonProgram::kCommand: return "python -c";
        case PythonProgram::kStdin: break;
    }
    return "python -";
}

bool is_resource_tracker(const std::vector<std::string>& python_argv) {
    return command_starts(python_program(python_argv), "from multiprocessing.resource_tracker import main");
}

void name_this_process(const std::string& role) { set_collector_process_name(role); }

void prepare_child_processes(const HostOptions& options, bool is_child, bool external_collector,
                             EndingsWithoutExit endings) {
    try {
        py::dict globals;
        globals["__builtins__"] = py::module_::import("builtins");
        globals["__name__"] = "pyitt_host._children";
        // Python's own start method unless the user chose one: a program may rely on fork (globals set
        // under __main__, objects that do not pickle). Only an external collector, which forked
        // children corrupt, makes the default spawn, and only where the program did not choose.
        const std::string& method = options.mp_start_method;
        const bool explicit_method = method != "auto" && method != "keep";
        globals["method"] = explicit_method ? py::str(method) : py::object(py::none());
        globals["mode"] = method;
        globals["verbosity"] = options.verbosity;
        g_verbosity = options.verbosity;
        globals["spawn_instead_of_fork"] = method == "auto" && external_collector && options.follow_children;
        globals["warn_fork"] = external_collector;
        globals["is_child"] = is_child;
        globals["main_pid"] = ::getpid();
        globals["set_role"] = py::cpp_function([](const std::string& role) {
            if (g_verbosity >= 1) pyitt::print_stderr("pyitt-host: [v1] pid {} is multiprocessing's {}\n", ::getpid(), role);
            set_collector_process_name(role);
        });
        globals["finish_process"] = py::cpp_function([endings] { endings.os_exit(); });
        globals["finish_before_exec"] = py::cpp_function([endings](bool run_goes_on) { endings.before_exec(run_goes_on); });
        globals["options_variable"] = kChildOptionsVariable;
        globals["after_import"] = py::cpp_function(
            [](const std::string& name, py::object adjust) { pyitt::instrument::after_import(name.c_str(), adjust); });
        pyitt::embed::exec_embedded(kChildrenSupportCode, globals);
        globals["install"]();
        // A forked child is named after its parent until multiprocessing names it.
        py::module_::import("os").attr("register_at_fork")(
            py::arg("after_in_child") = py::cpp_function([] {
                if (g_verbosity >= 1) {
                    pyitt::print_stderr("pyitt-host: [v1] child process started: fork of {}, pid {} (parent {})\n",
                                        g_role, ::getpid(), ::getppid());
                }
                set_collector_process_name("fork of " + g_role);
            }));
    } catch (const py::error_already_set& error) {
        pyitt::print_stderr("pyitt-host: warning: cannot set up child processes ({}); multiprocessing keeps "
                           "Python's defaults\n",
                   error.what());
    }
}

}  // namespace pyitt::host
