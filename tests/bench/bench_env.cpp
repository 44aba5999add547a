// Environment, exit and RSS helpers of the collector benchmarks.
#include "bench_env.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace pyitt::bench {

std::string prepare_collector_env() {
    if (std::getenv("INTEL_LIBITTNOTIFY64") == nullptr) setenv("INTEL_LIBITTNOTIFY64", PYITT_COLLECTOR_PATH, 1);
    char dir[] = "/tmp/pyitt-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) return {};
    setenv("PYITT_OUTPUT_DIR", dir, 1);
    return dir;
}

void exit_without_trace(int status) {
    std::fflush(stdout);
    std::fflush(stderr);
    if (const char* dir = std::getenv("PYITT_OUTPUT_DIR")) rmdir(dir);  // empty: spill files are unlinked
    _exit(status);
}

long long rss_bytes() {
    long pages = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "re")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return static_cast<long long>(resident) * sysconf(_SC_PAGESIZE);
}

}  // namespace pyitt::bench
