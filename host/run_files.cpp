#include "run_files.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace pyitt::host {
namespace {

// Fixed storage, since a signal handler reads it.
constexpr int kMaxFiles = 4;
char g_paths[kMaxFiles][PATH_MAX];
std::atomic<int> g_count{0};
std::atomic<pid_t> g_owner{0};

void remove_if_owner() {
    if (::getpid() != g_owner.load()) return;  // a forked copy: the files are still the run's
    for (int i = 0; i < g_count.load(); ++i) {
        if (g_paths[i][0] != '\0') ::unlink(g_paths[i]);
        g_paths[i][0] = '\0';
    }
}

void on_ending_signal(int signal) {
    const int saved_errno = errno;
    remove_if_owner();
    errno = saved_errno;
    ::raise(signal);  // SA_RESETHAND has put the default back: the process ends as it would have
}

}  // namespace

void remove_at_run_end(const std::string& path) {
    const int index = g_count.load();
    if (path.empty() || path.size() >= PATH_MAX || index == kMaxFiles) return;
    if (g_owner.exchange(::getpid()) == 0) std::atexit(remove_if_owner);
    std::memcpy(g_paths[index], path.c_str(), path.size() + 1);
    g_count.store(index + 1);
}

void remove_run_files() { remove_if_owner(); }

void remove_run_files_on_ending_signals() {
    // Every signal whose default ends the process, except SIGINT (python's KeyboardInterrupt, which
    // exits normally) and SIGKILL and SIGSTOP, which nothing can catch.
    static constexpr std::array kEnding{SIGHUP,  SIGQUIT, SIGILL,  SIGABRT,   SIGBUS,  SIGFPE,
                                        SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE,   SIGALRM, SIGTERM,
                                        SIGXCPU, SIGXFSZ, SIGSYS,  SIGVTALRM, SIGPROF};
    for (int signal : kEnding) {
        struct sigaction current {};
        if (::sigaction(signal, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) continue;
        struct sigaction action {};
        action.sa_handler = on_ending_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESETHAND | SA_NODEFER;
        ::sigaction(signal, &action, nullptr);
    }
}

}  // namespace pyitt::host
