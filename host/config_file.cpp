// A reader for the part of TOML that pyitt-host's options need, with the line of every mistake:
// CLI11's own config reader takes any line it does not understand for an unknown option and drops
// it, so a typo silently ran the program with no filter at all.
#include "config_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <string_view>
#include <unistd.h>

namespace pyitt::host {
namespace {

bool is_bare_key_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

void append_utf8(std::string& out, unsigned long code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

// Walks the text once, keeping the line number for messages.
class Scanner {
public:
    Scanner(std::string text, std::string file) : text_(std::move(text)), file_(std::move(file)) {}

    std::vector<ConfigEntry> entries() {
        std::vector<ConfigEntry> entries;
        std::map<std::string, int> seen;
        for (skip_blank_lines(); !at_end(); skip_blank_lines()) {
            const int line = line_;
            if (peek() == '[') {
                fail(line, "[tables] are not pyitt-host options: write every option as 'key = value' at the top "
                           "of the file");
            }
            std::string key = read_key();
            skip_spaces();
            if (peek() == '.') fail(line, fmt::format("unknown key '{}.' (dotted keys are not pyitt-host options)", key));
            if (!take('=')) fail(line, fmt::format("expected '=' after the key '{}'", key));
            skip_spaces();
            ConfigValue value = read_value(key, false);
            end_of_line(key);
            if (const auto [where, added] = seen.emplace(key, line); !added) {
                fail(line, fmt::format("'{}' is given twice (first on line {})", key, where->second));
            }
            entries.push_back({std::move(key), std::move(value), line});
        }
        return entries;
    }

private:
    [[noreturn]] void fail(int line, const std::string& message) const { throw ConfigError(file_, line, message); }
    [[noreturn]] void fail(const std::string& message) const { fail(line_, message); }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
    bool starts(std::string_view word) const { return text_.compare(pos_, word.size(), word) == 0; }
    char next() {
        const char c = text_[pos_++];
        if (c == '\n') ++line_;
        return c;
    }
    bool take(char c) {
        if (at_end() || peek() != c) return false;
        next();
        return true;
    }

    void skip_spaces() {
        while (!at_end() && (peek() == ' ' || peek() == '\t')) next();
    }
    void skip_comment() {
        if (peek() != '#') return;
        while (!at_end() && peek() != '\n') {
            if (next() == '\0') fail("a NUL byte: this is not a text file");
        }
    }
    void skip_blank_lines() {
        for (;;) {
            skip_spaces();
            skip_comment();
            if (take('\r') && peek() != '\n') fail("a carriage return without a newline");
            if (!take('\n')) return;
        }
    }
    // Spaces, comments and newlines, inside an array.
    void skip_whitespace() {
        for (;;) {
            skip_blank_lines();
            if (!take('\n')) return;
        }
    }
    void end_of_line(const std::string& key) {
        skip_spaces();
        skip_comment();
        take('\r');
        if (!at_end() && !take('\n')) {
            fail(fmt::format("unexpected '{}' after the value of '{}' (one 'key = value' per line)", shown(peek()), key));
        }
    }

    static std::string shown(char c) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
            return fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        }
        return std::string(1, c);
    }

    std::string read_key() {
        if (peek() == '"' || peek() == '\'') return read_string(false);
        std::string key;
        while (!at_end() && is_bare_key_char(peek())) key += next();
        if (key.empty()) {
            fail(fmt::format("expected 'key = value', found '{}'{}", shown(peek()),
                             peek() == '\0' ? " (a NUL byte: this is not a text file)" : ""));
        }
        return key;
    }

    ConfigValue read_value(const std::string& key, bool in_array) {
        ConfigValue value;
        const char c = peek();
        if (c == '"' || c == '\'') {
            value.text = read_string(true);
        } else if (c == '[') {
            if (in_array) fail(fmt::format("'{}': arrays of arrays are not pyitt-host option values", key));
            value.type = ConfigValue::Type::kArray;
            next();
            for (skip_whitespace(); !take(']'); skip_whitespace()) {
                if (at_end()) fail(fmt::format("'{}': the array is not closed with ']'", key));
                value.items.push_back(read_value(key, true));
                skip_whitespace();
                if (peek() != ']' && !take(',')) fail(fmt::format("'{}': expected ',' or ']' in the array", key));
            }
        } else if (c == '{') {
            fail(fmt::format("'{}': inline tables are not pyitt-host option values", key));
        } else if (starts("true") || starts("false")) {
            value.type = ConfigValue::Type::kBoolean;
            value.text = starts("true") ? "true" : "false";
            pos_ += value.text.size();
        } else {
            value.type = ConfigValue::Type::kNumber;
            value.text = read_number(key);
        }
        return value;
    }

    // Integers and floats as TOML writes them (1, -2, 1.5, 1e3, 1_000, inf, nan); the option's own
    // check says whether it is a number it takes.
    std::string read_number(const std::string& key) {
        std::string number;
        while (!at_end() && (is_bare_key_char(peek()) || peek() == '.' || peek() == '+')) {
            const char c = next();
            if (c != '_') number += c;
        }
        if (number.empty() || number.find_first_of("0123456789") == std::string::npos) {
            const bool word = !number.empty() && number.find_first_not_of("+-") != std::string::npos;
            if (word && number != "inf" && number != "nan" && number != "+inf" && number != "-inf") {
                fail(fmt::format("'{}': {} is not a value: put strings in quotes (\"{}\")", key, number, number));
            }
            if (!word) fail(fmt::format("'{}': expected a value, found '{}'", key, shown(peek())));
        }
        return number;
    }

    // "basic" (with escapes), 'literal', and their multi-line forms.
    std::string read_string(bool multi_line_allowed) {
        const char quote = next();
        const int opened_on = line_;
        const bool multi_line = multi_line_allowed && peek() == quote && peek(1) == quote;
        if (multi_line) {
            pos_ += 2;
            if (take('\r')) {}
            take('\n');  // a newline right after the opening quotes is not part of the string
        } else if (peek() == quote) {
            next();
            return {};
        }
        std::string out;
        for (;;) {
            if (at_end()) fail(opened_on, "a string that is never closed");
            if (peek() == quote && (!multi_line || (peek(1) == quote && peek(2) == quote))) {
                pos_ += multi_line ? 3 : 1;
                return out;
            }
            const char c = next();
            if (c == '\n' && !multi_line) fail(opened_on, "a string that is not closed on its line");
            if (c == '\0') fail("a NUL byte: this is not a text file");
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && !(c == '\r' && peek() == '\n')) {
                fail(fmt::format("a control character ({}) in a string: write it as an escape", shown(c)));
            }
            if (c != '\\' || quote == '\'') {
                out += c;
                continue;
            }
            out += read_escape(multi_line);
        }
    }

    std::string read_escape(bool multi_line) {
        const char c = at_end() ? '\0' : next();
        switch (c) {
            case 'b': return "\b";
            case 't': return "\t";
            case 'n': return "\n";
            case 'f': return "\f";
            case 'r': return "\r";
            case 'e': return "\x1b";
            case '"': return "\"";
            case '\\': return "\\";
            case 'u':
            case 'U': {
                const size_t digits = c == 'u' ? 4 : 8;
                const std::string hex = text_.substr(pos_, digits);
                unsigned long code = 0;
                if (hex.size() != digits || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos ||
                    (code = std::stoul(hex, nullptr, 16)) > 0x10FFFF) {
                    fail(fmt::format("\\{} must be followed by {} hex digits of a Unicode code point", c, digits));
                }
                pos_ += digits;
                std::string out;
                append_utf8(out, code);
                return out;
            }
            default:
                if (multi_line && (c == '\n' || c == ' ' || c == '\t' || c == '\r')) {
                    // A backslash at the end of a line joins it with the next non-blank text.
                    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\r' || peek() == '\n')) next();
                    return {};
                }
                fail(fmt::format("'\\{}' is not an escape TOML knows: write a backslash as '\\\\' or use 'single "
                                 "quotes' (regexes: '^fib\\d$')",
                                 shown(c)));
        }
    }

    std::string text_;
    std::string file_;
    size_t pos_ = 0;
    int line_ = 1;
};

}  // namespace

std::string ConfigValue::describe_type() const {
    switch (type) {
        case Type::kString: return "a string";
        case Type::kNumber: return "a number";
        case Type::kBoolean: return "a boolean";
        case Type::kArray: return "an array";
    }
    return "a value";
}

ConfigError::ConfigError(const std::string& file, int line, const std::string& message)
    : UsageError(fmt::format("{}:{}: {}", file, line, message)) {}

std::vector<ConfigEntry> read_config_file(const std::string& path) {
    const auto cannot_read = [&](int error) {
        return UsageError(fmt::format("-c: cannot read the config file '{}': {}", path, std::strerror(error)));
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw cannot_read(errno);
    std::string contents;
    char buffer[65536];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            const int error = errno;  // EISDIR for a directory
            ::close(fd);
            throw cannot_read(error);
        }
        if (got == 0) break;
        contents.append(buffer, static_cast<size_t>(got));
    }
    ::close(fd);
    if (contents.rfind("\xEF\xBB\xBF", 0) == 0) contents.erase(0, 3);  // a BOM some editors write
    return Scanner(std::move(contents), path).entries();
}

}  // namespace pyitt::host
