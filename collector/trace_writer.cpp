// The trace writer: replays the merged record stream, pairs begins with ends (a stack per thread for
// nested tasks, a map for overlapped tasks, regions, frames and events), and hands the result to the
// trace format's sink (trace_sink.h) while feeding the summary. Memory: open tasks and spans, names,
// and one window per thread.
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
#include "trace_sink.h"

namespace pyitt::collector {

namespace {

using Id = abi::Id;

Id id_of(const Ext& e) { return {e.w[0], e.w[1], e.w[2]}; }
bool same(const Id& a, const Id& b) { return a.d1 == b.d1 && a.d2 == b.d2 && a.d3 == b.d3; }
std::string id_json(const Id& id) {
    return id.d3 == 0 ? fmt::format("\"0x{:x}.0x{:x}\"", id.d1, id.d2)
                      : fmt::format("\"0x{:x}.0x{:x}.0x{:x}\"", id.d1, id.d2, id.d3);
}

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
    std::size_t index;  // the sink's thread number
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
    std::size_t thread;  // legacy events only: they are per thread
    bool operator<(const AsyncKey& o) const {
        return std::tie(tag, domain, d1, d2, d3, thread) < std::tie(o.tag, o.domain, o.d1, o.d2, o.d3, o.thread);
    }
};
struct AsyncSpan {
    std::uint64_t ts;
    const Name* domain;
    const Name* name;
    std::size_t thread;
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
    TraceBuilder(TraceSink& out, Summary& summary, const TickConverter& clock)
        : out_(out), summary_(summary), clock_(clock), min_duration_ns_(trace_settings().min_duration_ns) {}

    void handle(const Record* r, ThreadState& t);
    void close_all(std::vector<ThreadState>& threads, std::uint64_t end_ticks);
    // After close_all: the pauses, resumes and paused time, for the summary.
    Summary::Collection collection(std::uint64_t first_ticks) const {
        Summary::Collection c = collection_;
        if (c.detached) c.detached_after_ns = ns(detached_at_) - std::min(ns(detached_at_), ns(first_ticks));
        return c;
    }

private:
    // The last handle looked up is the next one more often than not (a hot function's begins): a
    // one-entry memo before the hash map.
    const Name* domain(const void* p) {
        if (p == last_domain_key_ && last_domain_ != nullptr) return last_domain_;
        auto [it, fresh] = domains_.try_emplace(p, nullptr);
        if (fresh) it->second = domain_name(p);
        last_domain_key_ = p;
        return last_domain_ = it->second;
    }
    const Name* str(std::uint64_t p) {
        if (p == last_string_key_ && last_string_ != nullptr) return last_string_;
        auto [it, fresh] = strings_.try_emplace(reinterpret_cast<const void*>(p), nullptr);
        if (fresh) it->second = string_name(reinterpret_cast<const void*>(p));
        last_string_key_ = p;
        return last_string_ = it->second;
    }
    std::uint64_t ns(std::uint64_t ticks) const { return clock_.to_ns(ticks); }
    // Ends that come while paused or detached are moved back to the pause.
    std::uint64_t clip(std::uint64_t ticks) const { return paused_at_ != 0 ? std::min(ticks, paused_at_) : ticks; }

    void task_end(ThreadState& t, std::uint64_t ts, bool unfinished);
    void emit_async(const AsyncSpan& s, std::uint64_t end_ns, bool unfinished);
    void emit_instant(const ThreadState& t, std::uint64_t ts_ns, const Name* domain, const Name* name, char scope,
                      const Args& args) {
        out_.instant(t.index, ts_ns, domain, name, scope, args);
    }
    Args* task_args_for(ThreadState& t, const Id* id);
    void metadata(const Record* r, ThreadState& t);
    void relation(const Record* r, ThreadState& t);

    TraceSink& out_;
    Summary& summary_;
    const TickConverter& clock_;
    std::uint64_t min_duration_ns_;
    std::unordered_map<const void*, const Name*> domains_, strings_;
    const void* last_domain_key_ = nullptr;
    const Name* last_domain_ = nullptr;
    std::uint64_t last_string_key_ = 0;
    const Name* last_string_ = nullptr;
    std::map<AsyncKey, AsyncSpan> async_;
    std::map<std::pair<const Name*, const Name*>, CounterValue> counters_;
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
    // --min-duration: out of the trace, still in the summary (an unfinished task is kept: it is news).
    out_.task_end(t.index, begin_ns, end_ns, task.domain, task.name, task.args, dur >= min_duration_ns_ || unfinished);
    summary_.leave(t.summary, task.node, begin_ns, end_ns, task.children_ns, unfinished);
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
    const char scope = with_scope && head.w[2] == abi::kScopeGlobal ? 'g' : with_scope ? 'p' : 't';
    emit_instant(t, ns(r->ts), domain(r->a), intern("metadata"), scope, args);
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
    emit_instant(t, ns(r->ts), domain(r->a), intern("relation"), 't', args);
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
            out_.task_begin(t.index, ns(r->ts), d, n);
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
        case Kind::kMetadataStr: metadata(r, t); break;
        case Kind::kRelation: relation(r, t); break;
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

}  // namespace

WriteResult write_outputs(const OutputDirectory& dir, std::uint64_t end_ticks) {
    WriteResult result;
    const TickConverter clock;
    const pid_t pid = getpid();
    MergedRecords records(snapshot_threads(), spill_fd());

    OutputFile trace_file(dir);
    const bool json = trace_settings().json;
    std::unique_ptr<TraceSink> out = json ? make_json_sink(trace_file.stream()) : make_perfetto_sink(trace_file.stream());
    Summary summary;
    TraceBuilder builder(*out, summary, clock);
    std::vector<ThreadState> threads(records.thread_count());
    std::vector<pid_t> tids(threads.size());
    for (std::size_t i = 0; i < threads.size(); ++i) {
        threads[i].index = i;
        tids[i] = threads[i].tid = records.thread(i).tid;
        const ThreadSnapshot& snapshot = records.thread(i);
        threads[i].summary = summary.add_thread(threads[i].tid, snapshot.cpu_ns);
        const std::uint64_t until = snapshot.end_ticks != 0 ? snapshot.end_ticks : end_ticks;
        if (snapshot.start_ticks != 0 && until > snapshot.start_ticks) {
            threads[i].summary->life_ns = clock.to_ns(until) - clock.to_ns(snapshot.start_ticks);
        }
    }

    const ProcessIdentity identity = process_identity();
    out->begin(ProcessInfo{pid, identity.name, identity.run_id, clock.uses_tsc()}, tids);
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
    for (const ThreadState& t : threads) {
        if (!t.name.empty()) out->thread_name(t.index, t.name);
        t.summary->name = t.name;
    }

    const std::uint64_t wall_ns = clock.to_ns(end_ticks) - std::min(clock.to_ns(end_ticks), clock.to_ns(first_ticks));
    summary.set_collection(builder.collection(first_ticks));
    ProcessTrailer trailer{identity.parent_pid, clock.to_ns(first_ticks), wall_ns, identity.end_signal, {}};
    bool first_row = true;
    for (const Summary::FlatRow& row : summary.flat()) {
        trailer.flat_rows_json += fmt::format("{}\n[{},{},{},{},{},{}]", first_row ? "" : ",", json_quote(row.label), row.count,
                                              row.unfinished, row.depth, row.inclusive_ns, row.exclusive_ns);
        first_row = false;
    }
    out->end(trailer);
    result.events = out->events();
    const std::string stem = std::to_string(pid);
    int index = 0;
    if (out->ok()) index = trace_file.publish_new("trace-" + stem, json ? ".json" : kPerfettoExtension, result.trace_name);
    if (index == 0 && trace_file.error().empty())
        result.error = fmt::format("cannot write the trace in {}: {}", dir.path.empty() ? "." : dir.path,
                                   std::strerror(out->error_number()));
    if (index == 0 && result.error.empty()) result.error = trace_file.error();

    // Beside its trace: summary-<pid>-2.txt goes with trace-<pid>-2.json.
    result.profile = profile_texts(summary, pid, wall_ns, result.events, identity.name, std::max(index, 1));
    ProfileFiles files = publish_profile(dir, result.profile, pid, std::max(index, 1));
    result.summary_name = files.summary;
    result.profile_files = files;
    if (result.error.empty()) result.error = files.error;
    return result;
}

}  // namespace pyitt::collector
