// The merge reads every trace-<pid>[-n].<ext> of the run with the bounded readers of trace_reader.h
// (JSON) and perfetto_reader.h (Perfetto's protobuf),
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
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "chunk_deflater.h"
#include "lifecycle.h"
#include "objects.h"
#include "output_file.h"
#include "run_summary.h"
#include "perfetto_format.h"
#include "perfetto_reader.h"
#include "profile_outputs.h"
#include "protobuf_wire.h"
#include "trace_reader.h"
#include "trace_sink.h"
#include "flamegraph/frame_tree.h"
#include "event_time.h"

namespace pyitt::collector {
namespace {

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

// A text file of ours in the directory, whole, up to `limit` bytes (a bigger one is not ours).
std::string read_text(int dir_fd, const std::string& name, std::size_t limit) {
    std::string text;
    const int fd = open_input(dir_fd, name);
    if (fd < 0) return text;
    FdSource source(fd);
    char block[65536];
    while (text.size() < limit) {
        const std::size_t got = source.read(block, std::min(sizeof block, limit - text.size()));
        if (got == 0) break;
        text.append(block, got);
    }
    close(fd);
    return text;
}

// trace-<pid>-2.json -> <prefix><pid>-2<ext>: the process image's other files.
std::string sibling_file(const std::string& trace_file, const char* prefix, const char* ext) {
    const std::string stem = trace_file.substr(6, trace_file.find('.', 6) - 6);
    return prefix + stem + ext;
}

class Merger {
public:
    Merger(const OutputDirectory& dir, std::vector<MergeSource> sources, const ExtraSection& extra)
        : dir_(dir), sources_(std::move(sources)), source_totals_(sources_.size()), extra_(extra) {}

    MergeResult run() {
        MergeResult result;
        OutputFile trace(dir_);
        out_ = trace.stream();
        if (out_ == nullptr) {
            result.error = trace.error();
            return result;
        }
        // The run's processes write the format its first one chose (children inherit it); a merge after
        // the fact (--merge) takes the format the traces are in when they are all in the other one.
        std::vector<std::vector<std::string>> listings;
        std::size_t compact = 0, json = 0;
        for (const MergeSource& from : sources_) {
            listings.push_back(list_dir(from.dir.fd));
            for (const std::string& name : listings.back()) {
                compact += has_affix(name, "trace-", kPerfettoExtension) ? 1 : 0;
                json += has_affix(name, "trace-", ".json") ? 1 : 0;
            }
        }
        if (perfetto_ ? compact == 0 && json > 0 : json == 0 && compact > 0) perfetto_ = !perfetto_;
        const std::string extension = perfetto_ ? kPerfettoExtension : ".json";
        if (perfetto_) {
            deflater_ = std::make_unique<ChunkDeflater>(out_);
            std::string header;
            wire::put_bytes(header, perfetto::kPyittHeader, "{\"producer\":\"pyitt-collector\",\"merged\":true}");
            deflater_->write_plain(packet(header));
        } else {
            std::fputs("{\"otherData\":{\"producer\":\"pyitt-collector\",\"merged\":true},\"displayTimeUnit\":\"ns\","
                       "\"traceEvents\":[\n",
                       out_);
        }
        std::vector<ProcessRecord> markers;
        for (source_ = 0; source_ < sources_.size(); ++source_) {
            for (const std::string& name : listings[source_]) {
                if (has_affix(name, "trace-", extension)) read_trace(name);
                if (has_affix(name, "unfinished-", ".txt")) read_marker(name, markers);
            }
        }
        adopt_markers(markers);
        order_processes();
        read_profiles();
        if (perfetto_) {
            write_perfetto_cut_marks();
        } else {
            for (std::size_t i = 0; i < processes_.size(); ++i) write_process_metadata(processes_[i], i);
            std::fputs("\n]}\n", out_);
        }
        out_ = nullptr;
        bool written = true;
        if (deflater_) {
            deflater_->finish();
            written = deflater_->ok();
        }
        // Alone in its run (the others were earlier runs'), a complete trace is named, not copied.
        const std::string run_name = "trace" + extension;
        const bool alone = processes_.size() == 1 && !processes_[0].incomplete() && sources_.size() == 1 &&
                           sources_[0].dir.path == dir_.path && sources_[0].shift_ns == 0;
        std::string link_error;
        if (alone) link_error = link_replacing(dir_, processes_[0].trace_file, run_name);
        const bool trace_ok = (alone && link_error.empty()) || (written && trace.publish_replacing(run_name));
        if (!trace_ok) result.error = !trace.error().empty() ? trace.error() : "cannot write " + dir_.shown(run_name);

        const RunSummaryInput run{processes_, totals_};
        ProfileTexts texts;
        const std::string extra = extra_ ? extra_(processes_, source_totals_) : std::string();
        texts.summary = extra + run_summary_full(run);
        texts.stacks = frames_.collapsed();
        texts.flamegraph = flamegraph::flamegraph_html(
            frames_, fmt::format("all {} process(es) of the run: exclusive time of ITT tasks", processes_.size()),
            kStacksUnit);
        std::string profile_error;
        const bool summary_ok = publish_run_profile(dir_, texts, profile_error);
        if (!summary_ok && result.error.empty()) result.error = profile_error;
        result.brief = extra + run_summary_brief(run);

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

    static std::string packet(const std::string& body) {
        std::string out;
        wire::put_bytes(out, perfetto::kTracePacket, body);
        return out;
    }

    void add_packet(std::string_view p) {
        chunk_.append(p);
        if (chunk_.size() >= (256u << 10)) flush_chunk();
    }
    void flush_chunk() {
        if (!chunk_.empty()) deflater_->submit(std::exchange(chunk_, std::string()));
    }

    // Each cut trace: its process renamed in the timeline, and the merged trailer says why.
    void write_perfetto_cut_marks() {
        flush_chunk();
        std::string cut;
        for (const ProcessRecord& p : processes_) {
            if (p.cut.empty() || p.trace_file.empty()) continue;
            std::string process, track, body;
            wire::put_uint(process, perfetto::kProcessPid, static_cast<std::uint64_t>(p.pid));
            wire::put_bytes(process, perfetto::kProcessName, p.name + " (trace cut short)");
            wire::put_uint(track, perfetto::kTrackUuid, static_cast<std::uint64_t>(p.pid) << 32);
            wire::put_bytes(track, perfetto::kTrackProcess, process);
            wire::put_bytes(body, perfetto::kTrackDescriptor, track);
            deflater_->write_plain(packet(body));
            cut += fmt::format("{}{{\"pid\":{},\"file\":{},\"events\":{},\"reason\":{}}}", cut.empty() ? "" : ",", p.pid,
                               json_quote(p.trace_file), p.events, json_quote(p.cut));
        }
        std::string trailer;
        wire::put_bytes(trailer, perfetto::kPyittTrailer, "{\"pyittTraceCut\":[" + cut + "]}");
        deflater_->write_plain(packet(trailer));
    }

    void read_trace(const std::string& file) {
        const MergeSource& from = sources_[source_];
        const int fd = open_input(from.dir.fd, file);
        if (fd < 0) return;
        const ProcessTrace t = perfetto_ ? read_perfetto(fd, from) : read_json(fd, from);
        close(fd);
        if (!t.ours) return;  // another run's, or not even a trace of ours
        ProcessRecord p;
        p.trace_file = file;
        p.pid = t.pid != 0 ? static_cast<long>(t.pid) : std::strtol(file.c_str() + 6, nullptr, 10);
        p.parent = static_cast<long>(t.parent);
        p.name = t.name;
        p.named = t.named;
        p.events = t.events;
        p.first_ns = t.first_ns + from.shift_ns;
        p.pid += from.pid_offset;
        if (p.parent != 0) p.parent += from.pid_offset;
        p.source = static_cast<int>(source_);
        p.wall_ns = t.wall_ns;
        p.end_signal = static_cast<int>(t.end_signal);
        if (!t.complete) p.cut = t.problem;
        p.threads = t.threads;
        p.collection = t.collection;
        for (const FlatRow& r : t.flat) {
            const auto depth = static_cast<std::uint32_t>(std::min<std::uint64_t>(r.depth, UINT32_MAX));
            TotalRow& row = totals_[r.label];
            row.count += r.count;
            row.unfinished += r.unfinished;
            row.depth = std::min(row.depth, depth);
            row.recursion = std::max(row.recursion, r.recursion);
            row.inclusive_ns += r.inclusive_ns;
            row.exclusive_ns += r.exclusive_ns;
            row.processes += 1;
            TotalRow& mine = source_totals_[source_][r.label];
            mine.count += r.count;
            mine.inclusive_ns += r.inclusive_ns;
            mine.exclusive_ns += r.exclusive_ns;
            mine.unfinished += r.unfinished;
            mine.depth = std::min(mine.depth, depth);  // this rank's own, not the run's
        }
        processes_.push_back(std::move(p));
    }

    ProcessTrace read_json(int fd, const MergeSource& from) {
        FdSource source(fd);
        return read_process_trace(source, from.run_id, [this, &from](std::string_view event) {
            if (from.shift_ns == 0 && from.pid_offset == 0) return write_event(event);
            write_event(job::move_event(event, from.shift_ns, from.pid_offset));
        });
    }

    // Copied as it is when it can be (perfetto_reader.h), else read packet by packet, its sequences
    // renumbered (and a host's pid offset, job_merge.cpp, moving its pids and track uuids).
    ProcessTrace read_perfetto(int fd, const MergeSource& from) {
        const auto packet = [this](std::string_view p) { add_packet(p); };
        if (copy_ && from.shift_ns == 0 && from.pid_offset == 0) {
            // Its packets go out as they came, compressed or not: nothing to deflate again.
            const auto as_they_are = [this](std::string_view packets) {
                flush_chunk();
                deflater_->write_plain(packets);
            };
            std::optional<ProcessTrace> copied =
                copy_perfetto_trace(fd, from.run_id, perfetto_merge_, as_they_are, as_they_are);
            if (copied) return std::move(*copied);
        }
        if (lseek(fd, 0, SEEK_SET) != 0) return ProcessTrace{};
        FdSource source(fd);
        return read_perfetto_trace(source, from.run_id, from.shift_ns, from.pid_offset, perfetto_merge_, packet);
    }

    // A marker is a few lines of text; more than this is not one of ours.
    static constexpr std::size_t kMaxMarkerBytes = 64 * 1024;

    void read_marker(const std::string& file, std::vector<ProcessRecord>& markers) {
        const std::string text = read_text(sources_[source_].dir.fd, file, kMaxMarkerBytes);  // unreadable: empty, not ours
        ProcessRecord p;
        p.has_marker = true;
        p.source = static_cast<int>(source_);
        bool ours = false;
        std::size_t begin = 0;
        while (begin < text.size()) {
            std::size_t end = text.find('\n', begin);
            if (end == std::string::npos) end = text.size();
            const std::string_view line(text.data() + begin, end - begin);
            begin = end + 1;
            auto value = [&](std::string_view key) { return line.substr(key.size()); };
            if (line.rfind("run ", 0) == 0) ours = value("run ") == sources_[source_].run_id;
            if (line.rfind("pid ", 0) == 0) p.pid = std::strtol(std::string(value("pid ")).c_str(), nullptr, 10);
            if (line.rfind("parent ", 0) == 0) p.parent = std::strtol(std::string(value("parent ")).c_str(), nullptr, 10);
            if (line.rfind("name ", 0) == 0) p.name = value("name ");
            if (line.rfind("command ", 0) == 0) p.command = value("command ");
        }
        if (!ours) return;
        p.pid += sources_[source_].pid_offset;
        if (p.parent != 0) p.parent += sources_[source_].pid_offset;
        markers.push_back(std::move(p));
    }

    // A process killed while it wrote its trace left both a cut trace and its marker: one process,
    // listed once. Any other marker is a process that left no trace at all.
    void adopt_markers(std::vector<ProcessRecord>& markers) {
        for (ProcessRecord& m : markers) {
            auto cut = std::find_if(processes_.begin(), processes_.end(), [&](const ProcessRecord& p) {
                return p.pid == m.pid && p.source == m.source && !p.cut.empty() && !p.has_marker;
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

    // The process the user started first (in a job: rank by rank), then the others in the order they started.
    void order_processes() {
        std::stable_sort(processes_.begin(), processes_.end(), [this](const ProcessRecord& a, const ProcessRecord& b) {
            const MergeSource &from_a = sources_[a.source], &from_b = sources_[b.source];
            if (from_a.rank != from_b.rank) return from_a.rank < from_b.rank;
            const bool a_main = a.name == "main" || (from_a.main_pid != 0 && a.pid == from_a.main_pid + from_a.pid_offset);
            const bool b_main = b.name == "main" || (from_b.main_pid != 0 && b.pid == from_b.main_pid + from_b.pid_offset);
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

    // Each process's frames (from its stacks, under a root frame of its own): a file it wrote
    // beside its trace. Its threads came with its trace's trailer.
    void read_profiles() {
        constexpr std::size_t kMaxStacksBytes = 256u << 20;
        for (ProcessRecord& p : processes_) {
            if (p.trace_file.empty()) continue;
            const int dir_fd = sources_[p.source].dir.fd;
            const std::string stacks = read_text(dir_fd, sibling_file(p.trace_file, "stacks-", ".txt"), kMaxStacksBytes);
            if (!stacks.empty())
                frames_.add_collapsed(stacks, frames_.child(flamegraph::FrameTree::kRoot,
                                                            fmt::format("{} (pid {})", p.name, p.pid)));
        }
    }

    OutputDirectory dir_;
    std::vector<MergeSource> sources_;
    std::size_t source_ = 0;  // the one being read
    std::vector<std::map<std::string, TotalRow>> source_totals_;
    ExtraSection extra_;
    flamegraph::FrameTree frames_;
    std::FILE* out_ = nullptr;
    bool perfetto_ = !trace_settings().json;
    PerfettoMerge perfetto_merge_;
    // PYITT_COLLECTOR_MERGE_COPY=0: every process's packets renumbered, none copied (for comparisons).
    bool copy_ = [] {
        const char* copy = std::getenv("PYITT_COLLECTOR_MERGE_COPY");
        return copy == nullptr || std::strcmp(copy, "0") != 0;
    }();
    std::unique_ptr<ChunkDeflater> deflater_;
    std::string chunk_;
    bool first_event_ = true;
    std::vector<ProcessRecord> processes_;
    std::map<std::string, TotalRow> totals_;
};

}  // namespace

MergeResult merge_run(const OutputDirectory& dir, const std::string& run_id) {
    return Merger(dir, {MergeSource{dir, run_id}}, nullptr).run();
}

MergeResult merge_sources(const OutputDirectory& out, const std::vector<MergeSource>& sources, const ExtraSection& extra) {
    return Merger(out, sources, extra).run();
}

}  // namespace pyitt::collector
