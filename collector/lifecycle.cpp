// Library lifecycle: set-up at load, pthread_atfork, the atexit writer, on-demand finish, output paths,
// and the host entry points (pyitt_collector_*). Nothing here ever prints to stdout.
#include "lifecycle.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

#include "clock.h"
#include "objects.h"
#include "pyitt_collector.h"
#include "thread_buffers.h"
#include "trace_writer.h"

#define PYITT_COLLECTOR_EXPORT extern "C" __attribute__((visibility("default")))

namespace pyitt::collector {

namespace {

// Function-local objects are created on first use and never destroyed: the atexit writer may run
// after this library's static destructors would have.
struct FinishState {
    std::mutex mutex;
    bool done = false;
    unsigned long long events = 0;
    std::string trace_path, summary_path;  // empty: not written
};
FinishState& finish_state() {
    static FinishState* s = new FinishState();
    return *s;
}

struct Warnings {
    std::mutex mutex;
    std::set<std::string> seen;
};
// Replaced in a forked child (another thread of the parent may have held its lock); never destroyed.
Warnings* g_warnings = new Warnings();

void write_at_exit() { finish(); }

// mkdir -p: PYITT_OUTPUT_DIR may name a directory that does not exist yet.
void make_directories(const std::string& dir) {
    if (dir.empty()) return;
    for (std::size_t i = 1; i <= dir.size(); ++i) {
        if (i == dir.size() || dir[i] == '/') mkdir(dir.substr(0, i).c_str(), 0777);
    }
}

// Lock order, here and everywhere: finish, thread buffers, objects (warnings are a leaf).
void prepare_fork() {
    finish_state().mutex.lock();
    buffers_prepare_fork();
    objects_prepare_fork();
}
void parent_after_fork() {
    objects_after_fork();
    buffers_parent_after_fork();
    finish_state().mutex.unlock();
}
// The child writes its own trace-<its pid>.json from what it records itself (its atexit writer is
// inherited); it must not repeat the parent's events.
void child_after_fork() {
    objects_after_fork();
    buffers_child_after_fork();
    FinishState& s = finish_state();
    s.done = false;
    s.events = 0;
    s.trace_path.clear();
    s.summary_path.clear();
    s.mutex.unlock();
    g_warnings = new Warnings();  // the child may warn again, in its own name
}

__attribute__((constructor)) void on_load() {
    clock_init();
    buffers_init();
    pthread_atfork(prepare_fork, parent_after_fork, child_after_fork);
    std::atexit(write_at_exit);
}

}  // namespace

std::string output_dir() {
    const char* d = std::getenv("PYITT_OUTPUT_DIR");
    return d != nullptr ? std::string(d) : std::string();
}

void warn_once(const char* key, const std::string& message) {
    Warnings& w = *g_warnings;
    {
        std::lock_guard lock(w.mutex);
        if (!w.seen.insert(key).second) return;
    }
    std::string line = "pyitt-collector: warning: " + message + "\n";
    // write(2), not stdio: safe however late in exit we are, and never buffered into stdout's way.
    ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

unsigned long long finish() {
    FinishState& s = finish_state();
    std::lock_guard lock(s.mutex);
    if (s.done) return s.events;
    s.done = true;
    g_mode.store(kStopped);
    const std::uint64_t end_ticks = now_ticks();

    std::string dir = output_dir();
    make_directories(dir);  // a failure shows up as the write error below
    std::string prefix = dir.empty() ? std::string() : (dir.back() == '/' ? dir : dir + "/");
    const std::string pid = std::to_string(getpid());
    const std::string trace = prefix + "trace-" + pid + ".json";
    const std::string summary = prefix + "summary-" + pid + ".txt";
    WriteResult r = write_outputs(trace, summary, end_ticks);
    s.events = r.events;
    if (r.trace_ok) s.trace_path = trace;
    if (r.summary_ok) s.summary_path = summary;
    if (!r.error.empty()) warn_once("output", r.error);
    return s.events;
}

}  // namespace pyitt::collector

PYITT_COLLECTOR_EXPORT unsigned long long pyitt_collector_finish(void) { return pyitt::collector::finish(); }

PYITT_COLLECTOR_EXPORT const char* pyitt_collector_trace_path(void) {
    auto& s = pyitt::collector::finish_state();
    std::lock_guard lock(s.mutex);
    return s.trace_path.empty() ? nullptr : s.trace_path.c_str();
}

PYITT_COLLECTOR_EXPORT const char* pyitt_collector_summary_path(void) {
    auto& s = pyitt::collector::finish_state();
    std::lock_guard lock(s.mutex);
    return s.summary_path.empty() ? nullptr : s.summary_path.c_str();
}
