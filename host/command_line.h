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

// How the user named the option whose long name is `long_name` ("--function-include"): "-I" when
// they typed -I, the long name when they typed it so or not at all (a config file's key).
std::string option_as_typed(const Invocation& invocation, const std::string& long_name);

// Parses host option tokens alone (no program part): the inverse of HostOptions::to_args().
HostOptions parse_host_options(const std::vector<std::string>& option_args);

}  // namespace pyitt::host
