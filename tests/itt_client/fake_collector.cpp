// Fake ITT collectors for the client runtime tests, one source built several ways:
//   FAKE_VERSION=2            binds by dlsym over api_list and spills the global's lists under
//                             &g->mutex in __itt_api_init, like Intel's reference collector;
//   FAKE_VERSION=2 FAKE_SEAPI binds only the names it knows, zeroes every domain's flags, chains
//                             globals through g->next and writes g->state, like IntelSEAPI;
//   FAKE_VERSION=1            exports __itt_api_version and the __itt_<api> functions;
//   FAKE_VERSION=0            exports only the functions (and the legacy __itt_thr_ignore).
// Every __itt_<api> records one event; see fake_collector.h.
#include <dlfcn.h>
#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>

#include "fake_collector.h"
#include "itt_abi.h"

#ifndef FAKE_VERSION
#error "FAKE_VERSION must be 0, 1 or 2"
#endif

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))
#define FAKE_TRAILING_ARGS(...) __VA_OPT__(, __VA_ARGS__)

namespace {

using namespace pyitt::itt_abi;

std::mutex g_lock;
std::string g_events;
int g_api_init_calls = 0;
int g_api_fini_calls = 0;
std::set<Global*> g_globals;
std::deque<Domain> g_domains;
std::deque<StringHandle> g_strings;
std::deque<CounterInfo> g_counters;
std::deque<Histogram> g_histograms;

void record(const std::string& event) {
    std::lock_guard<std::mutex> lock(g_lock);
    g_events += event + ";";
}

const char* or_null(const char* s) { return s != nullptr ? s : "(null)"; }

void describe(std::string& out, const Domain* d) { out += d != nullptr ? or_null(d->nameA) : "(null domain)"; }
void describe(std::string& out, StringHandle* s) { out += s != nullptr ? or_null(s->strA) : "(null string)"; }
void describe(std::string& out, const char* s) { out += or_null(s); }
void describe(std::string& out, Id id) {
    out += "id=" + std::to_string(id.d1) + "." + std::to_string(id.d2) + "." + std::to_string(id.d3);
}
void describe(std::string& out, Id* id) { id != nullptr ? describe(out, *id) : void(out += "id=null"); }
void describe(std::string& out, int value) { out += std::to_string(value); }
void describe(std::string& out, unsigned long long value) { out += std::to_string(value); }
void describe(std::string& out, size_t value) { out += std::to_string(value); }
void describe(std::string& out, void*) { out += "ptr"; }
void describe(std::string& out, Histogram* h) { out += h != nullptr ? or_null(h->nameA) : "(null histogram)"; }
void describe(std::string& out, ContextMetadata*) { out += "metadata"; }

template <class T, class Matches>
T* find_or_add(std::deque<T>& nodes, Matches matches, T node) {
    std::lock_guard<std::mutex> lock(g_lock);
    for (T& existing : nodes) {
        if (matches(existing)) return &existing;
    }
    return &nodes.emplace_back(node);
}

Domain* fake_domain(const char* name) {
    if (name == nullptr) return nullptr;
    return find_or_add(g_domains, [&](const Domain& d) { return strcmp(d.nameA, name) == 0; },
                       Domain{1, strdup(name), nullptr, 0, nullptr, nullptr});
}

StringHandle* fake_string(const char* name) {
    if (name == nullptr) return nullptr;
    return find_or_add(g_strings, [&](const StringHandle& s) { return strcmp(s.strA, name) == 0; },
                       StringHandle{strdup(name), nullptr, 0, nullptr, nullptr});
}

CounterHandle fake_counter(const char* name, const char* domain, int type = kMetadataU64) {
    if (name == nullptr) return nullptr;
    return find_or_add(
        g_counters, [&](const CounterInfo& c) { return strcmp(c.nameA, name) == 0 && c.type == type; },
        CounterInfo{strdup(name), nullptr, domain ? strdup(domain) : nullptr, nullptr, type, 0, 0, nullptr,
                    nullptr});
}
CounterHandle fake_counter(const Domain* domain, const char* name, int type) {
    return fake_counter(name, domain != nullptr ? domain->nameA : nullptr, type);
}

Histogram* fake_histogram(const Domain* domain, const char* name, int x_type, int y_type) {
    if (name == nullptr) return nullptr;
    return find_or_add(g_histograms, [&](const Histogram& h) { return strcmp(h.nameA, name) == 0; },
                       Histogram{domain, strdup(name), nullptr, x_type, y_type, 0, nullptr, nullptr});
}

// The value behind counter_set_value*(counter, void* value): always a u64 in the tests.
template <class... A>
void describe_counter_value(std::string& out, const char* api, A... args) {
    if constexpr (std::is_same_v<std::tuple<A...>, std::tuple<void*, void*>>) {
        if (strncmp(api, "counter_set_value", 17) == 0) {
            auto [counter, value] = std::tuple<A...>(args...);
            out += std::string(or_null(static_cast<CounterInfo*>(counter)->nameA)) + "=" +
                   std::to_string(*static_cast<unsigned long long*>(value));
        }
    }
}

template <class R, class... A>
R on_call(const char* api, A... args) {
    std::string event = std::string(api) + "(";
    if constexpr (sizeof...(A) == 2) describe_counter_value(event, api, args...);
    if (event.back() == '(') {
        bool first = true;
        ((event += first ? "" : ",", first = false, describe(event, args)), ...);
    }
    record(event + ")");
    if constexpr (std::is_same_v<R, Domain*>) {
        return fake_domain(args...);
    } else if constexpr (std::is_same_v<R, StringHandle*>) {
        return fake_string(args...);
    } else if constexpr (std::is_same_v<R, CounterHandle>) {
        return fake_counter(args...);
    } else if constexpr (std::is_same_v<R, Histogram*>) {
        return fake_histogram(args...);
    } else if constexpr (std::is_same_v<R, Event>) {
        return 7;
    } else if constexpr (std::is_same_v<R, Timestamp>) {
        return 42;
    } else {
        return R();
    }
}

#ifdef FAKE_SEAPI
Global* g_chain = nullptr;  // the globals, chained through next

// IntelSEAPI binds only the names it knows.
bool seapi_knows(const char* name) {
    for (const char* known : {"__itt_domain_create", "__itt_string_handle_create", "__itt_task_begin",
                              "__itt_task_end", "__itt_counter_create"}) {
        if (strcmp(known, name) == 0) return true;
    }
    return false;
}
#endif

#if FAKE_VERSION == 2
void spill_lists(Global* g) {
    for (Domain* d = g->domain_list; d != nullptr; d = d->next) {
        record(std::string("spill_domain(") + or_null(d->nameA) + ",flags=" + std::to_string(d->flags) + ")");
    }
    for (StringHandle* s = g->string_list; s != nullptr; s = s->next) {
        record(std::string("spill_string(") + or_null(s->strA) + ")");
    }
    for (CounterInfo* c = g->counter_list; c != nullptr; c = c->next) {
        record(std::string("spill_counter(") + or_null(c->nameA) + "/" + or_null(c->domainA) + "/" +
               std::to_string(c->type) + ")");
    }
    for (Histogram* h = g->histogram_list; h != nullptr; h = h->next) {
        record(std::string("spill_histogram(") + or_null(h->nameA) + ")");
    }
    for (CounterMetadata* m = g->counter_metadata_list; m != nullptr; m = m->next) {
        record(std::string("spill_metadata(") + std::to_string(m->type) + "," + or_null(m->str_valueA) + "," +
               std::to_string(m->value) + ")");
    }
}
#endif

}  // namespace

// ---- the ITT entry points ----
#define FAKE_DEFINE_API(ret, api, params, args, group, is_static) \
    FAKE_EXPORT ret __itt_##api params { return on_call<ret>(#api FAKE_TRAILING_ARGS args); }
PYITT_ITT_APIS(FAKE_DEFINE_API)
#undef FAKE_DEFINE_API

#if FAKE_VERSION == 1
FAKE_EXPORT const char* __itt_api_version(void) { return "fake-1"; }
#endif

#if FAKE_VERSION == 0
FAKE_EXPORT void __itt_thr_ignore(void) { record("thr_ignore()"); }
#endif

#if FAKE_VERSION == 2
FAKE_EXPORT void __itt_api_init(Global* g, int init_groups) {
    // The static part must have set lib and created a recursive mutex that it holds right now.
    bool recursive = pthread_mutex_trylock(&g->mutex) == 0;
    if (recursive) pthread_mutex_unlock(&g->mutex);
    record("api_init(initialized=" + std::to_string(g->api_initialized) + ",lib=" +
           std::to_string(g->lib != nullptr) + ",recursive=" + std::to_string(recursive) + ",groups=" +
           std::to_string(init_groups) + ",build=" + std::to_string(g->version_build) + ")");
    {
        std::lock_guard<std::mutex> lock(g_lock);
        ++g_api_init_calls;
        g_globals.insert(g);
    }
    // Calling the client back from here must not recurse into init (its re-entrance guard).
    for (ApiInfo* entry = g->api_list_ptr; entry->name != nullptr; ++entry) {
        if (strcmp(entry->name, "__itt_pause") == 0) reinterpret_cast<fn_pause*>(*entry->func_ptr)();
    }
    pthread_mutex_lock(&g->mutex);
    spill_lists(g);
#ifdef FAKE_SEAPI
    for (Domain* d = g->domain_list; d != nullptr; d = d->next) d->flags = 0;  // paused
    auto* own = static_cast<Domain*>(calloc(1, sizeof(Domain)));  // collectors may append nodes too
    own->nameA = "seapi.own";
    Domain** tail = &g->domain_list;
    while (*tail != nullptr) tail = &(*tail)->next;
    *tail = own;
    g->next = g_chain;
    g_chain = g;
    g->state = 0;  // the old enum: "normal"
#endif
    pthread_mutex_unlock(&g->mutex);
    for (ApiInfo* entry = g->api_list_ptr; entry->name != nullptr; ++entry) {
#ifdef FAKE_SEAPI
        if (!seapi_knows(entry->name)) continue;  // left untouched: still the client's init stub
#endif
        void* function = dlsym(g->lib, entry->name);
        *entry->func_ptr = function != nullptr ? function : entry->null_func;
    }
}

FAKE_EXPORT void __itt_api_fini(Global*) {
    record("api_fini()");
    std::lock_guard<std::mutex> lock(g_lock);
    ++g_api_fini_calls;
}
#endif

// ---- queries for the tests ----
FAKE_EXPORT const char* fake_events(void) {
    std::lock_guard<std::mutex> lock(g_lock);
    static std::string copy;
    copy = g_events;
    return copy.c_str();
}
FAKE_EXPORT int fake_api_init_calls(void) { return g_api_init_calls; }
FAKE_EXPORT int fake_api_fini_calls(void) { return g_api_fini_calls; }
FAKE_EXPORT int fake_globals_seen(void) { return static_cast<int>(g_globals.size()); }
FAKE_EXPORT void fake_set_all_flags(int flags) {
    for (Global* g : g_globals) {
        for (Domain* d = g->domain_list; d != nullptr; d = d->next) d->flags = flags;
    }
}
