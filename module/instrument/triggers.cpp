#include "triggers.h"

#include <pthread.h>

#include "collection_switch.h"

namespace pyitt::instrument {
namespace {

// Taken only on a thread's outermost entry or exit of a trigger, never for other code. It keeps the
// count and the ITT call together: otherwise a thread leaving (1 -> 0, pause) and another entering
// (0 -> 1, resume) could reach the collector in the wrong order and leave it paused.
pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
int g_threads_inside[2] = {0, 0};  // threads inside resume triggers, pause triggers
bool g_outside_paused = false;
bool g_switched_paused = false;  // what the triggers last asked for
bool g_resume_fired = false;

bool wanted_paused() {
    if (g_threads_inside[1] > 0) return true;
    if (g_threads_inside[0] > 0) return false;
    return g_outside_paused;
}

// Triggers act only on their own transitions: a timer, a signal or the program may have switched in
// between, and the latest request wins.
void reconcile() {
    const bool paused = wanted_paused();
    if (paused == g_switched_paused) return;
    g_switched_paused = paused;
    if (paused) {
        control::pause(control::Source::kHost);
    } else {
        g_resume_fired |= control::resume(control::Source::kHost);
    }
}

void change(Trigger kind, int delta) {
    pthread_mutex_lock(&g_mutex);
    g_threads_inside[trigger_index(kind)] += delta;
    reconcile();
    pthread_mutex_unlock(&g_mutex);
}

}  // namespace

void configure_triggers(bool outside_paused) {
    pthread_mutex_lock(&g_mutex);
    g_outside_paused = outside_paused;
    g_switched_paused = wanted_paused();
    pthread_mutex_unlock(&g_mutex);
}

void thread_enters_trigger(Trigger kind) { change(kind, +1); }
void thread_leaves_trigger(Trigger kind) { change(kind, -1); }

bool resume_trigger_ever_fired() {
    pthread_mutex_lock(&g_mutex);
    const bool fired = g_resume_fired;
    pthread_mutex_unlock(&g_mutex);
    return fired;
}

void triggers_after_fork(const ThreadState* survivor) {
    pthread_mutex_init(&g_mutex, nullptr);
    for (int i = 0; i < 2; ++i) g_threads_inside[i] = survivor != nullptr && survivor->trigger_depth[i] > 0 ? 1 : 0;
    g_switched_paused = wanted_paused();
}

}  // namespace pyitt::instrument
