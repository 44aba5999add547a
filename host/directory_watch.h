// Whether other processes wrote into the output directory while this one ran (its children), told
// by inotify instead of listing the directory at the start and again at the exit: a directory that
// holds many earlier runs costs a listing hundreds of µs, and a run that started no process needs none.
#pragma once

#include <sys/types.h>

#include <string>

namespace pyitt::host {

class DirectoryWatch {
public:
    // Watches `dir` for names created or renamed into it; ok() false where inotify is not to be had
    // (no instances left, another file system): the caller lists the directory instead.
    explicit DirectoryWatch(const std::string& dir);
    ~DirectoryWatch();
    DirectoryWatch(const DirectoryWatch&) = delete;
    DirectoryWatch& operator=(const DirectoryWatch&) = delete;

    bool ok() const { return fd_ >= 0; }

    // Reads what happened since: a trace or marker of a process other than `own_pid` appeared
    // (`is_process_file` and `is_own_file` tell them). True too when the events cannot be trusted
    // (the queue overflowed, the program closed our descriptor), so that the caller merges as before.
    bool others_wrote(bool (*is_process_file)(const std::string& name),
                      bool (*is_own_file)(const std::string& name, long pid), long own_pid);

private:
    bool still_ours() const;
    int fd_ = -1;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
};

}  // namespace pyitt::host
