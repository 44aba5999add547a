// pyitt-host: parse the command line, hand the options to future children, run the program.
#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "collection_control.h"
#include "command_line.h"
#include "instrumenter.h"
#include "interpreter.h"
#include "program_setup.h"
#include "session.h"

namespace {

pyitt::host::Session* g_session = nullptr;

std::string self_executable() {
    char buffer[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
    if (length <= 0) return {};
    return std::string(buffer, static_cast<size_t>(length));
}

}  // namespace

int main(int argc, char** argv) {
    using namespace pyitt::host;
    const std::vector<std::string> args(argv, argv + argc);

    const char* inherited_options = std::getenv(kChildOptionsVariable);
    const bool is_child = inherited_options != nullptr;
    HostPaths paths{self_executable(), PYITT_EMBEDDED_PYTHON};
    if (paths.host_executable.empty()) {
        fmt::print(stderr, "pyitt-host: error: cannot find its own path (/proc/self/exe): {}\n",
                   std::strerror(errno));
        return 1;
    }

    const long long started_ns = monotonic_now_ns();  // the clock of --resume-after and the rest
    Invocation invocation;
    std::unique_ptr<Session> session;
    try {
        invocation = parse_invocation(args, inherited_options);
        if (invocation.exit_now) return *invocation.exit_now;
        session = std::make_unique<Session>(invocation.options, invocation.python_argv, paths, is_child);
    } catch (const UsageError& error) {
        fmt::print(stderr, "pyitt-host: error: {}\n", error.what());
        return 2;
    }
    g_session = session.get();
    if (!is_child) {
        invocation.options.run_started_ns = started_ns;
        prepare_trigger_report(invocation.options);
    }

    // Every process the program starts with sys.executable comes back to this host, reads its
    // argv as python does, and takes these (resolved) options.
    ::setenv(kChildOptionsVariable, encode_args(invocation.options.to_args()).c_str(), 1);
    static const HostOptions* options = &invocation.options;
    return run_python(invocation, paths,
                      {[is_child] {
                           g_session->start();
                           prepare_program(*options, is_child);
                       },
                       [] {
                           pyitt::instrument::finish();
                           finish_collection_control();
                           g_session->finish();
                       }});
}
