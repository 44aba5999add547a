// Flame graphs: a tree of frames weighted by self time, read and written as collapsed stacks
// ("a;b;c 123", the format flamegraph.pl and speedscope import), and drawn as a self-contained
// interactive HTML page (flamegraph_html.cpp). Knows nothing of tasks or traces.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pyitt::flamegraph {

class FrameTree {
public:
    static constexpr std::uint32_t kRoot = 0;

    struct Frame {
        std::string name;
        std::uint32_t parent = 0;
        std::uint64_t self = 0;
        std::vector<std::uint32_t> children;  // in order of first appearance
    };

    FrameTree();
    // The child of `parent` named `name`, created on first use. A name holding the format's
    // separators (';', a line break) has them replaced, so every frame survives the text format.
    std::uint32_t child(std::uint32_t parent, std::string_view name);
    void add_self(std::uint32_t frame, std::uint64_t weight) { frames_[frame].self += weight; }

    // Adds the lines of a collapsed-stacks text under `under`. Lines that are not "stack count" are
    // skipped and counted; returns the number of lines skipped.
    std::size_t add_collapsed(std::string_view text, std::uint32_t under);
    // One line per frame with self weight, depth first: "a;b;c 123\n".
    std::string collapsed() const;

    const std::vector<Frame>& frames() const { return frames_; }
    std::uint64_t total(std::uint32_t frame) const;  // self + every descendant's
    bool empty() const { return frames_.size() == 1; }

private:
    struct Key {
        std::uint32_t parent;
        std::string name;
        bool operator==(const Key& o) const { return parent == o.parent && name == o.name; }
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const { return std::hash<std::string>()(k.name) * 31 + k.parent; }
    };
    std::vector<Frame> frames_;
    std::unordered_map<Key, std::uint32_t, KeyHash> index_;
};

// The interactive page: click a frame to zoom on it, search by substring or regular expression,
// a tooltip and a status line with each frame's total and self weight. `unit` names the weights
// ("ns"); the page is self-contained (no network, no external file).
std::string flamegraph_html(const FrameTree& tree, std::string_view title, std::string_view unit);

}  // namespace pyitt::flamegraph
