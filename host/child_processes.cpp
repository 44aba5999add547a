#include "child_processes.h"

#include <fmt/format.h>
#include <pybind11/embed.h>

#include <filesystem>
#include <string_view>
#include <unistd.h>

#include "command_line.h"
#include "instrumenter.h"
#include "itt_client.h"
#include "stderr_line.h"

namespace py = pybind11;

namespace pyitt::host {
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

// Compiled in; the file name "<pyitt-host ...>" keeps these frames out of the tasks.
constexpr const char* kSupportSource = R"PY(
import os, sys

def _say(text):
    """pyitt-host's own lines: a stderr that is closed, full or gone never reaches the program."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:
        pass

def _warn_fork_once():
    global _fork_warned
    if _fork_warned:
        return
    _fork_warned = True
    _say("pyitt-host: warning: multiprocessing's fork start method under an external ITT collector (VTune) "
         "can corrupt its data; use the spawn or forkserver start method\n")

def _adjust(mp):
    """What pyitt-host changes in multiprocessing, right after the program imports it."""
    context, process = mp.context, mp.process
    default = context._default_context
    chosen = method
    if verbosity >= 1 and not is_child:
        if chosen is not None:
            why = "%s (--mp-start-method %s)" % (chosen, chosen)
        elif spawn_instead_of_fork and default._default_context.get_start_method() == "fork":
            why = ("spawn instead of Python's fork (--mp-start-method auto, under an external collector, which "
                   "forked children corrupt)")
        else:
            why = "%s, Python's own (--mp-start-method %s)" % (default._default_context.get_start_method(), mode)
        _say("pyitt-host: [v1] multiprocessing's default start method: %s\n" % why)
    if chosen is None and spawn_instead_of_fork and default._default_context.get_start_method() == "fork":
        chosen = "spawn"
        spawn_popen = context.SpawnProcess._Popen
        def _Popen(process_obj):
            global _spawn_noted
            if not _spawn_noted and default._actual_context in (None, default._default_context):
                _spawn_noted = True
                _say("pyitt-host: note: multiprocessing starts its children with spawn instead of fork, since "
                     "forked children corrupt an external ITT collector's data (VTune's); --mp-start-method keep "
                     "keeps fork\n")
            return spawn_popen(process_obj)
        context.SpawnProcess._Popen = staticmethod(_Popen)
    if chosen is not None and default._actual_context is None:
        # The default only: set_start_method() and get_context() work as they do under python.
        default._default_context = context._concrete_contexts[chosen]
    bootstrap = process.BaseProcess._bootstrap
    def _bootstrap(self, *args, **kwargs):
        set_role(self.name)
        return bootstrap(self, *args, **kwargs)
    process.BaseProcess._bootstrap = _bootstrap
    if warn_fork:
        fork_popen = context.ForkProcess._Popen
        def _Popen(process_obj):
            _warn_fork_once()
            return fork_popen(process_obj)
        context.ForkProcess._Popen = staticmethod(_Popen)

def _adjust_or_warn(mp):
    try:
        _adjust(mp)
    except Exception as error:
        _say("pyitt-host: warning: cannot set up multiprocessing for pyitt-host (%r); its children "
             "keep Python's defaults\n" % (error,))

def _stop_forkserver():
    """The forkserver ends when the program's process ends; stopping it here lets it write its trace
    before the run's traces are merged."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    server = getattr(forkserver, "_forkserver", None)
    if os.getpid() != main_pid or getattr(server, "_forkserver_pid", None) is None:
        return
    try:
        server._stop()
    except Exception:
        pass

def install():
    if method == "fork" and warn_fork:
        _warn_fork_once()
    if not is_child:
        import atexit
        atexit.register(_stop_forkserver)  # before the program's handlers, so it runs after them
    after_import("multiprocessing", _adjust_or_warn)  # programs that never import it pay nothing
    real_exit = os._exit
    def _exit(status):
        finish_process()
        real_exit(status)
    _exit.__doc__ = real_exit.__doc__
    os._exit = _exit
    # os.execl, execvp, execvpe... all end in these two (os's own globals): the image that execs
    # writes what it recorded, as one that exits would.
    real_execv, real_execve = os.execv, os.execve
    def execv(path, argv):
        _finish_before_exec(path, None)
        return real_execv(path, argv)
    def execve(path, argv, env):
        _finish_before_exec(path, env)
        return real_execve(path, argv, env)
    execv.__doc__, execve.__doc__ = real_execv.__doc__, real_execve.__doc__
    os.execv, os.execve = execv, execve

def _finish_before_exec(path, env):
    """Only for an exec that will succeed: after one that fails, the program goes on recording."""
    try:
        target = None if isinstance(path, int) else os.fsdecode(path)
        if target is not None and not (os.path.isfile(target) and os.access(target, os.X_OK)):
            return
        hands_over = options_variable in (os.environ if env is None else env)
        goes_on = (target is not None and hands_over
                   and os.path.realpath(target) == os.path.realpath(sys.executable))
    except Exception:
        return
    finish_before_exec(goes_on)

_fork_warned = False
_spawn_noted = False
)PY";

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
        pyitt::instrument::exec_source(kSupportSource, "<pyitt-host children>", globals);
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
