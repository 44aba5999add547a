// The signals --resume-signal and --pause-signal may name, by name or number.
#pragma once

#include <optional>
#include <string>

namespace pyitt::host {

// "SIGUSR1", "USR1", "usr1", "10", "SIGRTMIN+2": the signal number, if it is one pyitt-host may
// take over (not SIGKILL/SIGSTOP, nor the ones that report faults or end the program: SIGINT,
// SIGTERM, SIGSEGV...).
std::optional<int> parse_signal(const std::string& text);

}  // namespace pyitt::host
