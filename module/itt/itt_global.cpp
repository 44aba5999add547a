// The static part's data, exactly as collectors expect it (itt-abi.md 3.1, 3.2, 4): the global, the
// slots with their init stubs, and the NULL-terminated api_list. The global and the slots are
// constant-initialised, so ITT calls from other translation units' static constructors are safe;
// api_list is filled just before the global's first lock.
#include <sched.h>

#include "itt_runtime.h"

namespace pyitt::itt::detail {
namespace {

// One init stub per API, with the exact C type of the API: collectors compare slots with it and our
// hot path calls it until (and, when unbound, after) the collector loads.
extern "C" {
#define PYITT_ITT_DEFINE_STUB(ret, api, params, args, group, is_static)                        \
    static ret pyitt_itt_init_##api params {                                                   \
        return Stub<ApiId::api>::run(g_slots.api,                                              \
                                     &pyitt_itt_init_##api PYITT_ITT_TRAILING_ARGS args);      \
    }
PYITT_ITT_APIS(PYITT_ITT_DEFINE_STUB)
#undef PYITT_ITT_DEFINE_STUB
}

constexpr size_t kApiCount = static_cast<size_t>(ApiId::count);

// Filled once by prepare_global_once, not by a static initialiser: casting functions to void* is
// not a constant expression, and a dynamic initialiser could run after an ITT call made from another
// translation unit's static constructor. Everything that reads the list locks the mutex first.
constinit itt_abi::ApiInfo g_api_list[kApiCount + 1] = {};

// Official names are "__itt_" + api: no "_ptr__3_0" suffix and no A/W on Linux (itt-abi.md 4.1).
// null_func is the stub for static-implementation entries: they keep working unbound.
void fill_api_list() {
    size_t i = 0;
#define PYITT_ITT_API_INFO(ret, api, params, args, group, is_static)                                \
    g_api_list[i++] = {"__itt_" #api, reinterpret_cast<void**>(&g_slots.api),                      \
                       reinterpret_cast<void*>(&pyitt_itt_init_##api),                             \
                       (is_static) ? reinterpret_cast<void*>(&pyitt_itt_init_##api) : nullptr, (group)};
    PYITT_ITT_APIS(PYITT_ITT_API_INFO)
#undef PYITT_ITT_API_INFO
    g_api_list[i] = {nullptr, nullptr, nullptr, nullptr, 0};
}

}  // namespace

using BeforeEvent = void (*)();
constinit BeforeEvent g_before_event = nullptr;

constinit Slots g_slots = {
#define PYITT_ITT_INITIAL_SLOT(ret, api, params, args, group, is_static) &pyitt_itt_init_##api,
    PYITT_ITT_APIS(PYITT_ITT_INITIAL_SLOT)
#undef PYITT_ITT_INITIAL_SLOT
};

constinit itt_abi::Global g_global = {
    .magic = {itt_abi::kGlobalMagic[0], itt_abi::kGlobalMagic[1], itt_abi::kGlobalMagic[2],
              itt_abi::kGlobalMagic[3], itt_abi::kGlobalMagic[4], itt_abi::kGlobalMagic[5],
              itt_abi::kGlobalMagic[6], itt_abi::kGlobalMagic[7]},
    .version_major = itt_abi::kVersionMajor,
    .version_minor = itt_abi::kVersionMinor,
    .version_build = itt_abi::kVersionBuild,
    .api_initialized = 0,
    .mutex_initialized = 0,
    .atomic_counter = 0,
    .mutex = PTHREAD_MUTEX_INITIALIZER,
    .lib = nullptr,
    .error_handler = nullptr,
    .dll_path_ptr = nullptr,
    .api_list_ptr = g_api_list,
    .next = nullptr,
    .thread_list = nullptr,
    .domain_list = nullptr,
    .string_list = nullptr,
    .state = itt_abi::kStateUninitialized,
    .counter_list = nullptr,
    .ipt_collect_events = 0,
    .histogram_list = nullptr,
    .counter_metadata_list = nullptr,
};

void prepare_global_once() {
    itt_abi::Global& global = g_global;
    if (__atomic_load_n(&global.mutex_initialized, __ATOMIC_ACQUIRE) != 0) return;
    long expected = 0;
    if (__atomic_compare_exchange_n(&global.atomic_counter, &expected, 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        pthread_mutexattr_t attributes;
        pthread_mutexattr_init(&attributes);
        pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
        pthread_mutex_init(&global.mutex, &attributes);
        pthread_mutexattr_destroy(&attributes);
        fill_api_list();
        __atomic_store_n(&global.mutex_initialized, 1, __ATOMIC_RELEASE);
        return;
    }
    while (__atomic_load_n(&global.mutex_initialized, __ATOMIC_ACQUIRE) == 0) sched_yield();
}

}  // namespace pyitt::itt::detail

namespace pyitt::itt {

const itt_abi::Global& global() { return detail::g_global; }

}  // namespace pyitt::itt
