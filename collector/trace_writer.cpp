// The trace writer: replays the merged record stream, pairs begins with ends (a stack per thread for
// nested tasks, a map for overlapped tasks, regions, frames and events), and streams Chrome Trace Event
// JSON while feeding the summary. Memory: open tasks and spans, names, and one window per thread.
#include "trace_writer.h"

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
#include "record_reader.h"
#include "profile_outputs.h"
#include "summary.h"

namespace pyitt::collector {

namespace {

// ---- JSON output ----

// With no file (it could not be created), events are still counted: the host says how many were
// recorded even when they could not be written.
class JsonOut {
public:
    explicit JsonOut(std::FILE* f) : f_(f), ok_(f != nullptr) {}
    // Starts one trace event; metadata events ("M") are not counted.
    fmt::memory_buffer& event(bool counted = true) {
        if (!first_) append(",\n");
        first_ = false;
        events_ += counted ? 1 : 0;
        return buf_;
    }
    void append(std::string_view s) { buf_.append(s.data(), s.data() + s.size()); }
    void end_event() {
        if (buf_.size() > (1u << 20)) flush();
    }
    void flush() {
        if (ok_ && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) {
            ok_ = false;
            error_number_ = errno;
        }
        buf_.clear();
    }
    bool ok() const { return ok_; }
    int error_number() const { return error_number_; }
    unsigned long long events() const { return events_; }

private:
    std::FILE* f_;
    fmt::memory_buffer buf_;
    bool first_ = true;
    bool ok_;
    int error_number_ = 0;
    unsigned long long events_ = 0;
};

// Chrome wants microseconds; three decimals keep the nanoseconds.
struct Micros {
    std::uint64_t ns;
};

}  // namespace
}  // namespace pyitt::collector

template <>
struct fmt::formatter<pyitt::collector::Micros> : fmt::formatter<std::string_view> {
    auto format(pyitt::collector::Micros m, format_context& ctx) const {
        return fmt::format_to(ctx.out(), "{}.{:03}", m.ns / 1000, m.ns % 1000);
    }
};

namespace pyitt::collector {

namespace {

using Id = abi::Id;

Id id_of(const Ext& e) { return {e.w[0], e.w[1], e.w[2]}; }
bool same(const Id& a, const Id& b) { return a.d1 == b.d1 && a.d2 == b.d2 && a.d3 == b.d3; }
std::string id_json(const Id& id) {
    return id.d3 == 0 ? fmt::format("\"0x{:x}.0x{:x}\"", id.d1, id.d2)
                      : fmt::format("\"0x{:x}.0x{:x}.0x{:x}\"", id.d1, id.d2, id.d3);
}

// Arguments as a JSON object body, built only for the events that have some.
struct Args {
    std::string body;
    std::vector<std::string> relations;
    void add(std::string_view key_json, std::string_view value_json) {
        if (!body.empty()) body += ',';
        body.append(key_json).append(":").append(value_json);
    }
    bool empty() const { return body.empty() && relations.empty(); }
    void write(fmt::memory_buffer& out) const {
        if (empty()) return;
        fmt::format_to(std::back_inserter(out), ",\"args\":{{{}", body);
        if (!relations.empty()) {
            out.append(std::string_view(body.empty() ? "\"relations\":[" : ",\"relations\":["));
            for (std::size_t i = 0; i < relations.size(); ++i)
                fmt::format_to(std::back_inserter(out), "{}{}", i ? "," : "", relations[i]);
            out.push_back(']');
        }
        out.push_back('}');
    }
};

struct OpenTask {
    std::uint64_t ts;
    const Name* domain;
    const Name* name;
    Summary::Node* node;
    std::uint64_t children_ns;
    Args args;
    Id id;
};

struct ThreadState {
    pid_t tid;
    std::vector<OpenTask> stack;
    std::string name;
    Summary::Thread* summary = nullptr;
};

enum AsyncTag : int { kOverlapped = 1, kRegion, kFrame, kEvent };
struct AsyncKey {
    int tag;
    const Name* domain;
    std::uint64_t d1, d2, d3;
    pid_t tid;  // legacy events only: they are per thread
    bool operator<(const AsyncKey& o) const {
        return std::tie(tag, domain, d1, d2, d3, tid) < std::tie(o.tag, o.domain, o.d1, o.d2, o.d3, o.tid);
    }
};
struct AsyncSpan {
    std::uint64_t ts;
    const Name* domain;
    const Name* name;
    pid_t tid;
    Args args;
    Id id;
};

struct CounterValue {
    bool is_float = false;
    bool is_signed = false;
    std::int64_t i = 0;  // unsigned values are kept as their two's complement bits
    double d = 0;
};

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

class TraceBuilder {
public:
    TraceBuilder(JsonOut& out, Summary& summary, const TickConverter& clock, pid_t pid)
        : out_(out), summary_(summary), clock_(clock), pid_(pid) {}

    void handle(const Record* r, ThreadState& t);
    void close_all(std::vector<ThreadState>& threads, std::uint64_t end_ticks);
    // After close_all: the pauses, resumes and paused time, for the summary.
    Summary::Collection collection(std::uint64_t first_ticks) const {
        Summary::Collection c = collection_;
        if (c.detached) c.detached_after_ns = ns(detached_at_) - std::min(ns(detached_at_), ns(first_ticks));
        return c;
    }

private:
    const Name* domain(const void* p) {
        auto [it, fresh] = domains_.try_emplace(p, nullptr);
        if (fresh) it->second = domain_name(p);
        return it->second;
    }
    const Name* str(std::uint64_t p) {
        auto [it, fresh] = strings_.try_emplace(reinterpret_cast<const void*>(p), nullptr);
        if (fresh) it->second = string_name(reinterpret_cast<const void*>(p));
        return it->second;
    }
    std::uint64_t ns(std::uint64_t ticks) const { return clock_.to_ns(ticks); }
    // Ends that come while paused or detached are moved back to the pause.
    std::uint64_t clip(std::uint64_t ticks) const { return paused_at_ != 0 ? std::min(ticks, paused_at_) : ticks; }

    void task_end(ThreadState& t, std::uint64_t ts, bool unfinished);
    void emit_async(const AsyncSpan& s, std::uint64_t end_ns, bool unfinished);
    void emit_instant(const ThreadState& t, std::uint64_t ts_ns, const Name* domain, std::string_view name_json,
                      const char* scope, const Args& args);
    void emit_counter(const Name* domain, const Name* name, std::uint64_t ts, const CounterValue& v);
    Args* task_args_for(ThreadState& t, const Id* id);
    void metadata(const Record* r, ThreadState& t);
    void relation(const Record* r, ThreadState& t);

    JsonOut& out_;
    Summary& summary_;
    const TickConverter& clock_;
    pid_t pid_;
    std::unordered_map<const void*, const Name*> domains_, strings_;
    std::map<AsyncKey, AsyncSpan> async_;
    std::map<std::pair<const Name*, const Name*>, CounterValue> counters_;
    std::uint64_t async_seq_ = 0;
    std::uint64_t paused_at_ = 0;  // ticks of the pause or detach in effect, 0 while recording
    std::uint64_t detached_at_ = 0;
    Summary::Collection collection_;
    void collection_mark(const Record* r);
};

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

void TraceBuilder::task_end(ThreadState& t, std::uint64_t ts, bool unfinished) {
    OpenTask task = std::move(t.stack.back());
    t.stack.pop_back();
    const std::uint64_t begin_ns = ns(task.ts), end_ns = std::max(ns(ts), begin_ns);
    const std::uint64_t dur = end_ns - begin_ns;
    if (unfinished) task.args.add("\"unfinished\"", "true");
    auto& b = out_.event();
    fmt::format_to(std::back_inserter(b), "{{\"ph\":\"X\",\"name\":{},\"cat\":{},\"ts\":{},\"dur\":{},\"pid\":{},\"tid\":{}",
                   task.name->json, task.domain->json, Micros{begin_ns}, Micros{dur}, pid_, t.tid);
    task.args.write(b);
    b.push_back('}');
    out_.end_event();
    summary_.leave(t.summary, task.node, begin_ns, end_ns, task.children_ns, unfinished);
    if (!t.stack.empty()) t.stack.back().children_ns += dur;
}

// Nestable async events ("b"/"e"): spans that may overlap on a thread or end on another one. Each span
// gets its own id so spans never merge; the ITT id, if any, is in args.
void TraceBuilder::emit_async(const AsyncSpan& s, std::uint64_t end_ns, bool unfinished) {
    const std::uint64_t begin_ns = std::min(s.ts, end_ns);
    const std::uint64_t id = ++async_seq_;
    Args args = s.args;
    if (unfinished) args.add("\"unfinished\"", "true");
    auto& b = out_.event();
    fmt::format_to(std::back_inserter(b), "{{\"ph\":\"b\",\"name\":{},\"cat\":{},\"id\":\"0x{:x}\",\"ts\":{},\"pid\":{},\"tid\":{}",
                   s.name->json, s.domain->json, id, Micros{begin_ns}, pid_, s.tid);
    args.write(b);
    b.push_back('}');
    auto& e = out_.event();
    fmt::format_to(std::back_inserter(e), "{{\"ph\":\"e\",\"name\":{},\"cat\":{},\"id\":\"0x{:x}\",\"ts\":{},\"pid\":{},\"tid\":{}}}",
                   s.name->json, s.domain->json, id, Micros{end_ns}, pid_, s.tid);
    out_.end_event();
}

void TraceBuilder::emit_instant(const ThreadState& t, std::uint64_t ts_ns, const Name* domain, std::string_view name_json,
                                const char* scope, const Args& args) {
    auto& b = out_.event();
    fmt::format_to(std::back_inserter(b), "{{\"ph\":\"i\",\"name\":{},\"cat\":{},\"s\":\"{}\",\"ts\":{},\"pid\":{},\"tid\":{}",
                   name_json, domain->json, scope, Micros{ts_ns}, pid_, t.tid);
    args.write(b);
    b.push_back('}');
    out_.end_event();
}

void TraceBuilder::emit_counter(const Name* domain, const Name* name, std::uint64_t ts, const CounterValue& v) {
    auto& b = out_.event();
    fmt::format_to(std::back_inserter(b), "{{\"ph\":\"C\",\"name\":{},\"cat\":{},\"ts\":{},\"pid\":{},\"args\":{{\"value\":",
                   name->json, domain->json, Micros{ns(ts)}, pid_);
    if (v.is_float)
        fmt::format_to(std::back_inserter(b), "{}", std::isfinite(v.d) ? fmt::format("{}", v.d) : "null");
    else if (v.is_signed)
        fmt::format_to(std::back_inserter(b), "{}", v.i);
    else
        fmt::format_to(std::back_inserter(b), "{}", static_cast<std::uint64_t>(v.i));
    b.append(std::string_view("}}"));
    out_.end_event();
}

// Metadata and relations go to a task: the one with this id (open nested task of the thread, else an
// open overlapped task or region), or, without an id, the thread's innermost task.
Args* TraceBuilder::task_args_for(ThreadState& t, const Id* id) {
    if (id == nullptr) return t.stack.empty() ? nullptr : &t.stack.back().args;
    for (auto it = t.stack.rbegin(); it != t.stack.rend(); ++it)
        if (same(it->id, *id)) return &it->args;
    for (auto& [key, span] : async_)
        if (same(span.id, *id)) return &span.args;
    return nullptr;
}

void TraceBuilder::metadata(const Record* r, ThreadState& t) {
    const Ext& head = ext_at(r, 0);
    const bool has_id = (r->sub & kHasId) != 0, with_scope = (r->sub & kWithScope) != 0;
    Id id{};
    if (has_id) id = id_of(ext_at(r, 1));
    const auto* payload = reinterpret_cast<const unsigned char*>(&ext_at(r, has_id ? 2 : 1));
    const std::size_t bytes = static_cast<std::size_t>(head.w[3]);
    std::string value = r->kind == Kind::kMetadataStr
                            ? json_quote(std::string_view(reinterpret_cast<const char*>(payload), bytes))
                            : metadata_json(static_cast<int>(head.w[0]), head.w[1], payload, bytes);
    const Name* key = str(r->b);
    Args* target = nullptr;
    if (has_id)
        target = task_args_for(t, &id);
    else if (!with_scope || head.w[2] == abi::kScopeTask)
        target = task_args_for(t, nullptr);
    if (target != nullptr) {
        target->add(key->json, value);
        return;
    }
    Args args;
    args.add(key->json, value);
    if (has_id) args.add("\"id\"", id_json(id));
    const char* scope = with_scope && head.w[2] == abi::kScopeGlobal ? "g" : with_scope ? "p" : "t";
    emit_instant(t, ns(r->ts), domain(r->a), "\"metadata\"", scope, args);
}

void TraceBuilder::relation(const Record* r, ThreadState& t) {
    const bool has_head = (r->sub & kHasId) != 0, has_tail = (r->sub & kHasParent) != 0;
    Id head{}, tail{};
    if (has_head) head = id_of(ext_at(r, 0));
    if (has_tail) tail = id_of(ext_at(r, has_head ? 1 : 0));
    // A JSON string such as "child_of 0x1.0x0".
    std::string text = "\"" + std::string(relation_name(r->b)) + " " + (has_tail ? id_json(tail).substr(1) : "null\"");
    if (Args* target = task_args_for(t, has_head ? &head : nullptr)) {
        target->relations.push_back(text);
        return;
    }
    Args args;
    if (has_head) args.add("\"head\"", id_json(head));
    args.add("\"relation\"", text);
    emit_instant(t, ns(r->ts), domain(r->a), "\"relation\"", "t", args);
}

void TraceBuilder::handle(const Record* r, ThreadState& t) {
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
        case Kind::kTaskBeginFn: {
            const Name* d = domain(r->a);
            const Name* n = r->kind == Kind::kTaskBegin ? str(r->b) : function_name(r->b);
            Summary::Node* parent = t.stack.empty() ? nullptr : t.stack.back().node;
            OpenTask task{r->ts, d, n, summary_.enter(t.summary, parent, d, n), 0, {}, has_id ? id_of(ext_at(r, 0)) : Id{}};
            ids_to_args(task.args);
            t.stack.push_back(std::move(task));
            break;
        }
        case Kind::kTaskEnd:
            // An end without a begin (e.g. the parent's task ended in a forked child) is dropped. A task
            // begun before a pause and ended during it stops at the pause: paused time is not recorded.
            if (!t.stack.empty()) task_end(t, clip(r->ts), false);
            break;
        case Kind::kOverlappedBegin:
        case Kind::kRegionBegin: {
            const Name* d = domain(r->a);
            AsyncSpan s{ns(r->ts), d, str(r->b), t.tid, {}, id_of(ext_at(r, 0))};
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
            AsyncSpan s{ns(r->ts), d, intern("frame"), t.tid, {}, has_id ? id_of(ext_at(r, 0)) : Id{}};
            ids_to_args(s.args);
            async_[async_key(kFrame, d)] = std::move(s);
            break;
        }
        case Kind::kFrameSubmit: {
            const Ext& times = ext_at(r, 0);
            AsyncSpan s{times.w[0], domain(r->a), intern("frame"), t.tid, {}, {}};
            if (has_id) s.args.add("\"id\"", id_json(id_of(ext_at(r, 1))));
            emit_async(s, std::max(times.w[0], times.w[1]), false);
            break;
        }
        case Kind::kEventStart:
            async_[AsyncKey{kEvent, nullptr, r->b, 0, 0, t.tid}] =
                AsyncSpan{ns(r->ts), intern("event"), event_name(r->b), t.tid, {}, {}};
            break;
        case Kind::kEventEnd: {
            auto it = async_.find(AsyncKey{kEvent, nullptr, r->b, 0, 0, t.tid});
            if (it == async_.end()) break;
            emit_async(it->second, ns(clip(r->ts)), false);
            async_.erase(it);
            break;
        }
        case Kind::kTaskGroup: {
            Args args;
            ids_to_args(args);
            emit_instant(t, ns(r->ts), domain(r->a), str(r->b)->json, "t", args);
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
            emit_counter(c.domain, c.name, r->ts, v);
            break;
        }
        case Kind::kCounterV3: {
            const Name* d = domain(r->a);
            const Name* n = str(r->b);
            CounterValue& v = counters_[{d, n}];
            const std::int64_t delta = static_cast<std::int64_t>(ext_at(r, 0).w[0]);
            v.i += r->sub == kCounterDec ? -delta : delta;
            emit_counter(d, n, r->ts, v);
            break;
        }
        case Kind::kMarker: {
            const int scope = r->sub & 0xff;
            Args args;
            if (r->sub & 0x100) args.add("\"id\"", id_json(id_of(ext_at(r, 0))));
            const char* s = scope == abi::kScopeGlobal ? "g" : scope == abi::kScopeTrackGroup || scope == abi::kScopeUnknown ? "p" : "t";
            emit_instant(t, ns(r->ts), domain(r->a), str(r->b)->json, s, args);
            break;
        }
        case Kind::kMetadata:
        case Kind::kMetadataStr: metadata(r, t); break;
        case Kind::kRelation: relation(r, t); break;
        case Kind::kPause:
        case Kind::kResume:
        case Kind::kDetach: {
            const char* what = r->kind == Kind::kPause ? "\"pause\"" : r->kind == Kind::kResume ? "\"resume\"" : "\"detach\"";
            Args args;
            if (r->sub != static_cast<std::uint16_t>(abi::kScopeAll)) args.add("\"scope\"", fmt::format("{}", r->sub));
            emit_instant(t, ns(r->ts), intern("pyitt"), what, "g", args);
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
            emit_instant(t, ns(r->ts), h.domain, h.name->json, "t", args);
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

}  // namespace

WriteResult write_outputs(const OutputDirectory& dir, std::uint64_t end_ticks) {
    WriteResult result;
    const TickConverter clock;
    const pid_t pid = getpid();
    MergedRecords records(snapshot_threads(), spill_fd());

    OutputFile trace_file(dir);
    JsonOut out(trace_file.stream());
    Summary summary;
    TraceBuilder builder(out, summary, clock, pid);
    std::vector<ThreadState> threads(records.thread_count());
    for (std::size_t i = 0; i < threads.size(); ++i) {
        threads[i].tid = records.thread(i).tid;
        threads[i].summary = summary.add_thread(threads[i].tid, records.thread(i).cpu_ns);
    }

    const ProcessIdentity identity = process_identity();
    // One line: the merge reads the run from it before it copies the events that follow.
    out.append(fmt::format("{{\"otherData\":{{\"pid\":{},\"clock\":\"{}\",\"producer\":\"pyitt-collector\",\"run\":{}}},"
                           "\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n",
                           pid, clock.uses_tsc() ? "tsc" : "monotonic", json_quote(identity.run_id)));
    std::uint64_t first_ticks = end_ticks;
    bool any = false;
    const Record* r;
    std::size_t thread;
    while (records.next(r, thread)) {
        if (!any) first_ticks = std::min(first_ticks, r->ts);
        any = true;
        builder.handle(r, threads[thread]);
    }
    builder.close_all(threads, end_ticks);

    auto meta = [&](pid_t tid, std::string_view what, const std::string& name) {
        auto& b = out.event(false);
        fmt::format_to(std::back_inserter(b), "{{\"ph\":\"M\",\"name\":\"{}\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":{}}}}}",
                       what, pid, tid, json_quote(name));
    };
    meta(pid, "process_name", identity.name);
    for (const ThreadState& t : threads) {
        if (!t.name.empty()) meta(t.tid, "thread_name", t.name);
        t.summary->name = t.name;
    }
    const std::uint64_t wall_ns = clock.to_ns(end_ticks) - std::min(clock.to_ns(end_ticks), clock.to_ns(first_ticks));
    summary.set_collection(builder.collection(first_ticks));
    // For the merge of a run's processes (merge.h): who this was and its flat table, one row a line.
    out.append(fmt::format("\n],\n\"pyittProcess\":{{\"pid\":{},\"parent\":{},\"run\":{},\"name\":{},\"events\":{},"
                           "\"first_ns\":{},\"wall_ns\":{},\"signal\":{}}},\n\"pyittFlat\":[",
                           pid, identity.parent_pid, json_quote(identity.run_id), json_quote(identity.name),
                           out.events(), clock.to_ns(first_ticks), wall_ns, identity.end_signal));
    bool first_row = true;
    for (const Summary::FlatRow& row : summary.flat()) {
        out.append(fmt::format("{}\n[{},{},{},{},{},{}]", first_row ? "" : ",", json_quote(row.label), row.count,
                               row.unfinished, row.depth, row.inclusive_ns, row.exclusive_ns));
        first_row = false;
    }
    out.append("\n]}\n");
    out.flush();
    result.events = out.events();
    const std::string stem = std::to_string(pid);
    int index = 0;
    if (out.ok()) index = trace_file.publish_new("trace-" + stem, ".json", result.trace_name);
    if (index == 0 && trace_file.error().empty())
        result.error = fmt::format("cannot write the trace in {}: {}", dir.path.empty() ? "." : dir.path,
                                   std::strerror(out.error_number()));
    if (index == 0 && result.error.empty()) result.error = trace_file.error();

    // Beside its trace: summary-<pid>-2.txt goes with trace-<pid>-2.json.
    result.profile = profile_texts(summary, pid, wall_ns, result.events, identity.name, std::max(index, 1));
    ProfileFiles files = publish_profile(dir, result.profile, pid, std::max(index, 1));
    result.summary_name = files.summary;
    if (result.error.empty()) result.error = files.error;
    return result;
}

}  // namespace pyitt::collector
