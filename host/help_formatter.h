// pyitt-host --help's layout, as a CLI11 formatter.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace pyitt::host {

// A spelling of an option CLI11 does not know (omnitrace's -MI for --module-include), shown in the help.
struct OtherSpelling {
    std::string long_name;  // "--module-include"
    std::string spelling;   // "-MI"
};

// The formatter CLI11 calls for --help: `usage` lines (the first after "Usage: "), `paragraphs` of
// prose after the app's description, the option groups, then `footer`. Its width is $COLUMNS, else
// the terminal's, else 80.
std::shared_ptr<CLI::FormatterBase> make_help_formatter(std::vector<std::string> usage, std::vector<std::string> paragraphs,
                                                        std::string footer, std::vector<OtherSpelling> other_spellings);

}  // namespace pyitt::host
