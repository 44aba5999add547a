// Call tree and flat table formatting, kept within 100 columns.
#include "summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>

namespace pyitt::collector {

namespace {

constexpr std::size_t kLabelWidth = 49;  // + the numeric columns = 100 columns

std::string fit(std::string s, std::size_t width) {
    if (s.size() <= width) return s;
    return s.substr(0, width - 3) + "...";
}

using Row = Summary::FlatRow;

void format_row(fmt::memory_buffer& out, const Row& r, std::uint64_t wall_ns) {
    double pct = wall_ns == 0 ? 0.0 : 100.0 * static_cast<double>(r.inclusive_ns) / static_cast<double>(wall_ns);
    std::string count = std::to_string(r.count) + (r.unfinished > 0 ? "*" : "");
    fmt::format_to(std::back_inserter(out), "{:<{}} {:>9} {:>5} {:>13.3f} {:>13.3f} {:>6.1f}\n",
                   fit(r.label, kLabelWidth), kLabelWidth, count, r.depth, static_cast<double>(r.inclusive_ns) / 1e6,
                   static_cast<double>(r.exclusive_ns) / 1e6, pct);
}

void format_header(fmt::memory_buffer& out, const char* title) {
    fmt::format_to(std::back_inserter(out), "\n{}\n{:<{}} {:>9} {:>5} {:>13} {:>13} {:>6}\n{}\n", title, "label",
                   kLabelWidth, "count", "depth", "inclusive(ms)", "exclusive(ms)", "%", std::string(100, '-'));
}

}  // namespace

Summary::Summary() = default;

Summary::Node* Summary::enter(Node* parent, const Name* domain, const Name* name) {
    for (Node* c : parent->children)
        if (c->domain == domain && c->name == name) return c;
    nodes_.push_back(std::make_unique<Node>());
    Node* n = nodes_.back().get();
    n->domain = domain;
    n->name = name;
    n->parent = parent;
    n->depth = parent == &root_ ? 0 : parent->depth + 1;
    parent->children.push_back(n);
    return n;
}

void Summary::leave(Node* node, std::uint64_t inclusive_ns, std::uint64_t children_ns, bool unfinished) {
    node->count += 1;
    node->unfinished += unfinished ? 1 : 0;
    node->inclusive_ns += inclusive_ns;
    node->exclusive_ns += inclusive_ns > children_ns ? inclusive_ns - children_ns : 0;
}

std::function<std::string(const Summary::Node*)> Summary::labeller() const {
    std::set<const Name*> domains;
    for (const auto& n : nodes_) domains.insert(n->domain);
    const bool qualify = domains.size() > 1;  // "domain::name" only when it disambiguates
    return [qualify](const Node* n) { return qualify ? n->domain->text + "::" + n->name->text : n->name->text; };
}

std::vector<Summary::FlatRow> Summary::flat() const {
    auto label_of = labeller();
    std::map<std::pair<const Name*, const Name*>, Row> flat;
    for (const auto& up : nodes_) {
        const Node* n = up.get();
        auto key = std::make_pair(n->domain, n->name);
        auto [it, fresh] = flat.try_emplace(key, Row{label_of(n), 0, 0, n->depth, 0, 0});
        Row& r = it->second;
        r.count += n->count;
        r.unfinished += n->unfinished;
        r.depth = std::min(r.depth, n->depth);
        r.exclusive_ns += n->exclusive_ns;
        bool nested_in_same = false;
        for (const Node* p = n->parent; p != nullptr && p != &root_; p = p->parent)
            if (p->domain == n->domain && p->name == n->name) nested_in_same = true;
        if (!nested_in_same) r.inclusive_ns += n->inclusive_ns;
    }
    std::vector<Row> rows;
    rows.reserve(flat.size());
    for (auto& [key, row] : flat) rows.push_back(std::move(row));
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return a.exclusive_ns != b.exclusive_ns ? a.exclusive_ns > b.exclusive_ns : a.label < b.label;
    });
    return rows;
}

bool Summary::write(std::FILE* out, pid_t pid, std::uint64_t wall_ns) const {
    auto label_of = labeller();

    fmt::memory_buffer buf;
    fmt::format_to(std::back_inserter(buf), "pyitt summary: pid {}, wall time {:.3f} ms, {} task label(s)\n", pid,
                   static_cast<double>(wall_ns) / 1e6, nodes_.size());
    const Collection& c = collection_;
    if (c.pauses + c.resumes > 0 || c.detached) {
        const double share = wall_ns == 0 ? 0.0 : 100.0 * static_cast<double>(c.paused_ns) / static_cast<double>(wall_ns);
        fmt::format_to(std::back_inserter(buf), "collection paused {:.3f} ms ({:.1f}%): {} pause(s), {} resume(s){}\n",
                       static_cast<double>(c.paused_ns) / 1e6, share, c.pauses, c.resumes,
                       c.detached ? fmt::format("; detached at {:.3f} ms", static_cast<double>(c.detached_after_ns) / 1e6)
                                  : std::string());
    }

    format_header(buf, "Call tree (indentation = depth; * = some tasks were still open at exit)");
    // Depth-first, children in order of first appearance, as the program ran them.
    std::vector<const Node*> stack;
    for (auto it = root_.children.rbegin(); it != root_.children.rend(); ++it) stack.push_back(*it);
    while (!stack.empty()) {
        const Node* n = stack.back();
        stack.pop_back();
        std::string indent(std::min<std::size_t>(2 * n->depth, 24), ' ');
        format_row(buf, {indent + label_of(n), n->count, n->unfinished, n->depth, n->inclusive_ns, n->exclusive_ns},
                   wall_ns);
        for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.push_back(*it);
    }

    const std::vector<Row> rows = flat();
    format_header(buf, "Flat (sorted by exclusive time; depth = shallowest)");
    for (const Row& r : rows) format_row(buf, r, wall_ns);

    return std::fwrite(buf.data(), 1, buf.size(), out) == buf.size();
}

}  // namespace pyitt::collector
