#include "directory_watch.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace pyitt::host {

DirectoryWatch::DirectoryWatch(const std::string& dir) {
    if (dir.empty()) return;
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) return;
    struct stat st {};
    // IN_ONLYDIR: a directory swapped for something else meanwhile is not watched.
    if (::inotify_add_watch(fd_, dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0 || ::fstat(fd_, &st) != 0) {
        ::close(fd_);
        fd_ = -1;
        return;
    }
    dev_ = st.st_dev;
    ino_ = st.st_ino;
}

DirectoryWatch::~DirectoryWatch() {
    if (still_ours()) ::close(fd_);
}

// The program may have closed our descriptor and got its number for something else: every inotify
// instance is the same anonymous inode, which a program's own inotify descriptor there would share
// too (hardly ever at that very number, and then the worst is a merge that finds nothing more).
bool DirectoryWatch::still_ours() const {
    struct stat st {};
    return fd_ >= 0 && ::fstat(fd_, &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_;
}

bool DirectoryWatch::others_wrote(bool (*is_process_file)(const std::string& name),
                                  bool (*is_own_file)(const std::string& name, long pid), long own_pid) {
    if (!still_ours()) return true;
    alignas(inotify_event) char buffer[16 * (sizeof(inotify_event) + NAME_MAX + 1)];
    for (;;) {
        const ssize_t length = ::read(fd_, buffer, sizeof buffer);
        if (length < 0) return errno != EAGAIN;  // EAGAIN: every event read
        if (length == 0) return true;
        for (ssize_t at = 0; at < length;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
            at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            if (event->mask & (IN_Q_OVERFLOW | IN_IGNORED)) return true;  // lost events, or no more watch
            if (event->len == 0) continue;
            const std::string name(event->name, ::strnlen(event->name, event->len));
            if (is_process_file(name) && !is_own_file(name, own_pid)) return true;
        }
    }
}

}  // namespace pyitt::host
