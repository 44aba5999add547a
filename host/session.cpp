#include "session.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <dirent.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collection_control.h"
#include "job_directory.h"
#include "command_line.h"
#include "python_command_line.h"
#include "itt_client.h"
#include "run_files.h"
#include "stderr_line.h"

namespace fs = std::filesystem;

namespace pyitt::host {
namespace {

constexpr const char* kCollectorVariable = "INTEL_LIBITTNOTIFY64";
constexpr const char* kOutputVariable = "PYITT_OUTPUT_DIR";
constexpr const char* kCollectorLibrary = "libpyitt-collector.so";
constexpr const char* kRunVariable = "PYITT_RUN_ID";

Session* g_session_for_signals = nullptr;
bool g_ending_by_signal = false;

// Made here, not only named: runs started in the same second in the same directory (a job array)
// must each get a directory of their own, so the name is claimed by mkdir itself, which fails for
// every process but one.
std::string default_output_dir(const std::vector<std::string>& python_argv) {
    const std::time_t now = std::time(nullptr);
    const std::string base = fmt::format("pyitt-output/{}-{:%Y%m%d-%H%M%S}", program_label(python_argv),
                                         fmt::localtime(now));
    std::error_code error;
    fs::create_directories(fs::path(base).parent_path(), error);
    std::string dir = base;
    for (int n = 2;; ++n) {
        if (::mkdir(dir.c_str(), 0777) == 0) return dir;
        if (errno != EEXIST) {
            throw UsageError(fmt::format("-o: cannot create the default output directory '{}': {}; give one with -o DIR", dir,
                                         std::strerror(errno)));
        }
        dir = fmt::format("{}-{}", base, n);
    }
}

// Whether another user can change what `dir` holds: its owner, when that is not this user (root
// can anyway), its group or everyone. In a sticky directory only the owner can replace others'
// entries, which is what matters for the directory that holds the output directory.
bool others_can_write(const struct stat& dir, bool sticky_protects) {
    if (dir.st_uid == ::geteuid()) return false;
    if ((dir.st_mode & S_IWUSR) != 0 && dir.st_uid != 0) return true;
    if (sticky_protects && (dir.st_mode & S_ISVTX) != 0) return false;
    return (dir.st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

// Another user who can write into the output directory can put a symlink where a trace is about
// to be written (the names are predictable), and a run as root then overwrites what it points to;
// one who can write into the directory above can swap the whole output directory for such a one.
void warn_if_others_can_write(const std::string& output_dir) {
    const fs::path inner(output_dir);
    for (const fs::path& dir : {inner, inner.parent_path()}) {
        struct stat info {};
        if (::stat(dir.c_str(), &info) != 0 || !others_can_write(info, dir != inner)) continue;
        const passwd* owner = ::getpwuid(info.st_uid);
        const std::string owner_name = owner != nullptr ? owner->pw_name : fmt::format("uid {}", info.st_uid);
        pyitt::print_stderr("pyitt-host: warning: other users can write into {}'{}' (owner {}, mode {:o}): they "
                           "could replace the trace or have it written elsewhere; give -o a directory of your own\n",
                   dir == inner ? "the output directory " : "the directory that holds the output directory, ",
                   dir.string(), owner_name, info.st_mode & 07777);
        return;
    }
}

// An unwritable output directory is a usage error before anything runs, not a lost trace later.
std::string prepare_output_dir(const std::string& requested, const char* given_by) {
    std::error_code error;
    fs::create_directories(requested, error);
    if (error) {
        throw UsageError(fmt::format("{}: cannot create the output directory '{}': {}", given_by, requested,
                                     error.message()));
    }
    if (::access(requested.c_str(), W_OK | X_OK) != 0) {
        throw UsageError(fmt::format("{}: cannot write into the output directory '{}'", given_by, requested));
    }
    return fs::absolute(requested, error).lexically_normal().string();
}

// trace-<pid>.<ext> and unfinished-<pid>.txt: the processes that recorded into the directory.
bool is_process_file(std::string_view name) {
    const bool trace = name.starts_with("trace-") &&
                       (name.ends_with(".json") || name.find(".perfetto-trace") != std::string_view::npos);
    return trace || (name.starts_with("unfinished-") && name.ends_with(".txt"));
}

// This process's own: trace-<pid>[-n].<ext>, unfinished-<pid>.txt.
class OwnFiles {
public:
    explicit OwnFiles(long pid) : trace_("trace-" + std::to_string(pid)), marker_("unfinished-" + std::to_string(pid)) {}
    bool contains(std::string_view name) const {
        for (const std::string* prefix : {&trace_, &marker_}) {
            if (name.starts_with(*prefix) && name.size() > prefix->size() &&
                (name[prefix->size()] == '.' || name[prefix->size()] == '-'))
                return true;
        }
        return false;
    }

private:
    std::string trace_, marker_;
};

// The processes' files (traces, markers) in dir but those of `excluded_pid` (0: none), sorted, each
// as its inode and a hash of its name (a file is told from another by both): a directory may hold
// many runs, and a string an entry, sorted and compared, twice a run, cost more than the rest of the
// host's start (readdir, not std::filesystem, for the same reason).
std::vector<ProcessFile> process_files(const std::string& dir, long excluded_pid) {
    std::vector<ProcessFile> files;
    DIR* stream = dir.empty() ? nullptr : ::opendir(dir.c_str());
    if (stream == nullptr) return files;
    const OwnFiles excluded(excluded_pid);
    while (const dirent* entry = ::readdir(stream)) {
        const std::string_view name(entry->d_name);
        if (!is_process_file(name) || (excluded_pid != 0 && excluded.contains(name))) continue;
        std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
        for (const char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        files.push_back({static_cast<std::uint64_t>(entry->d_ino), hash});
    }
    ::closedir(stream);
    std::sort(files.begin(), files.end());
    return files;
}

template <class Fn>
Fn* collector_function(const char* name) {
    return reinterpret_cast<Fn*>(pyitt::itt::collector_symbol(name));
}

}  // namespace

std::string find_builtin_collector(const std::string& host_executable) {
    const fs::path dir = fs::path(host_executable).parent_path();
    for (const fs::path& candidate : {dir / kCollectorLibrary, dir / ".." / "lib" / "pyitt-host" / kCollectorLibrary}) {
        std::error_code error;
        if (fs::is_regular_file(candidate, error)) return fs::weakly_canonical(candidate).string();
    }
    return {};
}

std::string program_label(const std::vector<std::string>& python_argv) {
    const PythonProgram program = python_program(python_argv);
    std::string label;
    switch (program.kind) {
        case PythonProgram::kScript: label = fs::path(program.text).stem().string(); break;
        case PythonProgram::kModule: label = program.text.empty() ? "module" : program.text; break;
        case PythonProgram::kCommand: label = "command"; break;
        case PythonProgram::kStdin: label = "stdin"; break;
    }
    std::string safe;
    for (char c : label) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
    return safe.empty() ? "program" : safe;
}

Session::Session(HostOptions& options, const std::vector<std::string>& python_argv, const HostPaths& paths,
                 bool is_child)
    : is_child_(is_child), started_pid_(::getpid()), quiet_(options.quiet) {
    const char* inherited = std::getenv(kCollectorVariable);
    const bool vtune_collector = inherited != nullptr && *inherited != '\0';
    const std::string& choice = options.collector;
    // -v 1: the run's collector and output directory, said once, by the process the user started.
    const bool verbose = options.verbosity >= 1 && !is_child;
    if (choice == "none") {
        ::unsetenv(kCollectorVariable);
        if (verbose) pyitt::print_stderr("pyitt-host: [v1] collector: none (--collector none): no ITT call is recorded\n");
        return;
    }
    if (choice == "auto" && vtune_collector) {
        // The builtin one may be what a parent host chose for us: then it still writes our trace.
        uses_builtin_collector_ = is_child && fs::path(inherited).filename() == kCollectorLibrary;
        external_collector_ = !uses_builtin_collector_;
        if (!uses_builtin_collector_) {
            if (verbose) {
                pyitt::print_stderr("pyitt-host: [v1] collector: {} (--collector auto: the one {} names)\n", inherited,
                                    kCollectorVariable);
            }
            return;
        }
    }
    std::string library;
    if (choice == "auto" || choice == "builtin") {
        library = vtune_collector && uses_builtin_collector_ ? std::string(inherited)
                                                             : find_builtin_collector(paths.host_executable);
        if (library.empty()) {
            throw UsageError(fmt::format("--collector: the built-in collector {} is not beside {}; use --collector "
                                         "none or PATH",
                                         kCollectorLibrary, paths.host_executable));
        }
        uses_builtin_collector_ = true;
    } else {
        std::error_code error;
        if (!fs::is_regular_file(choice, error)) {
            throw UsageError(fmt::format("--collector: no such file '{}'; give auto, builtin, none or the path of a "
                                         "collector library", choice));
        }
        library = fs::absolute(choice, error).string();
        uses_builtin_collector_ = fs::path(library).filename() == kCollectorLibrary;
        external_collector_ = !uses_builtin_collector_;
    }
    ::setenv(kCollectorVariable, library.c_str(), 1);
    if (verbose) {
        pyitt::print_stderr("pyitt-host: [v1] collector: {} (--collector {}{})\n", library, choice,
                            uses_builtin_collector_ ? ": the built-in one" : "");
    }
    options.collector = library;

    if (uses_builtin_collector_) {
        const char* output_variable = std::getenv(kOutputVariable);
        // A rank of a parallel job (job/): the job's directory, the same on every rank; the rank's
        // own files in its rank-<N>/.
        std::optional<job::JobRank> job = is_child ? std::nullopt : job::detect_job();
        const std::string job_default = job ? "pyitt-output/" + job::job_dir_name(*job, program_label(python_argv)) : "";
        const std::string requested = !options.output_dir.empty()                         ? options.output_dir
                                      : (output_variable != nullptr && *output_variable) ? output_variable
                                      : job                                              ? job_default
                                                                                          : default_output_dir(python_argv);
        if (job && !start_job_rank(*job, requested)) {
            options.collector = "none";
            return;
        }
        if (job_ && verbose) {
            pyitt::print_stderr("pyitt-host: [v1] {} of {} ({} job {}): the job's run directory is {}/\n", job->label(),
                                job->size, job->launcher, job->job_id.empty() ? "(unnamed)" : job->job_id, job_->root());
        }
        const char* given_by = !options.output_dir.empty()                        ? "-o"
                               : output_variable != nullptr && *output_variable ? kOutputVariable
                                                                                  : "the default";
        if (!job_) output_dir_ = prepare_output_dir(requested, std::string_view(given_by) == "the default" ? "-o" : given_by);
        output_dir_given_absolute_ = fs::path(requested).is_absolute();
        if (!is_child) warn_if_others_can_write(job_ ? job_->root() : output_dir_);
        if (verbose) pyitt::print_stderr("pyitt-host: [v1] output directory: {}/ ({})\n", shown_output_dir(), given_by);
        options.output_dir = output_dir_;
        ::setenv(kOutputVariable, output_dir_.c_str(), 1);
        // The collector reads how to write its trace from the environment, as children inherit it.
        if (!options.trace_format.empty()) ::setenv("PYITT_TRACE_FORMAT", options.trace_format.c_str(), 1);
        if (options.min_duration_us > 0) ::setenv("PYITT_MIN_DURATION_US", fmt::format("{}", options.min_duration_us).c_str(), 1);
        // Every process of this run (children inherit it) writes into the directory with this mark;
        // the merge at the end takes only those, even from a directory used before.
        if (!is_child) {
            const auto now = std::chrono::system_clock::now().time_since_epoch();
            const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
            ::setenv(kRunVariable, fmt::format("{}-{}", ::getpid(), now_ns).c_str(), 1);
        }
        std::string error;
        if (job_ && !job_->start(std::getenv(kRunVariable), error)) {
            pyitt::print_stderr("pyitt-host: {}: warning: {}; this rank will be missing from the job's merge\n",
                                job_->job().label(), error);
        }
    }
}

void Session::start() {
    if (std::getenv(kCollectorVariable) == nullptr) return;
    pyitt::itt::initialize();
    if (!uses_builtin_collector_) return;
    collector_.set_end_signal = collector_function<void(int)>("pyitt_collector_set_end_signal");
    collector_.finish = collector_function<unsigned long long()>("pyitt_collector_finish");
    collector_.trace_path = collector_function<const char*()>("pyitt_collector_trace_path");
    collector_.publish_run_profile = collector_function<int()>("pyitt_collector_publish_run_profile");
    collector_.name_run_trace = collector_function<const char*()>("pyitt_collector_name_run_trace");
    collector_.brief_summary = collector_function<const char*()>("pyitt_collector_brief_summary");
    collector_.merge = collector_function<int(int*, unsigned long long*)>("pyitt_collector_merge");
    collector_.merge_job = collector_function<job::MergeJobFunction>("pyitt_collector_merge_job");
    // Not in an exec'd image that goes on reporting the run: its first image's children's files
    // are there already, and they are this run's.
    if (!is_child_) {
        files_before_ = process_files(output_dir_, ::getpid());
        files_before_taken_ = true;
    }
    // SIGTERM (how a pool ends its workers, and how a batch system ends a job), SIGHUP and the rest
    // write the trace, then the process dies of its signal as under python: from the
    // collection-control thread, since the main thread may be waiting in C where no Python signal
    // handler would run. A crash (SIGABRT, SIGSEGV...) writes what was recorded up to it, marked as such.
    write_outputs_on_ending_signals([](int signal) {
        if (is_crash_signal(signal) && g_session_for_signals->collector_.set_end_signal != nullptr)
            g_session_for_signals->collector_.set_end_signal(signal);
        g_ending_by_signal = true;
        job::stop_waiting();  // rank 0 waiting for the job's other ranks (the main thread, in report())
        g_session_for_signals->report();
        remove_run_files();  // the options and trigger files the run's first process made
    }, collector_function<int()>("pyitt_collector_thread_holds_lock"));
    g_session_for_signals = this;
}

void Session::finish() { report(); }

void Session::finish_before_exec() {
    run_goes_on_ = true;
    report();
}

void Session::report() {
    if (!uses_builtin_collector_) return;
    // Once per process: at exit, or earlier on SIGTERM or a crash (the control thread) or os._exit.
    // A second caller waits for the first: the process must not exit while the trace is half written.
    static std::mutex reporting;
    static pid_t reported_in = 0;
    std::lock_guard lock(reporting);
    if (reported_in == ::getpid()) return;
    reported_in = ::getpid();
    if (collector_.finish == nullptr) return;  // never loaded, or it failed and said so
    const unsigned long long events = collector_.finish();
    if ((is_child_ && !reports_the_run_) || ::getpid() != started_pid_) return;  // a child, or a forked copy
    if (run_goes_on_) return;

    std::fflush(stdout);
    if (job_) {
        job_->finish(collector_.merge_job, !g_ending_by_signal,
                     quiet_, shown_dir(job_->root()));
        return;
    }
    const char* trace = nullptr;
    if (collector_.trace_path != nullptr) trace = collector_.trace_path();
    // Only files that were not there as the run started (a directory of many earlier runs costs a
    // merge reading each of them): this process's own, and its children's if any.
    int new_files = 0;
    for (const ProcessFile& file : process_files(output_dir_, 0)) {
        if (!files_before_taken_ || !std::binary_search(files_before_.begin(), files_before_.end(), file)) ++new_files;
    }
    if (trace != nullptr && new_files > 1 && report_run(events, trace)) return;
    // Alone in its run: its own summary, stacks and flame graph are the run's.
    bool run_profile = false;
    if (collector_.publish_run_profile != nullptr) run_profile = collector_.publish_run_profile() != 0;
    print_brief_summary();
    const std::string shown_dir = shown_output_dir();
    if (trace == nullptr) {
        pyitt::print_stderr("pyitt-host: {} ITT events recorded, but the trace could not be written in {}/ (see above)\n",
                   events, shown_dir);
        return;
    }
    // Alone in its run, the process's trace also takes the run's stable name, as a merged one would.
    const std::string own = fs::path(trace).filename().string();
    const char* run_name = nullptr;
    if (collector_.name_run_trace != nullptr) run_name = collector_.name_run_trace();
    const char* profile = run_profile ? "; summary.txt, flame graph flamegraph.html, collapsed stacks stacks.txt (ns)" : "";
    if (run_name == nullptr) {
        pyitt::print_stderr("pyitt-host: {} ITT events from this process, trace in {}/ (open {} in https://ui.perfetto.dev{})\n",
                            events, shown_dir, own, profile);
        return;
    }
    pyitt::print_stderr("pyitt-host: {} ITT events from this process, trace in {}/ (open {} in https://ui.perfetto.dev, "
                        "the same file as {}{})\n",
                        events, shown_dir, run_name, own, profile);
}

// The bounded summary (the whole one is in summary.txt), unless --quiet.
void Session::print_brief_summary() const {
    if (quiet_) return;
    if (collector_.brief_summary != nullptr) {
        if (const char* text = collector_.brief_summary()) pyitt::write_stderr(text);
    }
}

// A rank's directory in its job's: root/rank-<N>. One that cannot be made or written is one line from
// this rank, which then runs its program unrecorded: the job goes on.
bool Session::start_job_rank(const job::JobRank& job, const std::string& requested_root) {
    std::error_code error;
    const std::string root = fs::absolute(requested_root, error).lexically_normal().string();
    auto run = std::make_unique<job::JobRun>(job, root);
    try {
        output_dir_ = prepare_output_dir(run->rank_dir(), "-o");
    } catch (const UsageError& failure) {
        pyitt::print_stderr("pyitt-host: {}: error: {}; this rank runs unrecorded, the job goes on\n", job.label(),
                            failure.what());
        ::unsetenv(kCollectorVariable);
        uses_builtin_collector_ = false;
        return false;
    }
    ::setenv("PYITT_JOB_RANK", job.label().c_str(), 1);
    job_ = std::move(run);
    return true;
}

// The output directory as the user would type it from here: relative when it is under the current
// directory (the default pyitt-output/...), else absolute (-o /tmp/x is not ../../tmp/x).
std::string Session::shown_output_dir() const { return shown_dir(output_dir_); }

// The same for the job's run directory, which -o names as it names a lone run's.
std::string Session::shown_dir(const std::string& dir) const {
    std::error_code error;
    if (output_dir_given_absolute_) return dir;  // as typed: -o /tmp/x, -o $PWD/out
    const fs::path shown = fs::proximate(dir, error);
    if (error || shown.empty() || *shown.begin() == "..") return dir;
    return shown.string();
}

// Several processes wrote into the output directory: merge those of this run and show the run's
// summary. False when this process was the run's only one (the others were earlier runs').
bool Session::report_run(unsigned long long own_events, const std::string& own_trace) {
    const std::string shown_dir = shown_output_dir();
    auto* merge = collector_.merge;
    int incomplete = 0;
    unsigned long long events = 0;
    const int processes = merge != nullptr ? merge(&incomplete, &events) : 0;
    if (processes == 0) {
        pyitt::print_stderr("pyitt-host: {} ITT events from this process; the traces of its children could not be "
                           "merged (see above); they are in {}/\n",
                   own_events, shown_dir);
        return true;
    }
    if (processes == 1) return false;
    print_brief_summary();
    // The run's trace is in the format of this process's own: trace.json or trace.perfetto-trace.
    const std::string own_name = fs::path(own_trace).filename().string();
    const std::string run_trace = "trace" + own_name.substr(own_name.find('.'));
    pyitt::print_stderr("pyitt-host: {} ITT events from {} processes{} in {}/ (open {} in "
                       "https://ui.perfetto.dev; summary.txt, flame graph flamegraph.html, collapsed stacks "
                       "stacks.txt (ns))\n",
               events, processes,
               incomplete > 0 ? fmt::format(" ({} with an incomplete trace: see summary.txt)", incomplete) : std::string(),
               shown_dir, run_trace);
    return true;
}

}  // namespace pyitt::host
