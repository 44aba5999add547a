// The merge reads only what trace_writer.cpp writes: a header line naming the run, one event per
// line, then the "pyittProcess" line and the flat rows one per line. No general JSON parser needed.
#include "merge.h"

#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "objects.h"

namespace pyitt::collector {
namespace {

struct ProcessRecord {
    long pid = 0, parent = 0;
    std::string name;
    std::string trace_file;  // empty: incomplete
    std::string command;     // from the marker, for an incomplete process
    unsigned long long events = 0;
    std::uint64_t first_ns = 0, wall_ns = 0;
    int end_signal = 0;  // the trace was written at a crash
    bool incomplete() const { return trace_file.empty() || end_signal != 0; }
};

struct TotalRow {
    std::uint64_t count = 0, unfinished = 0, inclusive_ns = 0, exclusive_ns = 0;
    std::uint32_t depth = UINT32_MAX;
    int processes = 0;
};

void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

// The JSON string starting at text[pos] (a '"'), unescaped; pos ends after its closing quote.
bool read_string(std::string_view text, std::size_t& pos, std::string& out) {
    if (pos >= text.size() || text[pos] != '"') return false;
    out.clear();
    for (++pos; pos < text.size(); ++pos) {
        char c = text[pos];
        if (c == '"') {
            ++pos;
            return true;
        }
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++pos >= text.size()) return false;
        switch (text[pos]) {
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                if (pos + 4 >= text.size()) return false;
                append_utf8(out, static_cast<unsigned>(std::stoul(std::string(text.substr(pos + 1, 4)), nullptr, 16)));
                pos += 4;
                break;
            }
            default: out += text[pos];
        }
    }
    return false;
}

// The value after "key": in a one-line object: a string, or a number.
bool field_string(std::string_view line, std::string_view key, std::string& out) {
    const std::size_t at = line.find(fmt::format("\"{}\":", key));
    if (at == std::string_view::npos) return false;
    std::size_t pos = at + key.size() + 3;
    return read_string(line, pos, out);
}
template <class Number>
bool field_number(std::string_view line, std::string_view key, Number& out) {
    const std::size_t at = line.find(fmt::format("\"{}\":", key));
    if (at == std::string_view::npos) return false;
    const std::string digits(line.substr(at + key.size() + 3, 24));
    errno = 0;
    char* end = nullptr;
    const long long value = std::strtoll(digits.c_str(), &end, 10);
    if (end == digits.c_str() || errno != 0) return false;
    out = static_cast<Number>(value);
    return true;
}

// A flat row: ["label",count,unfinished,depth,inclusive_ns,exclusive_ns]
bool read_row(std::string_view line, std::string& label, std::uint64_t (&numbers)[5]) {
    std::size_t pos = 1;
    if (line.empty() || line[0] != '[' || !read_string(line, pos, label)) return false;
    for (std::uint64_t& n : numbers) {
        if (pos >= line.size() || line[pos] != ',') return false;
        char* end = nullptr;
        n = std::strtoull(line.data() + pos + 1, &end, 10);
        pos = static_cast<std::size_t>(end - line.data());
    }
    return true;
}

std::vector<std::string> list_dir(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return names;
    while (const dirent* entry = readdir(d)) names.emplace_back(entry->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

bool has_affix(const std::string& name, std::string_view prefix, std::string_view suffix) {
    return name.size() > prefix.size() + suffix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class Merger {
public:
    Merger(std::string dir, std::string run_id) : dir_(std::move(dir)), run_(std::move(run_id)) {
        if (!dir_.empty() && dir_.back() != '/') dir_ += '/';
    }

    MergeResult run() {
        MergeResult result;
        const std::string trace_path = dir_ + "trace.json";
        out_ = std::fopen(trace_path.c_str(), "we");
        if (out_ == nullptr) {
            result.error = fmt::format("cannot write {}: {}", trace_path, std::strerror(errno));
            return result;
        }
        std::fputs("{\"otherData\":{\"producer\":\"pyitt-collector\",\"merged\":true},\"displayTimeUnit\":\"ns\","
                   "\"traceEvents\":[\n",
                   out_);
        for (const std::string& name : list_dir(dir_)) {
            if (has_affix(name, "trace-", ".json")) read_trace(name);
            if (has_affix(name, "unfinished-", ".txt")) read_marker(name);
        }
        order_processes();
        for (std::size_t i = 0; i < processes_.size(); ++i) write_process_metadata(processes_[i], i);
        std::fputs("\n]}\n", out_);
        const bool trace_ok = !std::ferror(out_) && std::fclose(out_) == 0;
        if (!trace_ok) result.error = fmt::format("cannot write {}: {}", trace_path, std::strerror(errno));

        const std::string summary_path = dir_ + "summary.txt";
        std::FILE* summary = std::fopen(summary_path.c_str(), "we");
        bool summary_ok = false;
        if (summary != nullptr) {
            const std::string text = summary_text();
            summary_ok = std::fwrite(text.data(), 1, text.size(), summary) == text.size();
            summary_ok = std::fclose(summary) == 0 && summary_ok;
        }
        if (!summary_ok && result.error.empty())
            result.error = fmt::format("cannot write {}: {}", summary_path, std::strerror(errno));

        result.processes = static_cast<int>(processes_.size());
        for (const ProcessRecord& p : processes_) {
            result.incomplete += p.incomplete() ? 1 : 0;
            result.events += p.events;
        }
        result.ok = trace_ok && summary_ok;
        return result;
    }

private:
    void write_event_line(std::string_view line) {
        while (!line.empty() && (line.back() == ',' || line.back() == '\r')) line.remove_suffix(1);
        if (line.empty()) return;
        if (!first_event_) std::fputs(",\n", out_);
        first_event_ = false;
        std::fwrite(line.data(), 1, line.size(), out_);
    }

    void read_trace(const std::string& file) {
        std::ifstream in(dir_ + file);
        std::string line;
        std::string run;
        if (!std::getline(in, line) || !field_string(line, "run", run) || run != run_) return;  // another run's
        ProcessRecord p;
        p.trace_file = file;
        p.pid = std::strtol(file.c_str() + 6, nullptr, 10);
        while (std::getline(in, line) && line.rfind("],", 0) != 0) write_event_line(line);
        // The trailer: the process line, then the flat rows (absent if the file was cut short).
        if (std::getline(in, line) && line.rfind("\"pyittProcess\"", 0) == 0) {
            field_number(line, "pid", p.pid);
            field_number(line, "parent", p.parent);
            field_string(line, "name", p.name);
            field_number(line, "events", p.events);
            field_number(line, "first_ns", p.first_ns);
            field_number(line, "wall_ns", p.wall_ns);
            field_number(line, "signal", p.end_signal);
        }
        std::string label;
        std::uint64_t n[5];
        while (std::getline(in, line)) {
            if (!read_row(line, label, n)) continue;
            TotalRow& row = totals_[label];
            row.count += n[0];
            row.unfinished += n[1];
            row.depth = std::min<std::uint32_t>(row.depth, static_cast<std::uint32_t>(n[2]));
            row.inclusive_ns += n[3];
            row.exclusive_ns += n[4];
            row.processes += 1;
        }
        processes_.push_back(std::move(p));
    }

    void read_marker(const std::string& file) {
        std::ifstream in(dir_ + file);
        std::string line;
        ProcessRecord p;
        bool ours = false;
        while (std::getline(in, line)) {
            if (line.rfind("run ", 0) == 0) ours = line.substr(4) == run_;
            if (line.rfind("pid ", 0) == 0) p.pid = std::strtol(line.c_str() + 4, nullptr, 10);
            if (line.rfind("parent ", 0) == 0) p.parent = std::strtol(line.c_str() + 7, nullptr, 10);
            if (line.rfind("name ", 0) == 0) p.name = line.substr(5);
            if (line.rfind("command ", 0) == 0) p.command = line.substr(8);
        }
        if (!ours) return;
        if (p.name.empty()) p.name = "(no trace) " + p.command;
        processes_.push_back(std::move(p));
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
        std::string line = fmt::format("{{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":{},\"tid\":{},"
                                       "\"args\":{{\"sort_index\":{}}}}}",
                                       p.pid, p.pid, index);
        write_event_line(line);
        if (p.trace_file.empty()) {
            write_event_line(fmt::format("{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{},\"tid\":{},"
                                         "\"args\":{{\"name\":{}}}}}",
                                         p.pid, p.pid, json_quote(p.name)));
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
                fmt::format_to(out, "{:>8} {:>8} {:<36} {:>10} {:>12.3f}  {}{}\n", p.pid, p.parent, name, p.events,
                               static_cast<double>(p.wall_ns) / 1e6, p.trace_file, crash);
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

    std::string dir_;
    std::string run_;
    std::FILE* out_ = nullptr;
    bool first_event_ = true;
    std::vector<ProcessRecord> processes_;
    std::map<std::string, TotalRow> totals_;
};

}  // namespace

MergeResult merge_run(const std::string& dir, const std::string& run_id) { return Merger(dir, run_id).run(); }

}  // namespace pyitt::collector
