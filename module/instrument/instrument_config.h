// What the automatic instrumentation is asked to do: filled by the host from its options.
#pragma once

#include <string>
#include <vector>

namespace pyitt::instrument {

struct Config {
    std::string domain = "python";
    // omnitrace-python's filters: Python regular expressions, searched unanchored.
    std::vector<std::string> include_functions, exclude_functions, restrict_functions;
    std::vector<std::string> include_modules, exclude_modules, restrict_modules;
    bool default_filters = true;  // omnitrace's default exclusions (<module>, lambdas, import machinery...)
    // Labels: the qualified name, or omnitrace's [name(args)][file:line] pieces.
    bool label_args = false, label_file = false, label_line = false;
    bool full_filepath = false;
    bool trace_c = false;         // C functions called from Python are tasks too
    bool builtin_regions = false;  // -b: only inside `profile` regions
    bool start_disabled = false;   // --noinstrumenter
    std::string explain_path;      // --explain FILE: every code object seen and its decision
    int verbosity = 0;             // -v 2 and more: each decision on stderr as it is made
    // Collection control: collection runs while any thread is inside a --resume-on function (or,
    // with -b, a profile region) and pauses while one is inside a --pause-on function.
    std::vector<std::string> resume_on, pause_on;
    bool warn_unmatched_triggers = true;  // at finish(): only in the process the user started
    // Where child processes append the trigger patterns they matched, so that the warning at exit
    // names only patterns no process matched (empty: this process alone).
    std::string trigger_report_path;
};

}  // namespace pyitt::instrument
