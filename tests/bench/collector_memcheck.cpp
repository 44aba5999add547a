// Memory bound of the collector: records 10 million events (5 million task begin+end pairs) and checks
// the process grew by at most 64 MiB: full per-thread buffers must stream to the spill file.
// Usage: collector_memcheck [events] [--finish]  (--finish also writes the trace and reports its cost).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench_env.h"
#include "itt_client.h"

namespace itt = pyitt::itt;

int main(int argc, char** argv) {
    long long events = 10'000'000;
    bool finish = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--finish") == 0) finish = true;
        else events = std::atoll(argv[i]);
    }
    const std::string dir = pyitt::bench::prepare_collector_env();
    if (!itt::initialize()) {
        std::fprintf(stderr, "collector_memcheck: the collector did not load\n");
        return 1;
    }
    itt::Domain* d = itt::domain_create("memcheck");
    itt::StringHandle* name = itt::string_handle_create("task");
    constexpr pyitt::itt_abi::Id kNull{0, 0, 0};

    const long long before = pyitt::bench::rss_bytes();
    auto t0 = std::chrono::steady_clock::now();
    for (long long i = 0; i < events / 2; ++i) {
        itt::task_begin(d, kNull, kNull, name);
        itt::task_end(d);
    }
    auto t1 = std::chrono::steady_clock::now();
    const long long after = pyitt::bench::rss_bytes();
    const double growth_mib = static_cast<double>(after - before) / (1024.0 * 1024.0);
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
    std::printf("events recorded: %lld\nrecording: %.1f ns/event (%.1f ns per begin+end pair, spills included)\n"
                "RSS growth: %.1f MiB (limit 64 MiB)\n",
                events, ns / static_cast<double>(events), 2 * ns / static_cast<double>(events), growth_mib);
    const bool ok = growth_mib <= 64.0;
    if (finish) {
        auto finish_fn = reinterpret_cast<unsigned long long (*)()>(itt::collector_symbol("pyitt_collector_finish"));
        auto w0 = std::chrono::steady_clock::now();
        unsigned long long written = finish_fn != nullptr ? finish_fn() : 0;
        auto w1 = std::chrono::steady_clock::now();
        std::printf("finish: %llu trace events written in %.2f s; RSS growth after writing: %.1f MiB (in %s)\n",
                    written, std::chrono::duration<double>(w1 - w0).count(),
                    static_cast<double>(pyitt::bench::rss_bytes() - before) / (1024.0 * 1024.0), dir.c_str());
        std::fflush(stdout);
        return ok ? 0 : 1;  // the trace files stay in dir for inspection
    }
    pyitt::bench::exit_without_trace(ok ? 0 : 1);
}
