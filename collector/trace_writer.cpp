// The process's outputs at exit: the records not converted yet (all of them when nothing was
// converted while the program ran) merged in time order into the trace builder, then the trace,
// the summary, stacks and flame graph.
#include "trace_writer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "background_converter.h"
#include "clock.h"
#include "lifecycle.h"
#include "objects.h"
#include "record_reader.h"
#include "summary.h"
#include "trace_builder.h"
#include "trace_sink.h"

namespace pyitt::collector {

std::string trailer_members(const ProcessInfo& process, unsigned long long events, const ProcessTrailer& t) {
    std::string threads;
    for (const std::string& line : t.threads) threads += (threads.empty() ? "\n" : ",\n") + json_quote(line);
    return fmt::format("\"pyittProcess\":{{\"pid\":{},\"parent\":{},\"run\":{},\"name\":{},\"events\":{},"
                       "\"first_ns\":{},\"wall_ns\":{},\"signal\":{},\"collection\":{},\"threads\":[{}]}},\n"
                       "\"pyittFlat\":[{}\n]",
                       process.pid, t.parent, json_quote(process.run_id), json_quote(process.name), events, t.first_ns,
                       t.wall_ns, t.end_signal, json_quote(t.collection), threads, t.flat_rows_json);
}

namespace {

// The converter's scratch file into the trace's temporary.
bool copy_scratch(int from, std::FILE* to) {
    std::vector<char> buffer(1 << 20);
    for (off_t offset = 0;;) {
        const ssize_t n = pread(from, buffer.data(), buffer.size(), offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) return true;
        if (std::fwrite(buffer.data(), 1, static_cast<std::size_t>(n), to) != static_cast<std::size_t>(n)) return false;
        offset += n;
    }
}

}  // namespace

WriteResult write_outputs(const OutputDirectory& dir, std::uint64_t end_ticks) {
    WriteResult result;
    const pid_t pid = getpid();
    std::vector<ThreadSnapshot> snapshots = snapshot_threads();  // the writer is idle from here on
    BackgroundTrace* background = background_trace();
    OutputFile trace_file(dir);
    const bool json = trace_settings().json;
    const ProcessIdentity identity = process_identity();

    std::unique_ptr<TraceState> own;
    TraceState* state;
    if (background != nullptr) {
        state = &background->state();
        state->sink->exit_started();
        state->clock.advance(true);
        for (std::size_t i = 0; i < snapshots.size(); ++i) {
            std::vector<Chunk> chunks = background->deferred(i);
            chunks.insert(chunks.end(), snapshots[i].chunks.begin(), snapshots[i].chunks.end());
            snapshots[i].chunks = std::move(chunks);
        }
        result.background_records = background->records();
        result.background_cpu_ns = background->cpu_ns();
    } else {
        own = std::make_unique<TraceState>(json ? make_json_sink(trace_file.stream()) : make_perfetto_sink(trace_file.stream()),
                                           true);
        state = own.get();
    }
    TraceSink& out = *state->sink;
    const TickConverter& clock = state->clock;
    std::vector<pid_t> tids(snapshots.size());
    for (std::size_t i = 0; i < snapshots.size(); ++i) tids[i] = snapshots[i].tid;
    if (background == nullptr) out.begin(ProcessInfo{pid, identity.name, identity.run_id, clock.uses_tsc()}, tids);
    state->add_threads(tids);
    std::vector<ThreadState>& threads = state->threads;
    for (std::size_t i = 0; i < threads.size(); ++i) {
        const ThreadSnapshot& snapshot = snapshots[i];
        threads[i].summary->cpu_ns = snapshot.cpu_ns;
        const std::uint64_t until = snapshot.end_ticks != 0 ? snapshot.end_ticks : end_ticks;
        if (snapshot.start_ticks != 0 && until > snapshot.start_ticks)
            threads[i].summary->life_ns = clock.to_ns(until) - clock.to_ns(snapshot.start_ticks);
    }

    TraceBuilder& builder = *state->builder;
    {
        MergedRecords records(std::move(snapshots), spill_fd());
        const Record* r;
        std::size_t thread;
        while (records.next(r, thread)) builder.handle(r, threads[thread]);
    }
    builder.close_all(threads, end_ticks);
    for (const ThreadState& t : threads) {
        if (!t.name.empty()) out.thread_name(t.index, t.name);
        t.summary->name = t.name;
    }

    const std::uint64_t first_ticks = std::min(end_ticks, builder.first_ticks());
    const std::uint64_t wall_ns = clock.to_ns(end_ticks) - std::min(clock.to_ns(end_ticks), clock.to_ns(first_ticks));
    Summary& summary = state->summary;
    summary.set_collection(builder.collection(first_ticks));
    ProcessTrailer trailer{identity.parent_pid, clock.to_ns(first_ticks), wall_ns, identity.end_signal, identity.name, {}, {}, {}};
    bool first_row = true;
    for (const Summary::FlatRow& row : summary.flat()) {
        trailer.flat_rows_json += fmt::format("{}\n[{},{},{},{},{},{},{}]", first_row ? "" : ",", json_quote(row.label),
                                              row.count, row.unfinished, row.depth, row.inclusive_ns, row.exclusive_ns,
                                              row.recursion);
        first_row = false;
    }
    trailer.threads = summary.thread_lines();
    trailer.collection = summary.collection_text(wall_ns);
    out.end(trailer);
    result.events = out.events();
    bool written = out.ok();
    int error_number = out.error_number();
    if (written && background != nullptr && trace_file.stream() != nullptr && !copy_scratch(background->scratch_fd(), trace_file.stream())) {
        written = false;
        error_number = errno;
    }
    const std::string stem = std::to_string(pid);
    int index = 0;
    if (written) index = trace_file.publish_new("trace-" + stem, json ? ".json" : kPerfettoExtension, result.trace_name);
    if (index == 0 && trace_file.error().empty())
        result.error = fmt::format("cannot write the trace in {}: {}", dir.path.empty() ? "." : dir.path,
                                   std::strerror(error_number));
    if (index == 0 && result.error.empty()) result.error = trace_file.error();

    // Beside its trace: summary-<pid>-2.txt goes with trace-<pid>-2.json.
    result.profile = profile_texts(summary, pid, wall_ns, result.events, identity.name, std::max(index, 1));
    ProfileFiles files = publish_profile(dir, result.profile, pid, std::max(index, 1));
    result.summary_name = files.summary;
    result.profile_files = files;
    if (result.error.empty()) result.error = files.error;
    return result;
}

}  // namespace pyitt::collector
