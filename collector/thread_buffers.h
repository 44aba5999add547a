// Per-thread event buffers: the hot path appends to its own thread's buffer without a lock; a full buffer
// goes to a background writer thread while the recording thread continues in its second array (double
// buffering). In the Perfetto format the writer converts it into the trace (background_converter.h);
// a thread whose previous buffer is still being converted waits for it, so memory stays at two
// buffers a thread however far the converter falls behind. Otherwise (JSON, or no converter) the
// writer streams it to a per-process spill file, and when it falls behind the thread writes itself.
// Exit: finish() stops recording, then snapshot_threads() waits for the writer to be idle (a waiting
// thread is let go once its buffer is back; it drops its events); only then does the exit touch
// the converter's state. Fork: the child drops the parent's writer, converter and files.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "record.h"

namespace pyitt::collector {

// Collection mode, read (relaxed) on every API call.
enum Mode : int {
    kRecording = 0,
    kPaused = 1,   // only pause/resume marks and the ends of tasks begun before the pause are kept
    kStopped = 2,  // detached or finished: everything is dropped, for good
};
extern std::atomic<int> g_mode;

struct ThreadBuffer {
    Record* recs;
    std::uint32_t cap;
    std::atomic<std::uint32_t> pos;  // published with release so the writer may read a live buffer
    std::uint32_t index;             // position in the thread table
    int skipped_depth;               // tasks begun while paused: their ends are dropped too
    bool ignored;                    // __itt_thread_ignore
    Record* spare;                   // second array; nullptr while the spill writer still holds it
    char* name;                      // the thread's last name (malloc'ed), carried over a fork
};

// The calling thread's buffer (nullptr until its first event). constinit: no TLS init wrapper call.
// initial-exec: one %fs-relative load. This library is dlopen'ed, so the 8 bytes come from glibc's
// static TLS surplus, reserved for exactly this; the dynamic model costs a call per event instead.
extern constinit thread_local ThreadBuffer* tl_buffer __attribute__((tls_model("initial-exec")));

// Slow path: creates the thread's buffer or streams the full one to disk. nullptr: drop the event.
Record* reserve_slow(std::uint32_t slots);
// The calling thread's buffer, created if needed (nullptr once stopped).
ThreadBuffer* thread_buffer();

// Room for a record and its extension slots, contiguous; call commit() with the same count afterwards.
inline Record* reserve(std::uint32_t slots) {
    ThreadBuffer* b = tl_buffer;
    if (b != nullptr) {
        std::uint32_t p = b->pos.load(std::memory_order_relaxed);
        if (p + slots <= b->cap) return b->recs + p;
    }
    return reserve_slow(slots);
}
inline void commit(std::uint32_t slots) {
    ThreadBuffer* b = tl_buffer;
    b->pos.store(b->pos.load(std::memory_order_relaxed) + slots, std::memory_order_release);
}

// A run of a thread's records, in order: on disk in the spill file, or in memory when spilling failed.
struct Chunk {
    std::uint64_t offset;
    std::uint32_t count;
    const Record* memory;  // non-null: kept in RAM
};

struct ThreadSnapshot {
    std::uint32_t index;
    pid_t tid;
    std::vector<Chunk> chunks;  // spilled runs, oldest first
    const Record* tail;         // the live buffer, [0, tail_count)
    std::uint32_t tail_count;
    std::int64_t cpu_ns = -1;   // the thread's CPU time since its first record, to its exit or now; -1: unknown
    std::uint64_t start_ticks = 0, end_ticks = 0;  // its first record, its exit (0: still running)
};

// A pause, resume or detach: the background converter clips the ends that follow by them. Logged
// under the buffers' lock, where the time is read: a buffer converted without it holds only older records.
struct CollectionChange {
    Kind kind;
    std::uint64_t ticks;
};
// The time for the change's record (call only once the record has its slot).
std::uint64_t log_collection_change(Kind kind);

class BackgroundTrace;
// The converter's state once it converted something (nullptr otherwise); at exit, after snapshot_threads().
BackgroundTrace* background_trace();
// The converter's set-aside records, written to the spill file (in memory if that fails).
Chunk spill_records(const Record* recs, std::uint32_t count);
// An unlinked file in the output directory (else $TMPDIR or /tmp), -1 if none can be made.
int open_scratch_file();

// Everything recorded so far, once the spill writer has drained; call after g_mode is kStopped.
// Buffers are never freed after that.
std::vector<ThreadSnapshot> snapshot_threads();
int spill_fd();  // -1 when nothing was spilled

// fork() support: the child keeps no record of the parent's buffers or spill file; the parent has
// no thread of ours at the fork (stop_writer first, outside every lock).
void buffers_stop_writer_for_fork();
void buffers_prepare_fork();
void buffers_parent_after_fork();
void buffers_child_after_fork();

// __itt_thread_set_name, after its record: a forked child's surviving thread is named again in the
// child's trace from this, since the record itself stays in the parent's buffers.
void remember_thread_name(const char* name, std::size_t length);

// Records per thread buffer (PYITT_COLLECTOR_BUFFER_EVENTS, default 32768 = 1 MiB).
void buffers_init();

}  // namespace pyitt::collector
