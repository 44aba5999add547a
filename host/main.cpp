// pyitt-host: parse the command line, hand the options to future children, run the program.
#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "command_line.h"
#include "interpreter.h"

namespace {

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

    Invocation invocation;
    try {
        invocation = parse_invocation(args, std::getenv(kChildOptionsVariable));
    } catch (const UsageError& error) {
        fmt::print(stderr, "pyitt-host: error: {}\n", error.what());
        return 2;
    }
    if (invocation.exit_now) return *invocation.exit_now;

    HostPaths paths{self_executable(), PYITT_EMBEDDED_PYTHON};
    if (paths.host_executable.empty()) {
        fmt::print(stderr, "pyitt-host: error: cannot find its own path (/proc/self/exe): {}\n",
                   std::strerror(errno));
        return 1;
    }
    // Every process the program starts with sys.executable comes back to this host, reads its
    // argv as python does, and takes these options.
    ::setenv(kChildOptionsVariable, encode_args(invocation.options.to_args()).c_str(), 1);
    return run_python(invocation, paths);
}
