// The ITT objects the collector knows: the domains, string handles, counters and histograms it creates
// (its own malloc'd objects with the official layouts, never freed, deduplicated by name across every
// static part) and those static parts created before init (annotated in place, never replaced).
// Names are resolved here only when writing; the hot path stores the handle pointers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "itt_abi.h"

namespace pyitt::collector {

namespace abi = ::pyitt::itt_abi;

// An interned name: one object per distinct text, so pointer equality is name equality.
struct Name {
    std::string text;
    std::string json;      // quoted and escaped, ready for the trace
    std::string repaired;  // text with invalid UTF-8 replaced, only where it has any
    // The text as valid UTF-8 (Perfetto's strings), worked out once, not per event.
    const std::string& utf8() const { return repaired.empty() ? text : repaired; }
};
const Name* intern(std::string_view text);
std::string json_quote(std::string_view text);
// The text with every invalid UTF-8 byte replaced by U+FFFD (as json_quote does).
std::string valid_utf8(std::string_view text);

abi::Domain* create_domain(const char* name);
abi::StringHandle* create_string_handle(const char* name);
abi::CounterInfo* create_counter(const char* name, const char* domain, int type);
abi::Histogram* create_histogram(const abi::Domain* domain, const char* name, int x_type, int y_type);
int create_event(const char* name, int length);
abi::PtRegion create_pt_region(const char* name);

// __itt_api_init: remembers every object the static part created before init.
void adopt_global_objects(abi::Global* g);

void objects_prepare_fork();
void objects_after_fork();  // parent and child alike

// Writing time. Unknown pointers (objects a static part made without us) are read through their layout.
const Name* domain_name(const void* domain);
const Name* string_name(const void* handle);
struct CounterDesc {
    const Name* name;
    const Name* domain;
    int type;  // abi::MetadataType
};
CounterDesc counter_desc(const void* counter);
CounterDesc histogram_desc(const void* histogram);  // type = x_type
const Name* event_name(std::uint64_t event);
const Name* function_name(std::uint64_t address);  // dladdr, else the address

}  // namespace pyitt::collector
