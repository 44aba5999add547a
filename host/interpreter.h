// Running a python command line inside the embedded interpreter, as the python command would.
#pragma once

#include <functional>
#include <string>

#include "host_options.h"

namespace pyitt::host {

// Where the host is and which python it stands in for.
struct HostPaths {
    std::string host_executable;    // absolute path of pyitt-host: the program's sys.executable
    std::string embedded_python;    // the python whose libpython is embedded (configure time)
};

// What the host does around the program.
struct ProgramHooks {
    std::function<void()> before_program;  // the interpreter is ready, the program not started
    void (*at_finalize)() = nullptr;       // after the program's atexit handlers and thread joins
};

// Initialises CPython from invocation.python_argv, runs the program, finalises, and returns the
// exit status python would have returned. Exits directly where python itself would (-h, -V,
// usage errors) and dies by SIGINT after an uncaught KeyboardInterrupt, as python does.
int run_python(const Invocation& invocation, const HostPaths& paths, const ProgramHooks& hooks);

}  // namespace pyitt::host
