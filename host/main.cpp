// pyitt-host: parse the command line, hand the options to future children, run the program.
#include <fmt/format.h>
#include <pybind11/pybind11.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

#include "child_processes.h"
#ifdef PYITT_SEES_CODE_CREATION
#include "code_creation.h"
#endif
#include "collection_control.h"
#include "command_line.h"
#include "python_command_line.h"
#include "instrumenter.h"
#include "interpreter.h"
#include "merge_command.h"
#include "options_handover.h"
#include "plain_pattern.h"
#include "program_setup.h"
#include "run_files.h"
#include "session.h"
#include "stderr_line.h"
#include "version.h"

namespace {

pyitt::host::Session* g_session = nullptr;
std::vector<std::string> g_python_argv;  // what the interpreter runs, as python would read it

// Writes what this process recorded: at interpreter finalisation, or earlier when it ends by
// os._exit (forked workers). Once per process (a forked child has its own). SIGTERM and crashes
// write from the control thread instead (Session::start), without the instrumentation's part.
void finish_process(bool run_goes_on = false) {
    static pid_t finished_in = 0;
    if (finished_in == ::getpid()) return;
    finished_in = ::getpid();
    pyitt::instrument::finish();
    pyitt::host::finish_collection_control();
    if (run_goes_on) {
        g_session->finish_before_exec();
    } else {
        g_session->finish();
    }
    pyitt::host::outputs_written_at_exit();
}

// os.exec*'s hook, when the exec is about to succeed: what this image recorded is written (the new
// image is another process for the collector). An image of pyitt-host that goes on with the run
// takes over its report and its files.
void finish_before_exec(bool run_goes_on) {
    finish_process(run_goes_on);
    if (!run_goes_on) pyitt::host::remove_run_files();
}

// os._exit's hook: this process's output, then (in the process the user started) the run's files.
void finish_process_and_run() {
    finish_process();
    pyitt::host::remove_run_files();
}

// The filters are Python regexes, which the instrumentation compiles when it starts (but the plain
// ones, plain_pattern.h); compiled here first, so that a mistake ends the run before it has made
// files for its children.
bool patterns_compile(const pyitt::host::Invocation& invocation) {
    namespace py = pybind11;
    const pyitt::host::HostOptions& options = invocation.options;
    py::object compile;  // re only for a pattern that is not plain: importing it is most of a start's cost
    const std::pair<const char*, const std::vector<std::string>*> pattern_options[] = {
        {"--function-include", &options.include_functions}, {"--function-exclude", &options.exclude_functions},
        {"--function-restrict", &options.restrict_functions}, {"--module-include", &options.include_modules},
        {"--module-exclude", &options.exclude_modules},       {"--module-restrict", &options.restrict_modules},
        {"--resume-on", &options.resume_on},                  {"--pause-on", &options.pause_on}};
    for (const auto& [option, patterns] : pattern_options) {
        for (const std::string& pattern : *patterns) {
            if (pyitt::instrument::PlainPattern::parse(pattern)) continue;  // matched natively, and a regex
            try {
                if (!compile) compile = py::module_::import("re").attr("compile");
                compile(pattern);
            } catch (py::error_already_set& error) {
                const pyitt::host::UsageError mistake(fmt::format("{}: '{}' is not a Python regular expression: {}",
                                                                  pyitt::host::option_as_typed(invocation, option), pattern,
                                                                  py::str(error.value()).cast<std::string>()));
                pyitt::print_stderr("pyitt-host: error: {}\n", mistake.what());
                return false;
            }
        }
    }
    return true;
}

std::string temporary_dir() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

// In the process the user started, once every check of its command line has passed (so that a
// mistake leaves nothing behind): the files its children need, and PYITT_HOST_OPTIONS naming them,
// set in os.environ too since python has read the environment by now.
void hand_over_to_children(pyitt::host::HostOptions& options, const pyitt::host::Session& session) {
    using namespace pyitt::host;
    const std::string& output_dir = session.output_dir();
    // With the built-in collector the files are in its output directory, and it takes those signals.
    if (output_dir.empty()) remove_run_files_on_ending_signals();
    prepare_trigger_report(options, output_dir);
    remove_at_run_end(options.trigger_report);
    if (!options.follow_children) return;
    const std::string dir = output_dir.empty() ? temporary_dir() : output_dir;
    try {
        const OptionsHandover handover = hand_over_options(options.to_args(), dir);
        remove_at_run_end(handover.file);
        pybind11::module_::import("os").attr("environ")[kChildOptionsVariable] = handover.value;
    } catch (const std::system_error& error) {
        pyitt::print_stderr("pyitt-host: error: {}: cannot write the options for the program's child processes in "
                           "'{}': {}; {}\n",
                   output_dir.empty() ? "TMPDIR" : "-o", dir, error.code().message(),
                   output_dir.empty() ? "set TMPDIR to a directory you can write into" : "give -o another directory");
        remove_run_files();
        std::fflush(stderr);
        std::_Exit(2);
    }
}

// Children may start in another directory: they get the files the user named as absolute paths.
void make_absolute(std::string& path) {
    std::error_code error;
    if (!path.empty()) path = std::filesystem::absolute(path, error).string();
}

}  // namespace

int main(int argc, char** argv) {
    using namespace pyitt::host;
    defer_ending_signals();  // until the handlers that write the trace are there
    const std::vector<std::string> args(argv, argv + argc);

    // Not from a set-user-ID pyitt-host: the options name files to run (-s) and libraries to load.
    const char* inherited_options = ::secure_getenv(kChildOptionsVariable);
    const bool is_child = inherited_options != nullptr;
    // python -E / -I: python ignores its environment, and such a child runs as the plain embedded
    // python would: no options from the environment (no -s file, no collector), no instrumentation.
    const bool plain_python = is_child && python_ignores_environment(args);
    HostPaths paths{own_executable(), PYITT_EMBEDDED_PYTHON};
    if (paths.host_executable.empty()) {
        pyitt::print_stderr("pyitt-host: error: cannot find its own path (/proc/self/exe): {}\n",
                   std::strerror(errno));
        return 1;
    }

    // pyitt-host --merge DIR [DIR...]: a job's merge after the fact (job/), no program to run.
    if (args.size() >= 2 && args[1] == "--merge") {
        return pyitt::job::merge_command({args.begin() + 2, args.end()}, find_builtin_collector(paths.host_executable));
    }

    const long long started_ns = monotonic_now_ns();  // the clock of --resume-after and the rest
    Invocation invocation;
    std::unique_ptr<Session> session;
    bool instrumented = true;
    bool run_started_here = false;  // the run's first process, exec'ed again: its files are ours
    try {
        if (plain_python) {
            invocation = parse_invocation(args, "");
            invocation.options.collector = "none";
            invocation.options.follow_children = false;  // sys.executable: the embedded python
            instrumented = false;
        } else if (is_child) {
            const InheritedOptions inherited = read_inherited_options(inherited_options);
            invocation = parse_invocation(args, inherited.option_words.c_str());
            if (inherited.run_started_here) {
                run_started_here = true;
                remove_at_run_end(inherited.file);
                remove_at_run_end(invocation.options.trigger_report);
            }
        } else {
            invocation = parse_invocation(args, nullptr);
        }
        if (invocation.exit_now) return *invocation.exit_now;
        if (is_child && is_resource_tracker(invocation.python_argv)) {
            invocation.options.collector = "none";  // multiprocessing's helper, not the program
            instrumented = false;
        }
        session = std::make_unique<Session>(invocation.options, invocation.python_argv, paths, is_child);
    } catch (const UsageError& error) {
        pyitt::print_stderr("pyitt-host: error: {}\n", error.what());
        return 2;
    }
    g_session = session.get();
    if (run_started_here) session->reports_the_run();
    if (is_child && invocation.options.verbosity >= 1) {  // -v 1: each child process, as it starts
        pyitt::print_stderr("pyitt-host: [v1] child process started: {}, pid {} (parent {}){}\n",
                            process_role(invocation.python_argv, true), ::getpid(), ::getppid(),
                            instrumented ? "" : ", uninstrumented");
    }
    if (!is_child) {
        invocation.options.run_started_ns = started_ns;
        make_absolute(invocation.options.setup_file);
        make_absolute(invocation.options.explain_file);
    }

    // Every process the program starts with sys.executable comes back to this host, reads its
    // argv as python does, and takes the options of the run's first process (hand_over_to_children),
    // unchanged all the way down; unless they are not to be followed, and then sys.executable is the
    // embedded python itself.
    static HostOptions* options = &invocation.options;
    static const Invocation* typed = &invocation;  // for errors that name an option as it was typed
    g_python_argv = invocation.python_argv;
    static std::string role = process_role(invocation.python_argv, is_child);
#ifdef PYITT_SEES_CODE_CREATION
    if (instrumented) watch_code_creation(invocation.options);
#endif
    return run_python(invocation, paths,
                      {[is_child, instrumented, run_started_here] {
                           struct AtProgramStart {  // however this returns: the program gets python's signals
                               ~AtProgramStart() { stop_deferring_ending_signals(); }
                           } at_program_start;
                           pyitt::instrument::ModulesImportedForItself own_imports;
                           // Named at the end (name_this_process): the collector writes its
                           // unfinished-<pid>.txt marker once, then, not at load and again.
                           if (instrumented) ::setenv("PYITT_MARKER_AWAITS_NAME", "1", 1);
                           g_session->start();
                           ::unsetenv("PYITT_MARKER_AWAITS_NAME");
                           if (run_started_here && g_session->output_dir().empty()) {
                               remove_run_files_on_ending_signals();
                           }
                           if (!instrumented) return;
                           prepare_child_processes(*options, is_child, g_session->external_collector(),
                                                   {finish_process_and_run, finish_before_exec});
                           if (!is_child) {
                               if (!patterns_compile(*typed)) {
                                   std::fflush(stderr);
                                   std::_Exit(2);
                               }
                               hand_over_to_children(*options, *g_session);
                           }
                           own_imports.forget();
                           prepare_program(*options, is_child);
                           if (python_program(g_python_argv).kind == PythonProgram::kModule) {
                               name_python_in_runpy_errors(PYITT_EMBEDDED_PYTHON);
                           }
                           // Last: the collector's marker is written then, into a file it has made
                           // meanwhile on a thread of its own (an inode costs hundreds of µs on some
                           // file systems), and a start that fails before leaves none behind.
                           name_this_process(role);
                       },
                       [] { finish_process(); }});
}
