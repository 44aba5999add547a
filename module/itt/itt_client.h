// pyitt::itt: our ITT client runtime (the "static part" of itt-abi.md). One C++ function per API of
// PYITT_ITT_APIS, same name and parameters as the C API without the "__itt_" prefix. Each one
// applies the official header's gate and calls through the API's slot, which the collector
// rebinds; nothing here is exported (hidden visibility, private names).
//
// Lazy initialisation (itt-abi.md 2.2): the collector named by INTEL_LIBITTNOTIFY64 (empty = unset)
// is loaded by the first "real" call. Create functions (domain_create, string_handle_create,
// counter_create*, histogram_create, bind_context_metadata_to_counter) never load it.
//
// Handles (Domain*, StringHandle*, CounterHandle, Histogram*), exactly as upstream:
//  * before init with no INTEL_LIBITTNOTIFY64, every create function returns nullptr;
//  * before init with INTEL_LIBITTNOTIFY64, they return nodes owned by this runtime (the collector
//    learns them at init); the pointer never changes and is never freed, even if loading fails;
//  * after init they forward to the collector; when it did not bind the API, domain_create returns
//    a disabled dummy domain (flags 0) and the others return nullptr.
// So callers must accept nullptr. Calls on a nullptr or disabled (flags 0) domain do nothing and
// never initialise; the other calls forward their arguments as they are, as the official macros do
// (the reference collector checks for nullptr counters and histograms; do not rely on others to).
#pragma once

#include <type_traits>

#include "itt_abi.h"

#define PYITT_ITT_HIDDEN __attribute__((visibility("hidden")))

namespace pyitt::itt {

using itt_abi::CollectionState;
using itt_abi::ContextMetadata;
using itt_abi::CounterHandle;
using itt_abi::Domain;
using itt_abi::Event;
using itt_abi::Histogram;
using itt_abi::Id;
using itt_abi::kNullId;
using itt_abi::PtRegion;
using itt_abi::StringHandle;
using itt_abi::Timestamp;

namespace detail {

// One writable slot per API. api_list points the collector at these; they hold our init stub, a
// collector function, our null_func (stub or nullptr), or whatever the collector left there.
struct Slots {
#define PYITT_ITT_DECLARE_SLOT(ret, api, params, args, group, is_static) ::pyitt::itt_abi::fn_##api* api;
    PYITT_ITT_APIS(PYITT_ITT_DECLARE_SLOT)
#undef PYITT_ITT_DECLARE_SLOT
};
PYITT_ITT_HIDDEN extern Slots g_slots;

// Called before a call that records an event (every API but the static ones and detach) while it is
// set: a pause the host has put off (-b regions, triggers.cpp) takes effect before anything else
// is recorded. Set and cleared by the host's thread holding the GIL; read by every call.
PYITT_ITT_HIDDEN extern void (*g_before_event)();

// detach is called by the collection switch under its lock, so it must not call back into the host.
constexpr bool settles_before(bool static_impl, const char* api) {
    return !static_impl && !(api[0] == 'd' && api[1] == 'e' && api[2] == 't' && api[3] == 'a' && api[4] == 'c' &&
                             api[5] == 'h' && api[6] == '\0');
}

template <class... P>
struct FirstParam {
    using type = void;
};
template <class P0, class... P>
struct FirstParam<P0, P...> {
    using type = P0;
};

// The official macros check domain && domain->flags only for non-static APIs taking a domain first.
template <bool kStaticImpl, class... P>
inline constexpr bool kDomainGated =
    !kStaticImpl && std::is_same_v<typename FirstParam<P...>::type, const Domain*>;

inline bool domain_enabled(const Domain* domain) {
    // flags is volatile: collectors pause and filter by zeroing it at any time (itt-abi.md 5.3).
    return domain != nullptr && domain->flags != 0;
}

template <class First, class... Rest>
inline First first_of(First first, Rest...) {
    return first;
}

// The slot is re-read on every call: init and the collector rewrite it (itt-abi.md 5.1).
template <bool kStaticImpl, bool kSettles, class R, class... P>
[[gnu::always_inline]] inline R call(R (*&slot)(P...), std::type_identity_t<P>... args) {
    if constexpr (kDomainGated<kStaticImpl, P...>) {
        if (!domain_enabled(first_of(args...))) return R();
    }
    if constexpr (kSettles) {
        if (void (*before)() = __atomic_load_n(&g_before_event, __ATOMIC_RELAXED); __builtin_expect(before != nullptr, 0)) before();
    }
    // Acquire pairs with the collector's release when it binds the slot (free on x86).
    R (*fn)(P...) = __atomic_load_n(&slot, __ATOMIC_ACQUIRE);
    if (fn == nullptr) return R();
    return fn(args...);
}

}  // namespace detail

// Expands a parenthesised argument list as trailing arguments: (a, b) -> , a, b and () -> nothing.
#define PYITT_ITT_TRAILING_ARGS(...) __VA_OPT__(, __VA_ARGS__)

// The APIs: pause(), task_begin(domain, id, parent, name), counter_set_value_v3(counter, &value)...
#define PYITT_ITT_DEFINE_CALL(ret, api, params, args, group, is_static)                            \
    [[gnu::always_inline]] inline ret api params {                                                 \
        return detail::call<is_static, detail::settles_before(is_static, #api)>(                   \
            detail::g_slots.api PYITT_ITT_TRAILING_ARGS args);                                     \
    }
PYITT_ITT_APIS(PYITT_ITT_DEFINE_CALL)
#undef PYITT_ITT_DEFINE_CALL

// Loads the collector now if that has not happened yet (__itt_init_ittlib(NULL, all)). Returns
// whether any slot got bound to something other than its null_func.
PYITT_ITT_HIDDEN bool initialize();

// __itt_init_ittlib(lib_name, init_groups): lib_name overrides INTEL_LIBITTNOTIFY64 when not null.
// Does nothing but the final check when already initialised.
PYITT_ITT_HIDDEN bool init_ittlib(const char* lib_name, int init_groups);

// __itt_fini_ittlib: calls the collector's __itt_api_fini if it has one, resets every slot to its
// null_func and clears api_initialized. The collector stays loaded. Afterwards only the
// static-implementation APIs (pause, domain_create...), collection_state() and initialize()
// re-initialise; the others (task_begin...) stay no-ops until then, as upstream.
PYITT_ITT_HIDDEN void finalize();

// __itt_get_collection_state: initialises if needed, then returns global().state (a collector may
// have written its own value there).
PYITT_ITT_HIDDEN CollectionState collection_state();

// dlsym in the loaded collector; nullptr when none is loaded or loading failed. Does not initialise:
// call initialize() first.
PYITT_ITT_HIDDEN void* collector_symbol(const char* name);

// The path of the loaded collector; nullptr when none is loaded or loading failed.
PYITT_ITT_HIDDEN const char* collector_path();

// Intel PT region marks. Without IPT support (as upstream's default build) they do nothing.
inline void mark_pt_region_begin(PtRegion) {}
inline void mark_pt_region_end(PtRegion) {}

// Our __itt_global, read-only, for tests and diagnostics. Its api_list is filled at the first lock
// of the global (the first create call or initialisation); before that it is empty.
PYITT_ITT_HIDDEN const itt_abi::Global& global();

}  // namespace pyitt::itt
