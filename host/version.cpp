#include "version.h"

#include <Python.h>
#include <pybind11/detail/common.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "pyitt_module.h"
#include "session.h"

namespace pyitt::host {
namespace {

// What `--collector auto` (the default) picks for a program started from this shell.
std::string default_collector(const std::string& executable) {
    const std::string builtin = executable.empty() ? std::string() : find_builtin_collector(executable);
    const char* named = std::getenv("INTEL_LIBITTNOTIFY64");
    if (named != nullptr && *named != '\0') {
        std::error_code error;
        const bool present = std::filesystem::is_regular_file(named, error);
        return fmt::format("default collector: INTEL_LIBITTNOTIFY64={} (VTune's, or whichever collector it names){}{}",
                           named, present ? "" : ": no such file",
                           builtin.empty() ? "" : fmt::format("; the built-in {} is not used", builtin));
    }
    if (!builtin.empty()) return fmt::format("default collector: built-in {}", builtin);
    return "default collector: none: the built-in libpyitt-collector.so is missing (neither beside pyitt-host nor "
           "in ../lib/pyitt-host); give --collector PATH or set INTEL_LIBITTNOTIFY64";
}

}  // namespace

std::string own_executable() {
    char buffer[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
    if (length <= 0) return {};
    return std::string(buffer, static_cast<size_t>(length));
}

std::string version_text() {
    // Py_GetVersion() reads the libpython actually loaded, which may differ from the headers.
    // Before 3.10 it holds a newline before the compiler.
    std::string python = Py_GetVersion();
    std::replace(python.begin(), python.end(), '\n', ' ');
    const std::string executable = own_executable();
    return fmt::format("pyitt-host {}\nPython {}\npybind11 {}.{}.{}\ninstalled at {}\n{}\n", pyitt::kVersion, python,
                       PYBIND11_VERSION_MAJOR, PYBIND11_VERSION_MINOR, PYBIND11_VERSION_PATCH,
                       executable.empty() ? "an unknown place (/proc/self/exe is unreadable)" : executable,
                       default_collector(executable));
}

}  // namespace pyitt::host
