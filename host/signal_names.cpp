#include "signal_names.h"

#include <cctype>
#include <charconv>
#include <csignal>
#include <string_view>
#include <utility>

namespace pyitt::host {
namespace {

// Signals a user can send from another shell without disturbing the program: not the ones that end
// it (INT, TERM: the program's own KeyboardInterrupt and pyitt-host's trace on SIGTERM), report a
// fault (SEGV, BUS...), or cannot be caught (KILL, STOP).
constexpr std::pair<const char*, int> kNamedSignals[] = {
    {"HUP", SIGHUP},   {"QUIT", SIGQUIT},     {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"ALRM", SIGALRM},
    {"URG", SIGURG},   {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL}, {"PWR", SIGPWR},
    {"PROF", SIGPROF}, {"VTALRM", SIGVTALRM},
};

bool usable(int signal) {
    if (signal >= SIGRTMIN && signal <= SIGRTMAX) return true;
    for (auto [name, number] : kNamedSignals)
        if (number == signal) return true;
    return false;
}

std::optional<int> parse_number(std::string_view text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::optional<int> parse_signal(const std::string& text) {
    std::string name;
    for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    std::optional<int> number = parse_number(name);
    if (!number) {
        for (auto [known, value] : kNamedSignals)
            if (name == known) number = value;
    }
    if (!number && name.rfind("RTMIN", 0) == 0) {
        const std::optional<int> offset = name.size() == 5 ? 0 : name[5] == '+' ? parse_number(name.substr(6)) : std::nullopt;
        if (offset) number = SIGRTMIN + *offset;
    }
    if (!number && name.rfind("RTMAX", 0) == 0) {
        const std::optional<int> offset = name.size() == 5 ? 0 : name[5] == '-' ? parse_number(name.substr(6)) : std::nullopt;
        if (offset) number = SIGRTMAX - *offset;
    }
    if (!number || !usable(*number)) return std::nullopt;
    return number;
}

}  // namespace pyitt::host
