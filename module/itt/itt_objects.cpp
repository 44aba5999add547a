// The static-implementation create functions (itt-abi.md 5.2): before init they allocate nodes in
// the global's lists (only when a collector is configured) for the collector to pick up at init;
// after init they forward to the collector. Nodes are never freed: handles live for the process.
#include <cstdlib>
#include <cstring>

#include "itt_runtime.h"

namespace pyitt::itt::detail {
namespace {

using itt_abi::CounterInfo;
using itt_abi::CounterMetadata;

// What domain_create returns after init when the collector did not bind it (as upstream).
constinit Domain g_dummy_domain{};

// Decided once, before init, from INTEL_LIBITTNOTIFY64 alone. Called with the mutex held.
bool collector_available() {
    if (g_global.state == itt_abi::kStateUninitialized) {
        g_global.state = configured_collector() != nullptr ? itt_abi::kStateCollectorExists
                                                           : itt_abi::kStateCollectorAbsent;
    }
    return g_global.state == itt_abi::kStateCollectorExists || g_global.state == itt_abi::kStateInitSuccessful;
}

bool same_name(const char* a, const char* b) { return a != nullptr && b != nullptr && strcmp(a, b) == 0; }

bool same_optional_name(const char* a, const char* b) {
    return (a == nullptr && b == nullptr) || same_name(a, b);
}

// A zeroed node (extra1, extra2, nameW, next all zero), or nullptr when out of memory.
template <class Node>
Node* new_node() {
    return static_cast<Node*>(calloc(1, sizeof(Node)));
}

// Finds a matching node or appends a new one at the tail. Collectors may have appended nodes of their
// own; they are matched like ours and never modified.
template <class Node, class Matches, class Make>
Node* find_or_append(Node*& head, Matches matches, Make make) {
    Node** link = &head;
    for (Node* node = head; node != nullptr; node = node->next) {
        if (matches(*node)) return node;
        link = &node->next;
    }
    Node* node = make();
    if (node != nullptr) *link = node;
    return node;
}

Domain* make_domain(const char* name) {
    auto* domain = new_node<Domain>();
    if (domain == nullptr || (domain->nameA = strdup(name)) == nullptr) return free(domain), nullptr;
    domain->flags = 1;
    return domain;
}

StringHandle* make_string_handle(const char* name) {
    auto* handle = new_node<StringHandle>();
    if (handle == nullptr || (handle->strA = strdup(name)) == nullptr) return free(handle), nullptr;
    return handle;
}

CounterInfo* make_counter(const char* name, const char* domain, int type) {
    auto* counter = new_node<CounterInfo>();
    if (counter == nullptr || (counter->nameA = strdup(name)) == nullptr) return free(counter), nullptr;
    counter->domainA = domain != nullptr ? strdup(domain) : nullptr;
    counter->type = type;
    return counter;
}

Histogram* make_histogram(const Domain* domain, const char* name, int x_type, int y_type) {
    auto* histogram = new_node<Histogram>();
    if (histogram == nullptr || (histogram->nameA = strdup(name)) == nullptr) return free(histogram), nullptr;
    histogram->domain = domain;
    histogram->x_type = x_type;
    histogram->y_type = y_type;
    return histogram;
}

CounterInfo* find_or_add_counter(const char* name, const char* domain, int type) {
    return find_or_append(
        g_global.counter_list,
        [&](const CounterInfo& c) {
            return c.type == type && same_name(c.nameA, name) && same_optional_name(c.domainA, domain);
        },
        [&] { return make_counter(name, domain, type); });
}

// The shape shared by the create stubs: after init, forward to the collector or return `unbound`;
// before init, run `pre_init` (allocate our node) only when a collector is configured.
template <class R, class... P, class PreInit>
R create_or_forward(R (*&slot)(P...), R (*self)(P...), R unbound, PreInit pre_init,
                    std::type_identity_t<P>... args) {
    GlobalLock lock;
    if (g_global.api_initialized != 0) {
        R (*fn)(P...) = load_slot(slot);
        lock.unlock();
        if (fn != nullptr && fn != self) return fn(args...);
        return unbound;
    }
    if (!collector_available()) return R();
    return pre_init();
}

// bind_context_metadata_to_counter, before init: one node per (counter, context type) (as upstream).
void add_counter_metadata(CounterHandle counter, size_t length, const ContextMetadata* metadata) {
    for (size_t i = 0; i < length; ++i) {
        int type = metadata[i].type;
        bool is_string = type == 1 || type == 3 || type == 5 || type == 7;  // nameA, deviceA, unitsA, pci_addrA
        bool is_number = type >= 9 && type <= 17;                           // tid .. cpu_cycles
        if (!is_string && !is_number) continue;
        find_or_append(
            g_global.counter_metadata_list,
            [&](const CounterMetadata& m) { return m.counter == counter && m.type == type; },
            [&]() -> CounterMetadata* {
                auto* node = new_node<CounterMetadata>();
                if (node == nullptr) return nullptr;
                node->counter = static_cast<CounterInfo*>(counter);
                node->type = type;
                if (is_string) {
                    const char* value = static_cast<const char*>(metadata[i].value);
                    node->str_valueA = value != nullptr ? strdup(value) : nullptr;
                } else if (metadata[i].value != nullptr) {
                    node->value = *static_cast<const unsigned long long*>(metadata[i].value);
                }
                return node;
            });
    }
}

}  // namespace

Domain* Stub<ApiId::domain_create>::run(itt_abi::fn_domain_create*& slot, itt_abi::fn_domain_create* self,
                                          const char* name) {
    if (name == nullptr) return nullptr;
    auto pre_init = [&] {
        return find_or_append(
            g_global.domain_list, [&](const Domain& d) { return same_name(d.nameA, name); },
            [&] { return make_domain(name); });
    };
    return create_or_forward(slot, self, &g_dummy_domain, pre_init, name);
}

StringHandle* Stub<ApiId::string_handle_create>::run(itt_abi::fn_string_handle_create*& slot,
                                                        itt_abi::fn_string_handle_create* self,
                                                        const char* name) {
    if (name == nullptr) return nullptr;
    auto pre_init = [&] {
        return find_or_append(
            g_global.string_list, [&](const StringHandle& s) { return same_name(s.strA, name); },
            [&] { return make_string_handle(name); });
    };
    return create_or_forward(slot, self, static_cast<StringHandle*>(nullptr), pre_init, name);
}

CounterHandle Stub<ApiId::counter_create>::run(itt_abi::fn_counter_create*& slot,
                                               itt_abi::fn_counter_create* self, const char* name,
                                               const char* domain) {
    if (name == nullptr) return nullptr;
    auto pre_init = [&]() -> CounterHandle { return find_or_add_counter(name, domain, itt_abi::kMetadataU64); };
    return create_or_forward(slot, self, CounterHandle{}, pre_init, name, domain);
}

CounterHandle Stub<ApiId::counter_create_typed>::run(itt_abi::fn_counter_create_typed*& slot,
                                                     itt_abi::fn_counter_create_typed* self, const char* name,
                                                     const char* domain, int type) {
    if (name == nullptr) return nullptr;
    auto pre_init = [&]() -> CounterHandle { return find_or_add_counter(name, domain, type); };
    return create_or_forward(slot, self, CounterHandle{}, pre_init, name, domain, type);
}

CounterHandle Stub<ApiId::counter_create_v3>::run(itt_abi::fn_counter_create_v3*& slot,
                                                  itt_abi::fn_counter_create_v3* self, const Domain* domain,
                                                  const char* name, int type) {
    if (name == nullptr || domain == nullptr) return nullptr;
    auto pre_init = [&]() -> CounterHandle { return find_or_add_counter(name, domain->nameA, type); };
    return create_or_forward(slot, self, CounterHandle{}, pre_init, domain, name, type);
}

Histogram* Stub<ApiId::histogram_create>::run(itt_abi::fn_histogram_create*& slot,
                                              itt_abi::fn_histogram_create* self, const Domain* domain,
                                              const char* name, int x_type, int y_type) {
    if (name == nullptr || domain == nullptr) return nullptr;
    auto pre_init = [&] {
        return find_or_append(
            g_global.histogram_list,
            [&](const Histogram& h) { return h.domain != nullptr && h.domain == domain && same_name(h.nameA, name); },
            [&] { return make_histogram(domain, name, x_type, y_type); });
    };
    return create_or_forward(slot, self, static_cast<Histogram*>(nullptr), pre_init, domain, name, x_type, y_type);
}

void Stub<ApiId::bind_context_metadata_to_counter>::run(itt_abi::fn_bind_context_metadata_to_counter*& slot,
                                                       itt_abi::fn_bind_context_metadata_to_counter* self,
                                                       CounterHandle counter, size_t length,
                                                       ContextMetadata* metadata) {
    if (counter == nullptr || length == 0 || metadata == nullptr) return;
    GlobalLock lock;
    if (g_global.api_initialized != 0) {
        auto* fn = load_slot(slot);
        lock.unlock();
        if (fn != nullptr && fn != self) fn(counter, length, metadata);
        return;
    }
    if (collector_available()) add_counter_metadata(counter, length, metadata);
}

}  // namespace pyitt::itt::detail
