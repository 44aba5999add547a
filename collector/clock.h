// The one clock of the collector: raw ticks on the hot path, nanoseconds of CLOCK_MONOTONIC when writing.
// With an invariant TSC the ticks are rdtsc (a few ns, no syscall, no vDSO); otherwise they already are
// CLOCK_MONOTONIC ns. Every thread and every process on the machine shares CLOCK_MONOTONIC, so traces of
// a parent and its children line up.
#pragma once

#include <x86intrin.h>

#include <atomic>
#include <cstdint>
#include <ctime>
#include <vector>

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

// Tick -> ns conversion through anchors (TSC and CLOCK_MONOTONIC read together): the load's, one
// taken whenever records up to now are to be converted (advance), at most every kMinAnchorGap, and
// the finish's. Between two anchors the map is linear; past the last one it goes on at the last
// segment's rate, and the next anchor's segment starts where the map already went (records converted
// by then keep their times): continuous, monotonic, and never further from CLOCK_MONOTONIC than an
// anchor's error plus one gap's drift. A run that converts nothing before its end has the one segment
// from load to finish.
class TickConverter {
public:
    TickConverter();  // advance(true): takes the finish anchor now
    explicit TickConverter(bool take_anchor_now);
    // Every tick up to now may be converted after this; `final` forces an anchor (the finish).
    void advance(bool final);
    std::uint64_t to_ns(std::uint64_t ticks) const {
        if (!tsc_) return ticks;
        const Segment* s = &segments_[cached_];
        if (ticks < s->tick || (cached_ + 1 < segments_.size() && ticks >= segments_[cached_ + 1].tick)) s = find(ticks);
        // Signed offset: a thread may have read the TSC a hair before the load anchor was taken.
        const double delta = static_cast<double>(static_cast<std::int64_t>(ticks - s->tick)) * s->ns_per_tick;
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(s->ns) + static_cast<std::int64_t>(delta));
    }
    bool uses_tsc() const { return tsc_; }

private:
    struct Segment {
        std::uint64_t tick;  // from here on, until the next segment's tick
        std::uint64_t ns;
        double ns_per_tick;
    };
    const Segment* find(std::uint64_t ticks) const;

    bool tsc_;
    bool rate_known_ = false;
    std::vector<Segment> segments_;
    mutable std::size_t cached_ = 0;
    std::uint64_t last_anchor_tick_ = 0;
    std::uint64_t converted_until_ = 0;  // the tick of the last advance(): records up to it may be converted
};

}  // namespace pyitt::collector
