#include "collection_switch.h"

#include <pthread.h>

#include <cstring>

#include "itt_client.h"

namespace pyitt::control {
namespace {

enum class State : unsigned char { kRunning, kPaused, kDetached };

// A plain pthread mutex: fork() may happen while another thread holds it (a timer firing), so the
// child re-initialises it (see kForkHandlers).
pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
State g_state = State::kRunning;  // collectors start collecting; the program may have changed that
int g_host_scope = itt_abi::kScopeAll;
bool g_host_scoped = false;  // the collector has the scoped calls and --collection-scope asks for them

class Lock {
public:
    Lock() { pthread_mutex_lock(&g_mutex); }
    ~Lock() { pthread_mutex_unlock(&g_mutex); }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
};

[[maybe_unused]] const int kForkHandlers = pthread_atfork(
    [] { pthread_mutex_lock(&g_mutex); }, [] { pthread_mutex_unlock(&g_mutex); },
    [] { pthread_mutex_init(&g_mutex, nullptr); });

// Whether the loaded collector bound an API, i.e. its slot no longer holds our lazy-init stub.
bool collector_binds(const char* name) {
    for (const itt_abi::ApiInfo* api = itt::global().api_list_ptr; api != nullptr && api->name != nullptr; ++api) {
        if (std::strcmp(api->name, name) != 0) continue;
        void* bound = __atomic_load_n(api->func_ptr, __ATOMIC_ACQUIRE);
        return bound != nullptr && bound != api->init_func;
    }
    return false;
}

// The ITT call for a host-side switch; callers hold the lock.
void switch_collection(Source source, bool resume) {
    if (source != Source::kProgram && g_host_scoped) {
        resume ? itt::resume_scoped(g_host_scope) : itt::pause_scoped(g_host_scope);
    } else {
        resume ? itt::resume() : itt::pause();
    }
    g_state = resume ? State::kRunning : State::kPaused;
}

// A pause the host has put off (-b regions: triggers.cpp) comes before the program's own request
// and a timer's or a signal's, as it would have without the delay, so that the request is the
// latest and wins. Not before the triggers' own: they are what puts the pause off, under their lock.
void host_pause_first(Source source) {
    if (source == Source::kHost) return;
    if (void (*before)() = __atomic_load_n(&itt::detail::g_before_event, __ATOMIC_RELAXED)) before();
}

bool request(Source source, bool resume) {
    host_pause_first(source);
    Lock lock;
    if (g_state == State::kDetached) return false;
    switch_collection(source, resume);
    return true;
}

}  // namespace

void set_host_scope(int scope) {
    Lock lock;
    g_host_scope = scope;
    g_host_scoped = scope != itt_abi::kScopeAll && itt::initialize() &&
                    collector_binds("__itt_pause_scoped") && collector_binds("__itt_resume_scoped");
}

bool pause(Source source) { return request(source, false); }
bool resume(Source source) { return request(source, true); }

bool toggle(Source source) {
    host_pause_first(source);
    Lock lock;
    if (g_state == State::kDetached) return false;
    switch_collection(source, g_state == State::kPaused);
    return true;
}

bool detach(Source source) {
    host_pause_first(source);
    Lock lock;
    if (g_state == State::kDetached) return false;
    itt::detach();
    g_state = State::kDetached;
    return true;
}

// Scopes are bit sets (host 1, offload 2, all): the program's own offload-only calls leave the
// host's state as it is.
bool pause_scoped(int scope) {
    host_pause_first(Source::kProgram);
    Lock lock;
    if (g_state == State::kDetached) return false;
    itt::pause_scoped(scope);
    if (scope & itt_abi::kScopeHost) g_state = State::kPaused;
    return true;
}

bool resume_scoped(int scope) {
    host_pause_first(Source::kProgram);
    Lock lock;
    if (g_state == State::kDetached) return false;
    itt::resume_scoped(scope);
    if (scope & itt_abi::kScopeHost) g_state = State::kRunning;
    return true;
}

bool paused() {
    Lock lock;
    return g_state != State::kRunning;
}

bool detached() {
    Lock lock;
    return g_state == State::kDetached;
}

}  // namespace pyitt::control
