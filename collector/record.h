// What the hot path stores: fixed 32-byte records, handle pointers only, no strings. A record may be
// followed by `ext` extension slots of the same size (ids, values, copied payloads), always contiguous in
// one buffer, so the writer reads a record and its extensions as one group.
#pragma once

#include <cstdint>
#include <cstring>

namespace pyitt::collector {

enum class Kind : std::uint16_t {
    kTaskBegin = 1,       // a = domain, b = string handle; ext: [id] [parent]
    kTaskBeginFn,         // a = domain, b = function address; ext: [id] [parent]
    kTaskEnd,             // a = domain
    kOverlappedBegin,     // a = domain, b = string handle; ext: id [parent]
    kOverlappedEnd,       // a = domain; ext: id
    kTaskGroup,           // a = domain, b = string handle; ext: id [parent]
    kFrameBegin,          // a = domain; ext: [id]
    kFrameEnd,            // a = domain; ext: [id]
    kFrameSubmit,         // a = domain; ext: {begin_ns, end_ns} [id]
    kRegionBegin,         // a = domain, b = string handle; ext: id [parent]
    kRegionEnd,           // a = domain; ext: id
    kCounter,             // a = counter, b = value bits; sub = CounterOp, ext0 unused
    kCounterV3,           // a = domain, b = string handle; ext: {op, delta}
    kMarker,              // a = domain, b = string handle; sub = scope; ext: [id]
    kMetadata,            // a = domain, b = key; ext: {type|scope flags, count, id...} + payload
    kMetadataStr,         // a = domain, b = key; ext: {flags, length, id...} + payload
    kRelation,            // a = domain; sub = relation; ext: [head] tail
    kPause,               // global marks
    kResume,
    kDetach,
    kThreadName,          // b = length; ext: payload
    kEventStart,          // b = event id
    kEventEnd,            // b = event id
    kHistogramSubmit,     // a = histogram, b = length
    kIdCreate,            // a = domain; ext: id
    kIdDestroy,           // a = domain; ext: id
};

// Flag bits in Record::sub for records that may carry ids.
inline constexpr std::uint16_t kHasId = 1;
inline constexpr std::uint16_t kHasParent = 2;
inline constexpr std::uint16_t kWithScope = 4;  // metadata: ext0.w[0] is a scope, no id

enum CounterOp : std::uint16_t { kCounterSet = 0, kCounterInc = 1, kCounterDec = 2 };

struct Record {
    std::uint64_t ts;    // raw ticks (clock.h)
    Kind kind;
    std::uint16_t sub;   // flags / scope / relation / counter op
    std::uint32_t ext;   // number of extension slots that follow
    const void* a;       // domain, counter or histogram handle
    std::uint64_t b;     // string handle, function address or a value
};
static_assert(sizeof(Record) == 32);

struct Ext {
    std::uint64_t w[4];
};
static_assert(sizeof(Ext) == sizeof(Record));

inline Ext& ext_at(Record* r, std::uint32_t i) { return reinterpret_cast<Ext*>(r + 1)[i]; }
inline const Ext& ext_at(const Record* r, std::uint32_t i) { return reinterpret_cast<const Ext*>(r + 1)[i]; }

// Payload copies (metadata strings, thread names) are capped so a group always fits in a buffer.
inline constexpr std::uint32_t kMaxPayloadBytes = 4096;
inline constexpr std::uint32_t payload_slots(std::uint64_t bytes) {
    return static_cast<std::uint32_t>((bytes + sizeof(Ext) - 1) / sizeof(Ext));
}

}  // namespace pyitt::collector
