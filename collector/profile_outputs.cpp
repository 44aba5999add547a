#include "profile_outputs.h"

#include <fmt/format.h>

#include <tuple>

#include "flamegraph/frame_tree.h"

namespace pyitt::collector {
namespace {

bool write_all(OutputFile& file, const std::string& text) {
    return file.stream() != nullptr && std::fwrite(text.data(), 1, text.size(), file.stream()) == text.size();
}

}  // namespace

ProfileTexts profile_texts(const Summary& summary, pid_t pid, std::uint64_t wall_ns, unsigned long long events,
                           const std::string& process_name, int index) {
    ProfileTexts t;
    const std::string stem = std::to_string(pid);
    t.summary = summary.full_text(pid, wall_ns, events);
    t.brief = summary.brief_text(pid, wall_ns, events, OutputFile::indexed_name("summary-" + stem, ".txt", index));
    t.run_brief = summary.brief_text(pid, wall_ns, events, "summary.txt");
    flamegraph::FrameTree tree;
    summary.add_frames(tree);
    t.stacks = tree.collapsed();
    t.flamegraph = flamegraph::flamegraph_html(
        tree, fmt::format("{} (pid {}): exclusive time of ITT tasks", process_name, pid), kStacksUnit);
    return t;
}

ProfileFiles publish_profile(const OutputDirectory& dir, const ProfileTexts& texts, pid_t pid, int index) {
    ProfileFiles names;
    const std::string stem = std::to_string(pid);
    auto publish = [&](const char* prefix, const char* ext, const std::string& text, std::string& name) {
        OutputFile file(dir);
        if (!write_all(file, text) || file.publish_new(prefix + stem, ext, name, index) == 0) {
            name.clear();
            if (names.error.empty()) names.error = file.error().empty() ? "cannot write " + std::string(prefix) + stem : file.error();
        }
    };
    publish("summary-", ".txt", texts.summary, names.summary);
    publish("stacks-", ".txt", texts.stacks, names.stacks);
    publish("flamegraph-", ".html", texts.flamegraph, names.flamegraph);
    return names;
}

bool publish_run_profile(const OutputDirectory& dir, const ProfileTexts& texts, std::string& error,
                         const ProfileFiles* same_texts) {
    const ProfileFiles none;
    const ProfileFiles& same = same_texts != nullptr ? *same_texts : none;
    const std::tuple<const char*, const std::string*, const std::string*> files[] = {
        {"summary.txt", &texts.summary, &same.summary},
        {"stacks.txt", &texts.stacks, &same.stacks},
        {"flamegraph.html", &texts.flamegraph, &same.flamegraph}};
    for (const auto& [name, text, written] : files) {
        if (!written->empty() && link_replacing(dir, *written, name).empty()) continue;
        OutputFile file(dir);
        if (!write_all(file, *text) || !file.publish_replacing(name)) {
            error = file.error().empty() ? std::string("cannot write ") + name : file.error();
            return false;
        }
    }
    return true;
}

}  // namespace pyitt::collector
