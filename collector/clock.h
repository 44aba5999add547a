// The one clock of the collector: raw ticks on the hot path, nanoseconds of CLOCK_MONOTONIC when writing.
// With an invariant TSC the ticks are rdtsc (a few ns, no syscall, no vDSO); otherwise they already are
// CLOCK_MONOTONIC ns. Every thread and every process on the machine shares CLOCK_MONOTONIC, so traces of
// a parent and its children line up.
#pragma once

#include <x86intrin.h>

#include <atomic>
#include <cstdint>
#include <ctime>

namespace pyitt::collector {

// Hot-path switch; set once at load and never changed afterwards. Atomic (relaxed, a plain load on
// x86) because a thread may reach us through a slot another thread bound while loading us.
extern std::atomic<bool> g_clock_uses_tsc;

inline std::uint64_t monotonic_ns() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<std::uint64_t>(t.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(t.tv_nsec);
}

inline std::uint64_t now_ticks() {
    return g_clock_uses_tsc.load(std::memory_order_relaxed) ? __rdtsc() : monotonic_ns();
}

// Chooses TSC or CLOCK_MONOTONIC (PYITT_COLLECTOR_CLOCK=monotonic forces the latter) and takes the first
// calibration anchor. Called once from the library constructor.
void clock_init();

// Tick -> ns conversion fixed at writing time from two anchors (load and finish), so the TSC rate is
// measured over the whole run instead of a short spin at start-up.
class TickConverter {
public:
    TickConverter();  // takes the second anchor now
    std::uint64_t to_ns(std::uint64_t ticks) const;
    bool uses_tsc() const { return tsc_; }
    double ticks_per_ns() const { return 1.0 / ns_per_tick_; }

private:
    bool tsc_;
    std::uint64_t tick0_;
    std::uint64_t ns0_;
    double ns_per_tick_;
};

}  // namespace pyitt::collector
