// How a run's options reach the processes its program starts with sys.executable: the environment
// variable PYITT_HOST_OPTIONS (kChildOptionsVariable), made by the process the user started.
//
//   pyitt-host/1 run=<pid>.<start> --function-include=fib --domain=python ...
//   pyitt-host/1 run=<pid>.<start> file=/out/dir/.pyitt-host-options-Ab12Cd
//
// The run is named by the first process's pid and its start time (/proc/<pid>/stat): a child
// takes the options only while that process is alive, so a variable left in a shell, a job
// script's environment or written by hand is refused rather than silently turning pyitt-host
// into a child. Large option sets go in a file (an environment string longer than 128 KiB makes
// every exec fail with E2BIG).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pyitt::host {

// A process, told apart from a later one that reuses its pid.
struct ProcessIdentity {
    long pid = 0;
    unsigned long long start_ticks = 0;  // field 22 of /proc/<pid>/stat

    static std::optional<ProcessIdentity> of(long pid);
    bool alive() const;
    bool operator==(const ProcessIdentity&) const = default;
};

// The variable's value for option words `args`, in the first process. Above a few KiB the words
// go into a new file in `dir` (0600, a name nobody can guess; `file` says where, for removing
// it when the run ends). Throws std::system_error when the file cannot be made.
struct OptionsHandover {
    std::string value;
    std::string file;
};
OptionsHandover hand_over_options(const std::vector<std::string>& args, const std::string& dir);

// In a child: what the variable hands over, once it is known to come from a pyitt-host of a
// running run. Throws UsageError naming the variable otherwise.
struct InheritedOptions {
    std::string option_words;  // encode_args
    std::string file;          // the options file, if the words came from one
    // This process is the run's first one, after an exec (os.execv(sys.executable, ...)): the
    // run's files are still its to remove.
    bool run_started_here = false;
};
InheritedOptions read_inherited_options(const std::string& value);

}  // namespace pyitt::host
