// The compact trace: Perfetto's protobuf TrackEvent (perfetto_format.h), opened by ui.perfetto.dev
// and, through it ("Open with legacy UI"), chrome://tracing. Each thread's nested tasks are slices on
// a packet sequence of its own, with the thread's track as default, names and domains interned and
// timestamps as deltas on an incremental clock: a begin and an end take about 26 bytes before
// compression, in a hand-written hot path. Spans, instants and counters (rare) go on the process's
// sequence with explicit tracks, absolute timestamps and names in full. Packets are deflated in
// chunks on other threads while this one encodes (chunk_deflater.h).
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <unordered_map>

#include "chunk_deflater.h"
#include "perfetto_format.h"
#include "protobuf_wire.h"
#include "trace_sink.h"

namespace pyitt::collector {
namespace {

using namespace perfetto;
using wire::put_bytes;
using wire::put_uint;
using wire::put_varint;

// Raw bytes per compressed packet: big enough for deflate's window to pay, small enough to spread.
constexpr std::size_t kChunkBytes = 256 * 1024;
constexpr std::size_t kFirstChunkBytes = 8 * 1024;

std::uint64_t clock_ns(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

struct Pending {
    std::uint64_t ts;
    const Name* domain;
    const Name* name;
};

// One thread's packet sequence.
struct Sequence {
    std::uint64_t id = 0;
    // Its trusted_packet_sequence_id field as bytes (tag and varint), for the hot path.
    char id_field[8] = {};
    std::uint8_t id_field_size = 0;
    std::uint64_t uuid = 0;  // its thread's track
    pid_t tid = 0;
    bool started = false;
    std::uint64_t last_ts = 0;
    std::unordered_map<const Name*, std::uint64_t> names, domains;
    struct Last {
        const Name* name = nullptr;
        std::uint64_t iid = 0;
    } last_name, last_domain;
    std::vector<Pending> stack;
    std::size_t emitted = 0;  // the stack's first `emitted` tasks have their begin written
};

std::string message(std::uint32_t field, const std::string& body) {
    std::string out;
    put_bytes(out, field, body);
    return out;
}

class PerfettoSink final : public TraceSink {
public:
    // The first chunk grows as it fills: a short run's whole trace is a few kB, and zeroing a full
    // chunk up front cost it 64 page faults.
    explicit PerfettoSink(std::FILE* f) : deflater_(f), chunk_(kFirstChunkBytes + kSmallRoom, '\0') {}
    explicit PerfettoSink(int fd) : deflater_(fd), chunk_(kFirstChunkBytes + kSmallRoom, '\0') {}

    void add_threads(const std::vector<pid_t>& tids) override {
        for (std::size_t i = sequences_.size(); i < tids.size(); ++i) {
            Sequence& s = sequences_.emplace_back();
            s.id = process_sequence_ + 1 + i;
            s.id_field[0] = static_cast<char>(kSequenceId << 3);
            s.id_field_size = static_cast<std::uint8_t>(put_varint(s.id_field + 1, s.id) - s.id_field);
            s.tid = tids[i];
            s.uuid = process_uuid_ | static_cast<std::uint32_t>(tids[i]);
        }
    }

    void begin(const ProcessInfo& process, const std::vector<pid_t>& tids) override {
        process_ = process;
        process_uuid_ = std::uint64_t(static_cast<std::uint32_t>(process.pid)) << 32;
        process_sequence_ = (std::uint64_t(static_cast<std::uint32_t>(process.pid)) << kSequenceShift) + 1;
        add_threads(tids);
        // First, uncompressed: who wrote this (the merge decides on the run before any event), and
        // the clocks: MONOTONIC, which every timestamp is in, against BOOTTIME, Perfetto's default.
        std::string clocks;
        for (auto [id, ns] : {std::pair{kClockBoottime, clock_ns(CLOCK_BOOTTIME)}, std::pair{kClockMonotonic, clock_ns(CLOCK_MONOTONIC)}}) {
            std::string clock;
            put_uint(clock, kClockId, id);
            put_uint(clock, kClockTimestamp, ns);
            put_bytes(clocks, kClocks, clock);
        }
        std::string header;
        put_uint(header, kSequenceId, process_sequence_);
        put_bytes(header, kClockSnapshot, clocks);
        put_bytes(header, kPyittHeader,
                  fmt::format("{{\"pid\":{},\"clock\":\"{}\",\"producer\":\"pyitt-collector\",\"run\":{}}}", process.pid,
                              process.tsc ? "tsc" : "monotonic", json_quote(process.run_id)));
        std::string first = message(kTracePacket, header);
        std::string defaults, packet;
        put_uint(defaults, kDefaultsClockId, kClockMonotonic);
        put_uint(packet, kSequenceId, process_sequence_);
        put_uint(packet, kSequenceFlags, kIncrementalStateCleared);
        put_bytes(packet, kPacketDefaults, defaults);
        put_bytes(packet, kTrackDescriptor, process_descriptor());
        first += message(kTracePacket, packet);
        deflater_.write_plain(first);
    }

    void task_begin(std::size_t thread, std::uint64_t ts_ns, const Name* domain, const Name* name) override {
        sequences_[thread].stack.push_back(Pending{ts_ns, domain, name});
    }

    // A begin goes out once the task (or one inside it) is known to stay in the trace: the ones
    // --min-duration drops never reach the file, and a thread's timestamps still only go forward.
    void task_end(std::size_t thread, std::uint64_t, std::uint64_t end_ns, const Name*, const Name*, const Args& args,
                  bool keep) override {
        Sequence& s = sequences_[thread];
        if (s.stack.empty()) return;
        // Begins go out bottom up, so the written ones are always the bottom of the stack.
        const bool emitted = s.emitted == s.stack.size();
        if (keep && !emitted) {
            for (std::size_t i = s.emitted; i < s.stack.size(); ++i) slice_begin(s, s.stack[i]);
            s.emitted = s.stack.size();
        }
        s.stack.pop_back();
        if (s.emitted > s.stack.size()) s.emitted = s.stack.size();
        if (keep || emitted) {
            slice_end(s, end_ns, args);
            ++events_;
        }
    }

    void span(std::size_t, std::uint64_t begin_ns, std::uint64_t end_ns, const Name* domain, const Name* name,
              const Args& args) override {
        const std::uint64_t uuid = process_uuid_ | 0x80000000u | ++spans_;
        std::string track;
        put_uint(track, kTrackUuid, uuid);
        put_uint(track, kTrackParent, process_uuid_);
        put_bytes(track, kTrackName, name->utf8());
        std::string packet;
        put_uint(packet, kSequenceId, process_sequence_);
        put_bytes(packet, kTrackDescriptor, track);
        add_packet(packet);
        process_event(begin_ns, kSliceBegin, uuid, name, domain, &args);
        process_event(end_ns, kSliceEnd, uuid, nullptr, nullptr, nullptr);
        events_ += 2;
    }

    void instant(std::size_t thread, std::uint64_t ts_ns, const Name* domain, const Name* name, char scope,
                 const Args& args) override {
        Sequence& s = sequences_[thread];
        if (scope == 't') start(s);  // its thread's track must be known
        process_event(ts_ns, kInstant, scope == 't' ? s.uuid : scope == 'g' ? global_track() : process_uuid_, name, domain, &args);
        ++events_;
    }

    void counter(std::uint64_t ts_ns, const Name* domain, const Name* name, bool is_float, double d, std::int64_t i,
                 bool is_signed) override {
        auto [it, fresh] = counter_tracks_.try_emplace({domain, name}, 0);
        if (fresh) {
            it->second = process_uuid_ | 0x40000000u | counter_tracks_.size();
            std::string track;
            put_uint(track, kTrackUuid, it->second);
            put_uint(track, kTrackParent, process_uuid_);
            put_bytes(track, kTrackName, name->utf8());
            put_bytes(track, kTrackCounter, "");
            std::string packet;
            put_uint(packet, kSequenceId, process_sequence_);
            put_bytes(packet, kTrackDescriptor, track);
            add_packet(packet);
        }
        std::string event;
        put_uint(event, kEventType, kCounter);
        put_uint(event, kEventTrackUuid, it->second);
        put_bytes(event, kCategories, domain->utf8());
        if (is_float || (!is_signed && static_cast<std::uint64_t>(i) > static_cast<std::uint64_t>(INT64_MAX)))
            wire::put_double(event, kDoubleCounterValue, is_float ? d : static_cast<double>(static_cast<std::uint64_t>(i)));
        else
            put_uint(event, kCounterValue, static_cast<std::uint64_t>(i));
        std::string packet;
        put_uint(packet, kTimestamp, ts_ns);
        put_uint(packet, kSequenceId, process_sequence_);
        put_bytes(packet, kTrackEvent, event);
        add_packet(packet);
        ++events_;
    }

    void thread_name(std::size_t thread, const std::string& name) override {
        Sequence& s = sequences_[thread];
        start(s);
        std::string packet;
        put_uint(packet, kSequenceId, s.id);
        put_bytes(packet, kTrackDescriptor, thread_descriptor(s, &name));
        add_packet(packet);
    }

    void exit_started() override { deflater_.start_workers(); }

    void end(const ProcessTrailer& t) override {
        if (!t.process_name.empty()) process_.name = t.process_name;
        if (used_ != 0) {
            chunk_.resize(used_);
            deflater_.submit(std::move(chunk_));
            used_ = 0;
        }
        deflater_.drain();  // every compressed packet written: their checksums are known
        std::string checksums;
        for (std::uint32_t crc : deflater_.checksums())
            fmt::format_to(std::back_inserter(checksums), "{}{}", checksums.empty() ? "" : ",", crc);
        std::string packet;
        put_uint(packet, kSequenceId, process_sequence_);
        put_bytes(packet, kTrackDescriptor, process_descriptor());
        // For the merge of a run's processes (merge.h): who this was and its flat table; the
        // sequence ids it used and its compressed packets' checksums, with which the merge copies
        // those packets as they are (perfetto_reader.h).
        put_bytes(packet, kPyittTrailer,
                  fmt::format("{{{},\n\"pyittSequences\":[{},{}],\n\"pyittChunks\":[{}]}}",
                              trailer_members(process_, events_, t), process_sequence_,
                              process_sequence_ + sequences_.size(), checksums));
        deflater_.write_plain(message(kTracePacket, packet));
        deflater_.finish();
    }

    unsigned long long events() const override { return events_; }
    bool ok() const override { return deflater_.ok(); }
    int error_number() const override { return deflater_.error_number(); }

private:
    std::string process_descriptor() const {
        std::string process, track;
        put_uint(process, kProcessPid, static_cast<std::uint32_t>(process_.pid));
        put_bytes(process, kProcessName, valid_utf8(process_.name));
        put_uint(track, kTrackUuid, process_uuid_);
        put_bytes(track, kTrackProcess, process);
        return track;
    }
    // Global instants (pause, resume, detach: the whole run's): a track of no process, made once.
    std::uint64_t global_track() {
        const std::uint64_t uuid = process_uuid_ | 0x20000000u;
        if (!global_track_made_) {
            global_track_made_ = true;
            std::string track, packet;
            put_uint(track, kTrackUuid, uuid);
            put_bytes(track, kTrackName, "pyitt (global)");
            put_uint(packet, kSequenceId, process_sequence_);
            put_bytes(packet, kTrackDescriptor, track);
            add_packet(packet);
        }
        return uuid;
    }

    std::string thread_descriptor(const Sequence& s, const std::string* name) const {
        std::string thread, track;
        put_uint(thread, kThreadPid, static_cast<std::uint32_t>(process_.pid));
        put_uint(thread, kThreadTid, static_cast<std::uint32_t>(s.tid));
        if (name != nullptr) put_bytes(thread, kThreadName, valid_utf8(*name));
        put_uint(track, kTrackUuid, s.uuid);
        put_bytes(track, kTrackThread, thread);
        return track;
    }

    // A sequence's first packets: its state cleared, its defaults (the thread's track, the
    // incremental clock) and the clock's start.
    void start(Sequence& s) {
        if (!s.started) [[unlikely]] start_sequence(s);
    }
    void start_sequence(Sequence& s) {
        s.started = true;
        s.last_ts = s.stack.empty() ? 0 : s.stack.front().ts;
        std::string event_defaults, defaults, packet;
        put_uint(event_defaults, kDefaultsTrackUuid, s.uuid);
        put_uint(defaults, kDefaultsClockId, kClockThreadDeltas);
        put_bytes(defaults, kDefaultsTrackEvent, event_defaults);
        put_uint(packet, kSequenceId, s.id);
        put_uint(packet, kSequenceFlags, kIncrementalStateCleared);
        put_bytes(packet, kPacketDefaults, defaults);
        put_bytes(packet, kTrackDescriptor, thread_descriptor(s, nullptr));
        add_packet(packet);
        std::string monotonic, deltas, clocks, snapshot;
        put_uint(monotonic, kClockId, kClockMonotonic);
        put_uint(monotonic, kClockTimestamp, s.last_ts);
        put_uint(deltas, kClockId, kClockThreadDeltas);
        put_uint(deltas, kClockTimestamp, s.last_ts);
        put_uint(deltas, kClockIncremental, 1);
        put_bytes(clocks, kClocks, monotonic);
        put_bytes(clocks, kClocks, deltas);
        put_uint(snapshot, kSequenceId, s.id);
        put_bytes(snapshot, kClockSnapshot, clocks);
        add_packet(snapshot);
    }

    std::uint64_t delta(Sequence& s, std::uint64_t ts) {
        const std::uint64_t d = ts > s.last_ts ? ts - s.last_ts : 0;  // a clipped end never goes back
        s.last_ts += d;
        return d;
    }

    static std::uint64_t interned(std::unordered_map<const Name*, std::uint64_t>& ids, const Name* n, bool& fresh) {
        auto [it, inserted] = ids.try_emplace(n, ids.size() + 1);
        fresh = inserted;
        return it->second;
    }
    // A hot function's begins come one after another: the last name and domain first, then the maps.
    static std::uint64_t interned(std::unordered_map<const Name*, std::uint64_t>& ids, const Name* n, bool& fresh,
                                  Sequence::Last& last) {
        if (n == last.name) {
            fresh = false;
            return last.iid;
        }
        last.iid = interned(ids, n, fresh);
        last.name = n;
        return last.iid;
    }

    // The hot path: 13-16 bytes, straight into the chunk, unless a name is new here.
    void slice_begin(Sequence& s, const Pending& p) {
        start(s);
        bool new_name, new_domain;
        const std::uint64_t name_iid = interned(s.names, p.name, new_name, s.last_name);
        const std::uint64_t domain_iid = interned(s.domains, p.domain, new_domain, s.last_domain);
        const std::uint64_t d = delta(s, p.ts);
        if (new_name || new_domain) {
            std::string interned_data, event, packet;
            if (new_domain) {
                std::string entry;
                put_uint(entry, kIid, domain_iid);
                put_bytes(entry, kInternedText, p.domain->utf8());
                put_bytes(interned_data, kInternedCategories, entry);
            }
            if (new_name) {
                std::string entry;
                put_uint(entry, kIid, name_iid);
                put_bytes(entry, kInternedText, p.name->utf8());
                put_bytes(interned_data, kInternedNames, entry);
            }
            put_uint(event, kEventType, kSliceBegin);
            put_uint(event, kNameIid, name_iid);
            put_uint(event, kCategoryIids, domain_iid);
            put_uint(packet, kTimestamp, d);
            put_uint(packet, kSequenceId, s.id);
            put_bytes(packet, kInternedData, interned_data);
            put_bytes(packet, kTrackEvent, event);
            add_packet(packet);
            return;
        }
        char* const body = small_packet();
        char* w = body;
        *w++ = static_cast<char>(kTimestamp << 3);
        w = put_varint(w, d);
        std::memcpy(w, s.id_field, sizeof s.id_field);  // the chunk always has kSmallRoom
        w += s.id_field_size;
        *w++ = static_cast<char>(kTrackEvent << 3 | wire::kLengthDelimited);
        char* length = w++;
        char* event = w;
        *w++ = static_cast<char>(kEventType << 3);
        *w++ = static_cast<char>(kSliceBegin);
        *w++ = static_cast<char>(kNameIid << 3);
        w = put_varint(w, name_iid);
        *w++ = static_cast<char>(kCategoryIids << 3);
        w = put_varint(w, domain_iid);
        *length = static_cast<char>(w - event);
        end_small_packet(body, w);
    }

    void slice_end(Sequence& s, std::uint64_t ts, const Args& args) {
        const std::uint64_t d = delta(s, ts);
        if (!args.empty()) {
            std::string annotation, event, packet;
            put_bytes(annotation, kAnnotationName, "args");
            put_bytes(annotation, kAnnotationJson, args.object());
            put_uint(event, kEventType, kSliceEnd);
            put_bytes(event, kDebugAnnotations, annotation);
            put_uint(packet, kTimestamp, d);
            put_uint(packet, kSequenceId, s.id);
            put_bytes(packet, kTrackEvent, event);
            add_packet(packet);
            return;
        }
        char* const body = small_packet();
        char* w = body;
        *w++ = static_cast<char>(kTimestamp << 3);
        w = put_varint(w, d);
        std::memcpy(w, s.id_field, sizeof s.id_field);  // the chunk always has kSmallRoom
        w += s.id_field_size;
        *w++ = static_cast<char>(kTrackEvent << 3 | wire::kLengthDelimited);
        *w++ = 2;
        *w++ = static_cast<char>(kEventType << 3);
        *w++ = static_cast<char>(kSliceEnd);
        end_small_packet(body, w);
    }

    // On the process's sequence: absolute timestamps, tracks and names in full.
    void process_event(std::uint64_t ts, std::uint64_t type, std::uint64_t track, const Name* name, const Name* domain,
                       const Args* args) {
        std::string event, packet;
        put_uint(event, kEventType, type);
        put_uint(event, kEventTrackUuid, track);
        if (name != nullptr) put_bytes(event, kEventName, name->utf8());
        if (domain != nullptr) put_bytes(event, kCategories, domain->utf8());
        if (args != nullptr && !args->empty()) {
            std::string annotation;
            put_bytes(annotation, kAnnotationName, "args");
            put_bytes(annotation, kAnnotationJson, args->object());
            put_bytes(event, kDebugAnnotations, annotation);
        }
        put_uint(packet, kTimestamp, ts);
        put_uint(packet, kSequenceId, process_sequence_);
        put_bytes(packet, kTrackEvent, event);
        add_packet(packet);
    }

    // A packet of under 128 bytes written in place: its body starts two bytes into the chunk's free
    // room (its tag and one-byte length go before it), which always has kSmallRoom bytes.
    static constexpr std::size_t kSmallRoom = 128;
    char* small_packet() { return chunk_.data() + used_ + 2; }
    void end_small_packet(char* body, const char* end) {
        body[-2] = static_cast<char>(kTracePacket << 3 | wire::kLengthDelimited);
        body[-1] = static_cast<char>(end - body);
        used_ = static_cast<std::size_t>(end - chunk_.data());
        if (used_ + kSmallRoom > chunk_.size()) make_room();
    }
    void add_packet(const std::string& body) {
        std::string packet;
        put_bytes(packet, kTracePacket, body);
        if (used_ + packet.size() + kSmallRoom > chunk_.size()) chunk_.resize(used_ + packet.size() + kSmallRoom);
        std::memcpy(chunk_.data() + used_, packet.data(), packet.size());
        used_ += packet.size();
        if (used_ + kSmallRoom > chunk_.size()) make_room();
    }
    // Full chunks go; a growing first one doubles (never past a full chunk's size).
    void make_room() {
        if (used_ >= kChunkBytes) return flush_chunk();
        chunk_.resize(std::max(used_ + kSmallRoom, std::min(2 * chunk_.size(), kChunkBytes + kSmallRoom)));
    }
    void flush_chunk() {
        chunk_.resize(used_);
        deflater_.submit(std::move(chunk_));
        chunk_ = deflater_.take_buffer(kChunkBytes + kSmallRoom);
        used_ = 0;
    }

    ChunkDeflater deflater_;
    std::string chunk_;  // sized ahead: used_ bytes of it are packets
    std::size_t used_ = 0;
    ProcessInfo process_;
    std::uint64_t process_uuid_ = 0;
    std::uint64_t process_sequence_ = 1;  // its threads' follow (perfetto_format.h, kSequenceShift)
    std::vector<Sequence> sequences_;
    std::map<std::pair<const Name*, const Name*>, std::uint64_t> counter_tracks_;
    std::uint64_t spans_ = 0;
    bool global_track_made_ = false;
    unsigned long long events_ = 0;
};

}  // namespace

std::unique_ptr<TraceSink> make_perfetto_sink(std::FILE* file) { return std::make_unique<PerfettoSink>(file); }
std::unique_ptr<TraceSink> make_perfetto_sink(int fd) { return std::make_unique<PerfettoSink>(fd); }

}  // namespace pyitt::collector
