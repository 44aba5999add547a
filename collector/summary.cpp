// Building the summary as the trace writer replays the tasks, and reading it back as rows and frames.
#include "summary.h"

#include <algorithm>
#include <map>
#include <set>

#include "flamegraph/frame_tree.h"

namespace pyitt::collector {

Summary::Summary() = default;
Summary::~Summary() = default;

Summary::Thread* Summary::add_thread(pid_t tid, std::int64_t cpu_ns) {
    threads_.push_back(std::make_unique<Thread>());
    Thread* t = threads_.back().get();
    t->tid = tid;
    t->cpu_ns = cpu_ns;
    return t;
}

Summary::Node* Summary::enter(Thread* thread, Node* parent, const Name* domain, const Name* name) {
    if (parent != nullptr && parent->domain == domain && parent->name == name) {  // direct recursion: no lookup
        parent->running += 1;
        parent->recursion = std::max(parent->recursion, parent->running);
        return parent;
    }
    const LabelKey label{domain, name};
    // An entry stays once made (no allocation per task): it is running while its node's count is.
    const auto running = thread->running.try_emplace(label, nullptr).first;
    if (running->second != nullptr && running->second->running > 0) {  // recursion: stays in the outer call's node
        Node* n = running->second;
        n->running += 1;
        n->recursion = std::max(n->recursion, n->running);
        return n;
    }
    Node* under = parent != nullptr ? parent : &thread->root;
    auto [slot, fresh] = children_.try_emplace(ChildKey{under, label}, nullptr);
    if (fresh) {
        nodes_.push_back(std::make_unique<Node>());
        Node* n = nodes_.back().get();
        n->domain = domain;
        n->name = name;
        n->parent = under;
        n->depth = parent == nullptr ? 0 : parent->depth + 1;
        under->children.push_back(n);
        slot->second = n;
    }
    Node* n = slot->second;
    n->running = 1;
    n->recursion = std::max<std::uint32_t>(n->recursion, 1);
    running->second = n;
    return n;
}

void Summary::leave(Thread* thread, Node* node, std::uint64_t begin_ns, std::uint64_t end_ns,
                    std::uint64_t children_ns, bool unfinished) {
    const std::uint64_t inclusive = end_ns > begin_ns ? end_ns - begin_ns : 0;
    node->count += 1;
    node->unfinished += unfinished ? 1 : 0;
    node->exclusive_ns += inclusive > children_ns ? inclusive - children_ns : 0;
    thread->tasks += 1;
    if (node->running > 0) node->running -= 1;
    if (node->running == 0) node->inclusive_ns += inclusive;
    if (node->depth == 0 && node->running == 0) {
        thread->first_ns = std::min(thread->first_ns, begin_ns);
        thread->last_ns = std::max(thread->last_ns, end_ns);
    }
}

bool Summary::qualify() const {
    if (qualify_ < 0) {
        std::set<const Name*> domains;
        for (const auto& n : nodes_) domains.insert(n->domain);
        qualify_ = domains.size() > 1 ? 1 : 0;
    }
    return qualify_ == 1;
}

std::string Summary::label_of(const Node* n) const {
    return qualify() ? n->domain->text + "::" + n->name->text : n->name->text;
}

std::size_t Summary::label_count() const {
    std::set<std::pair<const Name*, const Name*>> labels;
    for (const auto& n : nodes_) labels.emplace(n->domain, n->name);
    return labels.size();
}

std::uint64_t Summary::task_count() const {
    std::uint64_t tasks = 0;
    for (const auto& t : threads_) tasks += t->tasks;
    return tasks;
}

const std::vector<Summary::FlatRow>& Summary::flat() const {
    if (flat_) return *flat_;
    // No node has an ancestor of its own label (recursion stays in one node), so inclusive times add up.
    std::map<std::pair<const Name*, const Name*>, FlatRow> flat;
    for (const auto& up : nodes_) {
        const Node* n = up.get();
        auto [it, fresh] = flat.try_emplace({n->domain, n->name});
        FlatRow& r = it->second;
        if (fresh) {
            r.label = label_of(n);
            r.depth = n->depth;
        }
        r.count += n->count;
        r.unfinished += n->unfinished;
        r.depth = std::min(r.depth, n->depth);
        r.recursion = std::max(r.recursion, n->recursion);
        r.inclusive_ns += n->inclusive_ns;
        r.exclusive_ns += n->exclusive_ns;
    }
    std::vector<FlatRow> rows;
    rows.reserve(flat.size());
    for (auto& [key, row] : flat) rows.push_back(std::move(row));
    std::stable_sort(rows.begin(), rows.end(), [](const FlatRow& a, const FlatRow& b) {
        return a.exclusive_ns != b.exclusive_ns ? a.exclusive_ns > b.exclusive_ns : a.label < b.label;
    });
    return flat_.emplace(std::move(rows));
}

void Summary::add_frames(flamegraph::FrameTree& tree) const {
    for (const auto& t : threads_) {
        if (t->root.children.empty()) continue;
        const std::string thread_frame =
            (t->name.empty() ? std::string("thread") : t->name) + " (tid " + std::to_string(t->tid) + ")";
        std::vector<std::pair<const Node*, std::uint32_t>> stack;  // node, its frame
        const std::uint32_t root = tree.child(flamegraph::FrameTree::kRoot, thread_frame);
        for (auto it = t->root.children.rbegin(); it != t->root.children.rend(); ++it) stack.emplace_back(*it, root);
        while (!stack.empty()) {
            auto [n, under] = stack.back();
            stack.pop_back();
            const std::uint32_t frame = tree.child(under, label_of(n));
            tree.add_self(frame, n->exclusive_ns);
            for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.emplace_back(*it, frame);
        }
    }
}

}  // namespace pyitt::collector
