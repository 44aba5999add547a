// Reading a python command line as python does: what it runs, and its one-letter flags.
#include "python_command_line.h"

namespace pyitt::host {
namespace {

// Reads python's options as python does, up to what they run; the one-letter flags go to `flags`.
PythonProgram read_python_options(const std::vector<std::string>& argv, std::string& flags) {
    for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& word = argv[i];
        if (word == "-") return {};
        if (word == "--check-hash-based-pycs") {
            ++i;
            continue;
        }
        if (word.size() < 2 || word[0] != '-') return {PythonProgram::kScript, word};
        if (word[1] == '-') continue;  // --help, --version...
        for (size_t j = 1; j < word.size(); ++j) {
            const char flag = word[j];
            if (flag != 'c' && flag != 'm' && flag != 'W' && flag != 'X') {
                flags += flag;
                continue;
            }
            std::string value = j + 1 < word.size() ? word.substr(j + 1) : (i + 1 < argv.size() ? argv[++i] : "");
            if (flag == 'c') return {PythonProgram::kCommand, value};
            if (flag == 'm') return {PythonProgram::kModule, value};
            break;  // -W ARG, -X OPT: the rest of the word is their value
        }
    }
    return {};
}

}  // namespace

PythonProgram python_program(const std::vector<std::string>& argv) {
    std::string flags;
    return read_python_options(argv, flags);
}

bool python_ignores_environment(const std::vector<std::string>& argv) {
    std::string flags;
    read_python_options(argv, flags);
    return flags.find_first_of("EI") != std::string::npos;
}

}  // namespace pyitt::host
