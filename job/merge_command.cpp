#include "merge_command.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "job_directory.h"
#include "job_run.h"

namespace pyitt::job {
namespace {

int usage_error(const std::string& message) {
    const std::string line = "pyitt-host: error: --merge: " + message + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    return 2;
}

}  // namespace

int merge_command(const std::vector<std::string>& dirs, const std::string& collector_library) {
    if (dirs.empty()) {
        return usage_error("give the job's run directory, or its nodes' copies of it: pyitt-host --merge DIR [DIR...]");
    }
    for (const std::string& dir : dirs) {
        struct stat st {};
        if (!dir.empty() && dir[0] == '-') return usage_error(fmt::format("'{}' is not a directory (--merge takes directories only)", dir));
        if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return usage_error(fmt::format("'{}' is not a directory", dir));
        if (find_rank_dirs({dir}).empty())
            return usage_error(fmt::format("'{}' holds no rank-<N>/ directory of a job (pyitt-host makes them when it runs under mpirun or srun)", dir));
    }
    if (::access(dirs[0].c_str(), W_OK | X_OK) != 0) return usage_error(fmt::format("cannot write the merge into '{}'", dirs[0]));
    if (collector_library.empty()) return usage_error("the built-in collector library (libpyitt-collector.so) is not beside pyitt-host");
    // The library writes this process's own trace at exit unless told otherwise: this process records
    // nothing, so it leaves by _Exit and names no run.
    ::unsetenv("PYITT_RUN_ID");
    ::unsetenv("PYITT_OUTPUT_DIR");
    void* library = ::dlopen(collector_library.c_str(), RTLD_NOW | RTLD_LOCAL);
    auto* merge = library != nullptr ? reinterpret_cast<MergeJobFunction*>(::dlsym(library, "pyitt_collector_merge_job")) : nullptr;
    if (merge == nullptr) return usage_error(fmt::format("cannot load {}: {}", collector_library, ::dlerror()));
    std::vector<const char*> roots;
    for (const std::string& dir : dirs) roots.push_back(dir.c_str());
    const std::string report = ".job-report-merge.txt";
    int whole = 0;
    unsigned long long events = 0;
    const int processes = merge(roots.data(), static_cast<int>(roots.size()), nullptr, 0, report.c_str(), &whole, &events);
    int status = 0;
    if (processes <= 0) {
        std::fputs("pyitt-host: error: --merge: the merge failed (see above)\n", stderr);
        status = 1;
    } else {
        print_job_report(dirs[0], report, dirs[0], false);
    }
    ::unlink((dirs[0] + "/" + report).c_str());
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(status);
}

}  // namespace pyitt::job
