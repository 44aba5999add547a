#include "event_time.h"

#include <fmt/format.h>

namespace pyitt::job {
namespace {

// The digits (and decimals) of a number at `at`; `end` is past them.
std::int64_t read_ns(std::string_view text, std::size_t at, std::size_t& end) {
    std::int64_t ns = 0;
    std::size_t j = at;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ns = ns * 10 + (text[j++] - '0');
    ns *= 1000;
    if (j < text.size() && text[j] == '.') {
        std::int64_t scale = 100;
        for (++j; j < text.size() && text[j] >= '0' && text[j] <= '9'; ++j) {
            ns += (text[j] - '0') * scale;
            scale /= 10;
        }
    }
    end = j;
    return ns;
}

}  // namespace

std::string move_event(std::string_view event, std::int64_t shift_ns, long pid_offset) {
    std::string out;
    out.reserve(event.size() + 8);
    std::size_t copied = 0;
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < event.size(); ++i) {
        const char c = event[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') --depth;
        if (c != '"') continue;
        const bool ts = shift_ns != 0 && event.substr(i, 5) == "\"ts\":";
        const bool pid = pid_offset != 0 && event.substr(i, 6) == "\"pid\":";
        if (depth == 1 && (ts || pid)) {
            const std::size_t begin = i + (ts ? 5 : 6);
            std::size_t end = begin;
            const std::int64_t ns = read_ns(event, begin, end);
            if (end == begin || (pid && end < event.size() && event[end] == '.')) {
                in_string = true;
                continue;
            }
            out.append(event.substr(copied, begin - copied));
            if (ts) {
                const std::int64_t moved = ns + shift_ns < 0 ? 0 : ns + shift_ns;
                fmt::format_to(std::back_inserter(out), "{}.{:03}", moved / 1000, moved % 1000);
            } else {
                fmt::format_to(std::back_inserter(out), "{}", ns / 1000 + pid_offset);
            }
            copied = end;
            i = end - 1;
            continue;
        }
        in_string = true;
    }
    out.append(event.substr(copied));
    return out;
}

}  // namespace pyitt::job
