#include "frame_tree.h"

#include <charconv>

namespace pyitt::flamegraph {

FrameTree::FrameTree() { frames_.push_back(Frame{"all", 0, 0, {}}); }

std::uint32_t FrameTree::child(std::uint32_t parent, std::string_view name) {
    std::string clean(name);
    for (char& c : clean)
        if (c == ';' || c == '\n' || c == '\r') c = c == ';' ? ':' : ' ';
    if (clean.empty()) clean = "?";
    auto [it, fresh] = index_.try_emplace(Key{parent, clean}, 0);
    if (fresh) {
        it->second = static_cast<std::uint32_t>(frames_.size());
        frames_.push_back(Frame{std::move(clean), parent, 0, {}});
        frames_[parent].children.push_back(it->second);
    }
    return it->second;
}

std::size_t FrameTree::add_collapsed(std::string_view text, std::uint32_t under) {
    std::size_t skipped = 0;
    // The previous line's frames (name, frame): collapsed stacks come depth first, so a line
    // mostly repeats the one before it, whose frames are then found without a lookup each.
    std::vector<std::pair<std::string_view, std::uint32_t>> previous;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        const std::size_t space = line.rfind(' ');
        std::uint64_t count = 0;
        const std::string_view number = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
        const auto [ptr, error] = std::from_chars(number.data(), number.data() + number.size(), count);
        if (space == std::string_view::npos || space == 0 || error != std::errc() || ptr != number.data() + number.size()) {
            ++skipped;
            continue;
        }
        std::string_view stack = line.substr(0, space);
        std::uint32_t frame = under;
        std::size_t depth = 0;
        while (!stack.empty()) {
            const std::size_t semi = stack.find(';');
            const std::string_view name = stack.substr(0, semi);
            if (depth < previous.size() && previous[depth].first == name) {
                frame = previous[depth].second;
            } else {
                previous.resize(depth);
                frame = child(frame, name);
                previous.emplace_back(name, frame);
            }
            ++depth;
            stack = semi == std::string_view::npos ? std::string_view() : stack.substr(semi + 1);
        }
        previous.resize(depth);
        add_self(frame, count);
    }
    return skipped;
}

std::string FrameTree::collapsed() const {
    std::string out, path;
    // Depth first; `path` holds the names from the root's child down to the frame.
    std::vector<std::pair<std::uint32_t, std::size_t>> stack;  // frame, length of path before it
    for (auto it = frames_[kRoot].children.rbegin(); it != frames_[kRoot].children.rend(); ++it) stack.emplace_back(*it, 0);
    while (!stack.empty()) {
        auto [f, before] = stack.back();
        stack.pop_back();
        path.resize(before);
        if (before > 0) path += ';';
        path += frames_[f].name;
        if (frames_[f].self > 0) {
            out += path;
            out += ' ';
            out += std::to_string(frames_[f].self);
            out += '\n';
        }
        const std::size_t length = path.size();
        for (auto it = frames_[f].children.rbegin(); it != frames_[f].children.rend(); ++it) stack.emplace_back(*it, length);
    }
    return out;
}

std::uint64_t FrameTree::total(std::uint32_t frame) const {
    std::uint64_t sum = 0;
    std::vector<std::uint32_t> stack{frame};
    while (!stack.empty()) {
        const std::uint32_t f = stack.back();
        stack.pop_back();
        sum += frames_[f].self;
        stack.insert(stack.end(), frames_[f].children.begin(), frames_[f].children.end());
    }
    return sum;
}

}  // namespace pyitt::flamegraph
