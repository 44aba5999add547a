// Exclusive creation of a temporary, then an atomic rename: see output_file.h for why.
#include "output_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "prepared_files.h"

namespace pyitt::collector {

namespace {

// Hidden, and matching none of the names a merge or the host looks for (trace-*.json...).
std::string temporary_name() {
    std::uint64_t bits = 0;
    if (getrandom(&bits, sizeof bits, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bits)) {
        timespec t{};
        clock_gettime(CLOCK_MONOTONIC, &t);
        bits ^= static_cast<std::uint64_t>(t.tv_nsec) * 0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(t.tv_sec);
    }
    char name[64];
    std::snprintf(name, sizeof name, ".pyitt-%ld-%016llx.tmp", static_cast<long>(getpid()),
                  static_cast<unsigned long long>(bits));
    return name;
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

// 0 or errno. Through the system call: glibc's wrapper is recent, and EINVAL/ENOSYS (a file
// system or kernel without it) must reach the caller, which falls back to link + unlink.
int rename_noreplace(int dir_fd, const char* from, const char* to) {
    return syscall(SYS_renameat2, dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0 ? 0 : errno;
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

// rename(2) of `from` onto `to`, a reader seeing the old file or the new one: 0 or errno. Onto an
// existing file, as an exchange whose old file then goes under `from`'s name: ext4 (auto_da_alloc)
// starts writing a file renamed over another at once, which costs milliseconds a file (and the
// next unlink waits for that write); an exchange does not. A plain rename where there is nothing
// to replace, or where the file system cannot exchange.
int rename_replacing(int dir_fd, const char* from, const char* to) {
    if (syscall(SYS_renameat2, dir_fd, from, dir_fd, to, RENAME_EXCHANGE) == 0) {
        if (unlinkat(dir_fd, from, 0) == 0) return 0;
        const int error_number = errno;  // a directory was there (EISDIR): put it back, as rename would fail
        syscall(SYS_renameat2, dir_fd, from, dir_fd, to, RENAME_EXCHANGE);
        return error_number;
    }
    return renameat(dir_fd, from, dir_fd, to) == 0 ? 0 : errno;
}

}  // namespace

std::string OutputDirectory::shown(std::string_view name) const {
    if (path.empty()) return std::string(name);
    return path.back() == '/' ? path + std::string(name) : path + "/" + std::string(name);
}

OutputFile::OutputFile(const OutputDirectory& dir, mode_t mode) : dir_(dir) {
    if (dir_.fd == -1) {
        fail("cannot open the output directory", EBADF);
        return;
    }
    if (mode == 0644) {  // what prepare_files makes
        if (const int fd = take_prepared_file(dir_.fd); fd >= 0) {
            stream_ = fdopen(fd, "w");
            if (stream_ != nullptr) {
                anonymous_ = true;
                return;
            }
            close(fd);
        }
    }
    const int fd = create_temporary(mode);
    if (fd < 0) return;
    stream_ = fdopen(fd, "w");
    if (stream_ == nullptr) {
        const int error_number = errno;
        close(fd);
        discard();
        fail("cannot write in", error_number);
    }
}

int OutputFile::create_temporary(mode_t mode) {
    // A collision (a name someone planted, however unlikely) only costs another try.
    for (int attempt = 0; attempt < 16; ++attempt) {
        std::string name = temporary_name();
        const int fd = openat(dir_.fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0) {
            if (errno == EEXIST) continue;
            fail("cannot create a file in", errno);
            return -1;
        }
        temp_name_ = std::move(name);
        return fd;
    }
    fail("cannot create a file in", EEXIST);
    return -1;
}

// A prepared file's bytes are all in it before it gets a name.
bool OutputFile::flush_anonymous() {
    if (std::fflush(stream_) == 0 && !std::ferror(stream_)) return true;
    fail("cannot write in", errno);
    return false;
}

// The prepared file linked by its descriptor under `name` in the directory: link(2) neither replaces
// nor follows what is there (false, errno EEXIST). Needs /proc.
bool OutputFile::link_anonymous(const std::string& name) const {
    const std::string by_proc = "/proc/self/fd/" + std::to_string(fileno(stream_));
    return linkat(AT_FDCWD, by_proc.c_str(), dir_.fd, name.c_str(), AT_SYMLINK_FOLLOW) == 0;
}

// A prepared file has no name yet: it gets a fresh hidden one, exclusively (link(2) neither replaces
// nor follows what is at its new name), and is then published as a temporary made here would be.
// Without /proc to link it by, its bytes are copied into a temporary made now.
bool OutputFile::name_anonymous() {
    anonymous_ = false;
    if (!flush_anonymous()) return false;
    const int fd = fileno(stream_);
    for (int attempt = 0; attempt < 16; ++attempt) {
        std::string name = temporary_name();
        if (link_anonymous(name)) {
            temp_name_ = std::move(name);
            return true;
        }
        if (errno != EEXIST) break;
    }
    const int copy = create_temporary(0644);
    if (copy < 0) return false;
    char buffer[65536];
    for (off_t at = 0;;) {
        const ssize_t n = pread(fd, buffer, sizeof buffer, at);
        if (n == 0) break;
        if (n < 0 || write(copy, buffer, static_cast<size_t>(n)) != n) {  // a short write: the disk is full
            fail("cannot write in", n < 0 ? errno : errno != 0 ? errno : ENOSPC);
            close(copy);
            return false;
        }
        at += n;
    }
    std::fclose(stream_);  // the anonymous file goes with its last descriptor
    stream_ = fdopen(copy, "w");
    if (stream_ == nullptr) {
        fail("cannot write in", errno);
        close(copy);
        return false;
    }
    return true;
}

OutputFile::~OutputFile() {
    if (stream_ != nullptr) std::fclose(stream_);
    discard();
}

void OutputFile::fail(const char* what, int error_number) {
    if (!error_.empty()) return;
    error_ = std::string(what) + " " + (dir_.path.empty() ? std::string(".") : dir_.path) + ": " +
             std::strerror(error_number);
}

void OutputFile::discard() {
    if (!temp_name_.empty()) unlinkat(dir_.fd, temp_name_.c_str(), 0);
    temp_name_.clear();
}

bool OutputFile::close_stream() {
    if (stream_ == nullptr) return false;
    const bool written = std::fflush(stream_) == 0 && !std::ferror(stream_);
    const int write_errno = errno;
    const bool closed = std::fclose(stream_) == 0;
    stream_ = nullptr;
    if (!written || !closed) fail("cannot write in", !written ? write_errno : errno);
    return error_.empty();
}

bool OutputFile::publish_replacing(const std::string& name) {
    if ((anonymous_ && !name_anonymous()) || !close_stream()) {
        discard();
        return false;
    }
    if (const int error_number = rename_replacing(dir_.fd, temp_name_.c_str(), name.c_str()); error_number != 0) {
        error_ = "cannot write " + dir_.shown(name) + ": " + std::strerror(error_number);
        discard();
        return false;
    }
    temp_name_.clear();
    return true;
}

std::string OutputFile::indexed_name(std::string_view stem, std::string_view ext, int index) {
    std::string name(stem);
    if (index > 1) name += "-" + std::to_string(index);
    return name += ext;
}

// A prepared file is linked straight to its name (one system call, where a temporary name costs a
// link and a rename): link(2) neither replaces nor follows what is at the name, and the file's bytes
// are all there before it has one. Without /proc, through a temporary as below.
int OutputFile::publish_new_anonymous(std::string_view stem, std::string_view ext, std::string& name, int first_index) {
    if (!flush_anonymous()) return 0;
    for (int index = first_index < 1 ? 1 : first_index; index < first_index + 1000; ++index) {
        name = indexed_name(stem, ext, index);
        if (link_anonymous(name)) {
            anonymous_ = false;
            if (close_stream()) return index;
            unlinkat(dir_.fd, name.c_str(), 0);
            name.clear();
            return 0;
        }
        if (errno != EEXIST) break;
    }
    name.clear();
    return -1;
}

int OutputFile::publish_new(std::string_view stem, std::string_view ext, std::string& name, int first_index) {
    if (anonymous_ && stream_ != nullptr) {
        const int index = publish_new_anonymous(stem, ext, name, first_index);
        if (index >= 0) return index;
    }
    if ((anonymous_ && !name_anonymous()) || !close_stream()) {
        discard();
        return 0;
    }
    bool can_rename = true;
    // A bound, so a directory flooded with planted names cannot keep us here.
    for (int index = first_index < 1 ? 1 : first_index; index < first_index + 1000; ++index) {
        name = indexed_name(stem, ext, index);
        int error_number = can_rename ? rename_noreplace(dir_.fd, temp_name_.c_str(), name.c_str()) : EINVAL;
        if (error_number == EINVAL || error_number == ENOSYS) {
            can_rename = false;
            // link() never replaces either; the temporary's own name is then removed.
            error_number = linkat(dir_.fd, temp_name_.c_str(), dir_.fd, name.c_str(), 0) == 0 ? 0 : errno;
            if (error_number == 0) discard();
        }
        if (error_number == 0) {
            temp_name_.clear();
            return index;
        }
        if (error_number != EEXIST) {
            error_ = "cannot write " + dir_.shown(name) + ": " + std::strerror(error_number);
            break;
        }
    }
    if (error_.empty()) error_ = "cannot write " + dir_.shown(name) + ": every name is taken";
    discard();
    name.clear();
    return 0;
}

std::string link_replacing(const OutputDirectory& dir, const std::string& existing, const std::string& name) {
    // Where nothing has the name yet (a fresh run directory), one link(2) is all: it never follows
    // or replaces what is there. Otherwise the link is made under a fresh hidden name, then renamed:
    // a planted `name` is replaced, never written through, and a reader sees the old file or the new one.
    if (linkat(dir.fd, existing.c_str(), dir.fd, name.c_str(), 0) == 0) return {};
    if (errno != EEXIST) return "cannot name " + dir.shown(existing) + " " + name + ": " + std::strerror(errno);
    static std::atomic<unsigned> sequence{0};
    const std::string temp = ".pyitt-link-" + std::to_string(getpid()) + "-" + std::to_string(sequence++);
    if (linkat(dir.fd, existing.c_str(), dir.fd, temp.c_str(), 0) != 0)
        return "cannot name " + dir.shown(existing) + " " + name + ": " + std::strerror(errno);
    const int error_number = rename_replacing(dir.fd, temp.c_str(), name.c_str());
    // Also after a rename: onto a name that is already this file, rename(2) does nothing.
    unlinkat(dir.fd, temp.c_str(), 0);
    if (error_number != 0) return "cannot write " + dir.shown(name) + ": " + std::strerror(error_number);
    return {};
}

}  // namespace pyitt::collector
