// The option words a child inherits, as one line: encode_args and decode_args (host_options.h).
#include <fmt/format.h>

#include <string>
#include <vector>

#include "command_line.h"
#include "host_options.h"

namespace pyitt::host {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

// Words separated by spaces; '%', space and control characters percent-escaped, so the value
// stays one readable line in `env` and survives any byte but NUL.
std::string encode_args(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& arg : args) {
        if (!out.empty()) out += ' ';
        for (unsigned char c : arg) {
            if (c == '%' || c <= ' ' || c == 0x7f) {
                out += fmt::format("%{:02X}", c);
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out;
}

std::vector<std::string> decode_args(const std::string& encoded) {
    std::vector<std::string> args;
    std::string current;
    bool in_word = false;
    for (size_t i = 0; i < encoded.size(); ++i) {
        const char c = encoded[i];
        if (c == ' ') {
            if (in_word) args.push_back(std::move(current));
            current.clear();
            in_word = false;
            continue;
        }
        in_word = true;
        if (c == '%') {
            const int high = i + 2 < encoded.size() ? hex_digit(encoded[i + 1]) : -1;
            const int low = high >= 0 ? hex_digit(encoded[i + 2]) : -1;
            if (low < 0) throw UsageError("a malformed %-escape");
            current += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            current += c;
        }
    }
    if (in_word) args.push_back(std::move(current));
    return args;
}

}  // namespace pyitt::host
