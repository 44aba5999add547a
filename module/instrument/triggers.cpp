#include "triggers.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <cstdint>

#include "collection_switch.h"
#include "itt_client.h"
#include "profile_regions.h"

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

// -b regions, outside the lock. Their count changes only under the GIL, so a plain load and store
// leave it exact; entering is a fetch_add all the same, for its full fence: it pairs with
// reconcile(), which raises g_regions_gated before it reads the count, so that either the entering
// thread sees the gate up and resumes under the lock, or reconcile sees the thread inside.
std::atomic<int> g_threads_in_regions{0};
std::atomic<bool> g_regions_gated{false};  // collection is paused, or a reconcile is deciding
std::atomic<std::uint64_t> g_region_entries{0};  // outermost entries, for the ticker to see activity

// The ticker: while armed (collection was resumed for regions), it wakes every kTick and pauses
// once a whole tick has passed with no thread inside a region and none entering. Started on the
// first arming in each process.
constexpr long kTickNs = 1'000'000;
pthread_cond_t g_tick = PTHREAD_COND_INITIALIZER;  // CLOCK_MONOTONIC once the ticker starts
bool g_ticker_started = false;
bool g_ticker_armed = false;
bool g_ticker_stopping = false;  // for a fork: the ticker ends
bool g_ticker_rearm_after_fork = false;
pthread_t g_ticker;
bool g_finished = false;  // the run's outputs are being written: no switching any more

bool wanted_paused() {
    if (g_threads_inside[1] > 0) return true;
    if (g_threads_inside[0] > 0 || g_threads_in_regions.load() > 0) return false;
    return g_outside_paused;
}

// Triggers act only on their own transitions: a timer, a signal or the program may have switched in
// between, and the latest request wins. Callers hold g_mutex.
void reconcile() {
    g_regions_gated.store(true);  // before the count is read (see g_threads_in_regions)
    const bool paused = wanted_paused();
    if (paused != g_switched_paused) {
        g_switched_paused = paused;
        if (paused) {
            control::pause(control::Source::kHost);
        } else {
            g_resume_fired |= control::resume(control::Source::kHost);
        }
    }
    g_regions_gated.store(paused);
}

void change(Trigger kind, int delta) {
    pthread_mutex_lock(&g_mutex);
    g_threads_inside[trigger_index(kind)] += delta;
    reconcile();
    pthread_mutex_unlock(&g_mutex);
}

// The pause put off by regions, if it is still wanted. Callers hold g_mutex.
void settle_locked() {
    __atomic_store_n(&itt::detail::g_before_event, nullptr, __ATOMIC_RELAXED);
    if (!g_finished && g_threads_in_regions.load() == 0) reconcile();
}

void settle_before_event() {
    pthread_mutex_lock(&g_mutex);
    settle_locked();
    pthread_mutex_unlock(&g_mutex);
}

void* tick(void*) {
    pthread_mutex_lock(&g_mutex);
    std::uint64_t seen = g_region_entries.load(std::memory_order_relaxed);
    for (;;) {
        if (g_ticker_stopping) break;
        if (!g_ticker_armed || g_finished) {
            pthread_cond_wait(&g_tick, &g_mutex);
            seen = g_region_entries.load(std::memory_order_relaxed);
            continue;
        }
        timespec at{};
        clock_gettime(CLOCK_MONOTONIC, &at);
        at.tv_nsec += kTickNs;
        if (at.tv_nsec >= 1'000'000'000) {
            at.tv_nsec -= 1'000'000'000;
            ++at.tv_sec;
        }
        pthread_cond_timedwait(&g_tick, &g_mutex, &at);
        const std::uint64_t entries = g_region_entries.load(std::memory_order_relaxed);
        if (entries == seen && g_threads_in_regions.load() == 0 && !g_finished) {
            settle_locked();
            if (g_switched_paused) g_ticker_armed = false;
        }
        seen = entries;
    }
    pthread_mutex_unlock(&g_mutex);
    return nullptr;
}

// Callers hold g_mutex. Signals stay with the program's threads.
void arm_ticker() {
    g_ticker_armed = true;
    if (g_ticker_started) {
        pthread_cond_signal(&g_tick);
        return;
    }
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&g_tick, &attributes);
    pthread_condattr_destroy(&attributes);
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    if (pthread_create(&g_ticker, nullptr, tick, nullptr) == 0) g_ticker_started = true;
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

[[gnu::noinline, gnu::cold]] void resume_for_regions() {
    pthread_mutex_lock(&g_mutex);
    if (!g_finished) {
        reconcile();
        if (!g_switched_paused) arm_ticker();
    }
    pthread_mutex_unlock(&g_mutex);
}

}  // namespace

void configure_triggers(bool outside_paused) {
    pthread_mutex_lock(&g_mutex);
    g_outside_paused = outside_paused;
    g_switched_paused = wanted_paused();
    g_regions_gated.store(g_switched_paused);
    pthread_mutex_unlock(&g_mutex);
}

void thread_enters_trigger(Trigger kind) { change(kind, +1); }
void thread_leaves_trigger(Trigger kind) { change(kind, -1); }

void thread_enters_region() {
    if (g_threads_in_regions.fetch_add(1) != 0) return;
    g_region_entries.store(g_region_entries.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    __atomic_store_n(&itt::detail::g_before_event, nullptr, __ATOMIC_RELAXED);
    if (g_regions_gated.load()) [[unlikely]] resume_for_regions();
}

void thread_leaves_region() {
    const int inside = g_threads_in_regions.load(std::memory_order_relaxed) - 1;
    g_threads_in_regions.store(inside, std::memory_order_release);
    if (inside == 0) __atomic_store_n(&itt::detail::g_before_event, &settle_before_event, __ATOMIC_RELAXED);
}

void settle_region_pause() {
    pthread_mutex_lock(&g_mutex);
    settle_locked();
    g_finished = true;
    pthread_mutex_unlock(&g_mutex);
}

bool resume_trigger_ever_fired() {
    pthread_mutex_lock(&g_mutex);
    const bool fired = g_resume_fired;
    pthread_mutex_unlock(&g_mutex);
    return fired;
}

// Python 3.12+'s os.fork() warns when the process has more than one thread (counted after the
// fork, in the parent), which the program would not get under python: the ticker ends before the
// fork and starts again after it, from the main thread's next pending-call check, right after
// os.fork() returns there (as the host's control thread does).
void triggers_before_fork() {
    pthread_mutex_lock(&g_mutex);
    const bool running = g_ticker_started;
    g_ticker_rearm_after_fork = g_ticker_armed;
    if (running) {
        g_ticker_stopping = true;
        pthread_cond_signal(&g_tick);
    }
    pthread_mutex_unlock(&g_mutex);
    if (!running) return;
    pthread_join(g_ticker, nullptr);
    pthread_mutex_lock(&g_mutex);
    g_ticker_started = false;
    g_ticker_stopping = false;
    pthread_mutex_unlock(&g_mutex);
}

void triggers_after_fork_in_parent() {
    const auto rearm = [](void*) {
        pthread_mutex_lock(&g_mutex);
        if (g_ticker_rearm_after_fork && g_ticker_armed && !g_ticker_started && !g_finished) arm_ticker();
        g_ticker_rearm_after_fork = false;
        pthread_mutex_unlock(&g_mutex);
        return 0;
    };
#if PY_VERSION_HEX >= 0x030C0000
    Py_AddPendingCall(rearm, nullptr);
#else
    rearm(nullptr);
#endif
}

// The child's collection switch is the parent's at the fork (a region's pause may be pending); the
// ticker did not come along.
void triggers_after_fork(const ThreadState* survivor) {
    pthread_mutex_init(&g_mutex, nullptr);
    pthread_cond_init(&g_tick, nullptr);
    g_ticker_started = false;
    g_ticker_armed = false;
    for (int i = 0; i < 2; ++i) g_threads_inside[i] = survivor != nullptr && survivor->trigger_depth[i] > 0 ? 1 : 0;
    g_threads_in_regions.store(survivor != nullptr && survivor->profile_depth > 0 && g_builtin_regions ? 1 : 0);
    pthread_mutex_lock(&g_mutex);
    reconcile();
    if (!g_switched_paused && g_builtin_regions) arm_ticker();
    pthread_mutex_unlock(&g_mutex);
}

}  // namespace pyitt::instrument
