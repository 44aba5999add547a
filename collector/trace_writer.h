// Turns the recorded stream into trace-<pid>.json (Chrome Trace Event format) and summary-<pid>.txt
// (trace-<pid>-2.json... when an earlier image of this pid, before an exec, took those names).
#pragma once

#include <cstdint>
#include <string>

#include "output_file.h"
#include "profile_outputs.h"

namespace pyitt::collector {

struct WriteResult {
    unsigned long long events = 0;  // trace events recorded (metadata "M" not counted), even if unwritten
    std::string trace_name, summary_name;  // in the output directory; empty: not written
    ProfileTexts profile;                  // the summary, its brief for stderr, stacks and flame graph
    ProfileFiles profile_files;            // where publish_profile put them
    std::string error;  // first failure, for the one-line warning
    // Converted while the program ran (background_converter.h): records, and the converter's CPU time.
    unsigned long long background_records = 0;
    std::uint64_t background_cpu_ns = 0;
};

// Call with recording stopped. end_ticks closes whatever is still open ("unfinished").
WriteResult write_outputs(const OutputDirectory& dir, std::uint64_t end_ticks);

}  // namespace pyitt::collector
