// The ITT side of one run: which collector receives the calls, where the built-in collector
// writes, and what the user is told at exit.
#pragma once

#include <string>
#include <vector>

#include "host_options.h"
#include "interpreter.h"

namespace pyitt::host {

class Session {
public:
    // Resolves --collector and --output into the environment (INTEL_LIBITTNOTIFY64,
    // PYITT_OUTPUT_DIR) before the interpreter starts; rewrites `options` to the resolved values
    // that children inherit. Creates the output directory. Throws UsageError.
    Session(HostOptions& options, const std::vector<std::string>& python_argv, const HostPaths& paths,
            bool is_child);

    // With the interpreter running, before the program: loads the collector, and makes SIGTERM
    // end the program through its normal exit path so the trace is written.
    void start();

    // At interpreter finalisation (also after KeyboardInterrupt): has the built-in collector write
    // its files and, in the process the user started, prints the summary and where things went.
    // A SIGTERM that ended the program then ends the process by SIGTERM, as it would have.
    void finish();

private:
    void report();

    bool uses_builtin_collector_ = false;
    bool is_child_ = false;
    std::string output_dir_;
};

// The built-in collector library: beside the host in a build tree, under ../lib/pyitt-host once
// installed; empty when it is in neither place.
std::string find_builtin_collector(const std::string& host_executable);

// The name of the program a python command line runs ("fib" for samples/fib.py, "json.tool" for
// -m json.tool, "command" for -c, "stdin" for -), for naming its output directory.
std::string program_label(const std::vector<std::string>& python_argv);

}  // namespace pyitt::host
