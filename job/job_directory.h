// The job's run directory, shared by its ranks: rank-<N>/ holds rank N's processes' files and its
// rank.txt (who, where, and a realtime anchor of its clock); rank-<N>/ended says the rank's own
// output is written. Claims (mkdir, atomic on local and network filesystems) decide who merges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "job_environment.h"

namespace pyitt::job {

// CLOCK_REALTIME and CLOCK_MONOTONIC read together (the tightest of a few tries): what puts the
// monotonic timestamps of a machine on a timeline shared with other machines.
struct ClockAnchor {
    std::int64_t realtime_ns = 0, monotonic_ns = 0;
    std::int64_t offset_ns() const { return realtime_ns - monotonic_ns; }
};
ClockAnchor take_clock_anchor();

struct RankInfo {
    JobRank job;
    std::string host;    // PYITT_JOB_HOST, else the hostname: ranks on one host share one clock
    long pid = 0;        // the rank's first process
    std::string run_id;  // PYITT_RUN_ID of the rank's processes (their traces carry it)
    ClockAnchor anchor;
};

std::string rank_dir_name(int rank);                                 // "rank-3"
std::optional<int> rank_of_dir_name(const std::string& name);        // "rank-3" -> 3
std::string this_host();

// Writes dir/name whole or not at all (exclusive hidden temporary, no link followed, renamed onto name).
bool write_file_atomically(const std::string& dir, const std::string& name, const std::string& text,
                           std::string& error);
bool write_rank_info(const std::string& rank_dir, const RankInfo& info, std::string& error);
std::optional<RankInfo> read_rank_info(const std::string& rank_dir);

// The rank's own output is written (its trace, or what its signal handler could write).
void mark_rank_ended(const std::string& rank_dir, const JobRank& job);
// Ranks 0..size-1 under root whose ended mark belongs to this job.
std::vector<int> ended_ranks(const std::string& root, const JobRank& job);
// True for exactly one caller per (root, job, what), whoever calls first, on every host.
bool claim(const std::string& root, const JobRank& job, const std::string& what);
bool claimed(const std::string& root, const JobRank& job, const std::string& what);
// The hidden file the merging rank leaves for rank 0 to print: ".job-report-<job>.txt".
std::string report_name(const JobRank& job);
// Removes this job's claims and report once rank 0 has printed a complete merge.
void remove_coordination_files(const std::string& root, const JobRank& job);

// rank-<N> directories under each root (a job's directory, or several nodes' copies of it).
struct RankDir {
    int rank = 0;
    std::string path;
};
std::vector<RankDir> find_rank_dirs(const std::vector<std::string>& roots);

}  // namespace pyitt::job
