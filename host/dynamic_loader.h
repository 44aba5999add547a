// Whether a signal interrupted the dynamic loader (ld.so): a thread inside dlopen holds the locks
// that making a thread, a first thread_local and dlsym all wait for.
#pragma once

#include <cstdint>

namespace pyitt::host {

class LoaderCode {
public:
    // Finds ld.so's executable segments from the auxiliary vector and its ELF header in memory (no
    // file, no syscall). Empty when there is no separate loader (a static executable).
    static LoaderCode find();
    // Async-signal-safe: the program counter a signal handler's ucontext holds is in ld.so's code.
    bool interrupted(const void* ucontext) const;

private:
    static constexpr int kMaxRanges = 4;
    std::uintptr_t begin_[kMaxRanges] = {};
    std::uintptr_t end_[kMaxRanges] = {};
    int ranges_ = 0;
};

}  // namespace pyitt::host
