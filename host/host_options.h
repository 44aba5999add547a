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
    std::string trace_format;        // perfetto | json; empty: $PYITT_TRACE_FORMAT, else perfetto
    double min_duration_us = 0;      // nested tasks shorter than this are left out of the trace

    // Collection control (ITT pause/resume/detach, process-wide). Times are seconds on the run's
    // clock, from when the pyitt-host the user started began; -1: not given.
    bool start_paused = false;
    std::vector<std::string> resume_on;  // collection runs while a thread is inside one of these
    std::vector<std::string> pause_on;   // collection pauses while a thread is inside one of these
    double resume_after = -1, pause_after = -1, detach_after = -1;
    std::string resume_signal, pause_signal;  // as given: SIGUSR1, USR1, 10 (the same one toggles)
    bool detach_on_exit = false;
    std::string collection_scope = "all";  // host | offload | all
    // Child processes: spawn and forkserver children, the forkserver and every [sys.executable, ...]
    // child come back to pyitt-host with these options unless follow_children is off.
    std::string mp_start_method = "auto";  // auto | spawn | forkserver | fork | keep (Python's default)
    bool follow_children = true;

    // -v N: what pyitt-host reports on stderr as it runs. 1: the collector, the output directory,
    // each child process and the start method; 2: also each code object's decision as it is made.
    int verbosity = 0;
    // --quiet: at exit, only where the files are (no summary on stderr).
    bool quiet = false;

    long long run_started_ns = 0;  // hidden: steady-clock start of the run, handed to children
    std::string trigger_report;    // hidden: where children report the trigger patterns they matched

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
    // The host's options as the user typed their names ("-I", "--function-include", "-MI"), for
    // errors found after parsing to name the option as it was given.
    std::vector<std::string> typed_names;
};

// The environment variable that marks a process started by a program running under pyitt-host
// with sys.executable: its value hands over the run's options (options_handover.h), and its
// presence makes the host read its whole argv as a python command line.
inline constexpr const char* kChildOptionsVariable = "PYITT_HOST_OPTIONS";

std::string encode_args(const std::vector<std::string>& args);
std::vector<std::string> decode_args(const std::string& encoded);

}  // namespace pyitt::host
