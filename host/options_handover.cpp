#include "options_handover.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string_view>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include "command_line.h"

namespace pyitt::host {
namespace {

constexpr std::string_view kFormat = "pyitt-host/1";
// Well below the kernel's 128 KiB for one environment string, and small beside the 2 MiB or so
// that the arguments and the whole environment share.
constexpr size_t kLargestInline = 4096;

std::string run_word(const ProcessIdentity& run) { return fmt::format("run={}.{}", run.pid, run.start_ticks); }

std::optional<ProcessIdentity> parse_run_word(const std::string& word) {
    ProcessIdentity run;
    char tail = 0;
    if (word.rfind("run=", 0) != 0 ||
        std::sscanf(word.c_str() + 4, "%ld.%llu%c", &run.pid, &run.start_ticks, &tail) != 2 || run.pid <= 0) {
        return std::nullopt;
    }
    return run;
}

// Whatever is wrong with the variable, the remedy is the same.
UsageError refused(const std::string& why) {
    return UsageError(fmt::format("{}: set, but {}; unset {} to start a new pyitt-host run", kChildOptionsVariable,
                                  why, kChildOptionsVariable));
}

// The file's words, if it is one this user made for the run and nobody else could have changed.
std::string read_options_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) throw refused(fmt::format("its options file {} cannot be read ({})", path, std::strerror(errno)));
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != ::geteuid() ||
        (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        ::close(fd);
        throw refused(fmt::format("its options file {} is not a private file of this user", path));
    }
    std::string text;
    char buffer[65536];
    ssize_t got = 0;
    while ((got = ::read(fd, buffer, sizeof buffer)) > 0 || (got < 0 && errno == EINTR)) {
        if (got > 0) text.append(buffer, static_cast<size_t>(got));
    }
    ::close(fd);
    return text;
}

}  // namespace

std::optional<ProcessIdentity> ProcessIdentity::of(long pid) {
    std::ifstream stat_file(fmt::format("/proc/{}/stat", pid));
    std::string stat;
    if (!std::getline(stat_file, stat)) return std::nullopt;
    // The command name in parentheses may hold spaces and ')': the fields start after the last ')'.
    const size_t name_end = stat.rfind(')');
    if (name_end == std::string::npos) return std::nullopt;
    std::istringstream fields(stat.substr(name_end + 1));
    std::string field;
    for (int number = 3; fields >> field; ++number) {
        if (number == 22) return ProcessIdentity{pid, std::strtoull(field.c_str(), nullptr, 10)};
    }
    return std::nullopt;
}

bool ProcessIdentity::alive() const { return of(pid) == *this; }

OptionsHandover hand_over_options(const std::vector<std::string>& args, const std::string& dir) {
    const std::optional<ProcessIdentity> self = ProcessIdentity::of(::getpid());
    if (!self) throw std::system_error(errno ? errno : ENOENT, std::generic_category(), "/proc/self/stat");
    const std::string header = fmt::format("{} {}", kFormat, run_word(*self));
    std::string value = fmt::format("{} {}", header, encode_args(args));
    if (value.size() <= kLargestInline) return {std::move(value), {}};

    std::string path = fmt::format("{}/.pyitt-host-options-XXXXXX", dir);
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);  // 0600, and a name that did not exist
    if (fd < 0) throw std::system_error(errno, std::generic_category(), path);
    for (size_t written = 0; written < value.size();) {
        const ssize_t put = ::write(fd, value.data() + written, value.size() - written);
        if (put < 0 && errno == EINTR) continue;
        if (put < 0) {
            const int error = errno;
            ::close(fd);
            ::unlink(path.c_str());
            throw std::system_error(error, std::generic_category(), path);
        }
        written += static_cast<size_t>(put);
    }
    ::close(fd);
    return {fmt::format("{} file={}", header, encode_args({path})), path};
}

InheritedOptions read_inherited_options(const std::string& value) {
    const auto words_of = [](const std::string& text) {
        try {
            return decode_args(text);
        } catch (const UsageError&) {
            throw refused("not by pyitt-host (a malformed %-escape)");
        }
    };
    std::vector<std::string> words = words_of(value);
    if (words.empty() || words[0].rfind("pyitt-host/", 0) != 0) throw refused("not by pyitt-host");
    if (words[0] != kFormat) throw refused(fmt::format("by another version of pyitt-host ({})", words[0]));
    const std::optional<ProcessIdentity> run = words.size() > 1 ? parse_run_word(words[1]) : std::nullopt;
    if (!run) throw refused("not by pyitt-host (no run=PID.START)");
    if (!run->alive()) {
        throw refused(fmt::format("the pyitt-host that set it (pid {}) is no longer running", run->pid));
    }
    InheritedOptions inherited;
    inherited.run_started_here = run->pid == ::getpid();
    if (words.size() == 3 && words[2].rfind("file=", 0) == 0) {
        const std::string path = words[2].substr(5);
        inherited.file = path;
        std::vector<std::string> from_file = words_of(read_options_file(path));
        if (from_file.size() < 2 || from_file[0] != words[0] || from_file[1] != words[1]) {
            throw refused(fmt::format("its options file {} belongs to another run", path));
        }
        words = std::move(from_file);
    }
    inherited.option_words = encode_args(std::vector<std::string>(words.begin() + 2, words.end()));
    return inherited;
}

}  // namespace pyitt::host
