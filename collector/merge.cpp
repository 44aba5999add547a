// The merge reads every trace-<pid>[-n].json of the run with the bounded reader of trace_reader.h,
// so a trace cut short (a process killed while it wrote) or corrupt is merged up to its last complete
// event and marked, and never spoils the others. Its outputs go through OutputFile: runs sharing one
// output directory each replace trace.json whole, never tear it.
#include "merge.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <csignal>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "objects.h"
#include "output_file.h"
#include "trace_reader.h"

namespace pyitt::collector {
namespace {

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
    int end_signal = 0;  // the trace was written at a crash
    bool incomplete() const { return trace_file.empty() || end_signal != 0 || !cut.empty(); }
};

struct TotalRow {
    std::uint64_t count = 0, unfinished = 0, inclusive_ns = 0, exclusive_ns = 0;
    std::uint32_t depth = UINT32_MAX;
    int processes = 0;
};

bool has_affix(const std::string& name, std::string_view prefix, std::string_view suffix) {
    return name.size() > prefix.size() + suffix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A file of the directory to read: a regular file, never through a link, and never one that could
// block (a FIFO planted under a trace's name would hang the merge). -1 when not such a file.
int open_input(int dir_fd, const std::string& name) {
    const int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st {};
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        return -1;
    }
    return fd;
}

// Names first, files after: the listing's descriptor is closed before any file is opened, so the
// merge needs two descriptors at most (exit path, descriptor_reserve.h).
std::vector<std::string> list_dir(int dir_fd) {
    std::vector<std::string> names;
    const int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* d = fd >= 0 ? fdopendir(fd) : nullptr;
    if (d == nullptr) {
        if (fd >= 0) close(fd);
        return names;
    }
    while (const dirent* entry = readdir(d)) names.emplace_back(entry->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

class Merger {
public:
    Merger(const OutputDirectory& dir, std::string run_id) : dir_(dir), run_(std::move(run_id)) {}

    MergeResult run() {
        MergeResult result;
        OutputFile trace(dir_);
        out_ = trace.stream();
        if (out_ == nullptr) {
            result.error = trace.error();
            return result;
        }
        std::fputs("{\"otherData\":{\"producer\":\"pyitt-collector\",\"merged\":true},\"displayTimeUnit\":\"ns\","
                   "\"traceEvents\":[\n",
                   out_);
        std::vector<ProcessRecord> markers;
        for (const std::string& name : list_dir(dir_.fd)) {
            if (has_affix(name, "trace-", ".json")) read_trace(name);
            if (has_affix(name, "unfinished-", ".txt")) read_marker(name, markers);
        }
        adopt_markers(markers);
        order_processes();
        for (std::size_t i = 0; i < processes_.size(); ++i) write_process_metadata(processes_[i], i);
        std::fputs("\n]}\n", out_);
        out_ = nullptr;
        const bool trace_ok = trace.publish_replacing("trace.json");
        if (!trace_ok) result.error = trace.error();

        OutputFile summary(dir_);
        if (summary.stream() != nullptr) {
            const std::string text = summary_text();
            std::fwrite(text.data(), 1, text.size(), summary.stream());
        }
        const bool summary_ok = summary.stream() != nullptr && summary.publish_replacing("summary.txt");
        if (!summary_ok && result.error.empty()) result.error = summary.error();

        result.processes = static_cast<int>(processes_.size());
        for (const ProcessRecord& p : processes_) {
            result.incomplete += p.incomplete() ? 1 : 0;
            result.events += p.events;
        }
        result.ok = trace_ok && summary_ok;
        return result;
    }

private:
    void write_event(std::string_view event) {
        if (!first_event_) std::fputs(",\n", out_);
        first_event_ = false;
        std::fwrite(event.data(), 1, event.size(), out_);
    }

    void read_trace(const std::string& file) {
        const int fd = open_input(dir_.fd, file);
        if (fd < 0) return;
        FdSource source(fd);
        const ProcessTrace t = read_process_trace(source, run_, [this](std::string_view event) { write_event(event); });
        close(fd);
        if (!t.ours) return;  // another run's, or not even a trace of ours
        ProcessRecord p;
        p.trace_file = file;
        p.pid = t.pid != 0 ? static_cast<long>(t.pid) : std::strtol(file.c_str() + 6, nullptr, 10);
        p.parent = static_cast<long>(t.parent);
        p.name = t.name;
        p.named = t.named;
        p.events = t.events;
        p.first_ns = t.first_ns;
        p.wall_ns = t.wall_ns;
        p.end_signal = static_cast<int>(t.end_signal);
        if (!t.complete) p.cut = t.problem;
        for (const FlatRow& r : t.flat) {
            TotalRow& row = totals_[r.label];
            row.count += r.count;
            row.unfinished += r.unfinished;
            row.depth = std::min<std::uint32_t>(row.depth, static_cast<std::uint32_t>(std::min<std::uint64_t>(r.depth, UINT32_MAX)));
            row.inclusive_ns += r.inclusive_ns;
            row.exclusive_ns += r.exclusive_ns;
            row.processes += 1;
        }
        processes_.push_back(std::move(p));
    }

    // A marker is a few lines of text; more than this is not one of ours.
    static constexpr std::size_t kMaxMarkerBytes = 64 * 1024;

    void read_marker(const std::string& file, std::vector<ProcessRecord>& markers) {
        const int fd = open_input(dir_.fd, file);
        if (fd < 0) return;
        std::string text(kMaxMarkerBytes, '\0');
        FdSource source(fd);
        std::size_t size = 0;
        while (size < text.size()) {
            const std::size_t got = source.read(text.data() + size, text.size() - size);
            if (got == 0) break;
            size += got;
        }
        close(fd);
        text.resize(size);
        ProcessRecord p;
        p.has_marker = true;
        bool ours = false;
        std::size_t begin = 0;
        while (begin < text.size()) {
            std::size_t end = text.find('\n', begin);
            if (end == std::string::npos) end = text.size();
            const std::string_view line(text.data() + begin, end - begin);
            begin = end + 1;
            auto value = [&](std::string_view key) { return line.substr(key.size()); };
            if (line.rfind("run ", 0) == 0) ours = value("run ") == run_;
            if (line.rfind("pid ", 0) == 0) p.pid = std::strtol(std::string(value("pid ")).c_str(), nullptr, 10);
            if (line.rfind("parent ", 0) == 0) p.parent = std::strtol(std::string(value("parent ")).c_str(), nullptr, 10);
            if (line.rfind("name ", 0) == 0) p.name = value("name ");
            if (line.rfind("command ", 0) == 0) p.command = value("command ");
        }
        if (ours) markers.push_back(std::move(p));
    }

    // A process killed while it wrote its trace left both a cut trace and its marker: one process,
    // listed once. Any other marker is a process that left no trace at all.
    void adopt_markers(std::vector<ProcessRecord>& markers) {
        for (ProcessRecord& m : markers) {
            auto cut = std::find_if(processes_.begin(), processes_.end(), [&](const ProcessRecord& p) {
                return p.pid == m.pid && !p.cut.empty() && !p.has_marker;
            });
            if (cut != processes_.end()) {
                cut->has_marker = true;
                if (cut->name.empty()) cut->name = m.name;
                if (cut->parent == 0) cut->parent = m.parent;
                continue;
            }
            if (m.name.empty()) m.name = "(no trace) " + m.command;
            processes_.push_back(std::move(m));
        }
        for (ProcessRecord& p : processes_)
            if (p.name.empty()) p.name = "(cut trace) " + p.trace_file;
    }

    // The process the user started first, then the others in the order they started.
    void order_processes() {
        std::stable_sort(processes_.begin(), processes_.end(), [](const ProcessRecord& a, const ProcessRecord& b) {
            const bool a_main = a.name == "main", b_main = b.name == "main";
            if (a_main != b_main) return a_main;
            if (a.trace_file.empty() != b.trace_file.empty()) return b.trace_file.empty();
            return a.first_ns != b.first_ns ? a.first_ns < b.first_ns : a.pid < b.pid;
        });
    }

    void write_process_metadata(const ProcessRecord& p, std::size_t index) {
        write_event(fmt::format("{{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":{},\"tid\":{},"
                                "\"args\":{{\"sort_index\":{}}}}}",
                                p.pid, p.pid, index));
        if (!p.named) {
            write_event(fmt::format("{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{},\"tid\":{},"
                                    "\"args\":{{\"name\":{}}}}}",
                                    p.pid, p.pid, json_quote(p.name)));
        }
        if (!p.cut.empty() && !p.trace_file.empty()) {
            // Shown in Perfetto beside the process's name, and readable by tools as pyitt_trace_cut.
            write_event(fmt::format("{{\"ph\":\"M\",\"name\":\"process_labels\",\"pid\":{},\"tid\":{},"
                                    "\"args\":{{\"labels\":\"trace cut short\"}}}}",
                                    p.pid, p.pid));
            write_event(fmt::format("{{\"ph\":\"M\",\"name\":\"pyitt_trace_cut\",\"pid\":{},\"tid\":{},"
                                    "\"args\":{{\"file\":{},\"events\":{},\"reason\":{}}}}}",
                                    p.pid, p.pid, json_quote(p.trace_file), p.events, json_quote(p.cut)));
        }
    }

    std::string summary_text() const {
        std::uint64_t begin = UINT64_MAX, end = 0;
        int incomplete = 0;
        for (const ProcessRecord& p : processes_) {
            incomplete += p.incomplete() ? 1 : 0;
            if (p.trace_file.empty()) continue;
            begin = std::min(begin, p.first_ns);
            end = std::max(end, p.first_ns + p.wall_ns);
        }
        const std::uint64_t wall_ns = end > begin ? end - begin : 0;
        fmt::memory_buffer b;
        auto out = std::back_inserter(b);
        fmt::format_to(out, "pyitt summary, all processes: {} process(es){}, wall time {:.3f} ms, {} task label(s)\n",
                       processes_.size(), incomplete > 0 ? fmt::format(" ({} with an incomplete trace)", incomplete) : "",
                       static_cast<double>(wall_ns) / 1e6, totals_.size());

        fmt::format_to(out, "\nProcesses (each one's own summary is in summary-<pid>.txt)\n{:>8} {:>8} {:<36} {:>10} {:>12}  {}\n{}\n",
                       "pid", "parent", "name", "events", "wall(ms)", "trace", std::string(100, '-'));
        for (const ProcessRecord& p : processes_) {
            std::string name = p.name.size() > 36 ? p.name.substr(0, 33) + "..." : p.name;
            if (p.trace_file.empty()) {
                fmt::format_to(out, "{:>8} {:>8} {:<36} {:>10} {:>12}  none: ended before writing it (killed, crashed) "
                               "or still running; see unfinished-{}.txt\n",
                               p.pid, p.parent, name, "-", "-", p.pid);
            } else {
                const char* abbreviation = p.end_signal != 0 ? sigabbrev_np(p.end_signal) : nullptr;
                const std::string crash =
                    p.end_signal == 0 ? std::string()
                                      : fmt::format(" (up to its crash: SIG{})",
                                                    abbreviation != nullptr ? abbreviation : std::to_string(p.end_signal));
                const std::string cut =
                    p.cut.empty() ? std::string() : " (cut short, merged up to its last complete event: " + p.cut + ")";
                fmt::format_to(out, "{:>8} {:>8} {:<36} {:>10} {:>12.3f}  {}{}{}\n", p.pid, p.parent, name, p.events,
                               static_cast<double>(p.wall_ns) / 1e6, p.trace_file, crash, cut);
            }
        }

        std::vector<std::pair<std::string, TotalRow>> rows(totals_.begin(), totals_.end());
        std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
            return a.second.exclusive_ns != b.second.exclusive_ns ? a.second.exclusive_ns > b.second.exclusive_ns
                                                                   : a.first < b.first;
        });
        constexpr std::size_t kLabelWidth = 47;
        fmt::format_to(out, "\nFlat, all processes (sorted by exclusive time; depth = shallowest; * = still open at exit)\n"
                       "{:<{}} {:>9} {:>9} {:>5} {:>13} {:>13}\n{}\n",
                       "label", kLabelWidth, "processes", "count", "depth", "inclusive(ms)", "exclusive(ms)",
                       std::string(100, '-'));
        for (const auto& [label, r] : rows) {
            const std::string shown = label.size() <= kLabelWidth ? label : label.substr(0, kLabelWidth - 3) + "...";
            fmt::format_to(out, "{:<{}} {:>9} {:>9} {:>5} {:>13.3f} {:>13.3f}\n", shown, kLabelWidth, r.processes,
                           std::to_string(r.count) + (r.unfinished > 0 ? "*" : ""), r.depth,
                           static_cast<double>(r.inclusive_ns) / 1e6, static_cast<double>(r.exclusive_ns) / 1e6);
        }
        return fmt::to_string(b);
    }

    OutputDirectory dir_;
    std::string run_;
    std::FILE* out_ = nullptr;
    bool first_event_ = true;
    std::vector<ProcessRecord> processes_;
    std::map<std::string, TotalRow> totals_;
};

}  // namespace

MergeResult merge_run(const OutputDirectory& dir, const std::string& run_id) { return Merger(dir, run_id).run(); }

}  // namespace pyitt::collector
