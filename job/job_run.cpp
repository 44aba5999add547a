#include "job_run.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "job_directory.h"

namespace pyitt::job {
namespace {

void write_stderr(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

// Where a rank that has not ended is: running on this host (it will end, or be seen gone), gone
// from this host (killed: it never will), or elsewhere (another host, or not started yet).
enum class Whereabouts { kHereRunning, kHereGone, kElsewhere };
Whereabouts whereabouts(const std::string& root, int rank) {
    const auto info = read_rank_info(root + "/" + rank_dir_name(rank));
    if (!info || info->host != this_host() || info->pid <= 0) return Whereabouts::kElsewhere;
    const bool gone = ::kill(static_cast<pid_t>(info->pid), 0) != 0 && errno == ESRCH;
    return gone ? Whereabouts::kHereGone : Whereabouts::kHereRunning;
}

std::atomic<bool> g_stop_waiting{false};

// At exit the host holds ending signals back until the outputs are written (they end the process
// right after): one waiting there is a scheduler or a user ending the job, and ends the wait.
bool ending_signal_pending() {
    sigset_t pending;
    sigemptyset(&pending);
    if (::sigpending(&pending) != 0) return false;
    for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGXCPU})
        if (sigismember(&pending, signal)) return true;
    return false;
}

}  // namespace

void stop_waiting() { g_stop_waiting.store(true); }

double job_wait_seconds() {
    const char* text = std::getenv("PYITT_JOB_WAIT");
    if (text == nullptr || *text == '\0') return 60;
    char* end = nullptr;
    const double seconds = std::strtod(text, &end);
    return *end == '\0' && seconds >= 0 ? seconds : 60;
}

JobRun::JobRun(JobRank job, std::string root) : job_(std::move(job)), root_(std::move(root)) {}

std::string JobRun::rank_dir() const { return root_ + "/" + rank_dir_name(job_.rank); }

bool JobRun::start(const std::string& run_id, std::string& error) {
    const std::string dir = rank_dir();
    ::unlink((dir + "/ended").c_str());
    // Rank 0 starts before any merge of this job can happen (a merge needs its end): what a job of
    // the same id left (claims, report) goes now.
    if (job_.rank == 0) remove_coordination_files(root_, job_);
    RankInfo info{job_, this_host(), static_cast<long>(::getpid()), run_id, take_clock_anchor()};
    return write_rank_info(dir, info, error);
}

void JobRun::finish(MergeJobFunction* merge, bool may_wait, bool quiet, const std::string& shown_root) {
    mark_rank_ended(rank_dir(), job_);
    const char* roots[] = {root_.c_str()};
    const std::string report = report_name(job_);
    int whole = 0;
    unsigned long long events = 0;
    if (static_cast<int>(ended_ranks(root_, job_).size()) == job_.size && merge != nullptr && claim(root_, job_, "merge")) {
        // Rank 0 gave up waiting (and printed what it had): nobody would print this report.
        const bool rank0_waits = !claimed(root_, job_, "partial");
        merge(roots, 1, job_.job_id.c_str(), job_.size, rank0_waits ? report.c_str() : nullptr, &whole, &events);
    }
    if (job_.rank != 0 || !may_wait) return;

    // Ranks of this host are waited for as long as they run (the launcher waits for them too); ranks
    // elsewhere at most PYITT_JOB_WAIT seconds. The polls space out: on a shared filesystem each
    // one reads a file per rank.
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::duration<double>(job_wait_seconds());
    auto pause = std::chrono::milliseconds(10);
    for (;;) {
        if (print_report(shown_root, quiet)) {
            remove_coordination_files(root_, job_);
            return;
        }
        const std::vector<int> ended = ended_ranks(root_, job_);
        if (static_cast<int>(ended.size()) < job_.size) {
            bool running_here = false, elsewhere = false;
            for (int rank = 0, next = 0; rank < job_.size; ++rank) {
                if (next < static_cast<int>(ended.size()) && ended[next] == rank) {
                    ++next;
                    continue;
                }
                const Whereabouts where = whereabouts(root_, rank);
                running_here |= where == Whereabouts::kHereRunning;
                elsewhere |= where == Whereabouts::kElsewhere;
            }
            if (g_stop_waiting.load() || ending_signal_pending() || (!running_here && !elsewhere)) break;
            if (!running_here && Clock::now() >= deadline) break;
        } else if (Clock::now() >= deadline) {
            break;  // the merging rank died while it merged
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 3 / 2, std::chrono::milliseconds(500));
    }
    // Some rank never ended (killed, or still running on another host): rank 0 merges what is there.
    if (merge != nullptr && claim(root_, job_, "partial")) {
        merge(roots, 1, job_.job_id.c_str(), job_.size, report.c_str(), &whole, &events);
    }
    print_report(shown_root, quiet);
    ::unlink((root_ + "/" + report).c_str());  // the claims stay: a rank that ends late may still merge all
}

bool JobRun::print_report(const std::string& shown_root, bool quiet) {
    return print_job_report(root_, report_name(job_), shown_root, quiet);
}

bool print_job_report(const std::string& root, const std::string& report_name, const std::string& shown_root, bool quiet) {
    const int fd = ::open((root + "/" + report_name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;
    std::string text;
    char block[65536];
    for (ssize_t n; (n = ::read(fd, block, sizeof block)) > 0;) text.append(block, static_cast<std::size_t>(n));
    ::close(fd);
    std::istringstream header(text.substr(0, text.find('\n')));
    std::string magic;
    int processes = 0, whole = 0, ranks = 0;
    unsigned long long events = 0;
    if (!(header >> magic >> processes >> whole >> ranks >> events) || magic != "pyitt-job-report") return false;
    if (!quiet) write_stderr(text.substr(text.find('\n') + 1));
    // The job's trace: trace.perfetto-trace (the default format) or trace.json.
    const bool compact = ::access((root + "/trace.perfetto-trace").c_str(), F_OK) == 0;
    write_stderr(fmt::format("pyitt-host: job of {} rank(s): {} ITT events from {} processes{} in {}/ (open {} "
                             "in https://ui.perfetto.dev; summary.txt has the Ranks and Load imbalance tables)\n",
                             ranks, events, processes,
                             whole < ranks ? fmt::format(" ({} rank(s) not whole: see summary.txt)", ranks - whole) : "",
                             shown_root, compact ? "trace.perfetto-trace" : "trace.json"));
    return true;
}

}  // namespace pyitt::job
