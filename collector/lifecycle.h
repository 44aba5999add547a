// Load, fork, exit and on-demand finish: when the trace and summary are written, and where.
#pragma once

#include <string>

namespace pyitt::collector {

// PYITT_OUTPUT_DIR, else the current directory ("" means the current directory).
std::string output_dir();

// One line on stderr, at most once per `key` and process. Never stdout, never the exit status.
void warn_once(const char* key, const std::string& message);

// Writes trace and summary once; later calls return the first result.
unsigned long long finish();

}  // namespace pyitt::collector
