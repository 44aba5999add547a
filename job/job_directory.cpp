#include "job_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

namespace pyitt::job {
namespace {

std::int64_t read_clock(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string read_small_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return {};
    struct stat st {};
    std::string text;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < 64 * 1024) {
        text.resize(static_cast<std::size_t>(st.st_size));
        const ssize_t got = ::read(fd, text.data(), text.size());
        text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    }
    ::close(fd);
    return text;
}

std::string ended_text(const JobRank& job) { return "job " + job.job_id + "\n"; }

}  // namespace

ClockAnchor take_clock_anchor() {
    ClockAnchor best;
    std::int64_t best_width = INT64_MAX;
    for (int i = 0; i < 7; ++i) {
        const std::int64_t before = read_clock(CLOCK_MONOTONIC);
        const std::int64_t real = read_clock(CLOCK_REALTIME);
        const std::int64_t after = read_clock(CLOCK_MONOTONIC);
        if (after - before < best_width) {
            best_width = after - before;
            best = {real, before + (after - before) / 2};
        }
    }
    return best;
}

std::string rank_dir_name(int rank) { return "rank-" + std::to_string(rank); }

std::optional<int> rank_of_dir_name(const std::string& name) {
    if (name.size() < 6 || name.compare(0, 5, "rank-") != 0 || name.size() > 14) return std::nullopt;
    int rank = 0;
    for (std::size_t i = 5; i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9') return std::nullopt;
        rank = rank * 10 + (name[i] - '0');
    }
    if (name.size() > 6 && name[5] == '0') return std::nullopt;
    return rank;
}

std::string this_host() {
    const char* forced = std::getenv("PYITT_JOB_HOST");
    if (forced != nullptr && *forced != '\0') return forced;
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

bool write_file_atomically(const std::string& dir, const std::string& name, const std::string& text,
                           std::string& error) {
    std::random_device random;
    const std::string temp = dir + "/.tmp-" + name + "-" + std::to_string(random());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = "cannot write into '" + dir + "': " + std::strerror(errno);
        return false;
    }
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int write_errno = errno;
    const bool closed = ::close(fd) == 0;
    if (!written || !closed || ::rename(temp.c_str(), (dir + "/" + name).c_str()) != 0) {
        error = "cannot write '" + dir + "/" + name + "': " + std::strerror(written ? errno : write_errno);
        ::unlink(temp.c_str());
        return false;
    }
    return true;
}

bool write_rank_info(const std::string& rank_dir, const RankInfo& info, std::string& error) {
    std::ostringstream text;
    text << "pyitt-job-rank 1\nlauncher " << info.job.launcher << "\njob " << info.job.job_id << "\nrank "
         << info.job.rank << "\nsize " << info.job.size << "\nhost " << info.host << "\npid " << info.pid << "\nrun "
         << info.run_id << "\nrealtime_ns " << info.anchor.realtime_ns << "\nmonotonic_ns " << info.anchor.monotonic_ns
         << "\n";
    return write_file_atomically(rank_dir, "rank.txt", text.str(), error);
}

std::optional<RankInfo> read_rank_info(const std::string& rank_dir) {
    std::istringstream text(read_small_file(rank_dir + "/rank.txt"));
    std::string line;
    if (!std::getline(text, line) || line != "pyitt-job-rank 1") return std::nullopt;
    RankInfo info;
    bool has_run = false, has_anchor = false;
    while (std::getline(text, line)) {
        const std::size_t space = line.find(' ');
        if (space == std::string::npos) continue;
        const std::string key = line.substr(0, space), value = line.substr(space + 1);
        const long long n = std::strtoll(value.c_str(), nullptr, 10);
        if (key == "launcher") info.job.launcher = value;
        if (key == "job") info.job.job_id = value;
        if (key == "rank") info.job.rank = static_cast<int>(n);
        if (key == "size") info.job.size = static_cast<int>(n);
        if (key == "host") info.host = value;
        if (key == "pid") info.pid = static_cast<long>(n);
        if (key == "run") info.run_id = value, has_run = !value.empty();
        if (key == "realtime_ns") info.anchor.realtime_ns = n, has_anchor = true;
        if (key == "monotonic_ns") info.anchor.monotonic_ns = n;
    }
    if (!has_run || !has_anchor) return std::nullopt;
    return info;
}

void mark_rank_ended(const std::string& rank_dir, const JobRank& job) {
    std::string ignored;
    write_file_atomically(rank_dir, "ended", ended_text(job), ignored);
}

std::vector<int> ended_ranks(const std::string& root, const JobRank& job) {
    std::vector<int> ended;
    const std::string expected = ended_text(job);
    for (int rank = 0; rank < job.size; ++rank) {
        if (read_small_file(root + "/" + rank_dir_name(rank) + "/ended") == expected) ended.push_back(rank);
    }
    return ended;
}

bool claim(const std::string& root, const JobRank& job, const std::string& what) {
    const std::string path = root + "/.claim-" + safe_name(job.job_id) + "-" + what;
    return ::mkdir(path.c_str(), 0700) == 0;
}

bool claimed(const std::string& root, const JobRank& job, const std::string& what) {
    struct stat st {};
    return ::lstat((root + "/.claim-" + safe_name(job.job_id) + "-" + what).c_str(), &st) == 0;
}

std::string report_name(const JobRank& job) { return ".job-report-" + safe_name(job.job_id) + ".txt"; }

void remove_coordination_files(const std::string& root, const JobRank& job) {
    for (const char* what : {"merge", "partial"}) {
        const std::string path = root + "/.claim-" + safe_name(job.job_id) + "-" + what;
        ::rmdir(path.c_str());
    }
    ::unlink((root + "/" + report_name(job)).c_str());
}

std::vector<RankDir> find_rank_dirs(const std::vector<std::string>& roots) {
    std::vector<RankDir> dirs;
    for (const std::string& root : roots) {
        DIR* d = ::opendir(root.c_str());
        if (d == nullptr) continue;
        while (const dirent* entry = ::readdir(d)) {
            const auto rank = rank_of_dir_name(entry->d_name);
            if (!rank) continue;
            const std::string path = root + "/" + entry->d_name;
            struct stat st {};
            if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dirs.push_back({*rank, path});
        }
        ::closedir(d);
    }
    std::sort(dirs.begin(), dirs.end(), [](const RankDir& a, const RankDir& b) {
        return a.rank != b.rank ? a.rank < b.rank : a.path < b.path;
    });
    return dirs;
}

}  // namespace pyitt::job
