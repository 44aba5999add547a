// Thread table, buffer creation and retirement, the spill file and its writer thread, fork handling.
#include "thread_buffers.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>

#include "background_converter.h"
#include "clock.h"
#include "lifecycle.h"
#include "program_lock.h"

namespace pyitt::collector {

std::atomic<int> g_mode{kRecording};
constinit thread_local ThreadBuffer* tl_buffer __attribute__((tls_model("initial-exec"))) = nullptr;
// Set in a forked child on the thread that survived the fork: its name, recorded with its first
// buffer there (not at the fork: most forks exec at once and record nothing).
constinit thread_local char* tl_name_after_fork = nullptr;
constinit thread_local int tl_program_locks_held = 0;

namespace {

struct ThreadEntry {
    pid_t tid;
    std::vector<Chunk> chunks;
    ThreadBuffer* live;  // nullptr once the thread exited and its records were spilled
    std::int64_t cpu_ns = -1;  // its CPU time from its first record to its exit, once it exited
    // Read when it registers (its first record): the summary's CPU covers what its wall time does,
    // not the interpreter's start-up before the first task.
    std::int64_t cpu_at_start_ns = -1;
    std::uint64_t start_ticks = 0, end_ticks = 0;  // its first record, its exit (0: still running)
};

std::int64_t cpu_ns_of(clockid_t clock) {
    timespec ts{};
    if (clock_gettime(clock, &ts) != 0) return -1;
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Another live thread's CPU clock, from its tid (the kernel's encoding, as glibc's
// pthread_getcpuclockid builds it): fails, and says unknown, once the thread is gone.
std::int64_t thread_cpu_ns(pid_t tid) {
    return cpu_ns_of(static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6));
}

std::int64_t cpu_since_start(std::int64_t cpu_ns, const ThreadEntry& e) {
    if (cpu_ns < 0 || e.cpu_at_start_ns < 0) return -1;
    return cpu_ns > e.cpu_at_start_ns ? cpu_ns - e.cpu_at_start_ns : 0;
}

// A full array on its way to disk; the chunk (offset) is already registered in its thread's list.
struct SpillJob {
    std::uint32_t thread;
    Record* recs;
    std::uint32_t count;
    std::uint64_t offset;
    bool convert;  // to the background converter, not to disk (offset unused)
};

// Guards the thread table, the spill file and the writer queue. Taken only when a thread starts, fills
// its buffer or exits, and by the writer between two jobs.
ProgramLock g_mutex;
std::vector<ThreadEntry>* g_threads = new std::vector<ThreadEntry>();  // never destroyed: exit order
std::atomic<std::uint32_t> g_buffer_records{32768};  // set at load, read by any thread
int g_spill_fd = -1;
bool g_spill_failed = false;
std::uint64_t g_spill_end = 0;
bool g_convert = false;  // Perfetto format: full buffers go to the background converter
std::vector<CollectionChange>* g_changes = new std::vector<CollectionChange>();
BackgroundTrace* g_background = nullptr;  // made by the writer at its first conversion
bool g_background_failed = false;

// The writer's state. Heap objects, replaced (not destroyed) in a forked child: the parent's writer
// thread does not exist there, and its condition variables may look waited on.
struct Writer {
    std::deque<SpillJob> queue;
    unsigned in_flight = 0;  // queued or being written
    bool started = false;
    bool failed_to_start = false;
    bool forking = false;  // stopped for a fork: flushes spill on their own thread until it is done
    std::thread thread;
    std::condition_variable_any work, idle;
};
Writer* g_writer = new Writer();

pid_t current_tid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// An unlinked file in the output directory (else $TMPDIR or /tmp): nothing is left behind even if the
// process is killed, and the records stay on disk rather than in (tmpfs) memory when possible.
int open_spill_file_in_output_dir() {
    std::string candidates[3] = {output_dir(), "", "/tmp"};
    if (const char* t = std::getenv("TMPDIR")) candidates[1] = t;
    for (std::string& dir : candidates) {
        if (dir.empty() && &dir != &candidates[0]) continue;
        std::string d = dir.empty() ? "." : dir;
        int fd = open(d.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0) return fd;
        std::string templ = d + "/.pyitt-spill-XXXXXX";
        fd = mkostemp(templ.data(), O_CLOEXEC);
        if (fd >= 0) {
            unlink(templ.c_str());
            return fd;
        }
    }
    return -1;
}

bool write_all(int fd, const void* data, std::size_t size, std::uint64_t offset) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = pwrite(fd, p, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
    return true;
}

// A chunk whose write failed keeps its records in memory instead; losing events silently would be worse.
void keep_in_memory_locked(std::uint32_t thread, std::uint64_t offset, Record* recs) {
    for (Chunk& c : (*g_threads)[thread].chunks)
        if (c.memory == nullptr && c.offset == offset) c.memory = recs;
    warn_once("spill-write", std::string("spill file write failed (") + std::strerror(errno) +
                                 "); keeping events in memory");
}

// A convert job: its thread's oldest unconverted chunk (the job's array, or one spilled while the
// converter was behind) into the trace; the converter is made at the first one. Called with the
// lock, returns without it. Left for the exit (job.recs cleared: the array stays the chunk's) once
// recording stopped or when there is no converter.
void convert_job(std::unique_lock<ProgramLock>& lock, SpillJob& job) {
    ThreadEntry& entry = (*g_threads)[job.thread];
    if (g_background == nullptr && !g_background_failed && g_mode.load() != kStopped) {
        g_background = BackgroundTrace::start();
        g_background_failed = g_background == nullptr;
        if (g_background_failed) warn_once("background", "cannot convert the trace while the program runs; converting it at exit");
    }
    if (g_background == nullptr || g_mode.load() == kStopped || entry.chunks.empty()) {
        job.recs = nullptr;
        lock.unlock();
        return;
    }
    const Chunk chunk = entry.chunks.front();
    entry.chunks.erase(entry.chunks.begin());
    std::vector<pid_t> tids;
    tids.reserve(g_threads->size());
    for (const ThreadEntry& e : *g_threads) tids.push_back(e.tid);
    g_background->catch_up(tids, *g_changes);
    BackgroundTrace* trace = g_background;
    const int fd = g_spill_fd;
    lock.unlock();
    trace->convert(job.thread, chunk, fd);
    // An array kept in memory because it could not be spilled is done with; the job's own goes back.
    if (chunk.memory != nullptr && chunk.memory != job.recs) std::free(const_cast<Record*>(chunk.memory));
}

void writer_main(Writer* w) {
    pthread_setname_np(pthread_self(), "pyitt-spill");
    std::unique_lock lock(g_mutex);
    for (;;) {
        w->work.wait(lock, [w] { return !w->queue.empty() || w->forking; });
        if (w->queue.empty()) return;  // stopped for a fork, its work done
        SpillJob job = w->queue.front();
        w->queue.pop_front();
        bool ok = true;
        if (job.convert) {
            convert_job(lock, job);
        } else {
            const int fd = g_spill_fd;
            lock.unlock();
            ok = write_all(fd, job.recs, std::size_t{job.count} * sizeof(Record), job.offset);
        }
        lock.lock();
        ThreadBuffer* live = (*g_threads)[job.thread].live;
        if (!ok) {
            keep_in_memory_locked(job.thread, job.offset, job.recs);
        } else if (job.recs == nullptr) {
            // nothing of its own to give back
        } else if (live != nullptr && live->spare == nullptr) {
            live->spare = job.recs;  // back to its thread as the next array to fill
        } else {
            std::free(job.recs);
        }
        if (--w->in_flight == 0) w->idle.notify_all();
    }
}

// Started on the first spill only: short runs never get an extra thread. It blocks every signal so the
// program's handlers keep running on the program's threads.
bool writer_ready_locked() {
    Writer* w = g_writer;
    if (w->started || w->failed_to_start || w->forking) return w->started;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    try {
        w->thread = std::thread(writer_main, w);
        w->started = true;
    } catch (...) {
        w->failed_to_start = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return w->started;
}

// Moves the buffer's records into a chunk of its thread, in the spill file (by the writer thread when
// it has handed back our other array, else right here) or in memory (no spill file). In the Perfetto
// format the writer then converts the chunk (a job per chunk, oldest first): the array itself goes to
// it when our other array is back, else the chunk is spilled right here and converted from the file
// later, so a converter that falls behind never holds a thread up and never holds more than one
// array of a thread; what it has not reached at exit is converted there. Caller holds g_mutex.
// After it the buffer is empty.
void flush_locked(std::uint32_t thread, ThreadBuffer* b) {
    std::uint32_t count = b->pos.load(std::memory_order_relaxed);
    if (count == 0) return;
    ThreadEntry& entry = (*g_threads)[thread];
    Writer* w = g_writer;
    const bool convert = g_convert && !g_background_failed && writer_ready_locked();
    auto queue = [&](Record* recs, std::uint64_t offset, bool to_convert) {
        w->queue.push_back({thread, recs, count, offset, to_convert});
        ++w->in_flight;
        w->work.notify_one();
    };
    Record* next = nullptr;
    if (convert && b->spare != nullptr) {
        entry.chunks.push_back({0, count, b->recs});
        queue(b->recs, 0, true);
        next = b->spare;
        b->spare = nullptr;
    } else {
        if (g_spill_fd < 0 && !g_spill_failed) {
            g_spill_fd = open_spill_file_in_output_dir();
            g_spill_failed = g_spill_fd < 0;
            if (g_spill_failed) warn_once("spill", "cannot create a spill file; keeping all events in memory");
        }
        const std::size_t bytes = std::size_t{count} * sizeof(Record);
        if (g_spill_fd >= 0) {
            const std::uint64_t offset = g_spill_end;
            g_spill_end += bytes;
            entry.chunks.push_back({offset, count, nullptr});
            if (!convert && b->spare != nullptr && writer_ready_locked()) {
                queue(b->recs, offset, false);
                next = b->spare;
                b->spare = nullptr;
            } else if (write_all(g_spill_fd, b->recs, bytes, offset)) {
                next = b->recs;  // written in place: reuse the same array
            } else {
                keep_in_memory_locked(thread, offset, b->recs);
            }
        } else {
            entry.chunks.push_back({0, count, b->recs});
        }
        if (convert) queue(nullptr, 0, true);  // its chunk is converted from where it is
    }
    if (next == nullptr) {
        next = static_cast<Record*>(std::malloc(std::size_t{b->cap} * sizeof(Record)));
        if (next == nullptr) b->cap = 0;  // out of memory: this thread records nothing more
    }
    b->recs = next;
    b->pos.store(0, std::memory_order_release);
}

// Small remainders of exited threads stay in memory up to this total: a short program with a few threads
// then needs neither a spill file nor the writer thread.
constexpr std::uint32_t kRetainRecords = 2048;             // 64 KiB per thread
constexpr std::uint64_t kRetainTotalBytes = 16ULL << 20;  // 16 MiB per process
std::uint64_t g_retained_bytes = 0;

// Keeps or spills what the exiting thread still holds and frees its buffer, so short-lived threads
// cost little memory.
void retire(ThreadBuffer* b) {
    const std::int64_t cpu_ns = cpu_ns_of(CLOCK_THREAD_CPUTIME_ID);
    std::lock_guard lock(g_mutex);
    (*g_threads)[b->index].cpu_ns = cpu_since_start(cpu_ns, (*g_threads)[b->index]);
    (*g_threads)[b->index].end_ticks = now_ticks();
    if (g_mode.load() == kStopped) return;  // the writer may be reading it: leak, the process is ending
    const std::uint32_t count = b->pos.load(std::memory_order_relaxed);
    const std::size_t bytes = std::size_t{count} * sizeof(Record);
    auto* copy = count > 0 && count <= kRetainRecords && g_retained_bytes + bytes <= kRetainTotalBytes
                     ? static_cast<Record*>(std::malloc(bytes))
                     : nullptr;
    if (copy != nullptr) {
        std::memcpy(copy, b->recs, bytes);
        (*g_threads)[b->index].chunks.push_back({0, count, copy});
        g_retained_bytes += bytes;
    } else {
        flush_locked(b->index, b);
    }
    (*g_threads)[b->index].live = nullptr;  // an array still with the spill writer is freed by it
    std::free(b->recs);
    std::free(b->spare);
    std::free(b->name);
    delete b;
}

struct Retirer {
    ~Retirer() {
        if (tl_buffer != nullptr) retire(tl_buffer);
        tl_buffer = nullptr;
    }
};
thread_local Retirer tl_retirer;

ThreadBuffer* create_buffer() {
    const std::uint32_t records = g_buffer_records.load(std::memory_order_relaxed);
    const std::size_t bytes = std::size_t{records} * sizeof(Record);
    auto* recs = static_cast<Record*>(std::malloc(bytes));
    auto* spare = static_cast<Record*>(std::malloc(bytes));
    if (recs == nullptr || spare == nullptr) {
        std::free(recs);
        std::free(spare);
        return nullptr;
    }
    auto* b = new ThreadBuffer{recs, records, {0}, 0, 0, false, spare, nullptr};
    const std::int64_t cpu_at_start_ns = cpu_ns_of(CLOCK_THREAD_CPUTIME_ID);
    const std::uint64_t start_ticks = now_ticks();
    {
        std::lock_guard lock(g_mutex);
        if (g_mode.load() == kStopped) {
            std::free(recs);
            std::free(spare);
            delete b;
            return nullptr;
        }
        b->index = static_cast<std::uint32_t>(g_threads->size());
        g_threads->push_back({current_tid(), {}, b, -1, cpu_at_start_ns, start_ticks, 0});
    }
    (void)&tl_retirer;  // odr-use: registers the thread-exit hook for this thread
    tl_buffer = b;
    if (char* name = tl_name_after_fork) {
        tl_name_after_fork = nullptr;
        const std::size_t length = std::strlen(name);
        const std::uint32_t slots = payload_slots(length);
        Record* r = b->recs;
        *r = Record{now_ticks(), Kind::kThreadName, 0, slots, nullptr, length};
        std::memcpy(&ext_at(r, 0), name, length);
        b->pos.store(1 + slots, std::memory_order_release);
        b->name = name;
    }
    return b;
}

}  // namespace

void buffers_init() {
    const char* background = std::getenv("PYITT_COLLECTOR_BACKGROUND");
    g_convert = !trace_settings().json && (background == nullptr || std::strcmp(background, "0") != 0);
    if (const char* v = std::getenv("PYITT_COLLECTOR_BUFFER_EVENTS")) {
        long n = std::strtol(v, nullptr, 10);
        // A group (record + payload of kMaxPayloadBytes) must always fit in one buffer.
        if (n >= 1024) g_buffer_records.store(static_cast<std::uint32_t>(n), std::memory_order_relaxed);
    }
}

void remember_thread_name(const char* name, std::size_t length) {
    ThreadBuffer* b = tl_buffer;
    if (b == nullptr) return;
    char* copy = static_cast<char*>(std::malloc(length + 1));
    if (copy == nullptr) return;
    std::memcpy(copy, name, length);
    copy[length] = '\0';
    std::free(b->name);
    b->name = copy;
}

ThreadBuffer* thread_buffer() {
    if (tl_buffer != nullptr) return tl_buffer;
    if (g_mode.load(std::memory_order_relaxed) == kStopped) return nullptr;
    mark_unfinished_if_forked();
    return create_buffer();
}

Record* reserve_slow(std::uint32_t slots) {
    if (g_mode.load(std::memory_order_relaxed) == kStopped) return nullptr;
    ThreadBuffer* b = thread_buffer();
    if (b == nullptr || b->ignored) return nullptr;
    if (b->pos.load(std::memory_order_relaxed) + slots > b->cap) {
        std::lock_guard lock(g_mutex);
        // Re-checked under the lock: once the writer runs, no buffer may be rewound under its feet.
        if (g_mode.load() == kStopped) return nullptr;
        flush_locked(b->index, b);
        if (slots > b->cap) return nullptr;
    }
    return b->recs + b->pos.load(std::memory_order_relaxed);
}

std::vector<ThreadSnapshot> snapshot_threads() {
    std::unique_lock lock(g_mutex);
    g_writer->idle.wait(lock, [] { return g_writer->in_flight == 0; });
    std::vector<ThreadSnapshot> out;
    out.reserve(g_threads->size());
    for (std::uint32_t i = 0; i < g_threads->size(); ++i) {
        ThreadEntry& e = (*g_threads)[i];
        ThreadSnapshot s{i, e.tid, e.chunks, nullptr, 0, e.cpu_ns, e.start_ticks, e.end_ticks};
        if (e.live != nullptr) {
            s.cpu_ns = cpu_since_start(thread_cpu_ns(e.tid), e);
            s.tail = e.live->recs;
            s.tail_count = e.live->pos.load(std::memory_order_acquire);
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::uint64_t log_collection_change(Kind kind) {
    std::lock_guard lock(g_mutex);
    const std::uint64_t ticks = now_ticks();
    g_changes->push_back({kind, ticks});
    return ticks;
}

BackgroundTrace* background_trace() {
    std::lock_guard lock(g_mutex);
    return g_background;
}

int open_scratch_file() { return open_spill_file_in_output_dir(); }

Chunk spill_records(const Record* recs, std::uint32_t count) {
    const std::size_t bytes = std::size_t{count} * sizeof(Record);
    std::unique_lock lock(g_mutex);
    if (g_spill_fd < 0 && !g_spill_failed) {
        g_spill_fd = open_spill_file_in_output_dir();
        g_spill_failed = g_spill_fd < 0;
    }
    const int fd = g_spill_fd;
    const std::uint64_t offset = g_spill_end;
    if (fd >= 0) g_spill_end += bytes;
    lock.unlock();
    if (fd >= 0 && write_all(fd, recs, bytes, offset)) return {offset, count, nullptr};
    auto* copy = static_cast<Record*>(std::malloc(bytes));
    if (copy == nullptr) return {0, 0, nullptr};  // out of memory: these set-aside events are lost
    std::memcpy(copy, recs, bytes);
    return {0, count, copy};
}

int spill_fd() {
    std::lock_guard lock(g_mutex);
    return g_spill_fd;
}

// Python 3.12+'s os.fork() warns when the process has more than one thread (it counts them after the
// fork, in the parent), which the program would not get under python: the writer finishes what it
// has and ends before a fork; the next spill starts it again. The child never had it.
void buffers_stop_writer_for_fork() {
    std::unique_lock lock(g_mutex);
    Writer* w = g_writer;
    w->forking = true;
    if (!w->started) return;
    w->work.notify_all();
    lock.unlock();
    w->thread.join();
    lock.lock();
    w->started = false;
}

void buffers_prepare_fork() { g_mutex.lock(); }
void buffers_parent_after_fork() {
    g_writer->forking = false;
    g_mutex.unlock();
}

// Only the forking thread lives on in the child: every inherited buffer belongs to the parent's run.
// The child starts an empty table and its own spill file (the inherited descriptor is the parent's).
void buffers_child_after_fork() {
    if (tl_buffer != nullptr) {
        std::free(tl_name_after_fork);
        tl_name_after_fork = tl_buffer->name;
        tl_buffer->name = nullptr;
    }
    for (ThreadEntry& e : *g_threads) {
        for (Chunk& c : e.chunks) std::free(const_cast<Record*>(c.memory));
        if (e.live != nullptr) {
            std::free(e.live->recs);
            std::free(e.live->spare);
            std::free(e.live->name);
            delete e.live;
        }
    }
    g_threads->clear();
    tl_buffer = nullptr;
    for (SpillJob& job : g_writer->queue)
        if (!job.convert) std::free(job.recs);  // a convert job's array is its chunk's memory, freed above
    g_writer = new Writer();
    // The parent's converter (its thread, its deflaters) is not in the child: dropped, never
    // touched (it may be mid-buffer), but its scratch file, the parent's trace, is closed.
    if (g_background != nullptr) close(g_background->scratch_fd());
    g_background = nullptr;
    g_background_failed = false;
    g_changes = new std::vector<CollectionChange>();  // the parent's writer thread is not in the child; one starts when needed
    if (g_spill_fd >= 0) close(g_spill_fd);
    g_spill_fd = -1;
    g_spill_failed = false;
    g_spill_end = 0;
    g_retained_bytes = 0;
    g_mutex.unlock();
}

}  // namespace pyitt::collector
