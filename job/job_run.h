// A rank's part in its job's run: its directory in the job's, its start (rank.txt, with the clock
// anchor), and its end: who merges (the last rank to end, by an atomic claim; rank 0 after a
// bounded wait when some rank never ends), and rank 0 printing the job's summary once.
#pragma once

#include <optional>
#include <string>

#include "job_environment.h"

namespace pyitt::job {

// pyitt_collector_merge_job (collector/pyitt_collector.h).
using MergeJobFunction = int(const char* const* roots, int count, const char* job_id, int size, const char* report_name,
                             int* ranks_whole, unsigned long long* events);

class JobRun {
public:
    // `root`: the job's run directory (absolute), the same on every rank.
    JobRun(JobRank job, std::string root);
    const JobRank& job() const { return job_; }
    const std::string& root() const { return root_; }
    std::string rank_dir() const;  // root/rank-<N>, where this rank's processes write

    // Before the program: makes the rank's directory ready (a stale end mark of a job with the
    // same id removed) and writes rank.txt. False with `error` when the rank cannot write there.
    bool start(const std::string& run_id, std::string& error);

    // After this rank's first process wrote its trace. `may_wait`: false when a signal ends the
    // process (it merges if it is the last, but never waits). Rank 0 prints, unless `quiet`, the
    // job's bounded summary and where it went, shown as `shown_root`.
    void finish(MergeJobFunction* merge, bool may_wait, bool quiet, const std::string& shown_root);

private:
    bool print_report(const std::string& shown_root, bool quiet);
    JobRank job_;
    std::string root_;
};

// From a signal handler's thread: rank 0 stops waiting for the others and merges what is there
// (mpirun ends every rank with SIGTERM once one of them died).
void stop_waiting();

// How long rank 0 waits, after its own end, for ranks on other hosts (PYITT_JOB_WAIT seconds, default 60).
double job_wait_seconds();

// Prints a report file (job_merge.cpp's) of `root` as rank 0 does; false when there is none.
bool print_job_report(const std::string& root, const std::string& report_name, const std::string& shown_root, bool quiet);

}  // namespace pyitt::job
