// OutputFile with files made ahead (prepared_files.h): what it publishes, where the program reused
// the descriptors, and without /proc to name them by.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "output_file.h"
#include "prepared_files.h"

namespace fs = std::filesystem;
using namespace pyitt::collector;

namespace {

struct Directory {
    fs::path path;
    OutputDirectory dir;
    Directory() {
        char name[] = "/tmp/pyitt-output-file-XXXXXX";
        path = mkdtemp(name);
        dir = {open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC), path.string()};
    }
    ~Directory() {
        close(dir.fd);
        fs::remove_all(path);
    }
    std::vector<std::string> names() const {
        std::vector<std::string> all;
        for (const auto& entry : fs::directory_iterator(path)) all.push_back(entry.path().filename().string());
        std::sort(all.begin(), all.end());
        return all;
    }
    std::string read(const std::string& name) const {
        std::ifstream in(path / name);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
};

// The descriptors of this process's anonymous files ("/dir/#inode (deleted)").
std::vector<int> anonymous_descriptors() {
    std::vector<int> fds;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        std::error_code error;
        const std::string target = fs::read_symlink(entry.path(), error).string();
        if (!error && target.find("/#") != std::string::npos && target.ends_with(" (deleted)"))
            fds.push_back(std::stoi(entry.path().filename().string()));
    }
    return fds;
}

// Waits for the preparing thread to have made `count` files.
void await_prepared(size_t count) {
    for (int i = 0; i < 2000 && anonymous_descriptors().size() < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(anonymous_descriptors().size(), count);
}

// Takes what is still prepared, so that the next test starts with none.
void drain(int dir_fd) {
    for (int fd; (fd = take_prepared_file(dir_fd)) >= 0;) close(fd);
}

}  // namespace

TEST(PreparedFiles, ArePublishedWholeUnderTheirNamesLeavingNothingElse) {
    Directory d;
    prepare_files(d.dir.fd, 2);
    await_prepared(2);
    {
        OutputFile trace(d.dir);
        ASSERT_TRUE(trace.ok()) << trace.error();
        std::fputs("trace text\n", trace.stream());
        std::string name;
        ASSERT_EQ(trace.publish_new("trace-1", ".json", name), 1) << trace.error();
        EXPECT_EQ(name, "trace-1.json");
    }
    {
        // A link planted at a shared name is replaced, its target left alone.
        std::ofstream(d.path / "target") << "not ours\n";
        fs::create_symlink(d.path / "target", d.path / "summary.txt");
        OutputFile summary(d.dir);
        ASSERT_TRUE(summary.ok()) << summary.error();
        std::fputs("summary text\n", summary.stream());
        ASSERT_TRUE(summary.publish_replacing("summary.txt")) << summary.error();
    }
    EXPECT_TRUE(anonymous_descriptors().empty());
    EXPECT_EQ(d.names(), (std::vector<std::string>{"summary.txt", "target", "trace-1.json"}));
    EXPECT_EQ(d.read("trace-1.json"), "trace text\n");
    EXPECT_EQ(d.read("summary.txt"), "summary text\n");
    EXPECT_FALSE(fs::is_symlink(d.path / "summary.txt"));
    EXPECT_EQ(d.read("target"), "not ours\n");
    struct stat st {};
    ASSERT_EQ(stat((d.path / "trace-1.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 1u);
    const mode_t mask = umask(0);
    umask(mask);
    EXPECT_EQ(st.st_mode & 0777, 0644u & ~mask);  // as a file made at the exit would be
}

TEST(PreparedFiles, NumbersTheProgramClosedAndReusedAreLeftToIt) {
    Directory d;
    prepare_files(d.dir.fd, 2);
    await_prepared(2);
    std::vector<int> reused;
    for (int fd : anonymous_descriptors()) {
        close(fd);
        const int mine = open((d.path / ("mine-" + std::to_string(fd))).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        ASSERT_GE(mine, 0);
        ASSERT_EQ(dup3(mine, fd, O_CLOEXEC), fd);  // the program's file, at the number that was ours
        close(mine);
        reused.push_back(fd);
    }
    EXPECT_EQ(take_prepared_file(d.dir.fd), -1);
    {
        OutputFile file(d.dir);  // made here, then
        ASSERT_TRUE(file.ok()) << file.error();
        std::fputs("ours\n", file.stream());
        std::string name;
        ASSERT_EQ(file.publish_new("stacks-1", ".txt", name), 1) << file.error();
    }
    for (int fd : reused) {
        EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC) << "the program's descriptor " << fd << " was closed";
        EXPECT_EQ(d.read("mine-" + std::to_string(fd)), "");
        close(fd);
    }
    EXPECT_EQ(d.read("stacks-1.txt"), "ours\n");
}

TEST(PreparedFiles, AreForAnotherDirectoryNothing) {
    Directory d, other;
    prepare_files(d.dir.fd, 1);
    await_prepared(1);
    EXPECT_EQ(take_prepared_file(other.dir.fd), -1);
    drain(d.dir.fd);
    EXPECT_TRUE(anonymous_descriptors().empty());
}

// Without /proc (a container that does not mount it) a prepared file cannot be linked by its
// descriptor: its bytes go into a file made then.
TEST(PreparedFiles, AreCopiedWhereProcIsNotThere) {
    Directory d;
    prepare_files(d.dir.fd, 1);
    await_prepared(1);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            mount("none", "/proc", "tmpfs", 0, nullptr) != 0)
            _exit(77);
        // The child's copy of the pool was forgotten at fork (pthread_atfork of the library is not
        // here: this test links the sources), so it takes the parent's copy of the descriptor itself.
        OutputFile file(d.dir);
        if (!file.ok()) _exit(3);
        std::fputs("copied\n", file.stream());
        std::string name;
        _exit(file.publish_new("trace-2", ".json", name) == 1 ? 0 : 4);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "no mount namespace here";
    ASSERT_EQ(WEXITSTATUS(status), 0);
    EXPECT_EQ(d.read("trace-2.json"), "copied\n");
    EXPECT_EQ(d.names(), (std::vector<std::string>{"trace-2.json"}));
    drain(d.dir.fd);  // the parent's, still unwritten
}
