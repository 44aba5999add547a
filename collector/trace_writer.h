// Turns the recorded stream into trace-<pid>.json (Chrome Trace Event format) and summary-<pid>.txt.
#pragma once

#include <cstdint>
#include <string>

namespace pyitt::collector {

struct WriteResult {
    unsigned long long events = 0;  // trace events written (metadata "M" events not counted)
    bool trace_ok = false;
    bool summary_ok = false;
    std::string error;  // first failure, for the one-line warning
};

// Call with recording stopped. end_ticks closes whatever is still open ("unfinished").
WriteResult write_outputs(const std::string& trace_path, const std::string& summary_path, std::uint64_t end_ticks);

}  // namespace pyitt::collector
