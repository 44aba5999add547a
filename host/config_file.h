// Reading `-c FILE`: the TOML that pyitt-host's options are written in (top-level `key = value`
// lines; strings, numbers, booleans and arrays of them). What the keys mean is the command line's
// business (command_line.cpp); this file knows only the syntax, and where each value was written.
#pragma once

#include <string>
#include <vector>

#include "command_line.h"

namespace pyitt::host {

struct ConfigValue {
    enum class Type { kString, kNumber, kBoolean, kArray };
    Type type = Type::kString;
    std::string text;                // a string's contents, a number as written, "true" or "false"
    std::vector<ConfigValue> items;  // kArray

    // "a string", "an array"...: for messages.
    std::string describe_type() const;
};

struct ConfigEntry {
    std::string key;
    ConfigValue value;
    int line = 0;
};

// A config file that cannot be read or is not such TOML: "FILE:LINE: what is wrong" (a UsageError).
struct ConfigError : UsageError {
    ConfigError(const std::string& file, int line, const std::string& message);
};

// The file's entries in order. Throws ConfigError for an unreadable file, a syntax error, a
// [table], an inline table, a nested array or a key given twice.
std::vector<ConfigEntry> read_config_file(const std::string& path);

}  // namespace pyitt::host
