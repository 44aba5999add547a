// Runs a test body in a forked child with its own ITT environment: the runtime initialises once per
// process, so every scenario needs a fresh one. The child's stderr is captured for the parent.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

// Inside a child body: report and exit with failure (gtest assertions would not reach the parent).
#define REQUIRE(condition)                                                                   \
    do {                                                                                     \
        if (!(condition)) {                                                                  \
            fprintf(stderr, "REQUIRE failed at %s:%d: %s\n", __FILE__, __LINE__, #condition); \
            fflush(stderr);                                                                  \
            _exit(1);                                                                        \
        }                                                                                    \
    } while (0)

struct ChildResult {
    int exit_code = -1;  // -1 when the child did not exit normally
    std::string stderr_text;
};

using Environment = std::vector<std::pair<const char*, const char*>>;

inline ChildResult run_in_child(const Environment& environment, const std::function<void()>& body) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return {};
    fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipe_fds[0]);
        dup2(pipe_fds[1], STDERR_FILENO);
        for (const char* name : {"INTEL_LIBITTNOTIFY64", "INTEL_ITTNOTIFY_GROUPS", "KMP_FOR_TPROFILE",
                                 "KMP_FOR_TCHECK"}) {
            unsetenv(name);
        }
        for (const auto& [name, value] : environment) setenv(name, value, 1);
        body();
        fflush(nullptr);
        _exit(0);
    }
    close(pipe_fds[1]);
    ChildResult result;
    char buffer[4096];
    for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) result.stderr_text.append(buffer, n);
    close(pipe_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

inline int count_lines_containing(const std::string& text, const std::string& needle) {
    int count = 0;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (text.substr(start, end - start).find(needle) != std::string::npos) ++count;
        start = end + 1;
    }
    return count;
}
