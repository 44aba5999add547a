// What the user asked pyitt-host to do, independent of how it was spelled on the command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pyitt::host {

// Every host option. Children started with sys.executable receive exactly these, serialized into
// the environment, so anything added here must also be added to to_args() and the parser.
struct HostOptions {
    // Filters (omnitrace-python's -I -E -R -MI -ME -MR): Python regular expressions.
    std::vector<std::string> include_functions;
    std::vector<std::string> exclude_functions;
    std::vector<std::string> restrict_functions;
    std::vector<std::string> include_modules;
    std::vector<std::string> exclude_modules;
    std::vector<std::string> restrict_modules;

    bool default_filters = true;  // --no-default-filters turns omnitrace's default exclusions off

    // Instrumentation.
    std::string domain = "python";
    std::vector<std::string> labels;  // --label args|file|line
    bool full_filepath = false;
    bool trace_c = false;
    bool builtin_regions = false;  // -b
    bool noinstrumenter = false;
    std::string setup_file;    // -s: run before the program, not instrumented
    std::string explain_file;  // --explain: every code object's decision, written at exit

    // Output: which ITT collector receives the calls, and where the built-in one writes.
    std::string collector = "auto";  // auto | builtin | none | PATH of a collector library
    std::string output_dir;          // empty: pyitt-output/<program>-<date>-<time>/

    // The canonical argument list that parses back into these options (long names, one value
    // per occurrence), used to hand the options to child processes.
    std::vector<std::string> to_args() const;
};

// A parsed pyitt-host invocation: the host's options and the python command line to run.
struct Invocation {
    HostOptions options;
    // python's own argv: [argv0, PYTHON-FLAGS..., SCRIPT | -m MOD | -c CODE | -, ARGS...]
    std::vector<std::string> python_argv;
    // Set when the invocation was answered without running anything (--help, --version).
    std::optional<int> exit_now;
};

// The environment variable that marks a process started by a program running under pyitt-host
// with sys.executable: its value holds the parent's options (encode_args), and its presence makes
// the host read its whole argv as a python command line.
inline constexpr const char* kChildOptionsVariable = "PYITT_HOST_OPTIONS";

std::string encode_args(const std::vector<std::string>& args);
std::vector<std::string> decode_args(const std::string& encoded);

}  // namespace pyitt::host
