// One run, several processes: the process the user started merges every trace-<pid>[-n].json of its
// run found in the output directory into trace.json and writes summary.txt (each process, and the
// flat table of all of them), naming the processes that left no trace behind (unfinished-<pid>.txt)
// and those whose trace was cut short.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "output_file.h"
#include "run_summary.h"

namespace pyitt::collector {

struct MergeResult {
    int processes = 0;   // of this run, with or without a trace
    int incomplete = 0;  // left unfinished-<pid>.txt instead of a trace, wrote it as they crashed, or it is cut
    unsigned long long events = 0;
    bool ok = false;     // trace.json and summary.txt written
    std::string error;   // the first failure, for one line on stderr
    std::string brief;   // the bounded summary.txt, for stderr
};

// Reads `dir` for the traces and markers whose run is `run_id`; writes dir/trace.json, dir/summary.txt.
MergeResult merge_run(const OutputDirectory& dir, const std::string& run_id);

// One directory of a merge: a run's, or one rank's of a job (job/job_merge.cpp).
struct MergeSource {
    OutputDirectory dir;
    std::string run_id;
    int rank = -1;              // a job's rank: the ranks' processes are listed rank by rank
    long main_pid = 0;          // the rank's first process, listed first among the rank's
    std::int64_t shift_ns = 0;  // added to its timestamps: its host's clock onto the job's timeline
    long pid_offset = 0;        // added to its pids: its host's pids, when another host has the same
};
// A section put at the top of summary.txt and of its brief, from what was merged: the processes
// (ProcessRecord::source says whose) and each source's labels.
using ExtraSection = std::function<std::string(const std::vector<ProcessRecord>& processes,
                                               const std::vector<std::map<std::string, TotalRow>>& source_labels)>;
// Merges several sources into out/trace.json and out/summary.txt (and the run's other outputs).
MergeResult merge_sources(const OutputDirectory& out, const std::vector<MergeSource>& sources,
                          const ExtraSection& extra);

}  // namespace pyitt::collector
