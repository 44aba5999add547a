// One run, several processes: the process the user started merges every trace-<pid>[-n].json of its
// run found in the output directory into trace.json and writes summary.txt (each process, and the
// flat table of all of them), naming the processes that left no trace behind (unfinished-<pid>.txt)
// and those whose trace was cut short.
#pragma once

#include <string>

#include "output_file.h"

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

}  // namespace pyitt::collector
