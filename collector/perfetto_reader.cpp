#include "perfetto_reader.h"

#include <sys/stat.h>
#include <libdeflate.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "perfetto_format.h"
#include "perfetto_framing.h"
#include "protobuf_wire.h"

namespace pyitt::collector {
namespace {

using namespace perfetto;

// The message with each field either rewritten by on_field (which appends it and returns true) or
// copied; a field that does not parse ends it (the packet's own fields were checked before).
template <typename OnField>
std::string rewritten(std::string_view message, OnField on_field) {
    std::string out;
    wire::Reader r(message);
    std::uint32_t id;
    wire::WireType type;
    std::uint64_t number;
    std::string_view bytes;
    const char* start = message.data();
    while (!r.at_end() && r.field(id, type, number, bytes)) {
        const char* end = message.data() + (message.size() - r.left());
        if (!on_field(out, id, type, number, bytes)) out.append(start, end);
        start = end;
    }
    return out;
}

// The message with `add` added to its varint field `field`.
std::string added(std::string_view message, std::uint32_t field, std::uint64_t add) {
    return rewritten(message, [&](std::string& out, std::uint32_t id, wire::WireType type, std::uint64_t number,
                                  std::string_view) {
        if (id != field || type != wire::kVarint) return false;
        wire::put_uint(out, field, number + add);
        return true;
    });
}

// The process as its header and trailer (JSON objects) describe it; complete only when both parse.
ProcessTrace process_of(std::string_view header, std::string_view trailer, std::string_view run_id) {
    if (trailer.size() < 2 || trailer.front() != '{' || trailer.back() != '}') return ProcessTrace{};
    std::string doc = "{\"otherData\":";
    doc.append(header).append(",\"traceEvents\":[],").append(trailer.substr(1, trailer.size() - 2)).append("}");
    MemorySource source(doc);
    return read_process_trace(source, run_id, [](std::string_view) {});
}

class Parser {
public:
    // renumber: each sequence gets a new id of the merge's; else each keeps its own (the fast path).
    Parser(std::string_view run_id, bool renumber, std::int64_t shift_ns, long pid_offset, PerfettoMerge& merge,
           const std::function<void(std::string_view)>& on_packet)
        : run_id_(run_id),
          renumber_(renumber),
          shift_(static_cast<std::uint64_t>(shift_ns)),
          pid_offset_(static_cast<std::uint64_t>(pid_offset)),
          merge_(merge),
          on_packet_(on_packet) {}

    // One packet of the file (its body). False: corrupt, reading stops.
    bool packet(std::string_view body, bool first) {
        wire::Reader fields(body);
        std::uint32_t id;
        wire::WireType type;
        std::uint64_t number;
        std::string_view bytes;
        std::string_view compressed, header, trailer;
        bool has_compressed = false;
        while (!fields.at_end()) {
            if (!fields.field(id, type, number, bytes)) return problem("a packet whose fields do not parse");
            if (id == kCompressedPackets && type == wire::kLengthDelimited) {
                compressed = bytes;
                has_compressed = true;
            }
            if (id == kPyittHeader && type == wire::kLengthDelimited) header = bytes;
            if (id == kPyittTrailer && type == wire::kLengthDelimited) trailer = bytes;
        }
        if (first) {
            // Not one of ours, or another run's: nothing of it is merged.
            if (header.empty()) return false;
            header_ = std::string(header);
            const std::string doc = "{\"otherData\":" + header_ + "}";
            MemorySource source(doc);
            trace_ = read_process_trace(source, run_id_, [](std::string_view) {});
            if (!trace_.ours) return false;
            trace_.complete = false;
            trace_.problem.clear();
        } else if (!header.empty()) {
            return problem("a second header");
        }
        if (has_compressed) {
            if (!inflate_all(compressed, inflated_)) return problem("a compressed packet that does not inflate");
            wire::Reader inner(inflated_);
            std::vector<std::string_view> packets;
            while (!inner.at_end()) {
                if (!inner.field(id, type, number, bytes) || id != kTracePacket || type != wire::kLengthDelimited)
                    return problem("compressed packets that do not parse");
                packets.push_back(bytes);
            }
            // Each inner packet is checked before any is handed on: a chunk is merged whole or not at all.
            std::vector<std::string> moved(packets.size());
            for (std::size_t i = 0; i < packets.size(); ++i)
                if (!renumber(packets[i], moved[i])) return problem("a compressed packet whose fields do not parse");
            for (const std::string& p : moved) on_packet_(p);
        } else {
            std::string moved;
            if (!renumber(body, moved)) return problem("a packet whose fields do not parse");
            on_packet_(moved);
        }
        if (!trailer.empty()) {
            trailer_ = std::string(trailer);
            return false;  // the end: whatever follows is not this process's
        }
        return true;
    }

    ProcessTrace finish(const std::string& stream_problem) {
        if (!trace_.ours) return trace_;
        const unsigned long long counted = events_;
        if (!trailer_.empty()) {
            ProcessTrace full = process_of(header_, trailer_, run_id_);
            if (full.ours && full.complete) {
                trace_ = std::move(full);
                trace_.events = counted;
                return trace_;
            }
            problem_ = "a trailer that does not parse";
        }
        trace_.complete = false;
        trace_.events = counted;
        trace_.problem = !problem_.empty() ? problem_ : !stream_problem.empty() ? stream_problem : "no process trailer";
        if (any_time_) {
            trace_.first_ns = min_ts_;
            trace_.wall_ns = max_ts_ - min_ts_;
        }
        return trace_;
    }

    const std::string& problem() const { return problem_; }

private:
    bool problem(const char* what) {
        if (problem_.empty()) problem_ = what;
        return false;
    }

    // The packet with its sequence id moved up by base_; its track event counted and timed on the way.
    bool renumber(std::string_view body, std::string& out) {
        wire::Reader fields(body);
        std::uint32_t id;
        wire::WireType type;
        std::uint64_t number;
        std::string_view bytes;
        std::uint64_t sequence = 0, timestamp = 0;
        bool has_timestamp = false;
        std::string_view event, snapshot, defaults;
        while (!fields.at_end()) {
            if (!fields.field(id, type, number, bytes)) return false;
            if (id == kSequenceId && type == wire::kVarint) sequence = number;
            if (id == kTimestamp && type == wire::kVarint) {
                timestamp = number;
                has_timestamp = true;
            }
            if (id == kTrackEvent && type == wire::kLengthDelimited) event = bytes;
            if (id == kClockSnapshot && type == wire::kLengthDelimited) snapshot = bytes;
            if (id == kPacketDefaults && type == wire::kLengthDelimited) defaults = bytes;
        }
        std::uint64_t new_sequence = sequence;
        if (sequence != 0 && !merged_id(sequence, new_sequence)) return false;
        Clocks& clocks = clocks_[sequence];
        if (!defaults.empty() && !read_defaults(defaults, clocks)) return false;
        bool builtin_only = false;
        if (!snapshot.empty() && !read_snapshot(snapshot, clocks, builtin_only)) return false;
        const bool drop_snapshot = builtin_only && merge_.builtin_clocks_written;
        if (builtin_only) merge_.builtin_clocks_written = true;
        // Again, copying: the sequence id moved into this process's range, times moved by shift_.
        std::string rest;
        wire::Reader again(body);
        const char* field_start = body.data();
        while (!again.at_end()) {
            again.field(id, type, number, bytes);
            const char* field_end = body.data() + (body.size() - again.left());
            if (id == kSequenceId && type == wire::kVarint) {
                if (sequence != 0) wire::put_uint(rest, kSequenceId, new_sequence);
            } else if (shift_ != 0 && id == kTimestamp && type == wire::kVarint && clocks.clock_id < 64) {
                wire::put_uint(rest, kTimestamp, number + shift_);
            } else if (pid_offset_ != 0 && id == kTrackDescriptor && type == wire::kLengthDelimited) {
                wire::put_bytes(rest, kTrackDescriptor, moved_descriptor(bytes));
            } else if (pid_offset_ != 0 && id == kTrackEvent && type == wire::kLengthDelimited) {
                wire::put_bytes(rest, kTrackEvent, added(bytes, kEventTrackUuid, pid_offset_ << 32));
            } else if (pid_offset_ != 0 && id == kPacketDefaults && type == wire::kLengthDelimited) {
                wire::put_bytes(rest, kPacketDefaults,
                                rewritten(bytes, [&](std::string& out, std::uint32_t f, wire::WireType t, std::uint64_t,
                                                     std::string_view inner) {
                                    if (f != kDefaultsTrackEvent || t != wire::kLengthDelimited) return false;
                                    wire::put_bytes(out, f, added(inner, kDefaultsTrackUuid, pid_offset_ << 32));
                                    return true;
                                }));
            } else if (drop_snapshot && id == kClockSnapshot && type == wire::kLengthDelimited) {
            } else if (shift_ != 0 && id == kClockSnapshot && type == wire::kLengthDelimited) {
                wire::put_bytes(rest, kClockSnapshot, shifted_snapshot(bytes));
            } else {
                rest.append(field_start, field_end);
            }
            field_start = field_end;
        }
        if (!event.empty()) {
            if (!count_event(event)) return false;
            if (has_timestamp) note_time(clocks, timestamp);
        }
        out.clear();
        wire::put_bytes(out, kTracePacket, rest);
        return true;
    }

    // A sequence's id in the merged trace: its own (fast path), or the merge's next one the first
    // time it is met; false when the merge has run out of ids.
    bool merged_id(std::uint64_t sequence, std::uint64_t& id) {
        if (!renumber_) {
            id = sequence;
            return true;
        }
        if (sequence != last_sequence_) {
            auto [it, fresh] = merged_ids_.try_emplace(sequence, merge_.next_sequence);
            if (fresh && merge_.next_sequence++ > UINT32_MAX) return false;
            last_sequence_ = sequence;
            last_merged_id_ = it->second;
        }
        id = last_merged_id_;
        return true;
    }

    // A track descriptor with its uuids and pids moved by pid_offset_.
    std::string moved_descriptor(std::string_view track) const {
        return rewritten(track, [&](std::string& out, std::uint32_t id, wire::WireType type, std::uint64_t number,
                                    std::string_view inner) {
            if ((id == kTrackUuid || id == kTrackParent) && type == wire::kVarint) {
                wire::put_uint(out, id, number + (pid_offset_ << 32));
                return true;
            }
            if ((id == kTrackProcess || id == kTrackThread) && type == wire::kLengthDelimited) {
                static_assert(kProcessPid == kThreadPid);
                wire::put_bytes(out, id, added(inner, kProcessPid, pid_offset_));
                return true;
            }
            return false;
        });
    }

    // The snapshot with the builtin clocks' readings (MONOTONIC, BOOTTIME) moved by shift_; a
    // sequence's own clock (64+) keeps its value, so its deltas land shifted too.
    std::string shifted_snapshot(std::string_view bytes) const {
        std::string out;
        wire::Reader r(bytes);
        std::uint32_t id;
        wire::WireType type;
        std::uint64_t number;
        std::string_view clock;
        while (!r.at_end() && r.field(id, type, number, clock)) {
            if (id != kClocks || type != wire::kLengthDelimited) continue;
            std::string moved;
            std::uint64_t clock_id = 0, ts = 0;
            bool incremental = false;
            wire::Reader f(clock);
            std::string_view unused;
            while (!f.at_end() && f.field(id, type, number, unused)) {
                if (id == kClockId) clock_id = number;
                if (id == kClockTimestamp) ts = number;
                if (id == kClockIncremental) incremental = number != 0;
            }
            wire::put_uint(moved, kClockId, clock_id);
            wire::put_uint(moved, kClockTimestamp, clock_id < 64 ? ts + shift_ : ts);
            if (incremental) wire::put_uint(moved, kClockIncremental, 1);
            wire::put_bytes(out, kClocks, moved);
        }
        return out;
    }

    struct Clocks {
        std::uint64_t clock_id = 0;  // the sequence's default; 0: absolute MONOTONIC ns
        std::uint64_t incremental = 0;
    };
    bool read_defaults(std::string_view bytes, Clocks& c) {
        wire::Reader r(bytes);
        std::uint32_t id;
        wire::WireType type;
        std::uint64_t number;
        std::string_view inner;
        while (!r.at_end()) {
            if (!r.field(id, type, number, inner)) return false;
            if (id == kDefaultsClockId && type == wire::kVarint) c.clock_id = number;
        }
        return true;
    }
    // builtin_only: its clocks are all builtin ones (ids below 64), none of a sequence.
    bool read_snapshot(std::string_view bytes, Clocks& c, bool& builtin_only) {
        builtin_only = true;
        wire::Reader r(bytes);
        std::uint32_t id;
        wire::WireType type;
        std::uint64_t number;
        std::string_view clock;
        while (!r.at_end()) {
            if (!r.field(id, type, number, clock)) return false;
            if (id != kClocks || type != wire::kLengthDelimited) continue;
            wire::Reader f(clock);
            std::uint64_t clock_id = 0, ts = 0;
            std::string_view unused;
            while (!f.at_end()) {
                if (!f.field(id, type, number, unused)) return false;
                if (id == kClockId) clock_id = number;
                if (id == kClockTimestamp) ts = number;
            }
            if (clock_id >= 64) builtin_only = false;
            if (clock_id >= 64 && clock_id == c.clock_id) c.incremental = ts;
        }
        return true;
    }
    void note_time(Clocks& c, std::uint64_t ts) {
        if (c.clock_id >= 64) ts = c.incremental += ts;
        min_ts_ = any_time_ ? std::min(min_ts_, ts) : ts;
        max_ts_ = any_time_ ? std::max(max_ts_, ts) : ts;
        any_time_ = true;
    }
    // As the JSON trace counts: a task once (at its end), an instant, a counter value, a span's ends.
    bool count_event(std::string_view bytes) {
        wire::Reader r(bytes);
        std::uint32_t id;
        wire::WireType type;
        std::uint64_t number;
        std::string_view unused;
        std::uint64_t kind = 0;
        bool explicit_track = false;
        while (!r.at_end()) {
            if (!r.field(id, type, number, unused)) return false;
            if (id == kEventType && type == wire::kVarint) kind = number;
            if (id == kEventTrackUuid) explicit_track = true;
        }
        if (kind != kSliceBegin || explicit_track) ++events_;
        return true;
    }

    std::string_view run_id_;
    bool renumber_;
    std::uint64_t shift_;  // two's complement: adding it moves either way
    std::uint64_t pid_offset_;
    PerfettoMerge& merge_;
    std::unordered_map<std::uint64_t, std::uint64_t> merged_ids_;
    std::uint64_t last_sequence_ = 0, last_merged_id_ = 0;
    const std::function<void(std::string_view)>& on_packet_;
    ProcessTrace trace_;
    std::string header_, trailer_, inflated_, problem_;
    std::map<std::uint64_t, Clocks> clocks_;
    unsigned long long events_ = 0;
    bool any_time_ = false;
    std::uint64_t min_ts_ = 0, max_ts_ = 0;
};

}  // namespace

ProcessTrace read_perfetto_trace(ByteSource& in, std::string_view run_id, std::int64_t shift_ns, long pid_offset,
                                 PerfettoMerge& merge, const std::function<void(std::string_view packet)>& on_packet) {
    PacketStream stream(in);
    Parser parser(run_id, true, shift_ns, pid_offset, merge, on_packet);
    std::uint32_t field;
    std::string body;
    bool first = true;
    std::string stream_problem;
    while (stream.next(field, body)) {
        if (field != kTracePacket) {
            stream_problem = "a top-level field that is not a packet";
            break;
        }
        if (!parser.packet(body, first)) break;
        first = false;
    }
    if (!stream.problem().empty()) stream_problem = stream.problem();
    return parser.finish(stream_problem);
}

namespace {

// The field `field` of a packet's body (empty when it has none or does not parse).
std::string_view field_of(std::string_view body, std::uint32_t field) {
    wire::Reader r(body);
    std::uint32_t id;
    wire::WireType type;
    std::uint64_t number;
    std::string_view bytes;
    while (!r.at_end() && r.field(id, type, number, bytes))
        if (id == field && type == wire::kLengthDelimited) return bytes;
    return {};
}

}  // namespace

std::optional<ProcessTrace> copy_perfetto_trace(int fd, std::string_view run_id, PerfettoMerge& merge,
                                                const std::function<void(std::string_view packet)>& on_packet,
                                                const std::function<void(std::string_view packets)>& on_copy) {
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    FileWindow file(fd, static_cast<std::size_t>(std::min<std::uint64_t>(size, 8u << 20)));
    const std::optional<std::vector<Piece>> pieces = framed(file, size);
    if (!pieces || pieces->size() < 2 || pieces->front().compressed || pieces->back().compressed) return std::nullopt;
    const auto body = [&](const Piece& p) { return file.view(p.body, static_cast<std::size_t>(p.end - p.body)); };
    // Its header and trailer first: its run and its ids decide before anything is handed on.
    const std::string first(body(pieces->front())), last(body(pieces->back()));
    const std::string_view header = field_of(first, kPyittHeader), trailer = field_of(last, kPyittTrailer);
    if (header.empty() || trailer.empty()) return std::nullopt;
    ProcessTrace process = process_of(header, trailer, run_id);
    if (!process.ours) return process;  // another run's: nothing of it is merged
    if (!process.complete || process.sequence_first == 0 || process.sequence_last >= kMergedSequences) return std::nullopt;
    // Copied ranges never meet: the one starting last at or before this one's end is the only one to check.
    auto after = merge.copied.upper_bound(process.sequence_last);
    if (after != merge.copied.begin() && std::prev(after)->second >= process.sequence_first) return std::nullopt;
    // Every compressed packet as its writer wrote it, else the packet-by-packet reader finds where it breaks.
    std::size_t chunk = 0;
    for (const Piece& p : *pieces) {
        if (!p.compressed) continue;
        const std::string_view bytes = file.view(p.offset, static_cast<std::size_t>(p.end - p.offset));
        if (chunk >= process.chunk_checksums.size() || bytes.size() != p.end - p.offset ||
            libdeflate_crc32(0, bytes.data(), bytes.size()) != process.chunk_checksums[chunk])
            return std::nullopt;
        ++chunk;
    }
    if (chunk != process.chunk_checksums.size()) return std::nullopt;
    merge.copied.emplace(process.sequence_first, process.sequence_last);

    Parser parser(run_id, false, 0, 0, merge, on_packet);
    for (std::size_t i = 0; i < pieces->size(); ++i) {
        const Piece& p = (*pieces)[i];
        if (p.compressed) {
            on_copy(file.view(p.offset, static_cast<std::size_t>(p.end - p.offset)));
            continue;
        }
        const bool at_end = i + 1 == pieces->size();
        const std::string plain(i == 0 ? first : at_end ? last : std::string(body(p)));
        if (!parser.packet(plain, i == 0)) {
            // The trailer ends it; anything else (a read error since) leaves it cut where it stopped.
            if (at_end && parser.problem().empty()) break;
            return parser.finish("a packet that cannot be read");
        }
    }
    process.events = process.trailer_events;
    return process;
}

}  // namespace pyitt::collector
