// The trace builder: pairs begins with ends (a stack per thread for nested tasks, a map for overlapped
// tasks, regions, frames and events) and hands the result to the trace format's sink (trace_sink.h)
// while feeding the summary. Two ways in: `handle`, the whole record stream merged in time order
// (at exit), and `handle_in_background`, one thread's records in its order while the program runs
// (background_converter.h), which takes only what is the thread's own (nested tasks, their metadata
// and relations, its name) and leaves the rest, which depends on the other threads' order, to `handle`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "clock.h"
#include "objects.h"
#include "record.h"
#include "summary.h"
#include "trace_sink.h"

namespace pyitt::collector {

// Set on a deferred metadata or relation record (a copy) whose thread's open tasks were searched
// already, when it was met in the thread's order: only open spans are searched when it is handled.
inline constexpr std::uint16_t kStackSearched = 0x8000;

struct OpenTask {
    std::uint64_t ts;
    const Name* domain;
    const Name* name;
    Summary::Node* node;
    std::uint64_t children_ns;
    Args args;
    abi::Id id;
};

struct ThreadState {
    std::size_t index;  // the sink's thread number
    pid_t tid;
    std::vector<OpenTask> stack;
    std::string name;
    Summary::Thread* summary = nullptr;
    std::size_t clip_index = 0;  // background: collection changes at or before this thread's last record
    std::uint64_t clip_to = 0;
};

class TraceBuilder {
public:
    TraceBuilder(TraceSink& out, Summary& summary, const TickConverter& clock);

    void handle(const Record* r, ThreadState& t);
    // false: the record is not the thread's own business; hand it to `handle` later, in time order
    // (a metadata or relation record marked kStackSearched).
    bool handle_in_background(const Record* r, ThreadState& t);
    // Background: a pause, resume or detach, in time order, before any record after it is handled.
    void collection_change(Kind kind, std::uint64_t ticks);
    void close_all(std::vector<ThreadState>& threads, std::uint64_t end_ticks);
    // After close_all: the pauses, resumes and paused time, for the summary.
    Summary::Collection collection(std::uint64_t first_ticks) const {
        Summary::Collection c = collection_;
        if (c.detached) c.detached_after_ns = ns(detached_at_) - std::min(ns(detached_at_), ns(first_ticks));
        return c;
    }
    // The earliest record handled either way (UINT64_MAX: none).
    std::uint64_t first_ticks() const { return first_ticks_; }

private:
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
        abi::Id id;
    };
    struct CounterValue {
        bool is_float = false;
        bool is_signed = false;
        std::int64_t i = 0;  // unsigned values are kept as their two's complement bits
        double d = 0;
    };

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
    std::uint64_t clip_in_background(ThreadState& t, std::uint64_t ticks) const;

    void task_begin(const Record* r, ThreadState& t);
    void task_end(ThreadState& t, std::uint64_t ts, bool unfinished);
    void emit_async(const AsyncSpan& s, std::uint64_t end_ns, bool unfinished);
    void emit_instant(const ThreadState& t, std::uint64_t ts_ns, const Name* domain, const Name* name, char scope,
                      const Args& args) {
        out_.instant(t.index, ts_ns, domain, name, scope, args);
    }
    Args* task_args_for(ThreadState& t, const abi::Id* id, bool stack, bool spans);
    bool metadata(const Record* r, ThreadState& t, bool background);
    bool relation(const Record* r, ThreadState& t, bool background);
    void collection_mark(const Record* r);

    TraceSink& out_;
    Summary& summary_;
    const TickConverter& clock_;
    std::uint64_t min_duration_ns_;
    std::uint64_t first_ticks_ = UINT64_MAX;
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
    // Background: after each collection change (its ticks), the pause in effect (0: none).
    std::vector<std::pair<std::uint64_t, std::uint64_t>> clips_;
    std::uint64_t clip_paused_at_ = 0;
    bool clip_detached_ = false;
};

}  // namespace pyitt::collector
