// Moving one Chrome-trace event (JSON text, as the merge copies it) onto the job's timeline and
// process space: its top-level "ts" (µs with ns decimals) shifted by whole nanoseconds, its
// top-level "pid" by an offset (another host's processes that share pids with this one's); args
// and strings are left alone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pyitt::job {

std::string move_event(std::string_view event, std::int64_t shift_ns, long pid_offset);
inline std::string shift_event_time(std::string_view event, std::int64_t shift_ns) {
    return move_event(event, shift_ns, 0);
}

}  // namespace pyitt::job
