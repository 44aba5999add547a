// The process's summary: a call tree per thread of its nested tasks (recursion folded into one node),
// a flat table of all threads sorted by exclusive time, the brief text the host shows on stderr, and
// the frames of the flame graph. Built in time linear in the number of tasks, whatever their depth:
// a task finds its node and its recursion through hash lookups, never by walking its ancestors.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "objects.h"

namespace pyitt::flamegraph {
class FrameTree;
}

namespace pyitt::collector {

class Summary {
    struct LabelKey {
        const void* domain;
        const void* name;
        bool operator==(const LabelKey& o) const { return domain == o.domain && name == o.name; }
    };
    struct LabelHash {
        std::size_t operator()(const LabelKey& k) const {
            return std::hash<const void*>()(k.domain) * 31 + std::hash<const void*>()(k.name);
        }
    };

public:
    // One label at one place of a thread's call tree. A label called again while it runs (recursion,
    // direct or through others) stays in its node: `recursion` is the deepest nesting seen (1: none).
    struct Node {
        const Name* domain = nullptr;
        const Name* name = nullptr;
        Node* parent = nullptr;
        std::uint32_t depth = 0;  // 0 for top-level tasks
        std::uint64_t count = 0, unfinished = 0;
        std::uint64_t inclusive_ns = 0;  // outermost calls only, so recursion is not counted twice
        std::uint64_t exclusive_ns = 0;
        std::uint32_t running = 0, recursion = 0;
        std::vector<Node*> children;  // in order of first appearance
    };

    struct Thread {
        pid_t tid = 0;
        std::string name;
        std::int64_t cpu_ns = -1;  // the thread's CPU time (user + system) since its first ITT call; -1: unknown
        std::uint64_t first_ns = UINT64_MAX, last_ns = 0;  // from its first task's begin to its last end
        // From its first ITT call to its end, the span its CPU time covers; 0: unknown, the tasks' span then.
        std::uint64_t life_ns = 0;
        std::uint64_t tasks = 0;
        Node root;
        std::unordered_map<LabelKey, Node*, LabelHash> running;  // each label's last node: running while its count is
        std::uint64_t wall_ns() const {
            if (life_ns != 0) return life_ns;
            return last_ns > first_ns ? last_ns - first_ns : 0;
        }
    };

    // Collection control seen in the trace: switches that changed the state, and how long collection
    // was paused (from each effective pause to its resume, or to the detach or the end).
    struct Collection {
        std::uint64_t pauses = 0, resumes = 0;
        std::uint64_t paused_ns = 0;
        bool detached = false;
        std::uint64_t detached_after_ns = 0;  // from the first event
    };

    // One label wherever it ran, on any thread: depth is the shallowest it was seen at.
    struct FlatRow {
        std::string label;  // "domain::name" when the summary has several domains
        std::uint64_t count = 0, unfinished = 0;
        std::uint32_t depth = 0, recursion = 0;
        std::uint64_t inclusive_ns = 0, exclusive_ns = 0;
    };

    Summary();
    ~Summary();
    void set_collection(const Collection& collection) { collection_ = collection; }
    Thread* add_thread(pid_t tid, std::int64_t cpu_ns);
    // The node of a task that begins under `parent` (nullptr: a top-level task of the thread).
    Node* enter(Thread* thread, Node* parent, const Name* domain, const Name* name);
    void leave(Thread* thread, Node* node, std::uint64_t begin_ns, std::uint64_t end_ns, std::uint64_t children_ns,
               bool unfinished);

    std::size_t label_count() const;  // distinct labels, not call-tree nodes
    std::uint64_t task_count() const;
    // The flat table's rows, sorted by exclusive time: made on first use, once the tree is complete
    // (at exit, where the summary's text, its brief and the trace's trailer each want them).
    const std::vector<FlatRow>& flat() const;
    const std::vector<std::unique_ptr<Thread>>& threads() const { return threads_; }
    const Collection& collection() const { return collection_; }
    std::string label_of(const Node* node) const;

    // The whole summary (summary-<pid>.txt) and the bounded one for stderr; `events` counts every
    // trace event, tasks or not, to say why nothing was recorded.
    std::string full_text(pid_t pid, std::uint64_t wall_ns, unsigned long long events) const;
    // For the trace's trailer (the merge's per-process lines): "thread <tid> <name>: ..." of each
    // thread that recorded, and "collection paused ..." (empty when it never paused).
    std::vector<std::string> thread_lines() const;
    std::string collection_text(std::uint64_t wall_ns) const;
    std::string brief_text(pid_t pid, std::uint64_t wall_ns, unsigned long long events,
                           const std::string& full_name) const;
    // Frames for the flame graph: a root frame per thread, then its call tree, weighted by
    // exclusive nanoseconds.
    void add_frames(flamegraph::FrameTree& tree) const;

private:
    struct ChildKey {
        const Node* parent;
        LabelKey label;
        bool operator==(const ChildKey& o) const { return parent == o.parent && label == o.label; }
    };
    struct ChildHash {
        std::size_t operator()(const ChildKey& k) const {
            return std::hash<const void*>()(k.parent) * 131 + LabelHash()(k.label);
        }
    };

    Collection collection_;
    std::vector<std::unique_ptr<Thread>> threads_;
    std::vector<std::unique_ptr<Node>> nodes_;
    std::unordered_map<ChildKey, Node*, ChildHash> children_;
    bool qualify() const;  // "domain::name" labels: only when several domains ran tasks
    mutable int qualify_ = -1;  // computed on first use, once the tree is complete
    mutable std::optional<std::vector<FlatRow>> flat_;  // likewise
};

// Text helpers shared with the merged summary (merge.cpp).
namespace summary_text {
// Cut in the middle: the start and the end of a long name stay ("pkg.LongClass...method").
std::string fit(const std::string& text, std::size_t width);
// "1.234 ms", "12.3 s": a duration for people.
std::string duration(std::uint64_t ns);
}  // namespace summary_text

}  // namespace pyitt::collector
