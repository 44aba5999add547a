// Per-thread state of the instrumentation. The hot check is one load and one compare: every
// reason not to record (-b outside a profile region, noprofile, instrumenter.disable(), inside an
// -E subtree, pyitt's own code running inside a hook) adds one to `suppress`.
#pragma once

#include <Python.h>

#include <vector>

namespace pyitt::instrument {

struct CodeInfo;

// --resume-on / --pause-on (and -b regions, which are resume triggers): what entering the code does
// to the process-wide collection switch (triggers.h).
enum class Trigger : unsigned char { kNone, kResume, kPause };

// A decorated function's code object: each run of it is a `profile` or `noprofile` region.
enum class RegionMark : unsigned char { kNone, kProfile, kNoProfile };

// One entry per Python frame start seen through sys.monitoring, so that every end matches its
// begin even when recording is switched on or off in between.
struct FrameMark {
    PyCodeObject* code;
    enum Kind : unsigned char { kSkipped, kRecorded, kExcludedRoot } kind;
    Trigger trigger = Trigger::kNone;  // left on the frame's end, after its task ends
    RegionMark region = RegionMark::kNone;  // left last, after the trigger
};

struct ThreadState {
    int suppress = 0;
    int profile_depth = 0;  // -b: nesting of `profile` regions
    int trigger_depth[2] = {0, 0};  // frames inside resume / pause triggers
    bool enabled = true;    // pyitt.instrumenter.enable()/disable()
    std::vector<bool> saved_enabled;  // the switch before each enable()/disable() block
    std::vector<FrameMark> frames;  // sys.monitoring only

    void set_enabled(bool on) {
        if (on == enabled) return;
        enabled = on;
        suppress += on ? -1 : 1;
    }
};

ThreadState* create_thread_state();
extern constinit thread_local ThreadState* t_state;  // constinit: read without a TLS wrapper call

// The calling thread's state (created on first use from the global configuration).
inline ThreadState* thread_state() {
    ThreadState* state = t_state;
    return state != nullptr ? state : create_thread_state();
}

// Marks pyitt's own Python work inside a hook (deciding about a code object, building a label):
// nothing it runs is recorded.
class Busy {
public:
    explicit Busy(ThreadState* state) : state_(state) { ++state_->suppress; }
    ~Busy() { --state_->suppress; }
    Busy(const Busy&) = delete;
    Busy& operator=(const Busy&) = delete;

private:
    ThreadState* state_;
};

}  // namespace pyitt::instrument
