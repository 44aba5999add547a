// Load, fork, exit and on-demand finish: when the trace and summary are written, and where.
#pragma once

#include <cstdint>
#include <string>

namespace pyitt::collector {

// PYITT_OUTPUT_DIR, else the current directory ("" means the current directory).
std::string output_dir();

// One line on stderr, at most once per `key` and process. Never stdout, never the exit status.
void warn_once(const char* key, const std::string& message);

// How the trace is written (PYITT_TRACE_FORMAT, PYITT_MIN_DURATION_US, set by the host from
// --trace-format and --min-duration), read once at load: the program may change its environment.
struct TraceSettings {
    bool json = false;                  // json; else the compact format (perfetto)
    std::uint64_t min_duration_ns = 0;  // nested tasks shorter than this are left out of the trace
};
const TraceSettings& trace_settings();

// Writes trace and summary once; later calls return the first result.
unsigned long long finish();

// Who this process is in a run of several (a program and its children, all writing into one
// output directory): the run it belongs to (PYITT_RUN_ID, set by the process the user started and
// inherited), its parent at start, and the name the host gave it (its role: "main",
// "SpawnPoolWorker-3"), else PYITT_PROCESS_NAME, else the executable's name.
struct ProcessIdentity {
    std::string run_id;
    long parent_pid = 0;
    std::string name;
    int end_signal = 0;  // the crash signal the trace was written for, 0 for a normal end
};
ProcessIdentity process_identity();

// A forked child marks itself unfinished (unfinished-<pid>.txt) when it first records, not at the
// fork: called on the slow path that gives a thread its buffer.
void mark_unfinished_if_forked();

}  // namespace pyitt::collector
