// Shared set-up of the collector benchmarks: which collector to load, and where its files go.
#pragma once

#include <string>

namespace pyitt::bench {

// Points INTEL_LIBITTNOTIFY64 at the collector (unless already set) and PYITT_OUTPUT_DIR at a fresh
// temporary directory, before the first ITT call loads anything. Returns that directory.
std::string prepare_collector_env();

// Leaves without running atexit handlers: the collector would otherwise write a trace of the hundreds
// of millions of events the benchmark made. Flushes stdout first.
[[noreturn]] void exit_without_trace(int status);

// Resident set size of this process, in bytes.
long long rss_bytes();

}  // namespace pyitt::bench
