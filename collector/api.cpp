// The recording entry points: one extern "C" function per ITT API (exactly the C types of
// PYITT_ITT_APIS), plus __itt_api_init/__itt_api_fini, which bind them into any static part's slots.
// Hot path: one clock read, one relaxed mode load, a store into this thread's buffer. No lock, no
// allocation, no string work: handles are stored as pointers and named when the trace is written.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "clock.h"
#include "itt_abi.h"
#include "objects.h"
#include "record.h"
#include "thread_buffers.h"

#define PYITT_ITT_EXPORT extern "C" __attribute__((visibility("default")))

using namespace pyitt::collector;
namespace abi = ::pyitt::itt_abi;

namespace {

inline bool is_null(const abi::Id& id) { return (id.d1 | id.d2 | id.d3) == 0; }
inline void put_id(Ext& e, const abi::Id& id) { e = {{id.d1, id.d2, id.d3, 0}}; }
inline bool recording() { return g_mode.load(std::memory_order_relaxed) == kRecording; }
inline bool stopped() { return g_mode.load(std::memory_order_relaxed) == kStopped; }

inline void fill(Record* r, std::uint64_t ts, Kind kind, std::uint16_t sub, std::uint32_t ext, const void* a,
                 std::uint64_t b) {
    r->ts = ts;
    r->kind = kind;
    r->sub = sub;
    r->ext = ext;
    r->a = a;
    r->b = b;
}

// A record with an optional id and an optional parent id as extensions (ids are rarely set by Python
// callers, so the common task costs one 32-byte slot).
inline void record_ids(Kind kind, std::uint64_t ts, const void* a, std::uint64_t b, const abi::Id& id,
                       const abi::Id& parent, bool id_always) {
    const bool has_id = id_always || !is_null(id);
    const bool has_parent = !is_null(parent);
    const std::uint32_t ext = static_cast<std::uint32_t>(has_id) + static_cast<std::uint32_t>(has_parent);
    Record* r = reserve(1 + ext);
    if (r == nullptr) return;
    fill(r, ts, kind, static_cast<std::uint16_t>((has_id ? kHasId : 0) | (has_parent ? kHasParent : 0)), ext, a, b);
    std::uint32_t i = 0;
    if (has_id) put_id(ext_at(r, i++), id);
    if (has_parent) put_id(ext_at(r, i), parent);
    commit(1 + ext);
}

// Slow side of record_plain: first event of a thread, or its buffer is full.
__attribute__((noinline)) void record_plain_slow(Kind kind, std::uint64_t ts, std::uint16_t sub, const void* a,
                                                 std::uint64_t b) {
    Record* r = reserve(1);
    if (r == nullptr) return;
    fill(r, ts, kind, sub, 0, a, b);
    commit(1);
}

// The common event: one slot, no extensions. Kept to a handful of instructions.
[[gnu::always_inline]] inline void record_plain(Kind kind, std::uint64_t ts, std::uint16_t sub, const void* a,
                                                std::uint64_t b) {
    ThreadBuffer* buf = tl_buffer;
    if (__builtin_expect(buf != nullptr, 1)) {
        const std::uint32_t p = buf->pos.load(std::memory_order_relaxed);
        if (__builtin_expect(p < buf->cap, 1)) {
            fill(buf->recs + p, ts, kind, sub, 0, a, b);
            buf->pos.store(p + 1, std::memory_order_release);
            return;
        }
    }
    record_plain_slow(kind, ts, sub, a, b);
}

__attribute__((noinline)) void record_ids_slow(Kind kind, std::uint64_t ts, const void* a, std::uint64_t b,
                                               const abi::Id& id, const abi::Id& parent) {
    record_ids(kind, ts, a, b, id, parent, false);
}

// While paused, a task begin is not recorded; its end must not be either, whenever it comes.
__attribute__((noinline)) void skip_begin() {
    if (stopped()) return;
    if (ThreadBuffer* b = thread_buffer()) ++b->skipped_depth;
}

inline void nested_begin(Kind kind, const abi::Domain* domain, const abi::Id& id, const abi::Id& parent,
                         std::uint64_t b) {
    const std::uint64_t ts = now_ticks();
    if (__builtin_expect(!recording(), 0)) return skip_begin();
    if (__builtin_expect((id.d1 | id.d2 | id.d3 | parent.d1 | parent.d2 | parent.d3) != 0, 0))
        return record_ids_slow(kind, ts, domain, b, id, parent);
    record_plain(kind, ts, 0, domain, b);
}

// Ends are kept while paused (they close tasks begun before the pause); only a stop drops them.
inline bool end_allowed() { return !stopped(); }

std::size_t metadata_item_size(int type) {
    switch (type) {
        case abi::kMetadataU64: case abi::kMetadataS64: case abi::kMetadataDouble: return 8;
        case abi::kMetadataU32: case abi::kMetadataS32: case abi::kMetadataFloat: return 4;
        case abi::kMetadataU16: case abi::kMetadataS16: return 2;
        default: return 0;
    }
}

// Counter values are read through the counter's declared type, as the C API defines the void*.
std::uint64_t read_typed(const void* value, int type) {
    std::uint64_t bits = 0;
    if (value == nullptr) return 0;
    std::size_t size = metadata_item_size(type);
    std::memcpy(&bits, value, size == 0 ? 8 : size);
    return bits;
}

void record_counter(abi::CounterHandle counter, CounterOp op, std::uint64_t value) {
    const std::uint64_t ts = now_ticks();
    if (!recording() || counter == nullptr) return;
    record_plain(Kind::kCounter, ts, op, counter, value);
}

void record_counter_v3(const abi::Domain* domain, abi::StringHandle* name, CounterOp op, std::uint64_t delta) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    Record* r = reserve(2);
    if (r == nullptr) return;
    fill(r, ts, Kind::kCounterV3, op, 1, domain, reinterpret_cast<std::uint64_t>(name));
    ext_at(r, 0) = {{delta, 0, 0, 0}};
    commit(2);
}

// Metadata payloads are copied: the caller's buffer is gone by the time we write.
void record_metadata(Kind kind, const abi::Domain* domain, const abi::Id* id, int scope, abi::StringHandle* key,
                     int type, std::uint64_t count, const void* data, std::size_t bytes) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    bytes = std::min<std::size_t>(data == nullptr ? 0 : bytes, kMaxPayloadBytes);
    const bool has_id = id != nullptr && !is_null(*id);
    const std::uint32_t slots = 1 + static_cast<std::uint32_t>(has_id) + payload_slots(bytes);
    Record* r = reserve(1 + slots);
    if (r == nullptr) return;
    std::uint16_t sub = static_cast<std::uint16_t>((has_id ? kHasId : 0) | (id == nullptr ? kWithScope : 0));
    fill(r, ts, kind, sub, slots, domain, reinterpret_cast<std::uint64_t>(key));
    ext_at(r, 0) = {{static_cast<std::uint64_t>(type), count, static_cast<std::uint64_t>(scope), bytes}};
    if (has_id) put_id(ext_at(r, 1), *id);
    if (bytes > 0) std::memcpy(&ext_at(r, has_id ? 2 : 1), data, bytes);
    commit(1 + slots);
}

// Pause, resume, detach: the time is read where the change is logged for the background converter.
void record_mark(Kind kind, int scope) {
    if (stopped()) return;
    Record* r = reserve(1);
    if (r == nullptr) return;
    fill(r, log_collection_change(kind), kind, static_cast<std::uint16_t>(scope), 0, nullptr, 0);
    commit(1);
}

}  // namespace

// ---- control ----
// The mark's time and the switch are ordered so that the marks bound exactly what was recorded: a
// begin reads the clock and then the mode, so a pause switches before its time is read and a resume
// reads its time before it switches. A thread switching may be preempted between the two (a timer
// on a loaded machine); the other threads' tasks then still fall inside the marked window.
namespace {
// PYITT_COLLECTOR_SWITCH_DELAY_US (tests only): stands for a preemption between switch and mark.
void switch_delay() {
    static const long delay_us = [] {
        const char* v = std::getenv("PYITT_COLLECTOR_SWITCH_DELAY_US");
        return v == nullptr ? 0L : std::max(0L, std::atol(v));
    }();
    if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
}
void pause_then_mark(int scope) {
    int expected = kRecording;
    g_mode.compare_exchange_strong(expected, kPaused);
    switch_delay();
    record_mark(Kind::kPause, scope);
}
void mark_then_resume(int scope) {
    record_mark(Kind::kResume, scope);
    switch_delay();
    int expected = kPaused;
    g_mode.compare_exchange_strong(expected, kRecording);
}
}  // namespace

PYITT_ITT_EXPORT void __itt_pause(void) { pause_then_mark(abi::kScopeAll); }
PYITT_ITT_EXPORT void __itt_resume(void) { mark_then_resume(abi::kScopeAll); }
// The host has no offload devices: every scope pauses the whole collection.
PYITT_ITT_EXPORT void __itt_pause_scoped(int scope) { pause_then_mark(scope); }
PYITT_ITT_EXPORT void __itt_resume_scoped(int scope) { mark_then_resume(scope); }
// Paused first, for the same reason as a pause; stopped only after the mark, which a stop would drop.
PYITT_ITT_EXPORT void __itt_detach(void) {
    int expected = kRecording;
    g_mode.compare_exchange_strong(expected, kPaused);
    record_mark(Kind::kDetach, abi::kScopeAll);
    g_mode.store(kStopped);
}

// ---- objects ----
PYITT_ITT_EXPORT abi::Domain* __itt_domain_create(const char* name) { return create_domain(name); }
PYITT_ITT_EXPORT abi::StringHandle* __itt_string_handle_create(const char* name) {
    return create_string_handle(name);
}
PYITT_ITT_EXPORT abi::CounterHandle __itt_counter_create(const char* name, const char* domain) {
    return create_counter(name, domain, abi::kMetadataU64);
}
PYITT_ITT_EXPORT abi::CounterHandle __itt_counter_create_typed(const char* name, const char* domain, int type) {
    return create_counter(name, domain, type);
}
PYITT_ITT_EXPORT abi::CounterHandle __itt_counter_create_v3(const abi::Domain* domain, const char* name, int type) {
    return domain == nullptr ? nullptr : create_counter(name, domain->nameA, type);
}
PYITT_ITT_EXPORT abi::Histogram* __itt_histogram_create(const abi::Domain* domain, const char* name, int x_type,
                                                        int y_type) {
    return create_histogram(domain, name, x_type, y_type);
}
// Context metadata (units, device...) has no place in a Chrome counter track.
PYITT_ITT_EXPORT void __itt_bind_context_metadata_to_counter(abi::CounterHandle, size_t, abi::ContextMetadata*) {}
PYITT_ITT_EXPORT abi::Event __itt_event_create(const char* name, int namelen) { return create_event(name, namelen); }
PYITT_ITT_EXPORT abi::PtRegion __itt_pt_region_create(const char* name) { return create_pt_region(name); }

// ---- threads ----
PYITT_ITT_EXPORT void __itt_thread_set_name(const char* name) {
    const std::uint64_t ts = now_ticks();
    if (name == nullptr || stopped()) return;
    std::size_t len = strnlen(name, kMaxPayloadBytes);
    std::uint32_t slots = payload_slots(len);
    Record* r = reserve(1 + slots);
    if (r == nullptr) return;
    fill(r, ts, Kind::kThreadName, 0, slots, nullptr, len);
    std::memcpy(&ext_at(r, 0), name, len);
    commit(1 + slots);
    remember_thread_name(name, len);
}
PYITT_ITT_EXPORT void __itt_thread_ignore(void) {
    if (ThreadBuffer* b = thread_buffer()) {
        b->ignored = true;
        b->cap = b->pos.load(std::memory_order_relaxed);  // sends every later event to the slow path
    }
}

// ---- tasks ----
PYITT_ITT_EXPORT void __itt_task_begin(const abi::Domain* domain, abi::Id id, abi::Id parent,
                                       abi::StringHandle* name) {
    nested_begin(Kind::kTaskBegin, domain, id, parent, reinterpret_cast<std::uint64_t>(name));
}
PYITT_ITT_EXPORT void __itt_task_begin_fn(const abi::Domain* domain, abi::Id id, abi::Id parent, void* fn) {
    nested_begin(Kind::kTaskBeginFn, domain, id, parent, reinterpret_cast<std::uint64_t>(fn));
}
PYITT_ITT_EXPORT void __itt_task_end(const abi::Domain* domain) {
    const std::uint64_t ts = now_ticks();
    ThreadBuffer* b = tl_buffer;
    if (__builtin_expect(b != nullptr && b->skipped_depth > 0, 0)) {
        --b->skipped_depth;
        return;
    }
    if (__builtin_expect(!end_allowed(), 0)) return;
    record_plain(Kind::kTaskEnd, ts, 0, domain, 0);
}
PYITT_ITT_EXPORT void __itt_task_begin_overlapped(const abi::Domain* domain, abi::Id id, abi::Id parent,
                                                  abi::StringHandle* name) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    record_ids(Kind::kOverlappedBegin, ts, domain, reinterpret_cast<std::uint64_t>(name), id, parent, true);
}
PYITT_ITT_EXPORT void __itt_task_end_overlapped(const abi::Domain* domain, abi::Id id) {
    const std::uint64_t ts = now_ticks();
    if (!end_allowed()) return;
    record_ids(Kind::kOverlappedEnd, ts, domain, 0, id, abi::kNullId, true);
}
PYITT_ITT_EXPORT void __itt_task_group(const abi::Domain* domain, abi::Id id, abi::Id parent,
                                       abi::StringHandle* name) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    record_ids(Kind::kTaskGroup, ts, domain, reinterpret_cast<std::uint64_t>(name), id, parent, true);
}

// ---- frames and regions ----
PYITT_ITT_EXPORT void __itt_frame_begin_v3(const abi::Domain* domain, abi::Id* id) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    record_ids(Kind::kFrameBegin, ts, domain, 0, id != nullptr ? *id : abi::kNullId, abi::kNullId, false);
}
PYITT_ITT_EXPORT void __itt_frame_end_v3(const abi::Domain* domain, abi::Id* id) {
    const std::uint64_t ts = now_ticks();
    if (!end_allowed()) return;
    record_ids(Kind::kFrameEnd, ts, domain, 0, id != nullptr ? *id : abi::kNullId, abi::kNullId, false);
}
// begin/end are __itt_get_timestamp values (CLOCK_MONOTONIC ns); "none" means now.
PYITT_ITT_EXPORT void __itt_frame_submit_v3(const abi::Domain* domain, abi::Id* id, abi::Timestamp begin,
                                            abi::Timestamp end) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    const bool has_id = id != nullptr && !is_null(*id);
    const std::uint64_t now_ns = monotonic_ns();
    if (end == abi::kTimestampNone) end = now_ns;
    if (begin == abi::kTimestampNone) begin = end;
    Record* r = reserve(has_id ? 3 : 2);
    if (r == nullptr) return;
    fill(r, ts, Kind::kFrameSubmit, has_id ? kHasId : 0, has_id ? 2 : 1, domain, 0);
    ext_at(r, 0) = {{begin, end, 0, 0}};
    if (has_id) put_id(ext_at(r, 1), *id);
    commit(has_id ? 3 : 2);
}
PYITT_ITT_EXPORT void __itt_region_begin(const abi::Domain* domain, abi::Id id, abi::Id parent,
                                         abi::StringHandle* name) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    record_ids(Kind::kRegionBegin, ts, domain, reinterpret_cast<std::uint64_t>(name), id, parent, true);
}
PYITT_ITT_EXPORT void __itt_region_end(const abi::Domain* domain, abi::Id id) {
    const std::uint64_t ts = now_ticks();
    if (!end_allowed()) return;
    record_ids(Kind::kRegionEnd, ts, domain, 0, id, abi::kNullId, true);
}

// ---- ids: they only name things; nothing to show on their own ----
PYITT_ITT_EXPORT void __itt_id_create(const abi::Domain*, abi::Id) {}
PYITT_ITT_EXPORT void __itt_id_destroy(const abi::Domain*, abi::Id) {}

// ---- counters ----
PYITT_ITT_EXPORT void __itt_counter_set_value(abi::CounterHandle counter, void* value) {
    if (counter == nullptr) return;
    record_counter(counter, kCounterSet, read_typed(value, static_cast<abi::CounterInfo*>(counter)->type));
}
PYITT_ITT_EXPORT void __itt_counter_set_value_v3(abi::CounterHandle counter, void* value) {
    __itt_counter_set_value(counter, value);
}
PYITT_ITT_EXPORT void __itt_counter_inc(abi::CounterHandle counter) { record_counter(counter, kCounterInc, 1); }
PYITT_ITT_EXPORT void __itt_counter_inc_delta(abi::CounterHandle counter, unsigned long long value) {
    record_counter(counter, kCounterInc, value);
}
PYITT_ITT_EXPORT void __itt_counter_dec(abi::CounterHandle counter) { record_counter(counter, kCounterDec, 1); }
PYITT_ITT_EXPORT void __itt_counter_dec_delta(abi::CounterHandle counter, unsigned long long value) {
    record_counter(counter, kCounterDec, value);
}
PYITT_ITT_EXPORT void __itt_counter_inc_v3(const abi::Domain* domain, abi::StringHandle* name) {
    record_counter_v3(domain, name, kCounterInc, 1);
}
PYITT_ITT_EXPORT void __itt_counter_inc_delta_v3(const abi::Domain* domain, abi::StringHandle* name,
                                                 unsigned long long delta) {
    record_counter_v3(domain, name, kCounterInc, delta);
}
PYITT_ITT_EXPORT void __itt_counter_dec_v3(const abi::Domain* domain, abi::StringHandle* name) {
    record_counter_v3(domain, name, kCounterDec, 1);
}
PYITT_ITT_EXPORT void __itt_counter_dec_delta_v3(const abi::Domain* domain, abi::StringHandle* name,
                                                 unsigned long long delta) {
    record_counter_v3(domain, name, kCounterDec, delta);
}
// Counters are never freed (other static parts may still hold them); the track simply ends.
PYITT_ITT_EXPORT void __itt_counter_destroy(abi::CounterHandle) {}

// ---- legacy events: async spans named by event_create ----
PYITT_ITT_EXPORT int __itt_event_start(abi::Event event) {
    const std::uint64_t ts = now_ticks();
    if (recording()) record_plain(Kind::kEventStart, ts, 0, nullptr, static_cast<std::uint64_t>(event));
    return 0;
}
PYITT_ITT_EXPORT int __itt_event_end(abi::Event event) {
    const std::uint64_t ts = now_ticks();
    if (end_allowed()) record_plain(Kind::kEventEnd, ts, 0, nullptr, static_cast<std::uint64_t>(event));
    return 0;
}

// ---- markers, metadata, relations ----
PYITT_ITT_EXPORT void __itt_marker(const abi::Domain* domain, abi::Id id, abi::StringHandle* name, int scope) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    const bool has_id = !is_null(id);
    Record* r = reserve(has_id ? 2 : 1);
    if (r == nullptr) return;
    fill(r, ts, Kind::kMarker, static_cast<std::uint16_t>((scope & 0xff) | (has_id ? 0x100 : 0)), has_id ? 1 : 0,
         domain, reinterpret_cast<std::uint64_t>(name));
    if (has_id) put_id(ext_at(r, 0), id);
    commit(has_id ? 2 : 1);
}
PYITT_ITT_EXPORT void __itt_metadata_add(const abi::Domain* domain, abi::Id id, abi::StringHandle* key, int type,
                                         size_t count, void* data) {
    record_metadata(Kind::kMetadata, domain, &id, 0, key, type, count, data, count * metadata_item_size(type));
}
PYITT_ITT_EXPORT void __itt_metadata_str_add(const abi::Domain* domain, abi::Id id, abi::StringHandle* key,
                                             const char* data, size_t length) {
    if (data != nullptr && length == 0) length = std::strlen(data);
    record_metadata(Kind::kMetadataStr, domain, &id, 0, key, 0, length, data, length);
}
PYITT_ITT_EXPORT void __itt_metadata_add_with_scope(const abi::Domain* domain, int scope, abi::StringHandle* key,
                                                    int type, size_t count, void* data) {
    record_metadata(Kind::kMetadata, domain, nullptr, scope, key, type, count, data, count * metadata_item_size(type));
}
PYITT_ITT_EXPORT void __itt_metadata_str_add_with_scope(const abi::Domain* domain, int scope,
                                                        abi::StringHandle* key, const char* data, size_t length) {
    if (data != nullptr && length == 0) length = std::strlen(data);
    record_metadata(Kind::kMetadataStr, domain, nullptr, scope, key, 0, length, data, length);
}
PYITT_ITT_EXPORT void __itt_relation_add(const abi::Domain* domain, abi::Id head, int relation, abi::Id tail) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    record_ids(Kind::kRelation, ts, domain, static_cast<std::uint64_t>(relation), head, tail, true);
}
PYITT_ITT_EXPORT void __itt_relation_add_to_current(const abi::Domain* domain, int relation, abi::Id tail) {
    const std::uint64_t ts = now_ticks();
    if (!recording()) return;
    // No head: the writer relates the thread's innermost open task.
    Record* r = reserve(2);
    if (r == nullptr) return;
    fill(r, ts, Kind::kRelation, kHasParent, 1, domain, static_cast<std::uint64_t>(relation));
    put_id(ext_at(r, 0), tail);
    commit(2);
}

PYITT_ITT_EXPORT void __itt_histogram_submit(abi::Histogram* histogram, size_t length, void*, void*) {
    const std::uint64_t ts = now_ticks();
    if (!recording() || histogram == nullptr) return;
    record_plain(Kind::kHistogramSubmit, ts, 0, histogram, length);
}

PYITT_ITT_EXPORT abi::Timestamp __itt_get_timestamp(void) { return monotonic_ns(); }

// ---- binding ----
namespace {

#define PYITT_CHECK_TYPE(ret, api, params, args, group, is_static)                               \
    static_assert(std::is_same_v<decltype(__itt_##api), abi::fn_##api>, "__itt_" #api " type");
PYITT_ITT_APIS(PYITT_CHECK_TYPE)
#undef PYITT_CHECK_TYPE

struct Binding {
    const char* name;
    void* fn;
};
#define PYITT_BINDING(ret, api, params, args, group, is_static) {"__itt_" #api, reinterpret_cast<void*>(&__itt_##api)},
const Binding kBindings[] = {PYITT_ITT_APIS(PYITT_BINDING)};
#undef PYITT_BINDING

void* find_binding(const char* name) {
    for (const Binding& b : kBindings)
        if (std::strcmp(b.name, name) == 0) return b.fn;
    return nullptr;
}

}  // namespace

// Called by every static part (ours, Intel's, any number of them) with its global's mutex held. We bind
// from our own table rather than dlsym(g->lib): the result is the same, and it cannot be interposed.
PYITT_ITT_EXPORT void __itt_api_init(abi::Global* g, int /*init_groups: version-2 collectors bind all*/) {
    if (g == nullptr) return;
    for (abi::ApiInfo* e = g->api_list_ptr; e != nullptr && e->name != nullptr; ++e) {
        void* fn = find_binding(e->name);
        // Other threads of the program may be reading the slot right now (their calls are not under the
        // global's mutex): an atomic store, so they see the old or the new function, nothing torn.
        if (e->func_ptr != nullptr) __atomic_store_n(e->func_ptr, fn != nullptr ? fn : e->null_func, __ATOMIC_RELEASE);
    }
    adopt_global_objects(g);
}

// The static part resets its own slots; recording goes on for every other static part.
PYITT_ITT_EXPORT void __itt_api_fini(abi::Global*) {}
