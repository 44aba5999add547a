// Reading back a per-process trace-<pid>.perfetto-trace for the merge of a run (merge.h), with a
// real parser of the wire format: every packet's framing and fields are checked (compressed ones
// inflated), so a trace cut short by a kill or corrupt is merged up to its last whole packet and
// then marked cut. The header (the first packet) decides the run before any packet is handed on.
// A whole trace whose packet sequences no other process of the merge used is copied instead, its
// compressed packets as they are (copy_perfetto_trace): no inflating, parsing or deflating again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>

#include "json_scanner.h"
#include "perfetto_format.h"
#include "trace_reader.h"

namespace pyitt::collector {

// What the merge of a run's (or a job's) Perfetto traces keeps from one process's trace to the next.
struct PerfettoMerge {
    // A snapshot of builtin clocks (the header's BOOTTIME and MONOTONIC) is handed on only while
    // this is false, which it then sets: Perfetto's trace processor requires the snapshots of one
    // set of clocks to go forward in file order and rejects the others as invalid (an import
    // error), and processes are merged in file-name order, not in the order they wrote their
    // snapshots (at exit). One is enough: every timestamp of ours is MONOTONIC.
    bool builtin_clocks_written = false;
    // The sequence ids of the traces copied as they are (copy_perfetto_trace): first -> last.
    std::map<std::uint64_t, std::uint64_t> copied;
    // The next id for a sequence renumbered by read_perfetto_trace: from perfetto::kMergedSequences
    // on, where no process's own ids are (perfetto_format.h).
    std::uint64_t next_sequence = perfetto::kMergedSequences;
};

// Reads a Perfetto trace from `in`; when its run is `run_id`, hands on every whole packet (as a
// Trace.packet field, ready to append to a trace) with each of its packet sequences given a new id
// of the merge's, so that the sequences of several processes never meet in one merged trace.
// shift_ns (a job's rank on another host) is added to every absolute timestamp and clock snapshot.
// pid_offset (a job's host whose pids meet another host's) is added to every pid of a process or
// thread descriptor, and pid_offset << 32 to every track uuid (ours are pid << 32 | ...): tracks of
// one uuid are one track in Perfetto, whatever process wrote them.
ProcessTrace read_perfetto_trace(ByteSource& in, std::string_view run_id, std::int64_t shift_ns, long pid_offset,
                                 PerfettoMerge& merge, const std::function<void(std::string_view packet)>& on_packet);

// The merge's fast path, for a trace merged with no shift and no pid offset: when the file `fd` is
// a whole trace of ours (every top-level packet framed, the trailer last) whose sequence ids (its
// trailer's "pyittSequences") no trace copied before used and lie below kMergedSequences, its
// compressed packets go to `on_copy` as they are (whole Trace.packet fields, never inflated) and
// its plain ones (header, defaults, trailer) to `on_packet` as read_perfetto_trace hands them on
// (one builtin clock snapshot a merge), in file order; what the merge needs of the process comes
// from its header and trailer (the event count is the trailer's). nullopt, with nothing handed on,
// when it is not such a trace: the caller reads it from the start with read_perfetto_trace.
std::optional<ProcessTrace> copy_perfetto_trace(int fd, std::string_view run_id, PerfettoMerge& merge,
                                                const std::function<void(std::string_view packet)>& on_packet,
                                                const std::function<void(std::string_view packets)>& on_copy);

}  // namespace pyitt::collector
