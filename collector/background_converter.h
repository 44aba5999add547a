// Converting records while the program runs (Perfetto format): the spill writer's thread
// (thread_buffers.cpp) hands every full thread buffer to convert() instead of writing it to disk. A
// thread's nested tasks become its packet sequence's slices and the summary's call tree there and
// then; what depends on the other threads' order (spans, counters, instants, collection marks) is
// set aside (in the spill file) for the exit, which merges it in time order with the last partial
// buffers. The compressed trace goes to an unlinked scratch file, copied under the trace's name at
// exit. Exit, fork and signals: see thread_buffers.h (only the writer's thread converts, the exit
// waits for it to be idle, a forked child drops it all).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "clock.h"
#include "record.h"
#include "summary.h"
#include "thread_buffers.h"
#include "trace_builder.h"
#include "trace_sink.h"

namespace pyitt::collector {

// Everything the trace and the summary are built with, in the background or at exit alone.
struct TraceState {
    TickConverter clock;
    Summary summary;
    std::unique_ptr<TraceSink> sink;
    std::unique_ptr<TraceBuilder> builder;
    std::vector<ThreadState> threads;

    explicit TraceState(std::unique_ptr<TraceSink> s, bool anchor_now);
    // Threads known so far (tids of 0..n-1), in order; new ones join the summary and the sink.
    void add_threads(const std::vector<pid_t>& tids);
};

class BackgroundTrace {
public:
    // nullptr when the scratch file or the sink cannot be made (the caller spills instead).
    static BackgroundTrace* start();

    // With the buffers' lock held: the threads and the collection changes (pause, resume, detach)
    // recorded so far, before a buffer of theirs is converted.
    void catch_up(const std::vector<pid_t>& tids, const std::vector<CollectionChange>& changes);
    // Without it: the oldest unconverted chunk of thread `index` (in memory, or in the spill file).
    void convert(std::uint32_t index, const Chunk& chunk, int spill_fd);

    // At exit, once the writer is idle: what was set aside for thread i, oldest first, to go before
    // its unconverted chunks.
    std::vector<Chunk> deferred(std::size_t i);
    TraceState& state() { return state_; }
    int scratch_fd() const { return fd_; }
    std::size_t changes_seen() const { return changes_seen_; }
    std::uint64_t cpu_ns() const { return cpu_ns_; }
    std::uint64_t records() const { return records_; }

private:
    BackgroundTrace(int fd, std::unique_ptr<TraceSink> sink);
    void defer(std::uint32_t index, const Record* r, std::uint32_t slots);
    void convert_group(std::uint32_t index, ThreadState& t, const Record* r);

    struct Deferred {
        std::vector<Chunk> chunks;
        std::vector<Record> pending;  // not yet in the spill file
    };
    int fd_;
    TraceState state_;
    std::vector<Deferred> deferred_;
    std::size_t changes_seen_ = 0;
    std::uint64_t cpu_ns_ = 0;
    std::uint64_t records_ = 0;
};

}  // namespace pyitt::collector
