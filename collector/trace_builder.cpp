// Pairing records into the trace and the summary (trace_builder.h). Memory: open tasks and spans, names.
#include "trace_builder.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <map>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "clock.h"
#include "lifecycle.h"
#include "objects.h"

namespace pyitt::collector {

namespace {

using Id = abi::Id;

Id id_of(const Ext& e) { return {e.w[0], e.w[1], e.w[2]}; }
bool same(const Id& a, const Id& b) { return a.d1 == b.d1 && a.d2 == b.d2 && a.d3 == b.d3; }
std::string id_json(const Id& id) {
    return id.d3 == 0 ? fmt::format("\"0x{:x}.0x{:x}\"", id.d1, id.d2)
                      : fmt::format("\"0x{:x}.0x{:x}.0x{:x}\"", id.d1, id.d2, id.d3);
}

const char* relation_name(std::uint64_t r) {
    static const char* const names[] = {"unknown",  "dependent_on", "sibling_of",   "parent_of",
                                        "continuation_of", "child_of", "continued_by", "predecessor_to"};
    return r < 8 ? names[r] : "unknown";
}

// One metadata value (count items of one type) as JSON; NaN and infinities have no JSON spelling.
std::string metadata_json(int type, std::uint64_t count, const unsigned char* data, std::size_t bytes) {
    auto one = [&](std::size_t i) -> std::string {
        auto get = [&](auto v) {
            std::memcpy(&v, data + i * sizeof v, sizeof v);
            return v;
        };
        switch (type) {
            case abi::kMetadataU64: return fmt::format("{}", get(std::uint64_t{}));
            case abi::kMetadataS64: return fmt::format("{}", get(std::int64_t{}));
            case abi::kMetadataU32: return fmt::format("{}", get(std::uint32_t{}));
            case abi::kMetadataS32: return fmt::format("{}", get(std::int32_t{}));
            case abi::kMetadataU16: return fmt::format("{}", get(std::uint16_t{}));
            case abi::kMetadataS16: return fmt::format("{}", get(std::int16_t{}));
            case abi::kMetadataFloat: {
                float f = get(0.0f);
                return std::isfinite(f) ? fmt::format("{}", f) : "null";
            }
            case abi::kMetadataDouble: {
                double d = get(0.0);
                return std::isfinite(d) ? fmt::format("{}", d) : "null";
            }
            default: return "null";
        }
    };
    std::size_t size = type == abi::kMetadataU64 || type == abi::kMetadataS64 || type == abi::kMetadataDouble ? 8
                       : type == abi::kMetadataU16 || type == abi::kMetadataS16                             ? 2
                       : type == abi::kMetadataUnknown                                                      ? 0
                                                                                                            : 4;
    std::size_t n = size == 0 ? 0 : std::min<std::size_t>(count, bytes / size);
    if (n == 1 && count == 1) return one(0);
    std::string out = "[";
    for (std::size_t i = 0; i < n; ++i) out += (i ? "," : "") + one(i);
    return out + "]";
}

}  // namespace

TraceBuilder::TraceBuilder(TraceSink& out, Summary& summary, const TickConverter& clock)
    : out_(out), summary_(summary), clock_(clock), min_duration_ns_(trace_settings().min_duration_ns) {}

// Repeated pauses (or resumes) are marked in the trace but switch nothing: only changes count.
void TraceBuilder::collection_mark(const Record* r) {
    const bool paused = paused_at_ != 0;
    if (r->kind == Kind::kPause && !paused) {
        ++collection_.pauses;
        paused_at_ = r->ts;
    } else if (r->kind == Kind::kResume && paused && !collection_.detached) {
        ++collection_.resumes;
        collection_.paused_ns += ns(r->ts) - std::min(ns(r->ts), ns(paused_at_));
        paused_at_ = 0;
    } else if (r->kind == Kind::kDetach && !collection_.detached) {
        collection_.detached = true;
        detached_at_ = r->ts;
        if (paused) collection_.paused_ns += ns(r->ts) - std::min(ns(r->ts), ns(paused_at_));
        paused_at_ = paused ? paused_at_ : r->ts;
    }
}

// The same state machine as collection_mark, for the ends the background meets before the exit
// replays the marks themselves: every change is known before any record after it is handled.
void TraceBuilder::collection_change(Kind kind, std::uint64_t ticks) {
    const bool paused = clip_paused_at_ != 0;
    if (kind == Kind::kPause && !paused) {
        clip_paused_at_ = ticks;
    } else if (kind == Kind::kResume && paused && !clip_detached_) {
        clip_paused_at_ = 0;
    } else if (kind == Kind::kDetach && !clip_detached_) {
        clip_detached_ = true;
        clip_paused_at_ = paused ? clip_paused_at_ : ticks;
    }
    clips_.emplace_back(ticks, clip_paused_at_);
}

std::uint64_t TraceBuilder::clip_in_background(ThreadState& t, std::uint64_t ticks) const {
    while (t.clip_index < clips_.size() && clips_[t.clip_index].first <= ticks) t.clip_to = clips_[t.clip_index++].second;
    return t.clip_to != 0 ? std::min(ticks, t.clip_to) : ticks;
}

void TraceBuilder::task_end(ThreadState& t, std::uint64_t ts, bool unfinished) {
    OpenTask& task = t.stack.back();  // used in place and popped last: no move of its args per task
    const std::uint64_t begin_ns = ns(task.ts), end_ns = std::max(ns(ts), begin_ns);
    const std::uint64_t dur = end_ns - begin_ns;
    if (unfinished) task.args.add("\"unfinished\"", "true");
    // --min-duration: out of the trace, still in the summary (an unfinished task is kept: it is news).
    out_.task_end(t.index, begin_ns, end_ns, task.domain, task.name, task.args, dur >= min_duration_ns_ || unfinished);
    summary_.leave(t.summary, task.node, begin_ns, end_ns, task.children_ns, unfinished);
    t.stack.pop_back();
    if (!t.stack.empty()) t.stack.back().children_ns += dur;
}

void TraceBuilder::emit_async(const AsyncSpan& s, std::uint64_t end_ns, bool unfinished) {
    const std::uint64_t begin_ns = std::min(s.ts, end_ns);
    if (!unfinished) {
        out_.span(s.thread, begin_ns, end_ns, s.domain, s.name, s.args);
        return;
    }
    Args args = s.args;
    args.add("\"unfinished\"", "true");
    out_.span(s.thread, begin_ns, end_ns, s.domain, s.name, args);
}

// Metadata and relations go to a task: the one with this id (open nested task of the thread, else an
// open overlapped task or region), or, without an id, the thread's innermost task.
Args* TraceBuilder::task_args_for(ThreadState& t, const Id* id, bool stack, bool spans) {
    if (id == nullptr) return !stack || t.stack.empty() ? nullptr : &t.stack.back().args;
    if (stack)
        for (auto it = t.stack.rbegin(); it != t.stack.rend(); ++it)
            if (same(it->id, *id)) return &it->args;
    if (spans)
        for (auto& [key, span] : async_)
            if (same(span.id, *id)) return &span.args;
    return nullptr;
}

// In the background only a target among the thread's open tasks is taken (false: none, defer it).
bool TraceBuilder::metadata(const Record* r, ThreadState& t, bool background) {
    const Ext& head = ext_at(r, 0);
    const bool has_id = (r->sub & kHasId) != 0, with_scope = (r->sub & kWithScope) != 0;
    Id id{};
    if (has_id) id = id_of(ext_at(r, 1));
    const auto* payload = reinterpret_cast<const unsigned char*>(&ext_at(r, has_id ? 2 : 1));
    const std::size_t bytes = static_cast<std::size_t>(head.w[3]);
    const bool stack = (r->sub & kStackSearched) == 0;
    Args* target = nullptr;
    if (has_id)
        target = task_args_for(t, &id, stack, !background);
    else if (!with_scope || head.w[2] == abi::kScopeTask)
        target = task_args_for(t, nullptr, stack, !background);
    if (target == nullptr && background) return false;
    std::string value = r->kind == Kind::kMetadataStr
                            ? json_quote(std::string_view(reinterpret_cast<const char*>(payload), bytes))
                            : metadata_json(static_cast<int>(head.w[0]), head.w[1], payload, bytes);
    const Name* key = str(r->b);
    if (target != nullptr) {
        target->add(key->json, value);
        return true;
    }
    Args args;
    args.add(key->json, value);
    if (has_id) args.add("\"id\"", id_json(id));
    const char scope = with_scope && head.w[2] == abi::kScopeGlobal ? 'g' : with_scope ? 'p' : 't';
    emit_instant(t, ns(r->ts), domain(r->a), intern("metadata"), scope, args);
    return true;
}

bool TraceBuilder::relation(const Record* r, ThreadState& t, bool background) {
    const bool has_head = (r->sub & kHasId) != 0, has_tail = (r->sub & kHasParent) != 0;
    Id head{}, tail{};
    if (has_head) head = id_of(ext_at(r, 0));
    if (has_tail) tail = id_of(ext_at(r, has_head ? 1 : 0));
    Args* target = task_args_for(t, has_head ? &head : nullptr, (r->sub & kStackSearched) == 0, !background);
    if (target == nullptr && background) return false;
    // A JSON string such as "child_of 0x1.0x0".
    std::string text = "\"" + std::string(relation_name(r->b)) + " " + (has_tail ? id_json(tail).substr(1) : "null\"");
    if (target != nullptr) {
        target->relations.push_back(text);
        return true;
    }
    Args args;
    if (has_head) args.add("\"head\"", id_json(head));
    args.add("\"relation\"", text);
    emit_instant(t, ns(r->ts), domain(r->a), intern("relation"), 't', args);
    return true;
}

void TraceBuilder::task_begin(const Record* r, ThreadState& t) {
    const bool has_id = (r->sub & kHasId) != 0, has_parent = (r->sub & kHasParent) != 0;
    const Name* d = domain(r->a);
    const Name* n = r->kind == Kind::kTaskBegin ? str(r->b) : function_name(r->b);
    Summary::Node* parent = t.stack.empty() ? nullptr : t.stack.back().node;
    Summary::Node* node = summary_.enter(t.summary, parent, d, n);
    OpenTask& task = t.stack.emplace_back();  // in place: no temporary whose args are moved
    task.ts = r->ts;
    task.domain = d;
    task.name = n;
    task.node = node;
    task.children_ns = 0;
    task.id = Id{};
    if (has_id) {
        task.id = id_of(ext_at(r, 0));
        task.args.add("\"id\"", id_json(task.id));
    }
    if (has_parent) task.args.add("\"parent\"", id_json(id_of(ext_at(r, has_id ? 1 : 0))));
    out_.task_begin(t.index, ns(r->ts), d, n);
}

bool TraceBuilder::handle_in_background(const Record* r, ThreadState& t) {
    first_ticks_ = std::min(first_ticks_, r->ts);
    switch (r->kind) {
        case Kind::kTaskBegin:
        case Kind::kTaskBeginFn: task_begin(r, t); return true;
        case Kind::kTaskEnd:
            if (!t.stack.empty()) task_end(t, clips_.empty() ? r->ts : clip_in_background(t, r->ts), false);
            return true;
        case Kind::kMetadata:
        case Kind::kMetadataStr: return metadata(r, t, true);
        case Kind::kRelation: return relation(r, t, true);
        case Kind::kThreadName:
            t.name.assign(reinterpret_cast<const char*>(&ext_at(r, 0)), static_cast<std::size_t>(r->b));
            return true;
        case Kind::kIdCreate:
        case Kind::kIdDestroy: return true;
        default: return false;
    }
}

void TraceBuilder::handle(const Record* r, ThreadState& t) {
    first_ticks_ = std::min(first_ticks_, r->ts);
    const bool has_id = (r->sub & kHasId) != 0, has_parent = (r->sub & kHasParent) != 0;
    auto ids_to_args = [&](Args& args) {
        if (has_id) args.add("\"id\"", id_json(id_of(ext_at(r, 0))));
        if (has_parent) args.add("\"parent\"", id_json(id_of(ext_at(r, has_id ? 1 : 0))));
    };
    auto async_key = [&](int tag, const Name* d) {
        Id id = has_id ? id_of(ext_at(r, 0)) : Id{};
        return AsyncKey{tag, d, id.d1, id.d2, id.d3, 0};
    };
    switch (r->kind) {
        case Kind::kTaskBegin:
        case Kind::kTaskBeginFn: task_begin(r, t); break;
        case Kind::kTaskEnd:
            // An end without a begin (e.g. the parent's task ended in a forked child) is dropped. A task
            // begun before a pause and ended during it stops at the pause: paused time is not recorded.
            if (!t.stack.empty()) task_end(t, clip(r->ts), false);
            break;
        case Kind::kOverlappedBegin:
        case Kind::kRegionBegin: {
            const Name* d = domain(r->a);
            AsyncSpan s{ns(r->ts), d, str(r->b), t.index, {}, id_of(ext_at(r, 0))};
            ids_to_args(s.args);
            async_[async_key(r->kind == Kind::kRegionBegin ? kRegion : kOverlapped, d)] = std::move(s);
            break;
        }
        case Kind::kOverlappedEnd:
        case Kind::kRegionEnd:
        case Kind::kFrameEnd: {
            int tag = r->kind == Kind::kRegionEnd ? kRegion : r->kind == Kind::kFrameEnd ? kFrame : kOverlapped;
            auto it = async_.find(async_key(tag, domain(r->a)));
            if (it == async_.end()) break;
            emit_async(it->second, ns(clip(r->ts)), false);
            async_.erase(it);
            break;
        }
        case Kind::kFrameBegin: {
            const Name* d = domain(r->a);
            AsyncSpan s{ns(r->ts), d, intern("frame"), t.index, {}, has_id ? id_of(ext_at(r, 0)) : Id{}};
            ids_to_args(s.args);
            async_[async_key(kFrame, d)] = std::move(s);
            break;
        }
        case Kind::kFrameSubmit: {
            const Ext& times = ext_at(r, 0);
            AsyncSpan s{times.w[0], domain(r->a), intern("frame"), t.index, {}, {}};
            if (has_id) s.args.add("\"id\"", id_json(id_of(ext_at(r, 1))));
            emit_async(s, std::max(times.w[0], times.w[1]), false);
            break;
        }
        case Kind::kEventStart:
            async_[AsyncKey{kEvent, nullptr, r->b, 0, 0, t.index}] =
                AsyncSpan{ns(r->ts), intern("event"), event_name(r->b), t.index, {}, {}};
            break;
        case Kind::kEventEnd: {
            auto it = async_.find(AsyncKey{kEvent, nullptr, r->b, 0, 0, t.index});
            if (it == async_.end()) break;
            emit_async(it->second, ns(clip(r->ts)), false);
            async_.erase(it);
            break;
        }
        case Kind::kTaskGroup: {
            Args args;
            ids_to_args(args);
            emit_instant(t, ns(r->ts), domain(r->a), str(r->b), 't', args);
            break;
        }
        case Kind::kCounter: {
            CounterDesc c = counter_desc(r->a);
            CounterValue& v = counters_[{c.domain, c.name}];
            v.is_float = c.type == abi::kMetadataFloat || c.type == abi::kMetadataDouble;
            v.is_signed = c.type == abi::kMetadataS64 || c.type == abi::kMetadataS32 || c.type == abi::kMetadataS16;
            const std::uint64_t bits = r->b;
            if (r->sub == kCounterSet) {
                switch (c.type) {
                    case abi::kMetadataFloat: { float f; std::memcpy(&f, &bits, 4); v.d = f; break; }
                    case abi::kMetadataDouble: std::memcpy(&v.d, &bits, 8); break;
                    case abi::kMetadataS32: v.i = static_cast<std::int32_t>(bits); break;
                    case abi::kMetadataS16: v.i = static_cast<std::int16_t>(bits); break;
                    default: v.i = static_cast<std::int64_t>(bits);  // u64 s64 u32 u16 are zero-extended bits
                }
            } else {
                const std::int64_t delta = static_cast<std::int64_t>(bits) * (r->sub == kCounterDec ? -1 : 1);
                if (v.is_float) v.d += static_cast<double>(delta);
                else v.i += delta;
            }
            out_.counter(ns(r->ts), c.domain, c.name, v.is_float, v.d, v.i, v.is_signed);
            break;
        }
        case Kind::kCounterV3: {
            const Name* d = domain(r->a);
            const Name* n = str(r->b);
            CounterValue& v = counters_[{d, n}];
            const std::int64_t delta = static_cast<std::int64_t>(ext_at(r, 0).w[0]);
            v.i += r->sub == kCounterDec ? -delta : delta;
            out_.counter(ns(r->ts), d, n, v.is_float, v.d, v.i, v.is_signed);
            break;
        }
        case Kind::kMarker: {
            const int scope = r->sub & 0xff;
            Args args;
            if (r->sub & 0x100) args.add("\"id\"", id_json(id_of(ext_at(r, 0))));
            const char s = scope == abi::kScopeGlobal ? 'g' : scope == abi::kScopeTrackGroup || scope == abi::kScopeUnknown ? 'p' : 't';
            emit_instant(t, ns(r->ts), domain(r->a), str(r->b), s, args);
            break;
        }
        case Kind::kMetadata:
        case Kind::kMetadataStr: metadata(r, t, false); break;
        case Kind::kRelation: relation(r, t, false); break;
        case Kind::kPause:
        case Kind::kResume:
        case Kind::kDetach: {
            const Name* what = intern(r->kind == Kind::kPause ? "pause" : r->kind == Kind::kResume ? "resume" : "detach");
            Args args;
            if (r->sub != static_cast<std::uint16_t>(abi::kScopeAll)) args.add("\"scope\"", fmt::format("{}", r->sub));
            emit_instant(t, ns(r->ts), intern("pyitt"), what, 'g', args);
            // The merge is in time order, so this is the global collection state at every later record.
            collection_mark(r);
            break;
        }
        case Kind::kThreadName:
            t.name.assign(reinterpret_cast<const char*>(&ext_at(r, 0)), static_cast<std::size_t>(r->b));
            break;
        case Kind::kHistogramSubmit: {
            CounterDesc h = histogram_desc(r->a);
            Args args;
            args.add("\"length\"", fmt::format("{}", r->b));
            emit_instant(t, ns(r->ts), h.domain, h.name, 't', args);
            break;
        }
        case Kind::kIdCreate:
        case Kind::kIdDestroy: break;
    }
}

// Tasks still open when the trace is written end now, marked "unfinished".
void TraceBuilder::close_all(std::vector<ThreadState>& threads, std::uint64_t end_ticks) {
    if (paused_at_ != 0 && !collection_.detached)  // paused until the end
        collection_.paused_ns += ns(end_ticks) - std::min(ns(end_ticks), ns(paused_at_));
    if (paused_at_ != 0) end_ticks = std::min(end_ticks, paused_at_);  // paused or detached until the end
    for (ThreadState& t : threads)
        while (!t.stack.empty()) task_end(t, end_ticks, true);
    for (auto& [key, span] : async_) emit_async(span, ns(end_ticks), true);
    async_.clear();
}


}  // namespace pyitt::collector
