// Turning pyitt-host's argv (or a child's argv plus the inherited options) into an Invocation.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "host_options.h"

namespace pyitt::host {

// A mistake on the command line: reported as one line, exit status 2. Control characters in the
// message (a value or a config key with a newline in it) are shown as \xNN, to keep it one line.
struct UsageError : std::runtime_error {
    explicit UsageError(const std::string& message);
};

// `pyitt-host [OPTIONS] [--] SCRIPT [ARGS...]` or `pyitt-host [OPTIONS] -- PYTHON-COMMAND-LINE`.
// When the child marker is present in the environment (child_options != nullptr), the whole argv
// is a python command line and the options come from the marker. Throws UsageError.
Invocation parse_invocation(const std::vector<std::string>& argv, const char* child_options);

// What a python command line runs (python_argv[0] is argv0): a script, -m MODULE, -c CODE or stdin.
struct PythonProgram {
    enum Kind { kScript, kModule, kCommand, kStdin } kind = kStdin;
    std::string text;  // the script's path, the module or the code
};
PythonProgram python_program(const std::vector<std::string>& python_argv);

// Whether a python command line has -E or -I (also among other flags: -IS), with which python
// ignores its PYTHON* variables. A child started so ignores PYITT_HOST_OPTIONS too.
bool python_ignores_environment(const std::vector<std::string>& python_argv);

// How the user named the option whose long name is `long_name` ("--function-include"): "-I" when
// they typed -I, the long name when they typed it so or not at all (a config file's key).
std::string option_as_typed(const Invocation& invocation, const std::string& long_name);

// Parses host option tokens alone (no program part): the inverse of HostOptions::to_args().
HostOptions parse_host_options(const std::vector<std::string>& option_args);

}  // namespace pyitt::host
