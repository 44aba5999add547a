// Collection triggers: --resume-on / --pause-on functions and, with -b, profile regions. ITT's
// pause is process-wide, so what counts is how many threads are inside a trigger: the first to
// enter switches, the last to leave switches back. Each thread keeps its own nesting depth
// (recursion, nested regions), so only its outermost entry and exit touch the shared count.
#pragma once

#include "thread_state.h"

namespace pyitt::instrument {

// Before the program. `outside_paused`: collection is paused outside every resume trigger (some
// --resume-on pattern or -b is given), and the host has paused it at start.
void configure_triggers(bool outside_paused);

// Out of line: they take a lock and may call into the collector.
void thread_enters_trigger(Trigger kind);
void thread_leaves_trigger(Trigger kind);

inline int trigger_index(Trigger kind) { return kind == Trigger::kPause ? 1 : 0; }

inline void enter_trigger(ThreadState* state, Trigger kind) {
    if (state->trigger_depth[trigger_index(kind)]++ == 0) thread_enters_trigger(kind);
}

inline void leave_trigger(ThreadState* state, Trigger kind) {
    int& depth = state->trigger_depth[trigger_index(kind)];
    if (depth > 0 && --depth == 0) thread_leaves_trigger(kind);
}

// Whether any resume trigger ever switched collection on (for the warning at exit).
bool resume_trigger_ever_fired();

// os.fork() child: only the forking thread survives; the counts become its own.
void triggers_after_fork(const ThreadState* survivor);

}  // namespace pyitt::instrument
