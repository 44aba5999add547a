// Collection triggers: --resume-on / --pause-on functions and, with -b, profile regions. ITT's
// pause is process-wide, so what counts is how many threads are inside a trigger: the first to
// enter switches, the last to leave switches back. Each thread keeps its own nesting depth
// (recursion, nested regions), so only its outermost entry and exit touch the shared count.
//
// -b regions are entered and left on every call of a hot decorated function: a pause and a resume
// per call would cost more than the call's task. Their last exit puts the pause off instead, to
// the first of: a region-less millisecond (a ticker thread checks), the program's next ITT event
// outside every region (itt::detail::g_before_event), the end of the run. The host's own tasks
// need no pause for that: outside a region each thread's `suppress` keeps them out already.
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

// -b: the calling thread enters its outermost profile region / leaves it. Called holding the GIL
// (which keeps the count's updates in order); a few instructions unless collection is paused.
void thread_enters_region();
void thread_leaves_region();
// The pause put off by the last region exit, now if no thread is inside a region (run's end).
void settle_region_pause();

// Whether any resume trigger ever switched collection on (for the warning at exit).
bool resume_trigger_ever_fired();

// os.fork() child: only the forking thread survives; the counts become its own.
void triggers_after_fork(const ThreadState* survivor);
// os.fork() in the parent: no thread of ours at the fork (Python 3.12+ counts them), back after it.
void triggers_before_fork();
void triggers_after_fork_in_parent();

}  // namespace pyitt::instrument
