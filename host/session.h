// The ITT side of one run: which collector receives the calls, where the built-in collector
// writes, and what the user is told at exit.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host_options.h"
#include "interpreter.h"
#include "job_run.h"

namespace pyitt::host {

// A process's file in the output directory (process_files in session.cpp).
struct ProcessFile {
    std::uint64_t inode;
    std::uint64_t name_hash;
    auto operator<=>(const ProcessFile&) const = default;
};

// The built-in collector's own entry points, looked up once as it loads: the ending of a process by
// a signal must not call dlsym, which waits for a dlopen the signalled thread may be inside.
struct CollectorCalls {
    void (*set_end_signal)(int) = nullptr;
    unsigned long long (*finish)() = nullptr;
    const char* (*trace_path)() = nullptr;
    int (*publish_run_profile)() = nullptr;
    const char* (*name_run_trace)() = nullptr;
    const char* (*brief_summary)() = nullptr;
    int (*merge)(int* incomplete, unsigned long long* events) = nullptr;
    job::MergeJobFunction* merge_job = nullptr;
};

class Session {
public:
    // Resolves --collector and --output into the environment (INTEL_LIBITTNOTIFY64,
    // PYITT_OUTPUT_DIR) before the interpreter starts; rewrites `options` to the resolved values
    // that children inherit. Creates the output directory. Throws UsageError.
    Session(HostOptions& options, const std::vector<std::string>& python_argv, const HostPaths& paths,
            bool is_child);

    // With the interpreter running, before the program: loads the collector, and has SIGTERM
    // write this process's output before it ends the process (see write_outputs_on_sigterm).
    void start();

    // The calls go to a collector that is not ours (VTune's).
    bool external_collector() const { return external_collector_; }

    // Where the built-in collector writes (absolute), or empty when it is not the collector.
    const std::string& output_dir() const { return output_dir_; }

    // At interpreter finalisation (also after KeyboardInterrupt), or when the process ends by
    // os._exit: has the built-in collector write its files and, in the process the user started,
    // prints the summary (merging the run's processes) and where things went. Once per process.
    void finish();

    // Before os.exec* of a pyitt-host that goes on with this run (the same pid): this process's
    // files only; the new image reports the run.
    void finish_before_exec();

    // This process took over the run from the first one, which exec'ed it: it reports the run.
    void reports_the_run() { reports_the_run_ = true; }

private:
    void report();
    bool start_job_rank(const job::JobRank& job, const std::string& requested_root);

    bool report_run(unsigned long long own_events, const std::string& own_trace);
    void print_brief_summary() const;
    std::string shown_output_dir() const;
    std::string shown_dir(const std::string& dir) const;

    bool uses_builtin_collector_ = false;
    bool external_collector_ = false;
    bool is_child_ = false;
    bool reports_the_run_ = false;
    bool run_goes_on_ = false;  // exec'ing into the run's next image
    long started_pid_ = 0;
    // The processes' files (trace-*, unfinished-*) in the output directory as the run started here
    // (but this pid's): only a file beyond them is a child's, worth a merge. Not taken: all count.
    std::vector<ProcessFile> files_before_;
    bool files_before_taken_ = false;
    std::string output_dir_;
    bool output_dir_given_absolute_ = false;  // shown absolute, as the user gave it
    bool quiet_ = false;                      // --quiet: no summary on stderr
    std::unique_ptr<job::JobRun> job_;        // a rank of a parallel job (job/)
    CollectorCalls collector_;
};

// The built-in collector library: beside the host in a build tree, under ../lib/pyitt-host once
// installed; empty when it is in neither place.
std::string find_builtin_collector(const std::string& host_executable);

// The name of the program a python command line runs ("fib" for samples/fib.py, "json.tool" for
// -m json.tool, "command" for -c, "stdin" for -), for naming its output directory.
std::string program_label(const std::vector<std::string>& python_argv);

}  // namespace pyitt::host
