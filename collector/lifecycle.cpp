// Library lifecycle: set-up at load, pthread_atfork, the atexit writer, on-demand finish, output paths,
// and the host entry points (pyitt_collector_*). Nothing here ever prints to stdout.
#include "lifecycle.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <new>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string_view>

#include "clock.h"
#include "descriptor_reserve.h"
#include "merge.h"
#include "objects.h"
#include "output_file.h"
#include "prepared_files.h"
#include "program_lock.h"
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
    ProfileTexts profile;  // this process's summary texts, stacks and flame graph
    ProfileFiles profile_files;  // and their files
    std::string brief;     // the bounded summary for stderr: this process's, or the run's once merged
    std::string trace_name;                // in the output directory
};
FinishState& finish_state() {
    static FinishState* s = new FinishState();
    return *s;
}

struct Warnings {
    ProgramLock mutex;
    std::set<std::string> seen;
};
// Replaced in a forked child (another thread of the parent may have held its lock); never destroyed.
Warnings* g_warnings = new Warnings();

void write_at_exit() { finish(); }

// Set at load and in a forked child, before any thread of ours runs; the name also by the host.
struct Identity {
    ProgramLock mutex;
    ProcessIdentity identity;
    OutputDirectory marker_dir;
    std::string marker_name;  // unfinished-<pid>.txt, removed once the trace is written
    bool marker_awaits_name = false;  // written when the host names the process (PYITT_MARKER_AWAITS_NAME)
};
Identity& identity_state() {
    static Identity* s = new Identity();
    return *s;
}

// The marker's text; rewritten when the host names the process, so a killed process is listed by
// its role. Caller holds id.mutex. The first one takes a name of its own (an exec'd image of this
// pid may find the earlier image's marker still there), a rewrite replaces it.
bool write_marker(Identity& id) {
    OutputFile marker(id.marker_dir);
    if (marker.stream() == nullptr) return false;
    std::string command;
    if (std::FILE* cmdline = std::fopen("/proc/self/cmdline", "re")) {
        for (int c; (c = std::fgetc(cmdline)) != EOF;) command += c == 0 ? ' ' : static_cast<char>(c);
        std::fclose(cmdline);
    }
    std::fprintf(marker.stream(),
                 "run %s\npid %ld\nparent %ld\nname %s\ncommand %s\n"
                 "This process started recording but has not written its trace: it is still running, or it "
                 "ended without running its exit handlers (killed by a signal, a crash).\n",
                 id.identity.run_id.c_str(), static_cast<long>(getpid()), id.identity.parent_pid,
                 id.identity.name.c_str(), command.c_str());
    if (!id.marker_name.empty()) return marker.publish_replacing(id.marker_name);
    return marker.publish_new("unfinished-" + std::to_string(getpid()), ".txt", id.marker_name) != 0;
}

// The files a process makes: its marker, then its trace, summary, stacks and flame graph.
constexpr int kPreparedFiles = 5;

// A process that dies before it writes its trace (SIGKILL) leaves unfinished-<pid>.txt behind, so
// the merge in the process the user started can say which processes' traces are missing and why.
void mark_unfinished() {
    Identity& id = identity_state();
    std::lock_guard lock(id.mutex);
    const char* run = std::getenv("PYITT_RUN_ID");
    id.identity.run_id = run != nullptr ? run : "";
    id.identity.parent_pid = static_cast<long>(getppid());
    id.marker_name.clear();
    id.marker_awaits_name = false;
    id.marker_dir = descriptor_reserve().directory(output_dir());
    // This process's files for its exit (and its marker, when one is ready in time): made meanwhile.
    if (id.marker_dir.fd != -1) prepare_files(id.marker_dir.fd, kPreparedFiles);
    if (id.identity.run_id.empty()) return;  // not under pyitt-host: nobody merges
    // The host loading us names the process right after: one marker then, not one and a rewrite
    // (files cost a start more than anything else the collector does). Only at load: a forked
    // child's marker is written at once.
    const char* awaits = std::getenv("PYITT_MARKER_AWAITS_NAME");
    if (awaits != nullptr && *awaits == '1') {
        id.marker_awaits_name = true;
        return;
    }
    write_marker(id);
}

std::atomic<bool> g_mark_pending{false};

// By the directory as the exit found it: the program may have closed the descriptor the marker
// was written by (and left its own marker behind, for the merge to count as another process).
void clear_unfinished_mark(const OutputDirectory& dir) {
    Identity& id = identity_state();
    std::lock_guard lock(id.mutex);
    if (!id.marker_name.empty()) unlinkat(dir.fd, id.marker_name.c_str(), 0);
    id.marker_name.clear();
    id.marker_awaits_name = false;
}

// Lock order, here and everywhere: finish, thread buffers, objects (warnings, the descriptor
// reserve and the prepared files are leaves).
void prepare_fork() {
    buffers_stop_writer_for_fork();  // before any lock: it finishes its work under them
    finish_state().mutex.lock();
    buffers_prepare_fork();
    objects_prepare_fork();
    descriptor_reserve().prepare_fork();
    prepared_files_prepare_fork();
}
void parent_after_fork() {
    prepared_files_parent_after_fork();
    descriptor_reserve().after_fork();
    objects_after_fork();
    buffers_parent_after_fork();
    finish_state().mutex.unlock();
}
// The child writes its own trace-<its pid>.json from what it records itself (its atexit writer is
// inherited); it must not repeat the parent's events.
void child_after_fork() {
    prepared_files_child_after_fork();
    descriptor_reserve().after_fork();
    objects_after_fork();
    buffers_child_after_fork();
    FinishState& s = finish_state();
    s.done = false;
    s.events = 0;
    s.trace_path.clear();
    s.trace_name.clear();
    s.summary_path.clear();
    s.profile = ProfileTexts();
    s.profile_files = ProfileFiles();
    s.brief.clear();
    s.mutex.unlock();
    g_warnings = new Warnings();  // the child may warn again, in its own name
    Identity& id = identity_state();
    new (&id.mutex) ProgramLock();  // another thread of the parent may have held it
    // Not now: most forks of a program (subprocess, multiprocessing's helpers) exec at once and
    // would leave a marker nobody removes. A forked child that records gets one at its first event.
    id.marker_name.clear();
    g_mark_pending.store(true);
}

TraceSettings& settings_state() {
    static TraceSettings* s = new TraceSettings();
    return *s;
}

// A bad value is said once and the default kept: the program runs on either way.
void read_trace_settings() {
    TraceSettings& s = settings_state();
    if (const char* format = std::getenv("PYITT_TRACE_FORMAT"); format != nullptr && *format != '\0') {
        const std::string_view f(format);
        if (f == "json" || f == "perfetto") s.json = f == "json";
        else warn_once("format", "PYITT_TRACE_FORMAT='" + std::string(f) + "' is not a trace format (perfetto, json); writing perfetto");
    }
    if (const char* min = std::getenv("PYITT_MIN_DURATION_US"); min != nullptr && *min != '\0') {
        char* end = nullptr;
        const double us = std::strtod(min, &end);
        if (end == min || *end != '\0' || !(us >= 0) || us > 1e12)
            warn_once("min-duration", "PYITT_MIN_DURATION_US='" + std::string(min) + "' is not a number of microseconds; keeping every task");
        else
            s.min_duration_ns = static_cast<std::uint64_t>(us * 1000.0 + 0.5);
    }
}

__attribute__((constructor)) void on_load() {
    read_trace_settings();
    clock_init();
    buffers_init();
    pthread_atfork(prepare_fork, parent_after_fork, child_after_fork);
    std::atexit(write_at_exit);
    descriptor_reserve().take(output_dir());
    mark_unfinished();
}

}  // namespace

const TraceSettings& trace_settings() { return settings_state(); }

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

void mark_unfinished_if_forked() {
    if (g_mark_pending.exchange(false)) mark_unfinished();
}

ProcessIdentity process_identity() {
    Identity& id = identity_state();
    std::lock_guard lock(id.mutex);
    ProcessIdentity result = id.identity;
    if (result.name.empty()) {
        const char* forced = std::getenv("PYITT_PROCESS_NAME");
        result.name = forced != nullptr && *forced != '\0'        ? forced
                      : program_invocation_short_name != nullptr ? program_invocation_short_name
                                                                 : "";
        if (result.name.empty()) result.name = "process";
    }
    return result;
}

unsigned long long finish() {
    FinishState& s = finish_state();
    std::lock_guard lock(s.mutex);
    if (s.done) return s.events;
    s.done = true;
    g_mode.store(kStopped);
    const std::uint64_t end_ticks = now_ticks();

    // The program may have used up every descriptor: the reserve's go to our files now.
    DescriptorReserve& reserve = descriptor_reserve();
    reserve.release_spares();
    const OutputDirectory dir = reserve.directory(output_dir());
    const std::uint64_t write_start = monotonic_ns();
    WriteResult r = write_outputs(dir, end_ticks);
    if (const char* stats = std::getenv("PYITT_COLLECTOR_STATS"); stats != nullptr && *stats == '1') {
        // For benchmarks (tests/bench/trace_bench.py): what writing the trace and summary cost.
        const std::uint64_t took = monotonic_ns() - write_start;
        char line[320];
        const int n = std::snprintf(line, sizeof line,
                                    "pyitt-collector: stats: wrote %llu events in %.3f ms (%.1f ns/event) at exit; "
                                    "converted %llu records while running in %.3f ms of CPU (%.1f ns/record)\n",
                                    r.events, took / 1e6, r.events != 0 ? static_cast<double>(took) / r.events : 0.0,
                                    r.background_records, r.background_cpu_ns / 1e6,
                                    r.background_records != 0 ? static_cast<double>(r.background_cpu_ns) / r.background_records : 0.0);
        ssize_t ignored = write(STDERR_FILENO, line, static_cast<std::size_t>(n));
        (void)ignored;
    }
    s.events = r.events;
    if (!r.trace_name.empty()) s.trace_path = dir.shown(r.trace_name);
    s.trace_name = r.trace_name;
    if (!r.summary_name.empty()) s.summary_path = dir.shown(r.summary_name);
    s.profile = std::move(r.profile);
    s.profile_files = std::move(r.profile_files);
    s.brief = s.profile.brief;
    const bool trace_ok = !r.trace_name.empty();
    if (trace_ok) clear_unfinished_mark(dir);
    if (!r.error.empty()) warn_once("output", r.error);
    return s.events;
}

}  // namespace pyitt::collector

PYITT_COLLECTOR_EXPORT unsigned long long pyitt_collector_finish(void) { return pyitt::collector::finish(); }

PYITT_COLLECTOR_EXPORT int pyitt_collector_merge(int* incomplete, unsigned long long* events) {
    using namespace pyitt::collector;
    const ProcessIdentity identity = process_identity();
    if (identity.run_id.empty()) return 0;
    const MergeResult result = merge_run(descriptor_reserve().directory(output_dir()), identity.run_id);
    if (!result.error.empty()) warn_once("merge", result.error);
    if (result.ok) {
        FinishState& s = finish_state();
        std::lock_guard lock(s.mutex);
        s.brief = result.brief;
    }
    if (incomplete != nullptr) *incomplete = result.incomplete;
    if (events != nullptr) *events = result.events;
    return result.ok ? result.processes : 0;
}

PYITT_COLLECTOR_EXPORT const char* pyitt_collector_name_run_trace(void) {
    using namespace pyitt::collector;
    FinishState& s = finish_state();
    std::lock_guard lock(s.mutex);
    if (s.trace_name.empty()) return nullptr;
    static std::string* name = new std::string();
    // trace-<pid>[-n].json -> trace.json, trace-<pid>[-n].perfetto-trace -> trace.perfetto-trace
    *name = "trace" + s.trace_name.substr(s.trace_name.find('.'));
    const std::string error = link_replacing(descriptor_reserve().directory(output_dir()), s.trace_name, *name);
    if (!error.empty()) {
        warn_once("run-trace", error);
        return nullptr;
    }
    return name->c_str();
}

PYITT_COLLECTOR_EXPORT int pyitt_collector_thread_holds_lock(void) {
    return pyitt::collector::tl_program_locks_held != 0;
}

PYITT_COLLECTOR_EXPORT void pyitt_collector_set_end_signal(int signal) {
    auto& id = pyitt::collector::identity_state();
    std::lock_guard lock(id.mutex);
    id.identity.end_signal = signal;
}

PYITT_COLLECTOR_EXPORT void pyitt_collector_set_process_name(const char* name) {
    auto& id = pyitt::collector::identity_state();
    std::lock_guard lock(id.mutex);
    id.identity.name = name != nullptr ? name : "";
    if (!id.marker_name.empty() || id.marker_awaits_name) pyitt::collector::write_marker(id);
    id.marker_awaits_name = false;
}

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

PYITT_COLLECTOR_EXPORT const char* pyitt_collector_brief_summary(void) {
    auto& s = pyitt::collector::finish_state();
    std::lock_guard lock(s.mutex);
    return s.done && !s.brief.empty() ? s.brief.c_str() : nullptr;
}

PYITT_COLLECTOR_EXPORT int pyitt_collector_publish_run_profile(void) {
    using namespace pyitt::collector;
    FinishState& s = finish_state();
    std::lock_guard lock(s.mutex);
    if (!s.done || s.profile.summary.empty()) return 0;
    std::string error;
    if (publish_run_profile(descriptor_reserve().directory(output_dir()), s.profile, error, &s.profile_files)) {
        s.brief = s.profile.run_brief;
        return 1;
    }
    warn_once("run-profile", error);
    return 0;
}
