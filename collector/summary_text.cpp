// The summary as text, within 100 columns: the whole one for summary-<pid>.txt, the bounded one
// (top labels, a line per thread) for stderr.
#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>

#include "summary.h"

namespace pyitt::collector {

namespace summary_text {

std::string fit(const std::string& text, std::size_t width) {
    if (text.size() <= width) return text;
    if (width < 8) return text.substr(0, width);
    // The end tells methods of one class apart, the start says where they are: keep more of the end.
    const std::size_t head = (width - 3) / 3, tail = width - 3 - head;
    return text.substr(0, head) + "..." + text.substr(text.size() - tail);
}

std::string duration(std::uint64_t ns) {
    const double v = static_cast<double>(ns);
    if (ns >= 10'000'000'000ULL) return fmt::format("{:.2f} s", v / 1e9);
    if (ns >= 1'000'000ULL) return fmt::format("{:.3f} ms", v / 1e6);
    return fmt::format("{:.3f} us", v / 1e3);
}

}  // namespace summary_text

namespace {

using summary_text::fit;
constexpr std::size_t kLabelWidth = 49;  // + the numeric columns = 100 columns
constexpr std::size_t kBriefRows = 20;
constexpr std::size_t kBriefThreads = 20;

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }
double share(std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

// "fib (recursive, depth 1-20)": the suffix always shows whole; a long name is cut in its middle.
std::string row_label(const std::string& indent, const std::string& label, std::uint32_t recursion) {
    const std::string suffix = recursion > 1 ? fmt::format(" (recursive, depth 1-{})", recursion) : std::string();
    const std::size_t room = kLabelWidth > indent.size() + suffix.size() ? kLabelWidth - indent.size() - suffix.size() : 8;
    return indent + fit(label, room) + suffix;
}

void table_header(fmt::memory_buffer& out, const std::string& title, const char* percent) {
    fmt::format_to(std::back_inserter(out), "\n{}\n{:<{}} {:>9} {:>5} {:>13} {:>13} {:>6}\n{}\n", title, "label",
                   kLabelWidth, "count", "depth", "inclusive(ms)", "exclusive(ms)", percent, std::string(100, '-'));
}

void table_row(fmt::memory_buffer& out, const std::string& label, std::uint64_t count, std::uint64_t unfinished,
               std::uint32_t depth, std::uint64_t inclusive_ns, std::uint64_t exclusive_ns, double percent) {
    const std::string shown_count = std::to_string(count) + (unfinished > 0 ? "*" : "");
    // A row per call-tree node and label: compiled, the format is not parsed again for each.
    static_assert(kLabelWidth == 49);
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{:<49} {:>9} {:>5} {:>13.3f} {:>13.3f} {:>6.1f}\n"), label,
                   shown_count, depth, ms(inclusive_ns), ms(exclusive_ns), percent);
}

std::string thread_title(const Summary::Thread& t) {
    return fmt::format("thread {}{}", t.tid, t.name.empty() ? std::string() : " " + fit(t.name, 40));
}

std::string thread_line(const Summary::Thread& t) {
    const std::string cpu = t.cpu_ns < 0 ? "CPU unknown" : "CPU " + summary_text::duration(static_cast<std::uint64_t>(t.cpu_ns));
    return fmt::format("  {}: {} task(s), wall {}, {}\n", thread_title(t), t.tasks, summary_text::duration(t.wall_ns()), cpu);
}

void header(fmt::memory_buffer& out, const Summary& s, pid_t pid, std::uint64_t wall_ns) {
    std::size_t active = 0;
    for (const auto& t : s.threads()) active += t->tasks > 0 ? 1 : 0;
    fmt::format_to(std::back_inserter(out), "pyitt summary: pid {}, wall time {:.3f} ms, {} task label(s), {} task(s) on {} thread(s)\n",
                   pid, ms(wall_ns), s.label_count(), s.task_count(), active);
}

void collection_line(fmt::memory_buffer& out, const Summary::Collection& c, std::uint64_t wall_ns) {
    if (c.pauses + c.resumes == 0 && !c.detached) return;
    fmt::format_to(std::back_inserter(out), "collection paused {:.3f} ms ({:.1f}% of the wall time): {} pause(s), {} resume(s){}\n",
                   ms(c.paused_ns), share(c.paused_ns, wall_ns), c.pauses, c.resumes,
                   c.detached ? fmt::format("; detached at {:.3f} ms", ms(c.detached_after_ns)) : std::string());
}

// Nothing to tabulate: say why instead of printing empty tables.
void nothing_recorded(fmt::memory_buffer& out, const Summary& s, pid_t pid, std::uint64_t wall_ns,
                      unsigned long long events) {
    auto o = std::back_inserter(out);
    fmt::format_to(o, "pyitt summary: pid {}: no task was recorded", pid);
    if (events > 0) {
        fmt::format_to(o, " ({} other event(s): markers, counters, regions... are in the trace)\n", events);
        collection_line(out, s.collection(), wall_ns);
        return;
    }
    const auto& c = s.collection();
    if (c.pauses > 0 && c.resumes == 0)
        fmt::format_to(o, ": collection was paused from the start and never resumed\n");
    else if (c.detached && c.detached_after_ns == 0)
        fmt::format_to(o, ": collection was detached from the start\n");
    else
        fmt::format_to(o, ": no instrumented function ran (the filters -I/-E/-R/-MI/-ME/-MR and the default "
                          "filters left none, or the program called no ITT API)\n");
    collection_line(out, c, wall_ns);
    fmt::format_to(o, "  pyitt-host --explain FILE writes each function's instrumentation decision and its reason\n");
}

}  // namespace

std::vector<std::string> Summary::thread_lines() const {
    std::vector<std::string> lines;
    for (const auto& t : threads_) {
        if (t->tasks == 0) continue;
        const std::string line = thread_line(*t);  // "  thread ...\n"
        lines.push_back(line.substr(2, line.size() - 3));
    }
    return lines;
}

std::string Summary::collection_text(std::uint64_t wall_ns) const {
    fmt::memory_buffer out;
    collection_line(out, collection_, wall_ns);
    std::string line = fmt::to_string(out);
    if (!line.empty()) line.pop_back();
    return line;
}

std::string Summary::full_text(pid_t pid, std::uint64_t wall_ns, unsigned long long events) const {
    fmt::memory_buffer out;
    auto o = std::back_inserter(out);
    if (task_count() == 0) {
        nothing_recorded(out, *this, pid, wall_ns, events);
        return fmt::to_string(out);
    }
    header(out, *this, pid, wall_ns);
    collection_line(out, collection_, wall_ns);
    fmt::format_to(o, "\nThreads (wall and CPU: from the thread's first ITT call to its end; CPU = its own CPU time)\n");
    for (const auto& t : threads_)
        if (t->tasks > 0) fmt::format_to(o, "{}", thread_line(*t));

    for (const auto& t : threads_) {
        if (t->tasks == 0) continue;
        table_header(out,
                     fit(fmt::format("Call tree of {} (incl% = share of its wall time; * = open at exit)",
                                     thread_title(*t)),
                         100),
                     "incl%");
        // Depth-first, children in order of first appearance, as the program ran them.
        std::vector<const Node*> stack(t->root.children.rbegin(), t->root.children.rend());
        while (!stack.empty()) {
            const Node* n = stack.back();
            stack.pop_back();
            const std::string indent(std::min<std::size_t>(2 * n->depth, 30), ' ');
            table_row(out, row_label(indent, label_of(n), n->recursion), n->count, n->unfinished, n->depth,
                      n->inclusive_ns, n->exclusive_ns, share(n->inclusive_ns, t->wall_ns()));
            stack.insert(stack.end(), n->children.rbegin(), n->children.rend());
        }
    }

    const std::vector<FlatRow>& rows = flat();
    std::uint64_t total_exclusive = 0;
    for (const FlatRow& r : rows) total_exclusive += r.exclusive_ns;
    table_header(out,
                 "Flat, all threads (by exclusive time; excl% = share of all exclusive time; depth = shallowest)",
                 "excl%");
    for (const FlatRow& r : rows)
        table_row(out, row_label("", r.label, r.recursion), r.count, r.unfinished, r.depth, r.inclusive_ns,
                  r.exclusive_ns, share(r.exclusive_ns, total_exclusive));
    return fmt::to_string(out);
}

std::string Summary::brief_text(pid_t pid, std::uint64_t wall_ns, unsigned long long events,
                                const std::string& full_name) const {
    fmt::memory_buffer out;
    auto o = std::back_inserter(out);
    if (task_count() == 0) {
        nothing_recorded(out, *this, pid, wall_ns, events);
        return fmt::to_string(out);
    }
    header(out, *this, pid, wall_ns);
    std::size_t shown = 0, active = 0;
    for (const auto& t : threads_) {
        if (t->tasks == 0) continue;
        ++active;
        if (shown < kBriefThreads) {
            fmt::format_to(o, "{}", thread_line(*t));
            ++shown;
        }
    }
    if (active > shown) fmt::format_to(o, "  ... {} more thread(s) in {}\n", active - shown, full_name);
    collection_line(out, collection_, wall_ns);
    const std::vector<FlatRow>& rows = flat();
    std::uint64_t total_exclusive = 0;
    for (const FlatRow& r : rows) total_exclusive += r.exclusive_ns;
    const std::size_t top = std::min(rows.size(), kBriefRows);
    table_header(out,
                 fmt::format("Top {} of {} label(s) by exclusive time, all threads (excl% = share of all tasks' "
                             "exclusive time)",
                             top, rows.size()),
                 "excl%");
    for (std::size_t i = 0; i < top; ++i) {
        const FlatRow& r = rows[i];
        table_row(out, row_label("", r.label, r.recursion), r.count, r.unfinished, r.depth, r.inclusive_ns,
                  r.exclusive_ns, share(r.exclusive_ns, total_exclusive));
    }
    fmt::format_to(o, "{}\n", rows.size() > top ? fmt::format("... {} more label(s), and each thread's call tree, in {}",
                                                              rows.size() - top, full_name)
                                                : fmt::format("each thread's call tree is in {}", full_name));
    return fmt::to_string(out);
}

}  // namespace pyitt::collector
