// Reading back a per-process trace-<pid>.json for the merge of a run (merge.h). The file may be
// anything: cut short by a kill, corrupt, or not ours at all. Each complete event is handed on as
// its JSON text; whatever follows the last complete one is dropped, and the trace is then cut.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "json_scanner.h"

namespace pyitt::collector {

// One row of the process's flat table ("pyittFlat": label, count, unfinished, depth, inclusive,
// exclusive, recursion), as trace_writer.cpp writes it (traces written before recursion have 6).
struct FlatRow {
    std::string label;
    std::uint64_t count = 0, unfinished = 0, depth = 0, inclusive_ns = 0, exclusive_ns = 0;
    std::uint64_t recursion = 1;  // deepest nesting of the label in itself (1: none)
};

struct ProcessTrace {
    bool ours = false;      // its run is the one asked for (known before its first event)
    bool complete = false;  // read to its end, trailer included
    std::string problem;    // why not complete: the scanner's reason and where
    // From the trailer ("pyittProcess"), when it was reached; else what the events tell.
    std::int64_t pid = 0, parent = 0;
    std::string name;
    std::int64_t end_signal = 0;
    std::uint64_t first_ns = 0, wall_ns = 0;
    unsigned long long events = 0;  // events handed on, metadata ("M") not counted
    bool named = false;             // a process_name event was among them
    std::vector<FlatRow> flat;
    std::vector<std::string> threads;  // the summary's thread lines ("thread <tid> <name>: ...")
    std::string collection;            // its "collection paused ..." line, if it paused
    std::uint64_t trailer_events = 0;  // the events its trailer says it wrote
    // A Perfetto trace's packet sequence ids, first to last ("pyittSequences"); 0 when not said.
    std::uint64_t sequence_first = 0, sequence_last = 0;
    std::vector<std::uint32_t> chunk_checksums;  // its compressed packets' CRC-32s ("pyittChunks")
};

// The largest single event accepted: beyond it the trace counts as corrupt from there on.
inline constexpr std::size_t kMaxEventBytes = 16u << 20;

// Reads a trace from `in`; when its run is `run_id`, every complete event goes to `on_event`.
ProcessTrace read_process_trace(ByteSource& in, std::string_view run_id,
                                const std::function<void(std::string_view event)>& on_event);

}  // namespace pyitt::collector
