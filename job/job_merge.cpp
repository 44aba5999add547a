// The merge of a job, in libpyitt-collector.so beside the run merge it drives (collector/merge.h):
// the rank-<N>/ directories of one or more roots, each rank's traces moved onto one timeline by
// its host's realtime anchor, and a job section (ranks, load imbalance) on top of the summary.
#include <fcntl.h>
#include <sys/resource.h>
#include <fmt/format.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "job_directory.h"
#include "lifecycle.h"
#include "merge.h"
#include "output_file.h"
#include "pyitt_collector.h"

#define PYITT_COLLECTOR_EXPORT extern "C" __attribute__((visibility("default")))

namespace pyitt::job {
namespace {

using collector::MergeSource;
using collector::ProcessRecord;
using collector::TotalRow;

struct JobRankEntry {
    int rank = 0;
    std::string path;
    std::optional<RankInfo> info;
    int source = -1;  // its MergeSource, when it has one
    long pid_offset = 0;
    std::string open_error;  // its directory could not be opened
};

std::string ms(std::uint64_t ns) { return fmt::format("{:.3f}", static_cast<double>(ns) / 1e6); }

// What became of a rank, from its first process's record (or its absence).
std::string rank_state(const JobRankEntry& entry, const std::vector<ProcessRecord>& processes) {
    if (entry.path.empty())
        return "missing: no rank-" + std::to_string(entry.rank) + "/ directory (not started, or its node wrote elsewhere)";
    if (!entry.info) return "missing: " + entry.path + "/rank.txt unreadable (the rank could not write there?)";
    if (!entry.open_error.empty()) return "not read: " + entry.open_error;
    const ProcessRecord* first = nullptr;
    int others_incomplete = 0;
    for (const ProcessRecord& p : processes) {
        if (p.source != entry.source) continue;
        if (p.pid == entry.info->pid + entry.pid_offset) first = &p;
        else others_incomplete += p.incomplete() ? 1 : 0;
    }
    std::string state;
    if (first == nullptr) {
        state = "no trace: killed, crashed or still running";
    } else if (first->trace_file.empty()) {
        state = fmt::format("no trace: killed or crashed before writing it (unfinished-{}.txt)",
                            first->pid - entry.pid_offset);
    } else if (first->end_signal != 0) {
        const char* name = sigabbrev_np(first->end_signal);
        state = fmt::format("crashed (SIG{}), traced up to it", name != nullptr ? name : std::to_string(first->end_signal));
    } else if (!first->cut.empty()) {
        state = "trace cut short: " + first->cut;
    } else {
        state = "ok";
    }
    if (others_incomplete > 0) state += fmt::format(", {} child process(es) incomplete", others_incomplete);
    return state;
}

std::string job_section(const std::vector<JobRankEntry>& ranks, const std::string& clocks,
                        const std::vector<ProcessRecord>& processes,
                        const std::vector<std::map<std::string, TotalRow>>& labels) {
    fmt::memory_buffer b;
    auto out = std::back_inserter(b);
    const RankInfo* any = nullptr;
    std::set<std::string> hosts;
    int missing = 0;
    for (const JobRankEntry& e : ranks) {
        if (e.info) {
            if (any == nullptr) any = &*e.info;
            hosts.insert(e.info->host);
        }
        if (rank_state(e, processes) != "ok") ++missing;
    }
    fmt::format_to(out, "pyitt job: {} job {}, {} rank(s) on {} host(s){}\n", any ? any->job.launcher : "unknown",
                   any && !any->job.job_id.empty() ? any->job.job_id : "(unnamed)", ranks.size(), hosts.size(),
                   missing > 0 ? fmt::format(", {} rank(s) not whole (see Ranks)", missing) : "");
    if (!clocks.empty()) fmt::format_to(out, "{}", clocks);
    fmt::format_to(out, "\nRanks\n{:>6} {:<16} {:>9} {:>10} {:>12}  {}\n{}\n", "rank", "host", "processes", "events",
                   "wall(ms)", "state", std::string(100, '-'));
    for (const JobRankEntry& e : ranks) {
        int count = 0;
        unsigned long long events = 0;
        std::uint64_t begin = UINT64_MAX, end = 0;
        for (const ProcessRecord& p : processes) {
            if (e.source < 0 || p.source != e.source) continue;
            ++count;
            events += p.events;
            if (p.trace_file.empty()) continue;
            begin = std::min(begin, p.first_ns);
            end = std::max(end, p.first_ns + p.wall_ns);
        }
        const std::string host = e.info ? e.info->host : "-";
        fmt::format_to(out, "{:>6} {:<16} {:>9} {:>10} {:>12}  {}\n", e.rank, host.substr(0, 16),
                       count > 0 ? std::to_string(count) : "-", count > 0 ? std::to_string(events) : "-",
                       end > begin ? ms(end - begin) : "-", rank_state(e, processes));
    }

    // Load imbalance: each top label's inclusive time on each rank that ran it.
    std::map<std::string, std::uint64_t> total;
    for (const JobRankEntry& e : ranks)
        if (e.source >= 0)
            for (const auto& [label, row] : labels[e.source])
                if (row.depth == 0) total[label] += row.inclusive_ns;
    std::vector<std::pair<std::string, std::uint64_t>> top(total.begin(), total.end());
    std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (top.size() > 10) top.resize(10);
    if (top.empty()) return fmt::to_string(b);
    constexpr std::size_t kLabelWidth = 36;
    fmt::format_to(out, "\nLoad imbalance (top-level labels by inclusive time; slowest and fastest rank)\n"
                        "{:<{}} {:>5} {:>24} {:>24} {:>9}\n{}\n",
                   "label", kLabelWidth, "ranks", "slowest rank (ms)", "fastest rank (ms)", "max/mean", std::string(100, '-'));
    for (const auto& [label, sum] : top) {
        int count = 0, slow = -1, fast = -1;
        std::uint64_t slow_ns = 0, fast_ns = UINT64_MAX;
        for (const JobRankEntry& e : ranks) {
            if (e.source < 0) continue;
            const auto row = labels[e.source].find(label);
            if (row == labels[e.source].end()) continue;
            ++count;
            if (slow < 0 || row->second.inclusive_ns > slow_ns) slow = e.rank, slow_ns = row->second.inclusive_ns;
            if (fast < 0 || row->second.inclusive_ns < fast_ns) fast = e.rank, fast_ns = row->second.inclusive_ns;
        }
        const double mean = static_cast<double>(sum) / std::max(count, 1);
        const std::string shown = label.size() <= kLabelWidth ? label : label.substr(0, kLabelWidth - 3) + "...";
        fmt::format_to(out, "{:<{}} {:>5} {:>24} {:>24} {:>9.2f}\n", shown, kLabelWidth, count,
                       fmt::format("rank {} ({})", slow, ms(slow_ns)), fmt::format("rank {} ({})", fast, ms(fast_ns)),
                       mean > 0 ? static_cast<double>(slow_ns) / mean : 0.0);
    }
    fmt::format_to(out, "\n");
    return fmt::to_string(b);
}

// The pids a rank directory's processes had: from its trace-<pid>[-n].json and unfinished-<pid>.txt.
std::set<long> pids_in(const std::string& dir) {
    std::set<long> pids;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return pids;
    while (const dirent* entry = ::readdir(d)) {
        const std::string name = entry->d_name;
        for (const char* prefix : {"trace-", "unfinished-"}) {
            const std::size_t length = std::strlen(prefix);
            if (name.compare(0, length, prefix) == 0 && name.size() > length && std::isdigit(static_cast<unsigned char>(name[length])))
                pids.insert(std::strtol(name.c_str() + length, nullptr, 10));
        }
    }
    ::closedir(d);
    return pids;
}

// Above any pid_max (2^22): a host whose pids meet another's is moved by a multiple of it.
constexpr long kPidSpace = 1L << 22;

}  // namespace
}  // namespace pyitt::job

// Merges the job whose rank-<N>/ directories are under roots[0..count) into roots[0]: trace.json,
// summary.txt (with the job's Ranks and Load imbalance sections). With job_id (the automatic merge
// at the job's end), only the ranks 0..size-1 of that job are taken, and the bounded summary is
// left in roots[0]/report_name for rank 0 to print. Returns the number of processes merged, 0 on
// failure (said on stderr), -1 when no rank directory was found.
PYITT_COLLECTOR_EXPORT int pyitt_collector_merge_job(const char* const* roots, int count, const char* job_id, int size,
                                                     const char* report_name, int* ranks_whole,
                                                     unsigned long long* events) {
    using namespace pyitt::job;
    using namespace pyitt::collector;
    std::vector<std::string> root_paths(roots, roots + count);
    std::vector<JobRankEntry> ranks;
    for (const RankDir& dir : find_rank_dirs(root_paths)) {
        if (!ranks.empty() && ranks.back().rank == dir.rank && ranks.back().info) continue;  // first copy wins
        JobRankEntry entry{dir.rank, dir.path, read_rank_info(dir.path), -1, 0, {}};
        if (job_id != nullptr && entry.info && (entry.info->job.job_id != job_id || dir.rank >= size)) continue;
        if (!ranks.empty() && ranks.back().rank == dir.rank) ranks.back() = std::move(entry);
        else ranks.push_back(std::move(entry));
    }
    if (ranks.empty()) return -1;
    int expected = size;
    for (const JobRankEntry& e : ranks)
        if (e.info) expected = std::max(expected, e.info->job.size);
    expected = std::max(expected, ranks.back().rank + 1);
    std::vector<JobRankEntry> all;
    for (int rank = 0, next = 0; rank < expected; ++rank) {
        if (next < static_cast<int>(ranks.size()) && ranks[next].rank == rank) all.push_back(std::move(ranks[next++]));
        else all.push_back(JobRankEntry{rank, {}, std::nullopt, -1, 0, {}});
    }

    // One anchor per host (its lowest rank's): ranks of one host keep their exact relative times.
    std::map<std::string, const RankInfo*> host_anchor;
    const RankInfo* reference = nullptr;
    for (const JobRankEntry& e : all) {
        if (!e.info) continue;
        if (reference == nullptr) reference = &*e.info;
        host_anchor.emplace(e.info->host, &*e.info);
    }
    std::string clocks;
    for (const auto& [host, info] : host_anchor) {
        if (host == reference->host) continue;
        const std::int64_t shift = info->anchor.offset_ns() - reference->anchor.offset_ns();
        clocks += fmt::format("clock: host {} put on host {}'s timeline by realtime anchors (its monotonic clock {:+.3f} ms)\n",
                              host, reference->host, static_cast<double>(shift) / 1e6);
    }

    // Each host's pids are its own: a host whose pids meet an earlier host's is moved past them.
    std::map<std::string, std::set<long>> host_pids;
    std::vector<std::string> host_order;
    for (const JobRankEntry& e : all) {
        if (!e.info) continue;
        if (!host_pids.count(e.info->host)) host_order.push_back(e.info->host);
        const std::set<long> pids = pids_in(e.path);
        host_pids[e.info->host].insert(pids.begin(), pids.end());
    }
    std::map<std::string, long> pid_offset;
    std::set<long> taken;
    for (std::size_t i = 0; i < host_order.size(); ++i) {
        const std::set<long>& pids = host_pids[host_order[i]];
        const bool meets = std::any_of(pids.begin(), pids.end(), [&](long pid) { return taken.count(pid) != 0; });
        const long offset = meets ? kPidSpace * static_cast<long>(i) : 0;
        pid_offset[host_order[i]] = offset;
        for (long pid : pids) taken.insert(pid + offset);
        if (meets) {
            clocks += fmt::format("pids: host {}'s processes are shown with pid + {} here and in the trace (it had pids of another host's)\n",
                                  host_order[i], offset);
        }
    }

    // A descriptor per rank directory, held through the merge: a job of thousands of ranks needs the
    // soft limit raised (at this process's exit, or in --merge).
    rlimit files {};
    const rlim_t wanted = static_cast<rlim_t>(all.size()) + 64;
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY && files.rlim_cur < wanted) {
        files.rlim_cur = files.rlim_max == RLIM_INFINITY ? wanted : std::min(files.rlim_max, wanted);
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    const int out_fd = ::open(root_paths[0].c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    // What the merge itself needs beyond the rank directories: a trace, a temporary, the outputs.
    const long last_fd = ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
                             ? static_cast<long>(files.rlim_cur) - 32
                             : LONG_MAX;
    std::vector<MergeSource> sources;
    for (JobRankEntry& e : all) {
        if (!e.info) continue;
        int fd = ::open(e.path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= last_fd) {
            ::close(fd);
            fd = -1;
            errno = EMFILE;
        }
        if (fd < 0) {
            e.open_error = errno == EMFILE ? fmt::format("more rank directories than descriptors (raise ulimit -n to "
                                                         "{} or more)", all.size() + 64)
                                           : fmt::format("cannot open {}: {}", e.path, std::strerror(errno));
            continue;
        }
        e.source = static_cast<int>(sources.size());
        e.pid_offset = pid_offset[e.info->host];
        const std::int64_t shift = host_anchor[e.info->host]->anchor.offset_ns() - reference->anchor.offset_ns();
        sources.push_back(MergeSource{OutputDirectory{fd, e.path}, e.info->run_id, e.rank, e.info->pid, shift, e.pid_offset});
    }
    const OutputDirectory out{out_fd, root_paths[0]};
    std::vector<ProcessRecord> seen;
    const MergeResult result = merge_sources(out, sources,
        [&](const std::vector<ProcessRecord>& processes, const std::vector<std::map<std::string, TotalRow>>& labels) {
            seen = processes;
            return job_section(all, clocks, processes, labels);
        });
    for (const MergeSource& s : sources) ::close(s.dir.fd);
    int whole = 0;
    for (const JobRankEntry& e : all) whole += rank_state(e, seen) == "ok" ? 1 : 0;
    if (result.ok && report_name != nullptr) {
        OutputFile report(out);
        if (report.stream() != nullptr) {
            std::fprintf(report.stream(), "pyitt-job-report %d %d %d %llu\n", result.processes, whole,
                         static_cast<int>(all.size()), result.events);
            std::fwrite(result.brief.data(), 1, result.brief.size(), report.stream());
            report.publish_replacing(report_name);
        }
    }
    if (out_fd >= 0) ::close(out_fd);
    if (!result.error.empty()) warn_once("merge", result.error);
    if (ranks_whole != nullptr) *ranks_whole = whole;
    if (events != nullptr) *events = result.events;
    return result.ok ? result.processes : 0;
}
