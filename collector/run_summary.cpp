#include "run_summary.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstring>

#include "summary.h"

namespace pyitt::collector {
namespace {

using summary_text::fit;
using Out = fmt::memory_buffer;
constexpr std::size_t kBriefProcesses = 20, kBriefThreads = 20, kBriefLabels = 20;

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

void header(Out& out, const RunSummaryInput& run) {
    std::uint64_t begin = UINT64_MAX, end = 0;
    int incomplete = 0;
    for (const ProcessRecord& p : run.processes) {
        incomplete += p.incomplete() ? 1 : 0;
        if (p.trace_file.empty()) continue;
        begin = std::min(begin, p.first_ns);
        end = std::max(end, p.first_ns + p.wall_ns);
    }
    const std::uint64_t wall_ns = end > begin ? end - begin : 0;
    fmt::format_to(std::back_inserter(out),
                   "pyitt summary, all processes: {} process(es){}, wall time {:.3f} ms, {} task label(s)\n",
                   run.processes.size(), incomplete > 0 ? fmt::format(" ({} with an incomplete trace)", incomplete) : "",
                   ms(wall_ns), run.labels.size());
}

std::string trace_note(const ProcessRecord& p) {
    if (p.trace_file.empty())
        return fmt::format("none: ended before writing it (killed, crashed) or still running; see unfinished-{}.txt",
                           p.pid);
    const char* abbreviation = p.end_signal != 0 ? sigabbrev_np(p.end_signal) : nullptr;
    const std::string crash =
        p.end_signal == 0 ? std::string()
                          : fmt::format(" (up to its crash: SIG{})",
                                        abbreviation != nullptr ? abbreviation : std::to_string(p.end_signal));
    const std::string cut =
        p.cut.empty() ? std::string() : " (cut short, merged up to its last complete event: " + p.cut + ")";
    return p.trace_file + crash + cut;
}

// The processes table, each process followed by its threads' lines (up to `max_threads` in all).
void processes_section(Out& out, const RunSummaryInput& run, std::size_t max_processes, std::size_t max_threads) {
    auto o = std::back_inserter(out);
    fmt::format_to(o, "\nProcesses (each one's own summary is in summary-<pid>.txt)\n{:>8} {:>8} {:<36} {:>10} {:>12}  {}\n{}\n",
                   "pid", "parent", "name", "events", "wall(ms)", "trace", std::string(100, '-'));
    std::size_t shown = 0, threads_shown = 0, threads_hidden = 0;
    for (const ProcessRecord& p : run.processes) {
        if (shown++ == max_processes) {
            fmt::format_to(o, "... {} more process(es) in summary.txt\n", run.processes.size() - max_processes);
            break;
        }
        const std::string name = fit(p.name, 36);
        if (p.trace_file.empty())
            fmt::format_to(o, "{:>8} {:>8} {:<36} {:>10} {:>12}  {}\n", p.pid, p.parent, name, "-", "-", trace_note(p));
        else
            fmt::format_to(o, "{:>8} {:>8} {:<36} {:>10} {:>12.3f}  {}\n", p.pid, p.parent, name, p.events,
                           ms(p.wall_ns), trace_note(p));
        if (!p.collection.empty()) fmt::format_to(o, "{:>17} {}\n", "", p.collection);
        for (const std::string& line : p.threads) {
            if (threads_shown < max_threads) {
                fmt::format_to(o, "{:>17} {}\n", "", line);
                ++threads_shown;
            } else {
                ++threads_hidden;
            }
        }
    }
    if (threads_hidden > 0) fmt::format_to(o, "... {} more thread(s) in summary.txt\n", threads_hidden);
}

// All processes' labels by exclusive time; the `%` is of every task's exclusive time in the run.
void flat_section(Out& out, const RunSummaryInput& run, std::size_t max_rows) {
    auto o = std::back_inserter(out);
    std::vector<std::pair<std::string, TotalRow>> rows(run.labels.begin(), run.labels.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.second.exclusive_ns != b.second.exclusive_ns ? a.second.exclusive_ns > b.second.exclusive_ns
                                                               : a.first < b.first;
    });
    if (rows.empty()) {
        fmt::format_to(o, "\nNo task was recorded in any process: no instrumented function ran (the filters "
                          "-I/-E/-R/-MI/-ME/-MR and the default filters left none), or collection was paused.\n"
                          "  pyitt-host --explain FILE writes each function's instrumentation decision and its reason\n");
        return;
    }
    std::uint64_t total_exclusive = 0;
    for (const auto& [label, r] : rows) total_exclusive += r.exclusive_ns;
    const std::size_t shown = std::min(rows.size(), max_rows);
    constexpr std::size_t kLabelWidth = 40;
    fmt::format_to(o,
                   "\n{}, all processes (by exclusive time; excl% = share of all exclusive time;\n"
                   "depth = shallowest; * = still open at exit)\n"
                   "{:<{}} {:>9} {:>9} {:>5} {:>13} {:>13} {:>6}\n{}\n",
                   shown < rows.size() ? fmt::format("Top {} of {} labels", shown, rows.size()) : std::string("Flat"),
                   "label", kLabelWidth, "processes", "count", "depth", "inclusive(ms)", "exclusive(ms)", "excl%",
                   std::string(100, '-'));
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& [label, r] = rows[i];
        const double share = total_exclusive == 0 ? 0.0 : 100.0 * static_cast<double>(r.exclusive_ns) / static_cast<double>(total_exclusive);
        // As the per-process tables show it: "fib (recursive, depth 1-20)", the suffix whole.
        const std::string suffix = r.recursion > 1 ? fmt::format(" (recursive, depth 1-{})", r.recursion) : std::string();
        const std::string shown_label = fit(label, kLabelWidth > suffix.size() + 8 ? kLabelWidth - suffix.size() : 8) + suffix;
        static_assert(kLabelWidth == 40);  // compiled: a row per label of every process
        fmt::format_to(o, FMT_COMPILE("{:<40} {:>9} {:>9} {:>5} {:>13.3f} {:>13.3f} {:>6.1f}\n"), shown_label,
                       r.processes, std::to_string(r.count) + (r.unfinished > 0 ? "*" : ""), r.depth,
                       ms(r.inclusive_ns), ms(r.exclusive_ns), share);
    }
    if (shown < rows.size())
        fmt::format_to(o, "... {} more label(s), and each process's call trees, in summary.txt and summary-<pid>.txt\n",
                       rows.size() - shown);
}

}  // namespace

std::string run_summary_full(const RunSummaryInput& run) {
    Out out;
    header(out, run);
    processes_section(out, run, SIZE_MAX, SIZE_MAX);
    flat_section(out, run, SIZE_MAX);
    return fmt::to_string(out);
}

std::string run_summary_brief(const RunSummaryInput& run) {
    Out out;
    header(out, run);
    processes_section(out, run, kBriefProcesses, kBriefThreads);
    flat_section(out, run, kBriefLabels);
    return fmt::to_string(out);
}

}  // namespace pyitt::collector
