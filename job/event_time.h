// Moving one Chrome-trace event (JSON text, as the merge copies it) on the timeline: its top-level
// "ts" (µs with ns decimals) shifted by whole nanoseconds; args and strings are left alone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pyitt::job {

std::string shift_event_time(std::string_view event, std::int64_t shift_ns);

}  // namespace pyitt::job
