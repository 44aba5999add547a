// pyitt-host's own messages on stderr. A stderr that is closed, full or a broken pipe must not
// change what the program does (its exit status above all), so a failed write is ignored: fmt's
// print throws there, and from an exit hook or the control thread that would abort the process.
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <string_view>
#include <unistd.h>

namespace pyitt {

inline void write_stderr(std::string_view text) {
    const int saved = errno;
    while (!text.empty()) {
        const ssize_t written = ::write(STDERR_FILENO, text.data(), text.size());
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) break;
        text.remove_prefix(static_cast<size_t>(written));
    }
    errno = saved;
}

template <class... Args>
void print_stderr(fmt::format_string<Args...> format, Args&&... args) {
    try {
        write_stderr(fmt::format(format, std::forward<Args>(args)...));
    } catch (...) {  // out of memory: a message is not worth the program
    }
}

}  // namespace pyitt
