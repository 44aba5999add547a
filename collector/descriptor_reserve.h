// What the end of a process needs to write its trace, taken while descriptors are still to be had:
// a program that opened files until EMFILE and then exits must still get its trace written.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>

#include "output_file.h"

namespace pyitt::collector {

// Thread-safe; a leaf lock, held around fork() by the collector's atfork handlers.
class DescriptorReserve {
public:
    // Opens the output directory (O_PATH, creating it if needed) and a few spare descriptors.
    void take(const std::string& dir);

    // Gives the spares back, so the files about to be written find free slots. Idempotent.
    void release_spares();

    // The output directory, by the descriptor taken before when it is still ours and still what
    // `dir` names (the program may have changed directory or closed it), else freshly opened.
    OutputDirectory directory(const std::string& dir);

    void prepare_fork() { mutex_.lock(); }
    void after_fork() { mutex_.unlock(); }

private:
    // A descriptor of ours and what it was opened on: a program that closed it may have got the same
    // number for a file of its own, which we must neither use nor close.
    struct Held {
        int fd = -1;
        dev_t dev = 0;
        ino_t ino = 0;
        bool still_ours() const;
    };
    static Held hold(int fd);
    static constexpr int kSpares = 2;  // a merge reads one file while it writes another
    std::mutex mutex_;
    Held dir_;
    Held spares_[kSpares];
};

DescriptorReserve& descriptor_reserve();

// mkdir -p: PYITT_OUTPUT_DIR may name a directory that does not exist yet.
void make_directories(const std::string& dir);

}  // namespace pyitt::collector
