// Files the process the user started makes for the rest of its run (the options handed to its
// children, the children's trigger report): they go when that process ends, however it ends
// short of SIGKILL, and never when a forked copy of it does.
#pragma once

#include <string>

namespace pyitt::host {

// Removes `path` when this process exits (exit(), the end of main) or remove_run_files() runs.
void remove_at_run_end(const std::string& path);

// Now: for endings that skip exit(), such as os._exit. Safe in a signal handler.
void remove_run_files();

// For the signals that would end this process without exit() (SIGTERM, SIGHUP, crashes...) and
// are still at their default: remove the files, then die of the signal as before. For runs
// where nothing else takes those signals (no built-in collector writing on them).
void remove_run_files_on_ending_signals();

}  // namespace pyitt::host
