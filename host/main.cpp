// pyitt-host: parse the command line, hand the options to future children, run the program.
#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "child_processes.h"
#include "collection_control.h"
#include "command_line.h"
#include "instrumenter.h"
#include "interpreter.h"
#include "program_setup.h"
#include "session.h"
#include "version.h"

namespace {

pyitt::host::Session* g_session = nullptr;

// Writes what this process recorded: at interpreter finalisation, or earlier when it ends by
// os._exit (forked workers). Once per process (a forked child has its own). SIGTERM and crashes
// write from the control thread instead (Session::start), without the instrumentation's part.
void finish_process() {
    static pid_t finished_in = 0;
    if (finished_in == ::getpid()) return;
    finished_in = ::getpid();
    pyitt::instrument::finish();
    pyitt::host::finish_collection_control();
    g_session->finish();
}

// Children may start in another directory: they get the files the user named as absolute paths.
void make_absolute(std::string& path) {
    std::error_code error;
    if (!path.empty()) path = std::filesystem::absolute(path, error).string();
}

}  // namespace

int main(int argc, char** argv) {
    using namespace pyitt::host;
    const std::vector<std::string> args(argv, argv + argc);

    const char* inherited_options = std::getenv(kChildOptionsVariable);
    const bool is_child = inherited_options != nullptr;
    HostPaths paths{own_executable(), PYITT_EMBEDDED_PYTHON};
    if (paths.host_executable.empty()) {
        fmt::print(stderr, "pyitt-host: error: cannot find its own path (/proc/self/exe): {}\n",
                   std::strerror(errno));
        return 1;
    }

    const long long started_ns = monotonic_now_ns();  // the clock of --resume-after and the rest
    Invocation invocation;
    std::unique_ptr<Session> session;
    bool instrumented = true;
    try {
        invocation = parse_invocation(args, inherited_options);
        if (invocation.exit_now) return *invocation.exit_now;
        if (is_child && is_resource_tracker(invocation.python_argv)) {
            invocation.options.collector = "none";  // multiprocessing's helper, not the program
            instrumented = false;
        }
        session = std::make_unique<Session>(invocation.options, invocation.python_argv, paths, is_child);
    } catch (const UsageError& error) {
        fmt::print(stderr, "pyitt-host: error: {}\n", error.what());
        return 2;
    }
    g_session = session.get();
    if (!is_child) {
        invocation.options.run_started_ns = started_ns;
        make_absolute(invocation.options.setup_file);
        make_absolute(invocation.options.explain_file);
        prepare_trigger_report(invocation.options);
    }

    // Every process the program starts with sys.executable comes back to this host, reads its
    // argv as python does, and takes these (resolved) options; unless it is not to be followed,
    // and then sys.executable is the embedded python itself.
    if (invocation.options.follow_children) {
        ::setenv(kChildOptionsVariable, encode_args(invocation.options.to_args()).c_str(), 1);
    } else {
        ::unsetenv(kChildOptionsVariable);
    }
    static const HostOptions* options = &invocation.options;
    static std::string role = process_role(invocation.python_argv, is_child);
    return run_python(invocation, paths,
                      {[is_child, instrumented] {
                           g_session->start();
                           if (!instrumented) return;
                           name_this_process(role);
                           prepare_child_processes(*options, is_child, g_session->external_collector(), finish_process);
                           prepare_program(*options, is_child);
                       },
                       [] { finish_process(); }});
}
