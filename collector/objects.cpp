// Object registry: creation, deduplication, adoption of pre-init objects, name resolution.
#include "objects.h"
#include "program_lock.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace pyitt::collector {

namespace {

struct CounterKey {
    std::string name, domain;
    int type;
    bool operator<(const CounterKey& o) const {
        return std::tie(name, domain, type) < std::tie(o.name, o.domain, o.type);
    }
};

// Everything here is created on first use and never destroyed: handles outlive every static part,
// and the atexit writer may run after static destructors.
struct Registry {
    ProgramLock mutex;
    std::unordered_map<std::string_view, std::unique_ptr<Name>> names;
    std::unordered_map<std::string_view, abi::Domain*> own_domains;
    std::unordered_map<std::string_view, abi::StringHandle*> own_strings;
    std::map<CounterKey, abi::CounterInfo*> own_counters;
    std::unordered_map<const void*, const Name*> domains;  // pointer -> name, ours and adopted
    std::unordered_map<const void*, const Name*> strings;
    std::unordered_map<const void*, CounterDesc> counters;
    std::unordered_map<const void*, CounterDesc> histograms;
    std::unordered_map<std::uint64_t, const Name*> functions;
    std::vector<const Name*> events;
    std::vector<const Name*> pt_regions;
};
Registry& reg() {
    static Registry* r = new Registry();
    return *r;
}

// Malloc'd copy, as the static part makes: a static part's code may free() or compare it.
char* dup(const char* s) { return s == nullptr ? nullptr : strdup(s); }

const Name* intern_locked(Registry& r, std::string_view text) {
    auto it = r.names.find(text);
    if (it != r.names.end()) return it->second.get();
    std::string repaired = valid_utf8(text);
    if (repaired == text) repaired.clear();
    auto name = std::make_unique<Name>(Name{std::string(text), json_quote(text), std::move(repaired)});
    const Name* p = name.get();
    r.names.emplace(std::string_view(p->text), std::move(name));
    return p;
}

const Name* or_unnamed(Registry& r, const char* s) { return intern_locked(r, s != nullptr ? s : "<unnamed>"); }

}  // namespace

namespace {

// Length of the valid UTF-8 sequence at the start of s, or 0 (overlong forms, surrogates and code
// points past U+10FFFF are invalid too, as JSON parsers require).
std::size_t utf8_sequence(std::string_view s) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    std::size_t n = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
    if (n == 0 || s.size() < n) return 0;
    for (std::size_t i = 1; i < n; ++i)
        if ((b(i) & 0xC0) != 0x80) return 0;
    if (n == 3 && ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0))) return 0;
    if (n == 4 && ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90))) return 0;
    return n;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = static_cast<unsigned char>(text[i]) < 0x80 ? 1 : utf8_sequence(text.substr(i));
        if (n == 0) {
            out += "\xef\xbf\xbd";
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

// A JSON string literal. Names come from C strings of unknown encoding: invalid UTF-8 bytes become
// U+FFFD so the trace always parses.
std::string json_quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            std::size_t n = utf8_sequence(text.substr(i));
            if (n == 0) {
                out += "\\ufffd";
                ++i;
            } else {
                out.append(text.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
        ++i;
    }
    out.push_back('"');
    return out;
}

// fork(): no other thread may hold the registry lock at the moment of the fork, or the child (which
// keeps the objects: the handles its code holds stay valid) could never take it again.
void objects_prepare_fork() { reg().mutex.lock(); }
void objects_after_fork() { reg().mutex.unlock(); }

const Name* intern(std::string_view text) {
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    return intern_locked(r, text);
}

abi::Domain* create_domain(const char* name) {
    if (name == nullptr) return nullptr;
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    if (auto it = r.own_domains.find(name); it != r.own_domains.end()) return it->second;
    auto* d = static_cast<abi::Domain*>(std::calloc(1, sizeof(abi::Domain)));
    if (d == nullptr) return nullptr;
    d->flags = 1;
    d->nameA = dup(name);
    r.own_domains.emplace(std::string_view(d->nameA), d);
    r.domains[d] = intern_locked(r, name);
    return d;
}

abi::StringHandle* create_string_handle(const char* name) {
    if (name == nullptr) return nullptr;
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    if (auto it = r.own_strings.find(name); it != r.own_strings.end()) return it->second;
    auto* s = static_cast<abi::StringHandle*>(std::calloc(1, sizeof(abi::StringHandle)));
    if (s == nullptr) return nullptr;
    s->strA = dup(name);
    r.own_strings.emplace(std::string_view(s->strA), s);
    r.strings[s] = intern_locked(r, name);
    return s;
}

abi::CounterInfo* create_counter(const char* name, const char* domain, int type) {
    if (name == nullptr || domain == nullptr) return nullptr;
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    CounterKey key{name, domain, type};
    if (auto it = r.own_counters.find(key); it != r.own_counters.end()) return it->second;
    auto* c = static_cast<abi::CounterInfo*>(std::calloc(1, sizeof(abi::CounterInfo)));
    if (c == nullptr) return nullptr;
    c->nameA = dup(name);
    c->domainA = dup(domain);
    c->type = type;
    r.own_counters.emplace(std::move(key), c);
    r.counters[c] = {intern_locked(r, name), intern_locked(r, domain), type};
    return c;
}

abi::Histogram* create_histogram(const abi::Domain* domain, const char* name, int x_type, int y_type) {
    if (domain == nullptr || name == nullptr) return nullptr;
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    auto* h = static_cast<abi::Histogram*>(std::calloc(1, sizeof(abi::Histogram)));
    if (h == nullptr) return nullptr;
    h->domain = domain;
    h->nameA = dup(name);
    h->x_type = x_type;
    h->y_type = y_type;
    auto dn = r.domains.find(domain);
    r.histograms[h] = {intern_locked(r, name), dn != r.domains.end() ? dn->second : or_unnamed(r, domain->nameA),
                       x_type};
    return h;
}

int create_event(const char* name, int length) {
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    std::string_view text = name == nullptr ? std::string_view("<unnamed>")
                            : length > 0    ? std::string_view(name, strnlen(name, static_cast<size_t>(length)))
                                            : std::string_view(name);
    r.events.push_back(intern_locked(r, text));
    return static_cast<int>(r.events.size());  // 0 stays "no event"
}

abi::PtRegion create_pt_region(const char* name) {
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    r.pt_regions.push_back(or_unnamed(r, name));
    return static_cast<abi::PtRegion>((r.pt_regions.size() - 1) % 8);  // region ids are 0..7 (itt-abi 2.5)
}

// The static part may free these objects later (__itt_release_resources, a failed re-init), so the names
// are copied now; the pointers the application holds stay valid for the calls it makes. extra2 points at
// our interned name: the fields belong to the collector (itt-abi 2.4) and mark the object as adopted.
void adopt_global_objects(abi::Global* g) {
    Registry& r = reg();
    pthread_mutex_lock(&g->mutex);
    {
        std::lock_guard lock(r.mutex);
        for (abi::Domain* d = g->domain_list; d != nullptr; d = d->next) {
            const Name* n = or_unnamed(r, d->nameA);
            r.domains[d] = n;
            d->extra2 = const_cast<Name*>(n);
        }
        for (abi::StringHandle* s = g->string_list; s != nullptr; s = s->next) {
            const Name* n = or_unnamed(r, s->strA);
            r.strings[s] = n;
            s->extra2 = const_cast<Name*>(n);
        }
        for (abi::CounterInfo* c = g->counter_list; c != nullptr; c = c->next)
            r.counters[c] = {or_unnamed(r, c->nameA), or_unnamed(r, c->domainA), c->type};
        for (abi::Histogram* h = g->histogram_list; h != nullptr; h = h->next) {
            auto dn = h->domain != nullptr ? r.domains.find(h->domain) : r.domains.end();
            const Name* dname = dn != r.domains.end() ? dn->second
                                : h->domain != nullptr ? or_unnamed(r, h->domain->nameA)
                                                       : or_unnamed(r, nullptr);
            r.histograms[h] = {or_unnamed(r, h->nameA), dname, h->x_type};
        }
    }
    pthread_mutex_unlock(&g->mutex);
}

const Name* domain_name(const void* domain) {
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    if (domain == nullptr) return or_unnamed(r, nullptr);
    if (auto it = r.domains.find(domain); it != r.domains.end()) return it->second;
    const Name* n = or_unnamed(r, static_cast<const abi::Domain*>(domain)->nameA);
    r.domains[domain] = n;
    return n;
}

const Name* string_name(const void* handle) {
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    if (handle == nullptr) return or_unnamed(r, nullptr);
    if (auto it = r.strings.find(handle); it != r.strings.end()) return it->second;
    const Name* n = or_unnamed(r, static_cast<const abi::StringHandle*>(handle)->strA);
    r.strings[handle] = n;
    return n;
}

CounterDesc counter_desc(const void* counter) {
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    if (counter == nullptr) return {or_unnamed(r, nullptr), or_unnamed(r, nullptr), abi::kMetadataU64};
    if (auto it = r.counters.find(counter); it != r.counters.end()) return it->second;
    auto* c = static_cast<const abi::CounterInfo*>(counter);
    CounterDesc d{or_unnamed(r, c->nameA), or_unnamed(r, c->domainA), c->type};
    r.counters[counter] = d;
    return d;
}

CounterDesc histogram_desc(const void* histogram) {
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    if (auto it = r.histograms.find(histogram); it != r.histograms.end()) return it->second;
    return {or_unnamed(r, nullptr), or_unnamed(r, nullptr), abi::kMetadataUnknown};
}

const Name* event_name(std::uint64_t event) {
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    if (event >= 1 && event <= r.events.size()) return r.events[event - 1];
    return intern_locked(r, "event " + std::to_string(event));
}

const Name* function_name(std::uint64_t address) {
    Registry& r = reg();
    std::lock_guard lock(r.mutex);
    if (auto it = r.functions.find(address); it != r.functions.end()) return it->second;
    Dl_info info{};
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(address));
    const char* text = buf;
    if (dladdr(reinterpret_cast<void*>(address), &info) != 0 && info.dli_sname != nullptr &&
        info.dli_saddr == reinterpret_cast<void*>(address))
        text = info.dli_sname;
    const Name* n = intern_locked(r, text);
    r.functions[address] = n;
    return n;
}

}  // namespace pyitt::collector
