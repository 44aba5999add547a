// Drives libpyitt-collector.so through our ITT client runtime with known event sequences; the pytest
// suite (test_collector.py) reads the trace back. Usage: collector_emitter <mode> [args]. It never
// writes to stdout (the tests check that the collector does not either); facts go to stderr.
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "itt_client.h"

namespace itt = pyitt::itt;
using pyitt::itt_abi::Id;

namespace {

constexpr Id kNull{0, 0, 0};
itt::Domain* g_domain = nullptr;

itt::StringHandle* h(const char* name) { return itt::string_handle_create(name); }

void task(const char* name) {
    itt::task_begin(g_domain, kNull, kNull, h(name));
    itt::task_end(g_domain);
}

// `sequence N`, `pause N`: N "busy" tasks at points in between, so that buffers fill and are
// converted while the rest is open (spans, tasks, a pause) when the buffers are small.
long g_busy = 0;
void busy() {
    auto* name = h("busy");
    for (long i = 0; i < g_busy; ++i) {
        itt::task_begin(g_domain, kNull, kNull, name);
        itt::task_end(g_domain);
    }
    // The converter never holds the program up: give it time to take the buffers filled so far.
    if (g_busy > 0) std::this_thread::sleep_for(std::chrono::milliseconds(30));
}

void worker(int index) {
    itt::thread_set_name(("worker-" + std::to_string(index)).c_str());
    auto* outer = h("outer");
    auto* inner = h("inner");
    auto* leaf = h("leaf");
    auto* key = h("k");
    for (long long k = 0; k < 3; ++k) {
        itt::task_begin(g_domain, kNull, kNull, outer);
        itt::metadata_add(g_domain, kNull, key, pyitt::itt_abi::kMetadataS64, 1, &k);  // -> outer's args
        itt::task_begin(g_domain, kNull, kNull, inner);
        busy();
        itt::task_begin(g_domain, kNull, kNull, leaf);
        itt::task_end(g_domain);
        itt::task_end(g_domain);
        itt::task_end(g_domain);
    }
}

template <class T>
void counter_series(const char* name, int type, T start) {
    void* c = itt::counter_create_typed(name, "emitter", type);
    itt::counter_set_value(c, &start);
    itt::counter_inc(c);
    itt::counter_inc_delta(c, 5);
    itt::counter_dec(c);
    itt::counter_dec_delta(c, 2);
}

extern "C" __attribute__((noinline, visibility("default"))) void emitter_function() { asm volatile(""); }

int sequence() {
    itt::thread_set_name("main-thread");
    using namespace pyitt::itt_abi;
    const Id main_id{0x100, 0, 0};
    itt::task_begin(g_domain, main_id, kNull, h("main"));
    busy();
    itt::metadata_str_add(g_domain, main_id, h("note"), "hello", 0);
    itt::relation_add_to_current(g_domain, kRelationChildOf, Id{0x42, 0, 0});

    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back(worker, i);
    for (auto& t : threads) t.join();

    itt::task_begin_overlapped(g_domain, Id{1, 0, 0}, kNull, h("ov-a"));
    itt::task_begin_overlapped(g_domain, Id{2, 0, 0}, kNull, h("ov-b"));
    itt::metadata_str_add(g_domain, Id{2, 0, 0}, h("span-note"), "on ov-b", 0);
    busy();
    itt::task_end_overlapped(g_domain, Id{1, 0, 0});
    itt::task_end_overlapped(g_domain, Id{2, 0, 0});

    counter_series<unsigned long long>("c_u64", kMetadataU64, 10);
    busy();
    counter_series<long long>("c_s64", kMetadataS64, -5);
    counter_series<unsigned>("c_u32", kMetadataU32, 10);
    counter_series<int>("c_s32", kMetadataS32, -5);
    counter_series<unsigned short>("c_u16", kMetadataU16, 10);
    counter_series<short>("c_s16", kMetadataS16, -5);
    counter_series<float>("c_float", kMetadataFloat, 1.5f);
    counter_series<double>("c_double", kMetadataDouble, 1.5);
    unsigned long long v = 42;
    itt::counter_set_value_v3(itt::counter_create("c_plain", "emitter"), &v);
    v = 7;
    itt::counter_set_value_v3(itt::counter_create_v3(g_domain, "c_v3", kMetadataU64), &v);
    auto* hits = h("hits");
    for (int i = 0; i < 3; ++i) itt::counter_inc_v3(g_domain, hits);
    itt::counter_inc_delta_v3(g_domain, hits, 10);
    itt::counter_dec_v3(g_domain, hits);
    itt::counter_dec_delta_v3(g_domain, hits, 2);

    for (int i = 0; i < 2; ++i) {
        itt::frame_begin_v3(g_domain, nullptr);
        task("in-frame");
        itt::frame_end_v3(g_domain, nullptr);
    }
    Timestamp t0 = itt::get_timestamp();
    task("submitted");
    Timestamp t1 = itt::get_timestamp();
    itt::frame_submit_v3(g_domain, nullptr, t0, t1);

    itt::marker(g_domain, kNull, h("mark-global"), kScopeGlobal);
    itt::marker(g_domain, kNull, h("mark-thread"), kScopeTrack);

    itt::region_begin(g_domain, Id{0x200, 0, 0}, kNull, h("region-1"));
    busy();
    itt::region_end(g_domain, Id{0x200, 0, 0});

    Event e = itt::event_create("legacy-event", 12);
    itt::event_start(e);
    itt::event_end(e);

    task(std::string(150, 'L').c_str());  // the summary must still fit in 100 columns

    itt::task_begin_fn(g_domain, kNull, kNull, reinterpret_cast<void*>(&emitter_function));
    itt::task_end(g_domain);

    itt::task_end(g_domain);  // main
    return 0;
}

int pause_resume() {
    itt::Domain* d = g_domain;
    task("before");
    itt::task_begin(d, kNull, kNull, h("spans"));
    busy();
    itt::pause();
    task("during");
    void* c = itt::counter_create("paused-counter", "emitter");
    itt::counter_inc(c);
    itt::task_end(d);  // ends "spans", begun before the pause
    itt::task_begin(d, kNull, kNull, h("skipped"));
    itt::resume();
    itt::task_end(d);  // ends "skipped": begun while paused, so dropped too
    busy();
    task("after");
    return 0;
}

// `window`: a thread begins a task every 0.2 ms while the main thread pauses, resumes, pauses again
// and detaches, 30 ms apart. The marks must bound what was recorded even when the switching thread
// stalls between switch and mark (PYITT_COLLECTOR_SWITCH_DELAY_US stands for that stall).
int switch_window() {
    std::atomic<bool> done{false};
    std::thread ticker([&] {
        itt::thread_set_name("ticker");
        auto* tick = h("tick");
        while (!done.load()) {
            itt::task_begin(g_domain, kNull, kNull, tick);
            itt::task_end(g_domain);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    auto gap = [] { std::this_thread::sleep_for(std::chrono::milliseconds(30)); };
    gap();
    itt::pause();
    gap();
    itt::resume();
    gap();
    itt::pause();
    gap();
    itt::resume();
    gap();
    itt::detach();
    gap();
    done = true;
    ticker.join();
    return 0;
}

int detach() {
    task("a");
    itt::detach();
    task("b");
    return 0;
}

// Names the JSON must escape or repair: quotes, backslashes, control characters, UTF-8, invalid bytes.
int odd_names() {
    for (const char* name : {"quote\"back\\slash", "tab\tnl\n", "h\xc3\xa9llo \xe2\x9c\x93", "bad\xff\xfe" "bytes"})
        task(name);
    itt::thread_set_name("thread \"\x01\"");
    return 0;
}

int detach_open() {
    itt::task_begin(g_domain, kNull, kNull, h("open-at-detach"));
    itt::detach();
    usleep(20000);  // the exit comes well after the detach
    itt::task_end(g_domain);
    return 0;
}

int open_at_exit() {
    itt::task_begin(g_domain, kNull, kNull, h("open-outer"));
    itt::task_begin(g_domain, kNull, kNull, h("open-inner"));
    task("closed");
    itt::task_begin_overlapped(g_domain, Id{9, 0, 0}, kNull, h("open-overlapped"));
    return 0;  // exit() with tasks still open
}

// Forks while full buffers wait for (or are in) the background converter: each child, which
// records as much, must write a whole trace of its own and exit cleanly.
int fork_while_converting(long n) {
    auto* name = h("busy");
    auto burst = [&] {
        for (long i = 0; i < n; ++i) {
            itt::task_begin(g_domain, kNull, kNull, name);
            itt::task_end(g_domain);
        }
    };
    int failures = 0;
    for (int k = 0; k < 8; ++k) {
        burst();
        const pid_t pid = fork();
        if (pid == 0) {
            burst();
            std::exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return failures;
}

int fork_child() {
    task("parent-before");
    itt::task_begin(g_domain, kNull, kNull, h("parent-open-at-fork"));
    pid_t pid = fork();
    if (pid == 0) {
        task("child-task");
        itt::task_end(g_domain);  // the child's end of the parent's task: no begin in the child's trace
        std::exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    itt::task_end(g_domain);
    task("parent-after");
    std::fprintf(stderr, "child=%d\n", static_cast<int>(pid));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int stream(long n, int threads) {
    auto body = [n] {
        auto* name = h("s");
        for (long i = 0; i < n; ++i) {
            itt::task_begin(g_domain, kNull, kNull, name);
            itt::task_end(g_domain);
        }
    };
    std::vector<std::thread> extra;
    for (int i = 1; i < threads; ++i) extra.emplace_back(body);
    body();
    for (auto& t : extra) t.join();
    return 0;
}

int finish_now() {
    task("early");
    auto finish = reinterpret_cast<unsigned long long (*)()>(itt::collector_symbol("pyitt_collector_finish"));
    auto trace = reinterpret_cast<const char* (*)()>(itt::collector_symbol("pyitt_collector_trace_path"));
    auto summary = reinterpret_cast<const char* (*)()>(itt::collector_symbol("pyitt_collector_summary_path"));
    if (finish == nullptr || trace == nullptr || summary == nullptr) return 2;
    unsigned long long n = finish();
    unsigned long long again = finish();
    task("late");
    std::fprintf(stderr, "finish=%llu again=%llu trace=%s summary=%s\n", n, again, trace() ? trace() : "(null)",
                 summary() ? summary() : "(null)");
    return 0;
}

// Our client and the foreign C static part (a second __itt_global) in one process.
int foreign(const char* library) {
    void* lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return 2;
    auto run = reinterpret_cast<int (*)(int)>(dlsym(lib, "foreign_part_run"));
    auto domain_of = reinterpret_cast<void* (*)(const char*)>(dlsym(lib, "foreign_part_domain"));
    itt::Domain* shared = itt::domain_create("shared.domain");  // before init: our runtime's own node
    task("main.task");
    int tasks = run(2);
    itt::Domain* shared_after = itt::domain_create("shared.domain");  // after init: the collector's
    std::fprintf(stderr, "tasks=%d dedup=%d preinit_kept=%d\n", tasks,
                 domain_of("shared.domain") == shared_after, shared != shared_after);
    itt::task_begin(shared, kNull, kNull, h("main.preinit-domain"));
    itt::task_end(shared);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return 64;
    const std::string mode = argv[1];
    g_domain = itt::domain_create("emitter");  // before init: adopted by the collector at init
    if ((mode == "sequence" || mode == "pause") && argc > 2) g_busy = std::atol(argv[2]);
    if (mode == "sequence") return sequence();
    if (mode == "pause") return pause_resume();
    if (mode == "detach") return detach();
    if (mode == "window") return switch_window();
    if (mode == "open") return open_at_exit();
    if (mode == "detach-open") return detach_open();
    if (mode == "names") return odd_names();
    if (mode == "fork") return fork_child();
    if (mode == "fork-busy") return fork_while_converting(argc > 2 ? std::atol(argv[2]) : 20000);
    if (mode == "stream") return stream(argc > 2 ? std::atol(argv[2]) : 100000, argc > 3 ? std::atoi(argv[3]) : 1);
    if (mode == "finish") return finish_now();
    if (mode == "foreign") return argc > 2 ? foreign(argv[2]) : 64;
    if (mode == "exit-code") {
        task("x");
        return argc > 2 ? std::atoi(argv[2]) : 3;
    }
    return 64;
}
