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
#include <condition_variable>
#include <mutex>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "collection_switch.h"
#include "signal_names.h"
#include "dynamic_loader.h"
#include "itt_client.h"
#include "stderr_line.h"

namespace py = pybind11;

namespace pyitt::host {
namespace {

// The signals that end a process from outside (a pool, a scheduler, a closed terminal), and those
// that report a fault of the thread they reach.
constexpr int kTerminatingSignals[] = {SIGTERM, SIGHUP, SIGQUIT, SIGXCPU, SIGXFSZ};
constexpr int kCrashSignals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};

enum class Action : unsigned char { kResume, kPause, kToggle, kDetach };

struct TimedAction {
    double at_seconds;
    Action action;
};

void apply(Action action) {
    using control::Source;
    switch (action) {
        case Action::kResume: control::resume(Source::kTimerOrSignal); break;
        case Action::kPause: control::pause(Source::kTimerOrSignal); break;
        case Action::kToggle: control::toggle(Source::kTimerOrSignal); break;
        case Action::kDetach: control::detach(Source::kTimerOrSignal); break;
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
        choose_ending_signals();
    }

    // Timers already due (a child started after them) take effect now, in order, before the program.
    void apply_due_timers() {
        while (next_timer_ < timers_.size() && seconds_until(timers_[next_timer_]) <= 0) apply(timers_[next_timer_++].action);
    }

    // The signals that end the process: the thread that takes one stops there (holding the GIL if it
    // had it), the control thread takes the GIL from the others so that no more of the program runs,
    // calls write_outputs (without Python), and the signalled thread then dies of its signal, as it
    // would have. Signals that end a process from outside are taken only while at their default (not
    // when ignored, as nohup leaves SIGHUP, nor when --resume-signal uses them); crash signals also
    // when a handler is there (faulthandler's, from -X faulthandler), which runs after the writing.
    void set_ending(void (*write_outputs)(int signal), int (*holds_collector_lock)()) {
        write_outputs_ = write_outputs;
        g_holds_collector_lock.store(holds_collector_lock);
    }

    // Once, after configure(): the signals --resume-signal and --pause-signal took are theirs.
    void choose_ending_signals() {
        if (write_outputs_ == nullptr) return;
        std::vector<int> candidates(std::begin(kTerminatingSignals), std::end(kTerminatingSignals));
        candidates.insert(candidates.end(), std::begin(kCrashSignals), std::end(kCrashSignals));
        for (int signal : candidates) {
            struct sigaction current {};
            if (::sigaction(signal, nullptr, &current) != 0 || current.sa_handler == SIG_IGN) continue;
            if (current.sa_handler != SIG_DFL && !is_crash_signal(signal)) continue;
            if (std::any_of(signal_actions_.begin(), signal_actions_.end(),
                            [signal](const auto& taken) { return taken.first == signal; }))
                continue;
            ending_signals_.push_back(signal);
        }
        if (ending_signals_.empty()) write_outputs_ = nullptr;
    }

    void start() {
        if (next_timer_ == timers_.size() && signal_actions_.empty() && write_outputs_ == nullptr) return;
        int fds[2], done[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0 || ::pipe2(done, O_CLOEXEC) != 0) {
            pyitt::print_stderr("pyitt-host: warning: no collection-control thread (pipe: {})\n", std::strerror(errno));
            return;
        }
        read_fd_ = fds[0];
        struct stat info {};
        g_signal_pipe_inode.store(::fstat(fds[1], &info) == 0 ? info.st_ino : 0);
        g_signal_fd.store(fds[1]);
        g_done_read_fd.store(done[0]);
        done_write_fd_ = done[1];
        done_pipe_inode_ = ::fstat(done[1], &info) == 0 ? info.st_ino : 0;
        if (!handlers_installed_) {  // a forked child inherits them (and must not chain to itself)
            handlers_installed_ = true;
            for (const auto& [signal, action] : signal_actions_) install_handler(signal, on_signal);
            if (!ending_signals_.empty()) {
                g_loader = LoaderCode::find();
                ensure_alternate_signal_stack();  // a crash by stack overflow still has a stack to run on
                for (int signal : ending_signals_) install_ending_handler(signal);
            }
        }
        thread_started_ = start_thread();
        g_running.store(true);
    }

    void stop() {
        if (!thread_started_) return;
        g_running.store(false);
        wake(0);
        ::pthread_join(thread_, nullptr);
        thread_started_ = false;
    }

    // os.fork(): the thread stops before and starts again after, in the parent and in the child.
    // Python 3.12+ warns about forking a multi-threaded process, which the program would not get
    // under python; and the child needs a thread and a pipe of its own anyway (a signal to the
    // child must not reach the parent's thread). Signals arriving meanwhile wait in the pipe.
    //
    // The ending signals stay blocked in the forking thread from before the fork until the child has
    // its own pipe and thread: a child's SIGTERM must neither reach the parent's thread through the
    // shared pipe nor be lost (a pool terminated right after it forked its workers waits for each one).
    void stop_for_fork() {
        if (!thread_started_) return;
        set_blocked_terminations(true, &mask_before_fork_);
        stop();
        suspended_ = true;
    }
    void resume_in_parent() {
        if (!suspended_) return;
        suspended_ = false;
        thread_started_ = start_thread();
        g_running.store(true);
    }
    void unblock_after_fork_in_parent() {
        if (suspended_) ::pthread_sigmask(SIG_SETMASK, &mask_before_fork_, nullptr);
    }
    void restart_in_child() {
        if (!suspended_) return;
        suspended_ = false;
        ::close(read_fd_);
        ::close(g_signal_fd.exchange(-1));
        ::close(g_done_read_fd.exchange(-1));
        ::close(done_write_fd_);
        g_ending.store(false);
        g_outputs_written.store(false);
        start();
        ::pthread_sigmask(SIG_SETMASK, &mask_before_fork_, nullptr);
    }

    // At exit the writing is done by the exiting thread, the control thread stopped: an ending signal
    // waits for the outputs (blocked in the writing thread, which must not be stopped mid-write; in
    // any other, on_ending waits), then ends the process as it would have.
    void begin_writing_at_exit() {
        g_written_at_exit.store(false);
        g_writing_at_exit.store(true);
        set_blocked_terminations(true, &mask_before_writing_);
    }
    void end_writing_at_exit() {
        g_written_at_exit.store(true);
        ::pthread_sigmask(SIG_SETMASK, &mask_before_writing_, nullptr);  // what came meanwhile is delivered now
    }

private:
    // A collector wedged by the crash, or a thread that holds the GIL in C for long, must not hang
    // the process: after these the process dies of its signal all the same.
    static constexpr int kEndingWaitMs = 5000;
    static constexpr int kGilWaitMs = 1000;
    static constexpr int kHoldMs = 300;
    static constexpr int kLetGoAfterMs = 20;

    static inline std::atomic<int> g_signal_fd{-1};
    static inline std::atomic<ino_t> g_signal_pipe_inode{0};
    static inline std::atomic<int> g_done_read_fd{-1};  // the thread writes a byte once the outputs are written
    static inline std::atomic<bool> g_running{false};
    static inline std::atomic<bool> g_ending{false};
    static inline std::atomic<bool> g_ending_thread_holds_gil{false};
    static inline std::atomic<bool> g_writing_at_exit{false};  // finish_process: the thread is stopped
    static inline std::atomic<bool> g_written_at_exit{false};
    static inline std::atomic<bool> g_outputs_written{false};  // by the control thread, for an ending signal
    static inline struct sigaction g_previous[NSIG]{};  // where an ending signal goes after the writing
    static inline LoaderCode g_loader;
    static inline std::atomic<int (*)()> g_holds_collector_lock{nullptr};

    // Runs in whichever program thread takes the signal, and keeps it there while the outputs are
    // written: that thread runs no more of the program. A crashing thread stays until they are
    // written (at most kEndingWaitMs). A thread stopped by SIGTERM and the like may hold a lock that
    // the writing needs (the collector's, malloc's): it is let go after kHoldMs, and the control
    // thread, which has taken the GIL meanwhile, ends the process once the outputs are written.
    // One stopped where the writing would wait for it is let go at once: inside ld.so (an import's
    // dlopen holds what making a thread and a first thread_local wait for) or holding a lock of the
    // collector's. Each such SIGTERM cost the whole hold: a spawn pool's workers, ended while they
    // still import, met it in a run out of four.
    // The done pipe is never read, so every thread that ends up here sees it ready.
    static void on_ending(int signal, siginfo_t*, void* ucontext) {
        const int saved = errno;
        const bool crash = is_crash_signal(signal);
        const int hold_ms = crash ? kEndingWaitMs : must_let_go(ucontext) ? 0 : kHoldMs;
        bool written = true;
        if (!g_ending.exchange(true)) {
            if (g_running.load()) {
                g_ending_thread_holds_gil.store(PyGILState_Check() != 0);
                wake(static_cast<unsigned char>(signal));
                written = wait_for_outputs(hold_ms) && g_outputs_written.load();
            }
        } else if (g_running.load()) {
            written = wait_for_outputs(hold_ms) && g_outputs_written.load();
        }
        if (g_writing_at_exit.load()) wait_for_exit_outputs();  // the exiting thread is writing them
        if (!written && !crash) {  // the control thread ends the process when it is done
            errno = saved;
            return;
        }
        // The signal is blocked until this handler returns, then goes where it would have gone
        // without pyitt-host: the default action (the same death, core and all) or faulthandler.
        ::sigaction(signal, &g_previous[signal], nullptr);
        ::raise(signal);
        errno = saved;
    }

    static bool must_let_go(const void* ucontext) {
        if (g_loader.interrupted(ucontext)) return true;
        int (*holds_lock)() = g_holds_collector_lock.load();
        return holds_lock != nullptr && holds_lock() != 0;
    }

    static bool wait_for_outputs(int timeout_ms) {
        pollfd done{g_done_read_fd.load(), POLLIN, 0};
        int ready;
        while ((ready = ::poll(&done, 1, timeout_ms)) < 0 && errno == EINTR) {
        }
        return ready > 0;
    }

    static void wait_for_exit_outputs() {
        for (int waited_ms = 0; !g_written_at_exit.load() && waited_ms < kEndingWaitMs; ++waited_ms) {
            const timespec millisecond{0, 1000000};
            ::nanosleep(&millisecond, nullptr);
        }
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

    // The signals that end a process from outside (the crash signals are synchronous: blocking them
    // would not delay them).
    void set_blocked_terminations(bool blocked, sigset_t* before = nullptr) const {
        sigset_t set;
        sigemptyset(&set);
        for (int signal : ending_signals_)
            if (!is_crash_signal(signal)) sigaddset(&set, signal);
        ::pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, before);
    }

    // No more of the program may run once an ending signal arrived. The signalled thread is held in
    // on_ending; any other thread runs Python only with the GIL, so take it and never give it back.
    // Taking it waits for the thread that has it to let go (at most its switch interval in Python;
    // longer in C): bounded, and from a thread of its own, so a GIL that never comes (or a Python
    // that is finalising, which ends threads that ask for the GIL) cannot stop the writing.
    void stop_the_program(bool crash) {
        if (!Py_IsInitialized() || py_is_finalizing()) return;
        // A crashing thread that holds the GIL is never let go: nobody else can run Python, and a
        // thread of ours would show in faulthandler's list of the program's threads.
        if (crash && g_ending_thread_holds_gil.load()) return;
        struct Taken {
            std::mutex mutex;
            std::condition_variable changed;
            bool gil = false;
        };
        static Taken taken;  // the taking thread may outlive this call: it never returns
        std::thread([] {
            PyGILState_Ensure();
            {
                std::lock_guard lock(taken.mutex);
                taken.gil = true;
            }
            taken.changed.notify_all();
            for (;;) ::pause();
        }).detach();
        // A signalled thread that holds the GIL is held in on_ending: the taker gets it if that one is
        // let go.
        if (g_ending_thread_holds_gil.load()) return;
        // Past a switch interval or four, the GIL may be the signalled thread's after all (caught
        // taking it, before it counts as holding it): that one is let go rather than held the hold.
        std::unique_lock lock(taken.mutex);
        if (!taken.changed.wait_for(lock, std::chrono::milliseconds(kLetGoAfterMs), [] { return taken.gil; }) && !crash) {
            lock.unlock();
            open_the_done_pipe();
            lock.lock();
        }
        taken.changed.wait_for(lock, std::chrono::milliseconds(kGilWaitMs), [] { return taken.gil; });
    }

    static bool py_is_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
        return Py_IsFinalizing() != 0;
#else
        return _Py_IsFinalizing() != 0;
#endif
    }

    void write_for_ending(int signal) {
        stop_the_program(is_crash_signal(signal));
        write_outputs_(signal);
        g_outputs_written.store(true);
        open_the_done_pipe();
        if (is_crash_signal(signal)) return;  // the crashing thread dies of it, with its core
        // The signalled thread dies of it too, unless it was let go (on_ending): then this one does.
        ::sigaction(signal, &g_previous[signal], nullptr);
        sigset_t just_this;
        sigemptyset(&just_this);
        sigaddset(&just_this, signal);
        ::pthread_sigmask(SIG_UNBLOCK, &just_this, nullptr);
        ::raise(signal);
    }

    // Whoever waits in on_ending goes on: dies of its signal once g_outputs_written, else returns.
    void open_the_done_pipe() const {
        const unsigned char byte = 1;
        struct stat info {};
        if (::fstat(done_write_fd_, &info) == 0 && info.st_ino == done_pipe_inode_) {  // see wake()
            [[maybe_unused]] const ssize_t written = ::write(done_write_fd_, &byte, 1);
        }
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

    static void install_ending_handler(int signal) {
        struct sigaction action {};
        action.sa_sigaction = on_ending;
        action.sa_flags = SA_RESTART | SA_ONSTACK | SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        ::sigaction(signal, &action, &g_previous[signal]);
    }

    // For the thread that installs the handlers (the main thread), unless one is there already
    // (faulthandler's): a handler for a stack overflow needs a stack other than the one that overflowed.
    static void ensure_alternate_signal_stack() {
        stack_t current {};
        if (::sigaltstack(nullptr, &current) != 0 || !(current.ss_flags & SS_DISABLE)) return;
        constexpr size_t kSize = 64 * 1024;
        stack_t ours {};
        ours.ss_sp = std::malloc(kSize);  // kept for the life of the thread
        ours.ss_size = kSize;
        if (ours.ss_sp != nullptr) ::sigaltstack(&ours, nullptr);
    }

    double seconds_until(const TimedAction& timer) const {
        return timer.at_seconds - static_cast<double>(monotonic_now_ns() - run_started_ns_) / 1e9;
    }

    // Signals for the process go to the program's threads, as under python: a program that blocks
    // SIGTERM to sigwait() for it must not have this thread take it (our handlers, which run in
    // whichever thread takes a signal, then wake this one through the pipe). The thread is born with
    // every signal blocked: blocking them once it runs leaves a window as long as a busy machine
    // takes to schedule it.
    // A plain pthread with no state on the heap: a thread that never calls malloc or free gets no
    // malloc arena of its own (a 64 MiB reservation, trimmed, and its page faults, in every process).
    bool start_thread() {
        sigset_t all, program_mask;
        sigfillset(&all);
        ::pthread_sigmask(SIG_BLOCK, &all, &program_mask);
        const bool started = ::pthread_create(&thread_, nullptr, [](void* self) -> void* {
            static_cast<ControlThread*>(self)->run();
            return nullptr;
        }, this) == 0;
        ::pthread_sigmask(SIG_SETMASK, &program_mask, nullptr);
        return started;
    }

    void run() {
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
                if (ends_process(bytes[i])) {
                    write_for_ending(bytes[i]);  // the signalled thread ends the process now
                    return;
                }
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
    pthread_t thread_{};
    bool thread_started_ = false;
    bool suspended_ = false;  // stopped for a fork
    bool handlers_installed_ = false;
    sigset_t mask_before_writing_{};
    sigset_t mask_before_fork_{};  // the forking thread's, given back to it in parent and child
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

bool is_crash_signal(int signal) {
    return std::find(std::begin(kCrashSignals), std::end(kCrashSignals), signal) != std::end(kCrashSignals);
}

void write_outputs_on_ending_signals(void (*write_outputs)(int signal), int (*holds_collector_lock)()) {
    g_control.set_ending(write_outputs, holds_collector_lock);
}

namespace {
sigset_t g_deferred_signals;  // the ones this process did not have blocked already
bool g_deferring = false;
}  // namespace

void defer_ending_signals() {
    sigset_t ending, before;
    sigemptyset(&ending);
    sigemptyset(&g_deferred_signals);
    for (int signal : kTerminatingSignals) sigaddset(&ending, signal);
    if (::pthread_sigmask(SIG_BLOCK, &ending, &before) != 0) return;
    for (int signal : kTerminatingSignals)
        if (sigismember(&before, signal) == 0) sigaddset(&g_deferred_signals, signal);
    g_deferring = true;
}

// Once: a later call must not undo what a -s setup file blocked on purpose.
void stop_deferring_ending_signals() {
    if (!g_deferring) return;
    g_deferring = false;
    ::pthread_sigmask(SIG_UNBLOCK, &g_deferred_signals, nullptr);  // what came is delivered now
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
    stop_deferring_ending_signals();  // a SIGTERM that came while the host started is handled now
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
    g_control.begin_writing_at_exit();
    g_control.stop();
    if (g_detach_on_exit) control::detach(control::Source::kHost);
}

void outputs_written_at_exit() { g_control.end_writing_at_exit(); }

}  // namespace pyitt::host
