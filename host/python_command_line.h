// What a python command line runs and which of python's flags it has, read as python reads them.
#pragma once

#include <string>
#include <vector>

namespace pyitt::host {

// What a python command line runs (python_argv[0] is argv0): a script, -m MODULE, -c CODE or stdin.
struct PythonProgram {
    enum Kind { kScript, kModule, kCommand, kStdin } kind = kStdin;
    std::string text;  // the script's path, the module or the code
};
PythonProgram python_program(const std::vector<std::string>& python_argv);

// Whether a python command line has -E or -I (also among other flags: -IS), with which python
// ignores its PYTHON* variables. A child started so ignores PYITT_HOST_OPTIONS too.
bool python_ignores_environment(const std::vector<std::string>& python_argv);

}  // namespace pyitt::host
