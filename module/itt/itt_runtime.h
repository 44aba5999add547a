// Internals of the ITT client runtime shared by its .cpp files: the global, its lock, the init
// stubs. Not for users of the runtime (they include itt_client.h).
#pragma once

#include <pthread.h>

#include <type_traits>

#include "itt_client.h"

namespace pyitt::itt::detail {

PYITT_ITT_HIDDEN extern itt_abi::Global g_global;

// One-time lazy setup of the global before its first lock: fills api_list and creates the mutex as
// recursive (itt-abi.md 6.1: a CAS on atomic_counter elects the initialiser), because collectors
// lock &g->mutex directly and our init re-locks it while the collector's __itt_api_init locks it again.
PYITT_ITT_HIDDEN void prepare_global_once();

class GlobalLock {
public:
    GlobalLock() : mutex_(&g_global.mutex) {
        prepare_global_once();
        pthread_mutex_lock(mutex_);
    }
    ~GlobalLock() { unlock(); }
    GlobalLock(const GlobalLock&) = delete;
    GlobalLock& operator=(const GlobalLock&) = delete;

    void unlock() {
        if (mutex_ != nullptr) pthread_mutex_unlock(mutex_);
        mutex_ = nullptr;
    }

private:
    pthread_mutex_t* mutex_;
};

// INTEL_LIBITTNOTIFY64, or nullptr when unset or empty.
PYITT_ITT_HIDDEN const char* configured_collector();

// The lazy-init trigger of every stub: init unless done, or unless a collector filled thread_list.
inline void init_if_needed() {
    if (g_global.api_initialized == 0 && g_global.thread_list == nullptr) initialize();
}

template <class R, class... P>
inline R (*load_slot(R (*&slot)(P...)))(P...) {
    return __atomic_load_n(&slot, __ATOMIC_ACQUIRE);
}

// The init stub of an ordinary API: initialise, then forward unless the slot still holds this very
// stub (a collector may leave unknown entries untouched, itt-abi.md 5.1).
struct ForwardingStub {
    template <class R, class... P>
    static R run(R (*&slot)(P...), R (*self)(P...), std::type_identity_t<P>... args) {
        init_if_needed();
        R (*fn)(P...) = load_slot(slot);
        if (fn == nullptr || fn == self) return R();
        return fn(args...);
    }
};

// Ids of the APIs, to select the stub of each.
enum class ApiId {
#define PYITT_ITT_API_ID(ret, api, params, args, group, is_static) api,
    PYITT_ITT_APIS(PYITT_ITT_API_ID)
#undef PYITT_ITT_API_ID
    count
};

// Every stub forwards, except the create functions that allocate before init (itt_objects.cpp).
template <ApiId kId>
struct Stub : ForwardingStub {};

// Defined in itt_objects.cpp. run() gets the slot and the stub itself, then the API's arguments.
#define PYITT_ITT_CREATE_STUB(ret, api, ...)                                                        \
    template <>                                                                                   \
    struct Stub<ApiId::api> {                                                                     \
        PYITT_ITT_HIDDEN static ret run(itt_abi::fn_##api*& slot, itt_abi::fn_##api* self,        \
                                        __VA_ARGS__);                                             \
    };
PYITT_ITT_CREATE_STUB(Domain*, domain_create, const char* name)
PYITT_ITT_CREATE_STUB(StringHandle*, string_handle_create, const char* name)
PYITT_ITT_CREATE_STUB(CounterHandle, counter_create, const char* name, const char* domain)
PYITT_ITT_CREATE_STUB(CounterHandle, counter_create_typed, const char* name, const char* domain,
                      int type)
PYITT_ITT_CREATE_STUB(CounterHandle, counter_create_v3, const Domain* domain, const char* name,
                      int type)
PYITT_ITT_CREATE_STUB(Histogram*, histogram_create, const Domain* domain, const char* name,
                      int x_type, int y_type)
PYITT_ITT_CREATE_STUB(void, bind_context_metadata_to_counter, CounterHandle counter,
                      size_t length, ContextMetadata* metadata)
#undef PYITT_ITT_CREATE_STUB

}  // namespace pyitt::itt::detail
