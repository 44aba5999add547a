#include "collection_control.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <pybind11/embed.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "collection_switch.h"
#include "itt_client.h"

namespace py = pybind11;

namespace pyitt::host {
namespace {

// Signals a user can send from another shell without disturbing the program: not the ones that end
// it (INT, TERM: the program's own KeyboardInterrupt and pyitt-host's trace on SIGTERM), report a
// fault (SEGV, BUS...), or cannot be caught (KILL, STOP).
constexpr std::pair<const char*, int> kNamedSignals[] = {
    {"HUP", SIGHUP},   {"QUIT", SIGQUIT},     {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"ALRM", SIGALRM},
    {"URG", SIGURG},   {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL}, {"PWR", SIGPWR},
    {"PROF", SIGPROF}, {"VTALRM", SIGVTALRM},
};

bool usable(int signal) {
    if (signal >= SIGRTMIN && signal <= SIGRTMAX) return true;
    for (auto [name, number] : kNamedSignals)
        if (number == signal) return true;
    return false;
}

std::optional<int> parse_number(std::string_view text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

enum class Action : unsigned char { kResume, kPause, kToggle, kDetach };

struct TimedAction {
    double at_seconds;
    Action action;
};

void apply(Action action) {
    using control::Source;
    switch (action) {
        case Action::kResume: control::resume(Source::kHost); break;
        case Action::kPause: control::pause(Source::kHost); break;
        case Action::kToggle: control::toggle(Source::kHost); break;
        case Action::kDetach: control::detach(Source::kHost); break;
    }
}

// The control thread: no Python, no GIL. It sleeps in poll() until the next timer or until a
// signal handler writes the signal's number into the self-pipe; a 0 byte asks it to stop.
class ControlThread {
public:
    void configure(const HostOptions& options) {
        run_started_ns_ = options.run_started_ns != 0 ? options.run_started_ns : monotonic_now_ns();
        if (options.resume_after >= 0) timers_.push_back({options.resume_after, Action::kResume});
        if (options.pause_after >= 0) timers_.push_back({options.pause_after, Action::kPause});
        if (options.detach_after >= 0) timers_.push_back({options.detach_after, Action::kDetach});
        std::stable_sort(timers_.begin(), timers_.end(),
                         [](const TimedAction& a, const TimedAction& b) { return a.at_seconds < b.at_seconds; });
        const std::optional<int> resume = options.resume_signal.empty() ? std::nullopt : parse_signal(options.resume_signal);
        const std::optional<int> pause = options.pause_signal.empty() ? std::nullopt : parse_signal(options.pause_signal);
        if (resume) signal_actions_.emplace_back(*resume, resume == pause ? Action::kToggle : Action::kResume);
        if (pause && pause != resume) signal_actions_.emplace_back(*pause, Action::kPause);
    }

    // Timers already due (a child started after them) take effect now, in order, before the program.
    void apply_due_timers() {
        while (next_timer_ < timers_.size() && seconds_until(timers_[next_timer_]) <= 0) apply(timers_[next_timer_++].action);
    }

    // SIGTERM and the crash signals: the thread calls write_outputs (no GIL, so even while the main
    // thread waits in C or crashed holding it). SIGTERM then ends the process as it would have; a
    // crashing thread waits for the outputs (at most kCrashWaitMs) and dies of its signal. Only
    // signals still at their default are taken (not those of faulthandler or the program).
    void set_ending(void (*write_outputs)(int signal)) {
        for (int signal : {SIGTERM, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
            struct sigaction current {};
            if (::sigaction(signal, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
                ending_signals_.push_back(signal);
        }
        if (!ending_signals_.empty()) write_outputs_ = write_outputs;
    }

    void start() {
        if (next_timer_ == timers_.size() && signal_actions_.empty() && write_outputs_ == nullptr) return;
        int fds[2], done[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0 || ::pipe2(done, O_CLOEXEC) != 0) {
            fmt::print(stderr, "pyitt-host: warning: no collection-control thread (pipe: {})\n", std::strerror(errno));
            return;
        }
        read_fd_ = fds[0];
        struct stat info {};
        g_signal_pipe_inode.store(::fstat(fds[1], &info) == 0 ? info.st_ino : 0);
        g_signal_fd.store(fds[1]);
        g_done_read_fd.store(done[0]);
        done_write_fd_ = done[1];
        done_pipe_inode_ = ::fstat(done[1], &info) == 0 ? info.st_ino : 0;
        for (const auto& [signal, action] : signal_actions_) install_handler(signal, on_signal);
        for (int signal : ending_signals_) install_handler(signal, signal == SIGTERM ? on_signal : on_crash);
        thread_ = new std::thread([this] { run(); });
        g_running.store(true);
    }

    void stop() {
        if (thread_ == nullptr) return;
        g_running.store(false);
        wake(0);
        thread_->join();
        delete thread_;
        thread_ = nullptr;
    }

    // os.fork(): the thread stops before and starts again after, in the parent and in the child.
    // Python 3.12+ warns about forking a multi-threaded process, which the program would not get
    // under python; and the child needs a thread and a pipe of its own anyway (a signal to the
    // child must not reach the parent's thread). Signals arriving meanwhile wait in the pipe.
    //
    // SIGTERM stays blocked in the forking thread from before the fork until the child has its own
    // pipe and thread: a child's SIGTERM must neither reach the parent's thread through the shared
    // pipe nor be lost (a pool terminated right after it forked its workers waits for each one).
    void stop_for_fork() {
        if (thread_ == nullptr) return;
        set_blocked(SIGTERM, true);
        stop();
        suspended_ = true;
    }
    void resume_in_parent() {
        if (!suspended_) return;
        suspended_ = false;
        thread_ = new std::thread([this] { run(); });
        g_running.store(true);
    }
    void unblock_after_fork_in_parent() {
        if (suspended_) set_blocked(SIGTERM, false);
    }
    void restart_in_child() {
        if (!suspended_) return;
        suspended_ = false;
        ::close(read_fd_);
        ::close(g_signal_fd.exchange(-1));
        ::close(g_done_read_fd.exchange(-1));
        ::close(done_write_fd_);
        start();
        set_blocked(SIGTERM, false);
    }

private:
    static constexpr int kCrashWaitMs = 5000;  // a collector wedged by the crash must not hang the process

    static inline std::atomic<int> g_signal_fd{-1};
    static inline std::atomic<ino_t> g_signal_pipe_inode{0};
    static inline std::atomic<int> g_done_read_fd{-1};  // the thread writes a byte once the outputs are written
    static inline std::atomic<bool> g_running{false};
    static inline std::atomic<bool> g_crashing{false};

    static void on_crash(int signal) {
        if (!g_crashing.exchange(true) && g_running.load()) {
            wake(static_cast<unsigned char>(signal));
            pollfd done{g_done_read_fd.load(), POLLIN, 0};
            ::poll(&done, 1, kCrashWaitMs);
        }
        // Pending until this handler returns, then the default action: the same death, core and all.
        ::signal(signal, SIG_DFL);
        ::raise(signal);
    }

    static void on_signal(int signal) {
        const int saved = errno;
        wake(static_cast<unsigned char>(signal));
        errno = saved;
    }

    static void wake(unsigned char byte) {
        const int fd = g_signal_fd.load();
        if (fd < 0) return;
        // Still our pipe? A program that closed it may have the number for a file of its own now.
        struct stat info {};
        if (::fstat(fd, &info) != 0 || info.st_ino != g_signal_pipe_inode.load()) return;
        [[maybe_unused]] const ssize_t written = ::write(fd, &byte, 1);  // a full pipe: already awake
    }

    static void set_blocked(int signal, bool blocked) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, signal);
        ::pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
    }

    [[noreturn]] void write_and_terminate() {
        write_outputs_(SIGTERM);
        ::signal(SIGTERM, SIG_DFL);
        set_blocked(SIGTERM, false);
        ::raise(SIGTERM);
        std::_Exit(128 + SIGTERM);  // not reached
    }

    void write_for_crash(int signal) {
        write_outputs_(signal);
        const unsigned char byte = 1;
        struct stat info {};
        if (::fstat(done_write_fd_, &info) != 0 || info.st_ino != done_pipe_inode_) return;  // see wake()
        [[maybe_unused]] const ssize_t written = ::write(done_write_fd_, &byte, 1);
    }

    bool ends_process(int signal) const {
        return write_outputs_ != nullptr &&
               std::find(ending_signals_.begin(), ending_signals_.end(), signal) != ending_signals_.end();
    }

    static void install_handler(int signal, void (*handler)(int)) {
        struct sigaction action {};
        action.sa_handler = handler;
        action.sa_flags = SA_RESTART;
        sigemptyset(&action.sa_mask);
        ::sigaction(signal, &action, nullptr);
    }

    double seconds_until(const TimedAction& timer) const {
        return timer.at_seconds - static_cast<double>(monotonic_now_ns() - run_started_ns_) / 1e9;
    }

    void run() {
        // Signals for the process go to the program's threads, as under python: a program that blocks
        // SIGTERM to sigwait() for it must not have this thread take it (our handlers, which run in
        // whichever thread takes a signal, then wake this one through the pipe).
        sigset_t all;
        sigfillset(&all);
        ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
        for (;;) {
            apply_due_timers();
            int timeout_ms = -1;
            if (next_timer_ < timers_.size()) {
                timeout_ms = static_cast<int>(std::min(seconds_until(timers_[next_timer_]) * 1000.0 + 1.0, 3.6e6));
                timeout_ms = std::max(timeout_ms, 0);
            }
            pollfd wait{read_fd_, POLLIN, 0};
            if (::poll(&wait, 1, timeout_ms) <= 0) continue;
            unsigned char bytes[64];
            const ssize_t count = ::read(read_fd_, bytes, sizeof(bytes));
            if (count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) || (wait.revents & POLLNVAL)) {
                // The program closed our pipe (a daemon closing every descriptor): stop rather than spin.
                g_running.store(false);
                return;
            }
            bool stop = false;
            for (ssize_t i = 0; i < count; ++i) {
                if (bytes[i] == SIGTERM && ends_process(SIGTERM)) write_and_terminate();
                if (bytes[i] != SIGTERM && ends_process(bytes[i])) write_for_crash(bytes[i]);
                stop |= bytes[i] == 0;
                for (const auto& [signal, action] : signal_actions_)
                    if (signal == bytes[i]) apply(action);
            }
            if (stop) return;
        }
    }

    long long run_started_ns_ = 0;
    std::vector<TimedAction> timers_;
    size_t next_timer_ = 0;
    std::vector<std::pair<int, Action>> signal_actions_;
    int read_fd_ = -1;
    std::thread* thread_ = nullptr;
    bool suspended_ = false;  // stopped for a fork
    std::vector<int> ending_signals_;
    void (*write_outputs_)(int signal) = nullptr;
    int done_write_fd_ = -1;
    ino_t done_pipe_inode_ = 0;
};

ControlThread g_control;
bool g_detach_on_exit = false;

// 3.12+ counts the process's threads for its fork warning after the after_in_parent handlers (3.13)
// or may do so: restart from the main thread's next pending-call check, right after os.fork()
// returns there. (A fork from another thread while the main thread waits in C delays the timers
// and signals until it runs Python again.)
void restart_after_fork_in_parent() {
#if PY_VERSION_HEX >= 0x030C0000
    Py_AddPendingCall(
        [](void*) {
            g_control.resume_in_parent();
            return 0;
        },
        nullptr);
#else
    g_control.resume_in_parent();
#endif
}

}  // namespace

void write_outputs_on_ending_signals(void (*write_outputs)(int signal)) { g_control.set_ending(write_outputs); }

std::optional<int> parse_signal(const std::string& text) {
    std::string name;
    for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    std::optional<int> number = parse_number(name);
    if (!number) {
        for (auto [known, value] : kNamedSignals)
            if (name == known) number = value;
    }
    if (!number && name.rfind("RTMIN", 0) == 0) {
        const std::optional<int> offset = name.size() == 5 ? 0 : name[5] == '+' ? parse_number(name.substr(6)) : std::nullopt;
        if (offset) number = SIGRTMIN + *offset;
    }
    if (!number && name.rfind("RTMAX", 0) == 0) {
        const std::optional<int> offset = name.size() == 5 ? 0 : name[5] == '-' ? parse_number(name.substr(6)) : std::nullopt;
        if (offset) number = SIGRTMAX - *offset;
    }
    if (!number || !usable(*number)) return std::nullopt;
    return number;
}

bool starts_paused(const HostOptions& options) {
    if (options.start_paused || !options.resume_on.empty() || options.builtin_regions) return true;
    return options.resume_after >= 0 && !(options.pause_after >= 0 && options.pause_after < options.resume_after);
}

long long monotonic_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void prepare_trigger_report(HostOptions& options, const std::string& output_dir) {
    if (options.resume_on.empty() && options.pause_on.empty()) return;
    // The output directory keeps it with the run's other files, whatever ends the run.
    const char* tmp = std::getenv("TMPDIR");
    std::string path = !output_dir.empty() ? output_dir + "/.pyitt-triggers-XXXXXX"
                       : fmt::format("{}/pyitt-triggers-XXXXXX", tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return;  // the warning then considers this process alone
    ::close(fd);
    options.trigger_report = path;
}

void start_collection_control(const HostOptions& options) {
    if (std::getenv("INTEL_LIBITTNOTIFY64") == nullptr) return;  // no collector: nothing to control
    if (options.collection_scope != "all") {
        control::set_host_scope(options.collection_scope == "host" ? itt_abi::kScopeHost : itt_abi::kScopeOffload);
    }
    if (starts_paused(options)) control::pause(control::Source::kHost);
    g_control.configure(options);
    g_control.apply_due_timers();
    g_control.start();
    py::module_::import("os").attr("register_at_fork")(
        py::arg("before") = py::cpp_function([] { g_control.stop_for_fork(); }),
        py::arg("after_in_parent") = py::cpp_function([] {
            g_control.unblock_after_fork_in_parent();  // in the forking thread, which blocked it
            restart_after_fork_in_parent();
        }),
        py::arg("after_in_child") = py::cpp_function([] { g_control.restart_in_child(); }));
    if (options.detach_on_exit) {
        // Registered before the program's own handlers, so it runs after them (and after the
        // program's threads are joined): the interpreter's teardown is not collected.
        g_detach_on_exit = true;
        py::module_::import("atexit").attr("register")(
            py::cpp_function([] { control::detach(control::Source::kHost); }));
    }
}

void finish_collection_control() {
    g_control.stop();
    if (g_detach_on_exit) control::detach(control::Source::kHost);
}

}  // namespace pyitt::host
