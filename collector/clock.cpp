// TSC detection and the two-anchor calibration against CLOCK_MONOTONIC.
#include "clock.h"

#include <cpuid.h>

#include <cstdlib>
#include <cstring>
#include <algorithm>

namespace pyitt::collector {

std::atomic<bool> g_clock_uses_tsc{false};

namespace {

struct Anchor {
    std::uint64_t tsc;
    std::uint64_t ns;
};
Anchor g_anchor0{};

// The TSC counts at a constant rate across P-states and C-states only when it is invariant (CPUID
// 0x80000007, EDX bit 8: what Linux shows as constant_tsc and nonstop_tsc); otherwise converting
// ticks to time would drift, so we fall back to the (slower) vDSO clock. CPUID, not /proc/cpuinfo:
// reading that costs every process 30-120 µs here.
bool cpu_has_invariant_tsc() {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx) == 0) return false;  // no such leaf
    return (edx & (1u << 8)) != 0;
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

TickConverter::TickConverter() : TickConverter(true) {}

TickConverter::TickConverter(bool take_anchor_now) : tsc_(g_clock_uses_tsc.load(std::memory_order_acquire)) {
    segments_.push_back({g_anchor0.tsc, g_anchor0.ns, 1.0});
    last_anchor_tick_ = converted_until_ = g_anchor0.tsc;
    if (take_anchor_now) advance(true);
}

void TickConverter::advance(bool final) {
    if (!tsc_) return;
    // 10 ms at 1-5 GHz: an anchor's error (tens of ns) then moves a rate by a few parts in a million.
    constexpr std::uint64_t kMinAnchorGap = 20'000'000;
    const std::uint64_t now = __rdtsc();
    if (!final && rate_known_ && now - last_anchor_tick_ < kMinAnchorGap) {
        converted_until_ = std::max(converted_until_, now);
        return;
    }
    const Anchor a = take_anchor();
    if (!rate_known_) {
        // The first segment, from the load anchor: today's two-anchor conversion when it is the only one.
        Segment& first = segments_.front();
        if (a.tsc > first.tick && a.ns > first.ns)
            first.ns_per_tick = static_cast<double>(a.ns - first.ns) / static_cast<double>(a.tsc - first.tick);
        rate_known_ = true;
    } else {
        // From where converted records already put the map, to this anchor.
        const std::uint64_t start = converted_until_;
        const std::uint64_t start_ns = to_ns(start);
        if (a.tsc > start && a.ns > start_ns)
            segments_.push_back({start, start_ns, static_cast<double>(a.ns - start_ns) / static_cast<double>(a.tsc - start)});
    }
    last_anchor_tick_ = a.tsc;
    converted_until_ = std::max(converted_until_, std::max(a.tsc, now));
}

const TickConverter::Segment* TickConverter::find(std::uint64_t ticks) const {
    // The last segment starting at or before ticks (the first one for ticks before the load).
    std::size_t lo = 0, hi = segments_.size();
    while (hi - lo > 1) {
        const std::size_t mid = (lo + hi) / 2;
        if (segments_[mid].tick <= ticks) lo = mid;
        else hi = mid;
    }
    cached_ = lo;
    return &segments_[lo];
}

}  // namespace pyitt::collector
