// Anonymous output files made ahead on a thread of their own; see prepared_files.h.
#include "prepared_files.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>
#include <vector>

namespace pyitt::collector {
namespace {

struct Prepared {
    int fd;
    dev_t dev;
    ino_t ino;
};

// Never destroyed: the thread may still be making files while the process exits.
struct Pool {
    std::mutex mutex;
    std::vector<Prepared> files;
    int dir_fd = -1;  // the preparing thread's duplicate of the directory, closed when it is done
    dev_t dir_dev = 0;
    ino_t dir_ino = 0;
    pthread_t thread{};
    bool joinable = false;  // the preparing thread, until a fork waits for it
};
Pool& pool() {
    static Pool* p = new Pool();
    return *p;
}

// What the thread is to make, carried in its argument itself: freeing a heap copy from the thread
// would make glibc give it a malloc arena of its own (a 64 MiB reservation and its page faults).
struct Job {
    int dir_fd;
    int count;  // below 256

    void* packed() const { return reinterpret_cast<void*>(static_cast<uintptr_t>(dir_fd) << 8 | static_cast<uintptr_t>(count)); }
    static Job unpacked(void* argument) {
        const auto bits = reinterpret_cast<uintptr_t>(argument);
        return {static_cast<int>(bits >> 8), static_cast<int>(bits & 0xff)};
    }
};

// The duplicate of the directory, unless the program closed it and got its number again.
void close_if_directory(int fd, const Pool& p) {
    struct stat st {};
    const int flags = fcntl(fd, F_GETFL);
    if (fstat(fd, &st) == 0 && st.st_dev == p.dir_dev && st.st_ino == p.dir_ino && flags != -1 && (flags & O_PATH) != 0)
        close(fd);
}

void* make_files(void* argument) {
    const Job job = Job::unpacked(argument);
    Pool& p = pool();
    for (int i = 0; i < job.count; ++i) {
        // Read-write: OutputFile copies it into a named file where it cannot link it (no /proc).
        const int fd = openat(job.dir_fd, ".", O_RDWR | O_TMPFILE | O_CLOEXEC, 0644);
        if (fd < 0) break;  // no O_TMPFILE here (EOPNOTSUPP, EISDIR...): files are made at the exit
        struct stat st {};
        if (fstat(fd, &st) != 0) {
            close(fd);
            break;
        }
        std::lock_guard lock(p.mutex);
        p.files.push_back({fd, st.st_dev, st.st_ino});
    }
    std::lock_guard lock(p.mutex);
    if (p.dir_fd == job.dir_fd) p.dir_fd = -1;
    close_if_directory(job.dir_fd, p);
    return nullptr;
}

// Still the file we made: the program may have closed our descriptor and got its number again.
bool still_ours(const Prepared& file) {
    struct stat st {};
    if (fstat(file.fd, &st) != 0 || st.st_dev != file.dev || st.st_ino != file.ino) return false;
    const int flags = fcntl(file.fd, F_GETFL);
    return st.st_nlink == 0 && st.st_size == 0 && flags != -1 && (flags & O_ACCMODE) == O_RDWR;
}

}  // namespace

void prepare_files(int dir_fd, int count) {
    Pool& p = pool();
    struct stat dir {};
    const int own = dir_fd == AT_FDCWD ? open(".", O_PATH | O_DIRECTORY | O_CLOEXEC) : fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) return;
    if (fstat(own, &dir) != 0) {
        close(own);
        return;
    }
    {
        std::lock_guard lock(p.mutex);
        if (p.dir_fd != -1 || !p.files.empty()) {  // being made, or made already
            close(own);
            return;
        }
        p.files.reserve(static_cast<size_t>(count));  // the thread then allocates nothing (no malloc arena of its own)
        p.dir_fd = own;
        p.dir_dev = dir.st_dev;
        p.dir_ino = dir.st_ino;
    }
    // The program's signals are not for this thread: it starts with all of them blocked.
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, 64 * 1024);
    pthread_t thread;
    const bool started = count > 0 && count < 256 && pthread_create(&thread, &attributes, make_files, Job{own, count}.packed()) == 0;
    pthread_attr_destroy(&attributes);
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    std::lock_guard lock(p.mutex);
    if (started) {
        p.thread = thread;
        p.joinable = true;
    } else {
        p.dir_fd = -1;
        close(own);
    }
}

int take_prepared_file(int dir_fd) {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    if (p.files.empty()) return -1;
    struct stat dir {};
    const int found = dir_fd == AT_FDCWD ? stat(".", &dir) : fstat(dir_fd, &dir);
    if (found != 0 || dir.st_dev != p.dir_dev || dir.st_ino != p.dir_ino) return -1;
    while (!p.files.empty()) {
        const Prepared file = p.files.back();
        p.files.pop_back();
        if (still_ours(file)) return file.fd;  // otherwise the number is the program's now: left alone
    }
    return -1;
}

// Python 3.12+'s os.fork() warns when the process has more than one thread (counted after the fork),
// which a program forking at once would get under pyitt-host and not under python: the fork waits
// for the preparing thread (a few files, a few milliseconds at most), outside the pool's lock.
void prepared_files_prepare_fork() {
    Pool& p = pool();
    std::unique_lock lock(p.mutex);
    if (p.joinable) {
        const pthread_t thread = p.thread;
        p.joinable = false;
        lock.unlock();
        pthread_join(thread, nullptr);
        lock.lock();
    }
    lock.release();  // held across the fork; unlocked by the after-fork handlers
}
void prepared_files_parent_after_fork() { pool().mutex.unlock(); }

// The descriptors are copies of the parent's, on the parent's files: closed, never written here.
void prepared_files_child_after_fork() {
    Pool& p = pool();
    for (const Prepared& file : p.files) {
        if (still_ours(file)) close(file.fd);
    }
    p.files.clear();
    if (p.dir_fd != -1) close_if_directory(p.dir_fd, p);  // the parent's thread goes on with its own
    p.dir_fd = -1;
    new (&p.mutex) std::mutex();
}

}  // namespace pyitt::collector
