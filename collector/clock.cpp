// TSC detection and the two-anchor calibration against CLOCK_MONOTONIC.
#include "clock.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pyitt::collector {

std::atomic<bool> g_clock_uses_tsc{false};

namespace {

struct Anchor {
    std::uint64_t tsc;
    std::uint64_t ns;
};
Anchor g_anchor0{};

// The TSC counts at a constant rate across P-states and C-states only with both flags; without them
// converting ticks to time would drift, so we fall back to the (slower) vDSO clock.
bool cpu_has_invariant_tsc() {
    FILE* f = std::fopen("/proc/cpuinfo", "re");
    if (f == nullptr) return false;
    char line[8192];
    bool constant = false, nonstop = false;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::strncmp(line, "flags", 5) != 0) continue;
        constant = std::strstr(line, " constant_tsc") != nullptr;
        nonstop = std::strstr(line, " nonstop_tsc") != nullptr;
        break;  // the first CPU speaks for all of them
    }
    std::fclose(f);
    return constant && nonstop;
}

// Reads both clocks as close together as possible: the TSC read bracketed by two CLOCK_MONOTONIC reads,
// keeping the tightest of a few tries, so the pair's error is a few tens of ns.
Anchor take_anchor() {
    Anchor best{};
    std::uint64_t best_width = ~0ULL;
    for (int i = 0; i < 5; ++i) {
        std::uint64_t before = monotonic_ns();
        std::uint64_t tsc = __rdtsc();
        std::uint64_t after = monotonic_ns();
        if (after - before < best_width) {
            best_width = after - before;
            best = {tsc, before + (after - before) / 2};
        }
    }
    return best;
}

}  // namespace

void clock_init() {
    const char* forced = std::getenv("PYITT_COLLECTOR_CLOCK");
    bool want_tsc = forced == nullptr || std::strcmp(forced, "monotonic") != 0;
    g_anchor0 = take_anchor();
    g_clock_uses_tsc.store(want_tsc && cpu_has_invariant_tsc(), std::memory_order_release);
}

TickConverter::TickConverter() : tsc_(g_clock_uses_tsc.load(std::memory_order_acquire)), tick0_(0), ns0_(0), ns_per_tick_(1.0) {
    if (!tsc_) return;
    Anchor a1 = take_anchor();
    tick0_ = g_anchor0.tsc;
    ns0_ = g_anchor0.ns;
    // The anchors' error (tens of ns) divided by the run's length is the rate error: 1e-5 after 10 ms.
    if (a1.tsc > g_anchor0.tsc && a1.ns > g_anchor0.ns)
        ns_per_tick_ = static_cast<double>(a1.ns - g_anchor0.ns) / static_cast<double>(a1.tsc - g_anchor0.tsc);
}

std::uint64_t TickConverter::to_ns(std::uint64_t ticks) const {
    if (!tsc_) return ticks;
    // Signed offset: a thread may have read the TSC a hair before the load anchor was taken.
    double delta = static_cast<double>(static_cast<std::int64_t>(ticks - tick0_)) * ns_per_tick_;
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(ns0_) + static_cast<std::int64_t>(delta));
}

}  // namespace pyitt::collector
