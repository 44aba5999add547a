// The text summary, in omnitrace's spirit: a call tree of the nested tasks of every thread, merged by
// label path, then a flat table sorted by exclusive time. Times are wall-clock (inclusive counts
// children; exclusive does not).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "objects.h"

namespace pyitt::collector {

class Summary {
public:
    struct Node {
        const Name* domain = nullptr;
        const Name* name = nullptr;
        Node* parent = nullptr;
        std::uint32_t depth = 0;  // 0 for top-level tasks
        std::uint64_t count = 0;
        std::uint64_t unfinished = 0;
        std::uint64_t inclusive_ns = 0;
        std::uint64_t exclusive_ns = 0;
        std::vector<Node*> children;  // in order of first appearance
    };

    // Collection control seen in the trace: switches that changed the state, and how long collection
    // was paused (from each effective pause to its resume, or to the detach or the end).
    struct Collection {
        std::uint64_t pauses = 0, resumes = 0;
        std::uint64_t paused_ns = 0;
        bool detached = false;
        std::uint64_t detached_after_ns = 0;  // from the first event
    };

    // One label wherever it ran: depth is the shallowest it was seen at; the inclusive time of a
    // recursive label counts only its outermost calls.
    struct FlatRow {
        std::string label;  // "domain::name" when the summary has several domains
        std::uint64_t count = 0, unfinished = 0;
        std::uint32_t depth = 0;
        std::uint64_t inclusive_ns = 0, exclusive_ns = 0;
    };

    Summary();
    void set_collection(const Collection& collection) { collection_ = collection; }
    Node* root() { return &root_; }
    // The child of `parent` with this label, created on first use.
    Node* enter(Node* parent, const Name* domain, const Name* name);
    void leave(Node* node, std::uint64_t inclusive_ns, std::uint64_t children_ns, bool unfinished);

    // Writes the header, the call tree and the flat table. False on a write error.
    bool write(std::FILE* out, pid_t pid, std::uint64_t wall_ns) const;
    // The flat table's rows, sorted by exclusive time.
    std::vector<FlatRow> flat() const;

private:
    std::function<std::string(const Node*)> labeller() const;

    Node root_;
    Collection collection_;
    std::vector<std::unique_ptr<Node>> nodes_;
};

}  // namespace pyitt::collector
