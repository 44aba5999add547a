// The per-process trace reader of trace_reader.h, on the bounded JsonScanner: it relies on the
// structure trace_writer.cpp writes (otherData with the run before traceEvents, then the trailer),
// never on its line layout.
#include "trace_reader.h"

#include <algorithm>
#include <cmath>

namespace pyitt::collector {

namespace {

class TraceParser {
public:
    TraceParser(ByteSource& in, std::string_view run_id,
                const std::function<void(std::string_view)>& on_event)
        : scanner_(in), run_id_(run_id), on_event_(on_event) {}

    ProcessTrace parse() {
        bool first = true;
        std::string key;
        if (scanner_.consume('{')) {
            while (scanner_.more('}', first)) {
                if (!scanner_.read_string(&key, 64) || !scanner_.consume(':')) break;
                bool read = true;
                if (key == "otherData") {
                    read = other_data();
                } else if (key == "traceEvents") {
                    // The run decides before any event is passed on: another run's are never merged.
                    if (!trace_.ours) return trace_;
                    read = events();
                } else if (key == "pyittProcess") {
                    read = process_info();
                } else if (key == "pyittFlat") {
                    read = flat_rows();
                } else if (key == "pyittSequences") {
                    read = sequences();
                } else if (key == "pyittChunks") {
                    read = checksums();
                } else {
                    read = scanner_.skip_value();
                }
                if (!read) break;
            }
        }
        if (!trace_.ours) return trace_;
        trace_.complete = !scanner_.failed() && trailer_seen_ && !second_run_id_;
        if (second_run_id_) {
            trace_.problem = "a second, different run id at byte " + std::to_string(scanner_.offset());
        } else if (scanner_.failed()) {
            trace_.problem = std::string(scanner_.error()) + " at byte " + std::to_string(scanner_.offset());
        } else if (!trailer_seen_) {
            trace_.problem = "no process trailer";
        }
        if (!trailer_seen_ && any_time_) {
            trace_.first_ns = to_ns(min_ts_us_);
            trace_.wall_ns = to_ns(max_end_us_) - std::min(to_ns(max_end_us_), trace_.first_ns);
        }
        return trace_;
    }

private:
    static std::uint64_t to_ns(double us) {
        const double ns = us * 1000.0;
        return ns <= 0 ? 0 : ns >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(std::llround(ns));
    }

    // A member that is a number: its text, or false (then skipped, as any other value) when not one.
    bool number_member(std::string_view& token, bool& is_number) {
        char c;
        if (!scanner_.peek(c)) return false;
        is_number = c == '-' || (c >= '0' && c <= '9');
        return is_number ? scanner_.read_number(token) : scanner_.skip_value();
    }
    bool string_member(std::string& out, std::size_t keep) {
        char c;
        if (!scanner_.peek(c)) return false;
        if (c != '"') return scanner_.skip_value();
        return scanner_.read_string(&out, keep);
    }

    bool other_data() {
        if (!scanner_.consume('{')) return false;
        bool first = true;
        std::string key, run;
        while (scanner_.more('}', first)) {
            if (!scanner_.read_string(&key, 64) || !scanner_.consume(':')) return false;
            if (key == "run") {
                if (!scanner_.read_string(&run, 256)) return false;
                // The first run id decides, before any event is passed on; a second one that differs
                // makes the rest of the file untrustworthy, and what was merged stays merged.
                if (run_decided_ && (run == run_id_) != trace_.ours) {
                    second_run_id_ = true;
                    return false;
                }
                run_decided_ = true;
                trace_.ours = run == run_id_;
            } else if (!scanner_.skip_value()) {
                return false;
            }
        }
        return !scanner_.failed();
    }

    bool events() {
        if (!scanner_.consume('[')) return false;
        bool first = true;
        while (scanner_.more(']', first)) {
            char c;
            if (!scanner_.peek(c)) return false;
            if (c != '{') {
                if (!scanner_.skip_value()) return false;
                continue;
            }
            if (!event()) return false;
        }
        return !scanner_.failed();
    }

    // One event, kept as written; what the merge needs of it is read on the way.
    bool event() {
        raw_.clear();
        scanner_.start_capture(&raw_, kMaxEventBytes);
        std::string key, ph, name;
        bool first = true, has_ts = false;
        double ts = 0, dur = 0;
        bool read = scanner_.consume('{');
        while (read && scanner_.more('}', first)) {
            if (!scanner_.read_string(&key, 16) || !scanner_.consume(':')) {
                read = false;
            } else if (key == "ph") {
                read = string_member(ph, 8);
            } else if (key == "name") {
                read = string_member(name, 32);
            } else if (key == "ts" || key == "dur") {
                std::string_view token;
                bool is_number = false;
                read = number_member(token, is_number);
                double value = 0;
                if (read && is_number && parse_double(token, value)) {
                    (key == "ts" ? ts : dur) = value;
                    has_ts = has_ts || key == "ts";
                }
            } else {
                read = scanner_.skip_value();
            }
        }
        scanner_.stop_capture();
        if (!read || scanner_.failed()) return false;
        on_event_(raw_);
        if (ph == "M") {
            trace_.named = trace_.named || name == "process_name";
            return true;
        }
        ++trace_.events;
        if (has_ts) {
            min_ts_us_ = any_time_ ? std::min(min_ts_us_, ts) : ts;
            max_end_us_ = any_time_ ? std::max(max_end_us_, ts + std::max(dur, 0.0)) : ts + std::max(dur, 0.0);
            any_time_ = true;
        }
        return true;
    }

    bool process_info() {
        if (!scanner_.consume('{')) return false;
        bool first = true;
        std::string key;
        while (scanner_.more('}', first)) {
            if (!scanner_.read_string(&key, 64) || !scanner_.consume(':')) return false;
            if (key == "name" || key == "collection") {
                if (!string_member(key == "name" ? trace_.name : trace_.collection, 4096)) return false;
                continue;
            }
            if (key == "threads") {
                if (!thread_lines()) return false;
                continue;
            }
            std::string_view token;
            bool is_number = false;
            if (!number_member(token, is_number)) return false;
            if (!is_number) continue;
            if (key == "pid") parse_int(token, trace_.pid);
            if (key == "parent") parse_int(token, trace_.parent);
            if (key == "signal") parse_int(token, trace_.end_signal);
            if (key == "first_ns") parse_uint(token, trace_.first_ns);
            if (key == "wall_ns") parse_uint(token, trace_.wall_ns);
            if (key == "events") parse_uint(token, trace_.trailer_events);
        }
        if (scanner_.failed()) return false;
        trailer_seen_ = true;
        return true;
    }

    // ["thread 12 name: ...", ...]: a member of another kind is skipped; at most kMaxThreadLines kept.
    bool thread_lines() {
        constexpr std::size_t kMaxThreadLines = 1u << 16;
        if (!scanner_.consume('[')) return false;
        bool first = true;
        while (scanner_.more(']', first)) {
            std::string line;
            if (!string_member(line, 4096)) return false;
            if (!line.empty() && trace_.threads.size() < kMaxThreadLines) trace_.threads.push_back(std::move(line));
        }
        return !scanner_.failed();
    }

    // [n, ...]: `numbers` gets every member when each is an unsigned number up to `max`, else none.
    // False only where the JSON itself is broken.
    bool unsigned_numbers(std::vector<std::uint64_t>& numbers, std::uint64_t max) {
        numbers.clear();
        if (!scanner_.consume('[')) return false;
        bool first = true, well_formed = true;
        while (scanner_.more(']', first)) {
            std::string_view token;
            bool is_number = false;
            if (!number_member(token, is_number)) return false;
            std::uint64_t n = 0;
            well_formed = well_formed && is_number && parse_uint(token, n) && n <= max;
            if (well_formed) numbers.push_back(n);
        }
        if (scanner_.failed()) return false;
        if (!well_formed) numbers.clear();
        return true;
    }

    // [first, last]: the Perfetto trace's packet sequence ids; kept only when it is two numbers in order.
    bool sequences() {
        std::vector<std::uint64_t> ids;
        if (!unsigned_numbers(ids, UINT64_MAX)) return false;
        if (ids.size() == 2 && ids[0] != 0 && ids[0] <= ids[1]) {
            trace_.sequence_first = ids[0];
            trace_.sequence_last = ids[1];
        }
        return true;
    }

    // [crc, ...]: kept whole or not at all (a member that is not a 32-bit number drops them all).
    bool checksums() {
        std::vector<std::uint64_t> crcs;
        if (!unsigned_numbers(crcs, UINT32_MAX)) return false;
        trace_.chunk_checksums.assign(crcs.begin(), crcs.end());
        return true;
    }

    bool flat_rows() {
        if (!scanner_.consume('[')) return false;
        bool first = true;
        while (scanner_.more(']', first)) {
            char c;
            if (!scanner_.peek(c)) return false;
            if (c != '[') {
                if (!scanner_.skip_value()) return false;
                continue;
            }
            if (!flat_row()) return false;
        }
        return !scanner_.failed();
    }

    // ["label",count,unfinished,depth,inclusive_ns,exclusive_ns[,recursion]]; a row of another shape is skipped.
    bool flat_row() {
        scanner_.consume('[');
        FlatRow row;
        std::uint64_t* numbers[] = {&row.count, &row.unfinished, &row.depth, &row.inclusive_ns, &row.exclusive_ns,
                                    &row.recursion};
        bool first = true, well_formed = true;
        std::size_t index = 0;
        while (scanner_.more(']', first)) {
            char c;
            if (!scanner_.peek(c)) return false;
            bool read = false;
            if (index == 0 && c == '"') {
                read = scanner_.read_string(&row.label, 4096);
            } else if (index >= 1 && index <= 6) {
                std::string_view token;
                bool is_number = false;
                read = number_member(token, is_number);
                well_formed = well_formed && is_number && parse_uint(token, *numbers[index - 1]);
            } else {
                well_formed = false;
                read = scanner_.skip_value();
            }
            if (!read) return false;
            ++index;
        }
        if (scanner_.failed()) return false;
        if (well_formed && (index == 6 || index == 7)) trace_.flat.push_back(std::move(row));
        return true;
    }

    JsonScanner scanner_;
    std::string_view run_id_;
    const std::function<void(std::string_view)>& on_event_;
    ProcessTrace trace_;
    std::string raw_;
    bool trailer_seen_ = false;
    bool run_decided_ = false;
    bool second_run_id_ = false;
    bool any_time_ = false;
    double min_ts_us_ = 0, max_end_us_ = 0;
};

}  // namespace

ProcessTrace read_process_trace(ByteSource& in, std::string_view run_id,
                                const std::function<void(std::string_view event)>& on_event) {
    return TraceParser(in, run_id, on_event).parse();
}

}  // namespace pyitt::collector
