// The collector's locks that the program's threads take (making handles, filling a buffer, starting
// or naming a thread), counted in the taking thread: a signal handler can then tell whether the
// thread it interrupted holds one, which the writing that ends the process would wait for.
#pragma once

#include <mutex>

namespace pyitt::collector {

// Initial-exec: read from a signal handler, where a first touch of dynamic TLS may allocate.
extern constinit thread_local int tl_program_locks_held __attribute__((tls_model("initial-exec")));

// A std::mutex for lock_guard, unique_lock and condition_variable_any.
class ProgramLock {
public:
    void lock() {
        mutex_.lock();
        ++tl_program_locks_held;
    }
    bool try_lock() {
        if (!mutex_.try_lock()) return false;
        ++tl_program_locks_held;
        return true;
    }
    void unlock() {
        --tl_program_locks_held;
        mutex_.unlock();
    }

private:
    std::mutex mutex_;
};

}  // namespace pyitt::collector
