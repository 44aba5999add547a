// Reading back a per-process trace-<pid>.perfetto-trace for the merge of a run (merge.h), with a
// real parser of the wire format: every packet's framing and fields are checked (compressed ones
// inflated), so a trace cut short by a kill or corrupt is merged up to its last whole packet and
// then marked cut. The header (the first packet) decides the run before any packet is handed on.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "json_scanner.h"
#include "trace_reader.h"

namespace pyitt::collector {

// The largest packet accepted, compressed or inflated: beyond it the trace counts as corrupt.
inline constexpr std::size_t kMaxPacketBytes = 64u << 20;

// Reads a Perfetto trace from `in`; when its run is `run_id`, hands on every whole packet (as a
// Trace.packet field, ready to append to a trace) with its packet sequence ids moved up by
// `sequence_base`, so that the sequences of several processes never meet in one merged trace.
// shift_ns (a job's rank on another host) is added to every absolute timestamp and clock snapshot.
// A snapshot of builtin clocks (the header's BOOTTIME and MONOTONIC) is handed on only while
// `builtin_clocks_written` is false, which it then sets: Perfetto's trace processor requires the
// snapshots of one set of clocks to go forward in file order and rejects the others as invalid
// (an import error), and processes are merged in file-name order, not in the order they wrote
// their snapshots (at exit). One is enough: every timestamp of ours is MONOTONIC.
// pid_offset (a job's host whose pids meet another host's) is added to every pid of a process or
// thread descriptor, and pid_offset << 32 to every track uuid (ours are pid << 32 | ...): tracks of
// one uuid are one track in Perfetto, whatever process wrote them.
ProcessTrace read_perfetto_trace(ByteSource& in, std::string_view run_id, std::uint32_t sequence_base,
                                 std::int64_t shift_ns, long pid_offset, bool& builtin_clocks_written,
                                 const std::function<void(std::string_view packet)>& on_packet);

}  // namespace pyitt::collector
