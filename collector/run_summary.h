// The run's summary.txt (and its bounded version for stderr) from what the merge learnt of each
// process: a section per topic (processes, their threads, the flat table of all of them), so a new
// section (a per-rank table) is one more function.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pyitt::collector {

struct ProcessRecord {
    long pid = 0, parent = 0;
    std::string name;
    std::string trace_file;  // empty: incomplete
    std::string command;     // from the marker, for an incomplete process
    std::string cut;         // the trace ended before its end: why (merged up to its last complete event)
    bool named = false;      // its trace has its process_name event
    bool has_marker = false;
    unsigned long long events = 0;
    std::uint64_t first_ns = 0, wall_ns = 0;
    int end_signal = 0;                // the trace was written at a crash
    int source = 0;                    // which of the merge's sources (merge.h) it came from
    std::vector<std::string> threads;  // "thread 12 name: 3 task(s), wall ..., CPU ..." from its trailer
    std::string collection;            // "collection paused ..." from its trailer, if it paused
    bool incomplete() const { return trace_file.empty() || end_signal != 0 || !cut.empty(); }
};

struct TotalRow {
    std::uint64_t count = 0, unfinished = 0, inclusive_ns = 0, exclusive_ns = 0;
    std::uint32_t depth = UINT32_MAX;
    std::uint64_t recursion = 1;  // deepest in any process
    int processes = 0;
};

struct RunSummaryInput {
    const std::vector<ProcessRecord>& processes;  // the process the user started first
    const std::map<std::string, TotalRow>& labels;
};

std::string run_summary_full(const RunSummaryInput& run);
std::string run_summary_brief(const RunSummaryInput& run);

}  // namespace pyitt::collector
