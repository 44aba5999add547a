// Descriptors set aside at load for the exit path; see descriptor_reserve.h.
#include "descriptor_reserve.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pyitt::collector {

void make_directories(const std::string& dir) {
    if (dir.empty()) return;
    for (std::size_t i = 1; i <= dir.size(); ++i) {
        if (i == dir.size() || dir[i] == '/') mkdir(dir.substr(0, i).c_str(), 0777);
    }
}

DescriptorReserve::Held DescriptorReserve::hold(int fd) {
    Held held;
    struct stat st {};
    if (fd >= 0 && fstat(fd, &st) == 0) {
        held = {fd, st.st_dev, st.st_ino};
    } else if (fd >= 0) {
        close(fd);
    }
    return held;
}

// O_PATH as well: a program's own descriptor on the same file is hardly ever an O_PATH one.
bool DescriptorReserve::Held::still_ours() const {
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_dev != dev || st.st_ino != ino) return false;
    const int flags = fcntl(fd, F_GETFL);
    return flags != -1 && (flags & O_PATH) != 0;
}

void DescriptorReserve::take(const std::string& dir) {
    std::lock_guard lock(mutex_);
    const char* path = dir.empty() ? "." : dir.c_str();
    int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {  // under pyitt-host it exists: a mkdir per component saved
        make_directories(dir);
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    dir_ = hold(fd);
    for (Held& spare : spares_) spare = hold(open("/dev/null", O_PATH | O_CLOEXEC));
}

void DescriptorReserve::release_spares() {
    std::lock_guard lock(mutex_);
    for (Held& spare : spares_) {
        if (spare.still_ours()) close(spare.fd);
        spare = Held{};
    }
}

OutputDirectory DescriptorReserve::directory(const std::string& dir) {
    std::lock_guard lock(mutex_);
    OutputDirectory out{-1, dir};
    struct stat named {};
    if (dir_.still_ours() && stat(dir.empty() ? "." : dir.c_str(), &named) == 0 && named.st_dev == dir_.dev &&
        named.st_ino == dir_.ino) {
        out.fd = dir_.fd;
        return out;
    }
    make_directories(dir);
    if (dir.empty()) {
        out.fd = AT_FDCWD;
        return out;
    }
    // The one held before is left open: an OutputDirectory copy of it may still be in use.
    const Held fresh = hold(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (fresh.fd >= 0) {
        dir_ = fresh;
        out.fd = fresh.fd;
    }
    return out;
}

DescriptorReserve& descriptor_reserve() {
    static DescriptorReserve* reserve = new DescriptorReserve();  // never destroyed: used at exit
    return *reserve;
}

}  // namespace pyitt::collector
