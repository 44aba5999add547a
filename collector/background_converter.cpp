// The background converter (background_converter.h): one full buffer at a time, on the spill
// writer's thread.
#include "background_converter.h"

#include <unistd.h>

#include <ctime>

#include "lifecycle.h"
#include "record_reader.h"

namespace pyitt::collector {

namespace {
// Set-aside records go to the spill file in runs of this many (128 KiB a thread in memory at most).
constexpr std::size_t kDeferredRun = 4096;
constexpr std::uint32_t kMaxExt = payload_slots(kMaxPayloadBytes) + 8;

std::uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace

TraceState::TraceState(std::unique_ptr<TraceSink> s, bool anchor_now)
    : clock(anchor_now), sink(std::move(s)), builder(std::make_unique<TraceBuilder>(*sink, summary, clock)) {}

void TraceState::add_threads(const std::vector<pid_t>& tids) {
    for (std::size_t i = threads.size(); i < tids.size(); ++i) {
        ThreadState& t = threads.emplace_back();
        t.index = i;
        t.tid = tids[i];
        t.summary = summary.add_thread(tids[i], -1);
    }
    sink->add_threads(tids);
}

BackgroundTrace::BackgroundTrace(int fd, std::unique_ptr<TraceSink> sink) : fd_(fd), state_(std::move(sink), false) {}

BackgroundTrace* BackgroundTrace::start() {
    const int fd = open_scratch_file();
    if (fd < 0) return nullptr;
    auto* trace = new BackgroundTrace(fd, make_perfetto_sink(fd));
    const ProcessIdentity identity = process_identity();
    trace->state_.sink->begin(ProcessInfo{getpid(), identity.name, identity.run_id, trace->state_.clock.uses_tsc()}, {});
    if (!trace->state_.sink->ok()) {
        // Leaked, not deleted: its deflater's threads are already running; the exit spills instead.
        close(fd);
        return nullptr;
    }
    return trace;
}

void BackgroundTrace::catch_up(const std::vector<pid_t>& tids, const std::vector<CollectionChange>& changes) {
    if (tids.size() > state_.threads.size()) {
        state_.add_threads(tids);
        deferred_.resize(tids.size());
    }
    for (; changes_seen_ < changes.size(); ++changes_seen_)
        state_.builder->collection_change(changes[changes_seen_].kind, changes[changes_seen_].ticks);
}

void BackgroundTrace::defer(std::uint32_t index, const Record* r, std::uint32_t slots) {
    Deferred& d = deferred_[index];
    const std::size_t at = d.pending.size();
    d.pending.insert(d.pending.end(), r, r + slots);
    if (r->kind == Kind::kMetadata || r->kind == Kind::kMetadataStr || r->kind == Kind::kRelation)
        d.pending[at].sub |= kStackSearched;
    if (d.pending.size() >= kDeferredRun) {
        d.chunks.push_back(spill_records(d.pending.data(), static_cast<std::uint32_t>(d.pending.size())));
        d.pending.clear();
    }
}

inline void BackgroundTrace::convert_group(std::uint32_t index, ThreadState& t, const Record* r) {
    if (!state_.builder->handle_in_background(r, t)) defer(index, r, 1 + r->ext);
}

void BackgroundTrace::convert(std::uint32_t index, const Chunk& chunk, int spill_fd) {
    const std::uint64_t cpu_start = thread_cpu_ns();
    state_.clock.advance(false);  // every record of the chunk is older than now
    ThreadState& t = state_.threads[index];
    if (chunk.memory != nullptr) {
        const Record* recs = chunk.memory;
        for (std::uint32_t i = 0; i < chunk.count;) {
            const Record* r = recs + i;
            if (r->ext > kMaxExt || r->ext >= chunk.count - i) break;  // cannot happen: a group is never split
            convert_group(index, t, r);
            i += 1 + r->ext;
        }
    } else {
        // Spilled while the converter was behind: read back through the exit's windowed cursor.
        ThreadSnapshot one{index, t.tid, {chunk}, nullptr, 0};
        for (ThreadCursor cursor(std::move(one), spill_fd); cursor.group() != nullptr; cursor.advance())
            convert_group(index, t, cursor.group());
    }
    records_ += chunk.count;
    cpu_ns_ += thread_cpu_ns() - cpu_start;
}

std::vector<Chunk> BackgroundTrace::deferred(std::size_t i) {
    if (i >= deferred_.size()) return {};
    Deferred& d = deferred_[i];
    std::vector<Chunk> chunks = d.chunks;
    if (!d.pending.empty()) chunks.push_back({0, static_cast<std::uint32_t>(d.pending.size()), d.pending.data()});
    return chunks;
}

}  // namespace pyitt::collector
