#include "event_time.h"

#include <fmt/format.h>

namespace pyitt::job {

std::string shift_event_time(std::string_view event, std::int64_t shift_ns) {
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
        if (depth == 1 && event.substr(i, 5) == "\"ts\":") {
            std::size_t j = i + 5, begin = j;
            std::int64_t ns = 0;
            while (j < event.size() && event[j] >= '0' && event[j] <= '9') ns = ns * 10 + (event[j++] - '0');
            ns *= 1000;
            if (j < event.size() && event[j] == '.') {
                std::int64_t scale = 100;
                for (++j; j < event.size() && event[j] >= '0' && event[j] <= '9'; ++j) {
                    ns += (event[j] - '0') * scale;
                    scale /= 10;
                }
            }
            if (j == begin) return std::string(event);
            const std::int64_t moved = ns + shift_ns < 0 ? 0 : ns + shift_ns;
            return fmt::format("{}{}.{:03}{}", event.substr(0, begin), moved / 1000, moved % 1000, event.substr(j));
        }
        in_string = true;
    }
    return std::string(event);
}

}  // namespace pyitt::job
