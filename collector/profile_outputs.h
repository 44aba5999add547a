// What a process's summary becomes on disk: summary-<pid>.txt, stacks-<pid>.txt (collapsed stacks,
// exclusive nanoseconds) and flamegraph-<pid>.html beside its trace, with the same index as the
// trace (-2 after an exec); and the run's names (summary.txt...) when the process is a run of its own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "output_file.h"
#include "summary.h"

namespace pyitt::collector {

struct ProfileTexts {
    std::string summary, stacks, flamegraph;
    std::string brief;      // for stderr, pointing at summary-<pid>.txt
    std::string run_brief;  // the same, pointing at summary.txt once the process's files take the run's names
};

ProfileTexts profile_texts(const Summary& summary, pid_t pid, std::uint64_t wall_ns, unsigned long long events,
                           const std::string& process_name, int index);

struct ProfileFiles {
    std::string summary, stacks, flamegraph;  // names in the output directory; empty: not written
    std::string error;                        // the first failure
};

// Per-process names, from `index` on (the trace's index, so that the files of one image go together).
ProfileFiles publish_profile(const OutputDirectory& dir, const ProfileTexts& texts, pid_t pid, int index);
// summary.txt, stacks.txt, flamegraph.html, replacing those of an earlier run. False: error says why.
// With the files publish_profile wrote of these very texts (a process alone in its run), each is a
// hard link to its file, as the run's trace is to the process's: creating a file costs more.
bool publish_run_profile(const OutputDirectory& dir, const ProfileTexts& texts, std::string& error,
                         const ProfileFiles* same_texts = nullptr);

inline constexpr const char* kStacksUnit = "ns";  // stacks files weigh frames by exclusive nanoseconds

}  // namespace pyitt::collector
