// The ITT collector ABI (x86_64 Linux, LP64, glibc): the binary contract shared by our ITT client
// runtime (module/itt) and our built-in collector (collector/). Facts from ../shared/docs/itt-abi.md.
// Only layouts, constants and C function types live here; no code. Nothing here is exported.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <cstdint>

namespace pyitt::itt_abi {

// ---- scalar types (pitfall 11: ids by value, enums are 4-byte ints) ----
using Timestamp = unsigned long long;
inline constexpr Timestamp kTimestampNone = ~0ULL;
using Event = int;
using PtRegion = unsigned char;
using CounterHandle = void*;  // really a CounterInfo*

struct Id {
    unsigned long long d1, d2, d3;
};
inline constexpr Id kNullId{0, 0, 0};

enum Group : int {
    kGroupNone = 0,
    kGroupLegacy = 1 << 0,
    kGroupControl = 1 << 1,
    kGroupThread = 1 << 2,
    kGroupMark = 1 << 3,
    kGroupSync = 1 << 4,
    kGroupFsync = 1 << 5,
    kGroupJit = 1 << 6,
    kGroupModel = 1 << 7,
    kGroupCounter = 1 << 8,
    kGroupFrame = 1 << 9,
    kGroupStitch = 1 << 10,
    kGroupHeap = 1 << 11,
    kGroupStructure = 1 << 12,
    kGroupSuppress = 1 << 13,
    kGroupArrays = 1 << 14,
    kGroupModule = 1 << 15,
    kGroupAll = -1,
};
inline constexpr int kGroupSplitterMin = kGroupModel;
inline constexpr int kGroupSplitterMax = kGroupStructure;

enum CollectionState : int {
    kStateUninitialized = 0,
    kStateInitFail = 1,
    kStateCollectorAbsent = 2,
    kStateCollectorExists = 3,
    kStateInitSuccessful = 4,
};

enum CollectionScope : int { kScopeHost = 1, kScopeOffload = 2, kScopeAll = 0x7FFFFFFF };

enum MetadataType : int {
    kMetadataUnknown = 0,
    kMetadataU64 = 1,
    kMetadataS64 = 2,
    kMetadataU32 = 3,
    kMetadataS32 = 4,
    kMetadataU16 = 5,
    kMetadataS16 = 6,
    kMetadataFloat = 7,
    kMetadataDouble = 8,
};

enum Scope : int {
    kScopeUnknown = 0,
    kScopeGlobal = 1,
    kScopeTrackGroup = 2,
    kScopeTrack = 3,
    kScopeTask = 4,
    kScopeMarker = 5,
};

enum Relation : int {
    kRelationUnknown = 0,
    kRelationDependentOn = 1,
    kRelationSiblingOf = 2,
    kRelationParentOf = 3,
    kRelationContinuationOf = 4,
    kRelationChildOf = 5,
    kRelationContinuedBy = 6,
    kRelationPredecessorTo = 7,
};

enum ThreadState : int { kThreadNormal = 0, kThreadIgnored = 1 };

enum ErrorCode : int {
    kErrorSuccess = 0,
    kErrorNoModule = 1,
    kErrorNoSymbol = 2,
    kErrorUnknownGroup = 3,
    kErrorCantReadEnv = 4,
    kErrorEnvTooLong = 5,
    kErrorSystem = 6,
};

// ---- object layouts (#pragma pack(8) in the official header; natural alignment gives the same) ----
struct ThreadInfo {
    const char* nameA;
    void* nameW;
    pthread_t tid;
    int state;  // ThreadState
    int extra1;
    void* extra2;
    ThreadInfo* next;
};

struct Domain {
    volatile int flags;  // collectors pause and filter by writing 0 here: read it on every call
    const char* nameA;
    void* nameW;
    int extra1;
    void* extra2;
    Domain* next;
};

struct StringHandle {
    const char* strA;
    void* strW;
    int extra1;
    void* extra2;
    StringHandle* next;
};

struct CounterInfo {
    const char* nameA;
    void* nameW;
    const char* domainA;
    void* domainW;
    int type;  // MetadataType
    long index;
    int extra1;
    void* extra2;
    CounterInfo* next;
};

struct Histogram {
    const Domain* domain;
    const char* nameA;
    void* nameW;
    int x_type;  // MetadataType
    int y_type;  // MetadataType
    int extra1;
    void* extra2;
    Histogram* next;
};

struct CounterMetadata {
    CounterInfo* counter;
    int type;  // context type
    const char* str_valueA;
    void* str_valueW;
    unsigned long long value;
    int extra1;
    void* extra2;
    CounterMetadata* next;
};

struct ContextMetadata {
    int type;
    void* value;
};

struct ApiInfo {
    const char* name;  // "__itt_<api>"
    void** func_ptr;   // address of the writable slot
    void* init_func;   // lazy-init stub, never NULL
    void* null_func;   // stub for static-implementation entries, NULL otherwise
    int group;         // Group bits
};

inline constexpr unsigned char kGlobalMagic[8] = {0xED, 0xAB, 0xAB, 0xEC, 0x0D, 0xEE, 0xDA, 0x30};
inline constexpr unsigned long kVersionMajor = 3;
inline constexpr unsigned long kVersionMinor = 0;
inline constexpr unsigned long kVersionBuild = 20250807;

struct Global {
    unsigned char magic[8];
    unsigned long version_major;
    unsigned long version_minor;
    unsigned long version_build;
    volatile long api_initialized;
    volatile long mutex_initialized;
    volatile long atomic_counter;
    pthread_mutex_t mutex;  // embedded, recursive once initialised; collectors lock it directly
    void* lib;              // dlopen handle of the collector, set before __itt_api_init runs
    void* error_handler;
    const char** dll_path_ptr;
    ApiInfo* api_list_ptr;
    Global* next;
    ThreadInfo* thread_list;
    Domain* domain_list;
    StringHandle* string_list;
    int state;  // CollectionState (collectors may write the old 0/1 enum)
    CounterInfo* counter_list;
    unsigned int ipt_collect_events;
    Histogram* histogram_list;
    CounterMetadata* counter_metadata_list;
};

// ---- every offset and size the ABI page gives ----
static_assert(sizeof(Id) == 24);
static_assert(sizeof(pthread_mutex_t) == 40, "glibc x86_64 layout assumed");
static_assert(sizeof(ThreadInfo) == 48);
static_assert(offsetof(ThreadInfo, state) == 24 && offsetof(ThreadInfo, extra2) == 32 &&
              offsetof(ThreadInfo, next) == 40);
static_assert(sizeof(Domain) == 48);
static_assert(offsetof(Domain, flags) == 0 && offsetof(Domain, nameA) == 8 &&
              offsetof(Domain, nameW) == 16 && offsetof(Domain, extra1) == 24 &&
              offsetof(Domain, extra2) == 32 && offsetof(Domain, next) == 40);
static_assert(sizeof(StringHandle) == 40);
static_assert(offsetof(StringHandle, strW) == 8 && offsetof(StringHandle, extra1) == 16 &&
              offsetof(StringHandle, extra2) == 24 && offsetof(StringHandle, next) == 32);
static_assert(sizeof(CounterInfo) == 72);
static_assert(offsetof(CounterInfo, domainA) == 16 && offsetof(CounterInfo, type) == 32 &&
              offsetof(CounterInfo, index) == 40 && offsetof(CounterInfo, extra1) == 48 &&
              offsetof(CounterInfo, extra2) == 56 && offsetof(CounterInfo, next) == 64);
static_assert(sizeof(Histogram) == 56);
static_assert(offsetof(Histogram, nameA) == 8 && offsetof(Histogram, x_type) == 24 &&
              offsetof(Histogram, y_type) == 28 && offsetof(Histogram, extra1) == 32 &&
              offsetof(Histogram, extra2) == 40 && offsetof(Histogram, next) == 48);
static_assert(sizeof(CounterMetadata) == 64);
static_assert(offsetof(CounterMetadata, type) == 8 && offsetof(CounterMetadata, str_valueA) == 16 &&
              offsetof(CounterMetadata, value) == 32 && offsetof(CounterMetadata, extra1) == 40 &&
              offsetof(CounterMetadata, extra2) == 48 && offsetof(CounterMetadata, next) == 56);
static_assert(sizeof(ContextMetadata) == 16 && offsetof(ContextMetadata, value) == 8);
static_assert(sizeof(ApiInfo) == 40);
static_assert(offsetof(ApiInfo, func_ptr) == 8 && offsetof(ApiInfo, init_func) == 16 &&
              offsetof(ApiInfo, null_func) == 24 && offsetof(ApiInfo, group) == 32);
static_assert(sizeof(Global) == 200);
static_assert(offsetof(Global, version_major) == 8 && offsetof(Global, version_minor) == 16 &&
              offsetof(Global, version_build) == 24 && offsetof(Global, api_initialized) == 32 &&
              offsetof(Global, mutex_initialized) == 40 && offsetof(Global, atomic_counter) == 48 &&
              offsetof(Global, mutex) == 56 && offsetof(Global, lib) == 96 &&
              offsetof(Global, error_handler) == 104 && offsetof(Global, dll_path_ptr) == 112 &&
              offsetof(Global, api_list_ptr) == 120 && offsetof(Global, next) == 128 &&
              offsetof(Global, thread_list) == 136 && offsetof(Global, domain_list) == 144 &&
              offsetof(Global, string_list) == 152 && offsetof(Global, state) == 160 &&
              offsetof(Global, counter_list) == 168 && offsetof(Global, ipt_collect_events) == 176 &&
              offsetof(Global, histogram_list) == 184 &&
              offsetof(Global, counter_metadata_list) == 192);

// ---- the APIs both sides implement ----
// X(return_type, api, (parameters), (argument names), group, is_static_implementation)
// api is the name after "__itt_": the api_list entry is "__itt_" #api, and the collector exports a
// C function of exactly that name and type. Static-implementation entries keep their init stub as
// null_func (they allocate or forward by themselves).
#define PYITT_ITT_APIS(X)                                                                                    \
    X(void, pause, (void), (), 0x3, true)                                                                    \
    X(void, resume, (void), (), 0x3, true)                                                                   \
    X(void, pause_scoped, (int scope), (scope), 0x2, true)                                                   \
    X(void, resume_scoped, (int scope), (scope), 0x2, true)                                                  \
    X(void, detach, (void), (), 0x3, false)                                                                  \
    X(::pyitt::itt_abi::Domain*, domain_create, (const char* name), (name), 0x1000, true)                   \
    X(::pyitt::itt_abi::StringHandle*, string_handle_create, (const char* name), (name), 0x1000, true)      \
    X(void, thread_set_name, (const char* name), (name), 0x4, true)                                          \
    X(void, thread_ignore, (void), (), 0x4, true)                                                            \
    X(::pyitt::itt_abi::CounterHandle, counter_create, (const char* name, const char* domain),              \
      (name, domain), 0x100, true)                                                                           \
    X(::pyitt::itt_abi::CounterHandle, counter_create_typed,                                                 \
      (const char* name, const char* domain, int type), (name, domain, type), 0x100, true)                   \
    X(::pyitt::itt_abi::CounterHandle, counter_create_v3,                                                    \
      (const ::pyitt::itt_abi::Domain* domain, const char* name, int type), (domain, name, type), 0x100,     \
      true)                                                                                                  \
    X(::pyitt::itt_abi::Histogram*, histogram_create,                                                        \
      (const ::pyitt::itt_abi::Domain* domain, const char* name, int x_type, int y_type),                    \
      (domain, name, x_type, y_type), 0x1000, true)                                                          \
    X(void, bind_context_metadata_to_counter,                                                                \
      (::pyitt::itt_abi::CounterHandle counter, size_t length,                                               \
       ::pyitt::itt_abi::ContextMetadata* metadata),                                                         \
      (counter, length, metadata), 0x1000, true)                                                             \
    X(void, task_begin,                                                                                      \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id, ::pyitt::itt_abi::Id parent,         \
       ::pyitt::itt_abi::StringHandle* name),                                                                \
      (domain, id, parent, name), 0x1000, false)                                                             \
    X(void, task_begin_fn,                                                                                   \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id, ::pyitt::itt_abi::Id parent,         \
       void* fn),                                                                                            \
      (domain, id, parent, fn), 0x1000, false)                                                               \
    X(void, task_end, (const ::pyitt::itt_abi::Domain* domain), (domain), 0x1000, false)                    \
    X(void, task_begin_overlapped,                                                                           \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id, ::pyitt::itt_abi::Id parent,         \
       ::pyitt::itt_abi::StringHandle* name),                                                                \
      (domain, id, parent, name), 0x1000, false)                                                             \
    X(void, task_end_overlapped, (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id),         \
      (domain, id), 0x1000, false)                                                                           \
    X(void, task_group,                                                                                      \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id, ::pyitt::itt_abi::Id parent,         \
       ::pyitt::itt_abi::StringHandle* name),                                                                \
      (domain, id, parent, name), 0x1000, false)                                                             \
    X(void, frame_begin_v3, (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id* id),             \
      (domain, id), 0x1000, false)                                                                           \
    X(void, frame_end_v3, (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id* id), (domain, id), \
      0x1000, false)                                                                                         \
    X(void, frame_submit_v3,                                                                                 \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id* id,                                     \
       ::pyitt::itt_abi::Timestamp begin, ::pyitt::itt_abi::Timestamp end),                                  \
      (domain, id, begin, end), 0x1000, false)                                                               \
    X(void, region_begin,                                                                                    \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id, ::pyitt::itt_abi::Id parent,         \
       ::pyitt::itt_abi::StringHandle* name),                                                                \
      (domain, id, parent, name), 0x1000, false)                                                             \
    X(void, region_end, (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id), (domain, id),    \
      0x1000, false)                                                                                         \
    X(void, id_create, (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id), (domain, id),     \
      0x1000, false)                                                                                         \
    X(void, id_destroy, (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id), (domain, id),    \
      0x1000, false)                                                                                         \
    X(void, counter_set_value, (::pyitt::itt_abi::CounterHandle counter, void* value), (counter, value),    \
      0x100, false)                                                                                          \
    X(void, counter_set_value_v3, (::pyitt::itt_abi::CounterHandle counter, void* value),                   \
      (counter, value), 0x100, false)                                                                        \
    X(void, counter_inc, (::pyitt::itt_abi::CounterHandle counter), (counter), 0x100, false)                \
    X(void, counter_inc_delta, (::pyitt::itt_abi::CounterHandle counter, unsigned long long value),         \
      (counter, value), 0x100, false)                                                                        \
    X(void, counter_dec, (::pyitt::itt_abi::CounterHandle counter), (counter), 0x100, false)                \
    X(void, counter_dec_delta, (::pyitt::itt_abi::CounterHandle counter, unsigned long long value),         \
      (counter, value), 0x100, false)                                                                        \
    X(void, counter_inc_v3,                                                                                  \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::StringHandle* name), (domain, name),        \
      0x1000, false)                                                                                         \
    X(void, counter_inc_delta_v3,                                                                            \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::StringHandle* name,                         \
       unsigned long long delta),                                                                            \
      (domain, name, delta), 0x1000, false)                                                                  \
    X(void, counter_dec_v3,                                                                                  \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::StringHandle* name), (domain, name),        \
      0x1000, false)                                                                                         \
    X(void, counter_dec_delta_v3,                                                                            \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::StringHandle* name,                         \
       unsigned long long delta),                                                                            \
      (domain, name, delta), 0x1000, false)                                                                  \
    X(void, counter_destroy, (::pyitt::itt_abi::CounterHandle counter), (counter), 0x100, false)            \
    X(::pyitt::itt_abi::Event, event_create, (const char* name, int namelen), (name, namelen), 0x9, false)  \
    X(int, event_start, (::pyitt::itt_abi::Event event), (event), 0x9, false)                               \
    X(int, event_end, (::pyitt::itt_abi::Event event), (event), 0x9, false)                                 \
    X(void, marker,                                                                                          \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id,                                      \
       ::pyitt::itt_abi::StringHandle* name, int scope),                                                     \
      (domain, id, name, scope), 0x1000, false)                                                              \
    X(void, metadata_add,                                                                                    \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id, ::pyitt::itt_abi::StringHandle* key, \
       int type, size_t count, void* data),                                                                  \
      (domain, id, key, type, count, data), 0x1000, false)                                                   \
    X(void, metadata_str_add,                                                                                \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id id, ::pyitt::itt_abi::StringHandle* key, \
       const char* data, size_t length),                                                                     \
      (domain, id, key, data, length), 0x1000, false)                                                        \
    X(void, metadata_add_with_scope,                                                                         \
      (const ::pyitt::itt_abi::Domain* domain, int scope, ::pyitt::itt_abi::StringHandle* key, int type,     \
       size_t count, void* data),                                                                            \
      (domain, scope, key, type, count, data), 0x1000, false)                                                \
    X(void, metadata_str_add_with_scope,                                                                     \
      (const ::pyitt::itt_abi::Domain* domain, int scope, ::pyitt::itt_abi::StringHandle* key,               \
       const char* data, size_t length),                                                                     \
      (domain, scope, key, data, length), 0x1000, false)                                                     \
    X(void, relation_add,                                                                                    \
      (const ::pyitt::itt_abi::Domain* domain, ::pyitt::itt_abi::Id head, int relation,                      \
       ::pyitt::itt_abi::Id tail),                                                                           \
      (domain, head, relation, tail), 0x1000, false)                                                         \
    X(void, relation_add_to_current,                                                                         \
      (const ::pyitt::itt_abi::Domain* domain, int relation, ::pyitt::itt_abi::Id tail),                     \
      (domain, relation, tail), 0x1000, false)                                                               \
    X(::pyitt::itt_abi::PtRegion, pt_region_create, (const char* name), (name), 0x1000, false)              \
    X(void, histogram_submit,                                                                                \
      (::pyitt::itt_abi::Histogram* histogram, size_t length, void* x_data, void* y_data),                   \
      (histogram, length, x_data, y_data), 0x1000, false)                                                    \
    X(::pyitt::itt_abi::Timestamp, get_timestamp, (void), (), 0x1000, false)

// C function types, one per API: pyitt::itt_abi::fn_task_begin and so on.
extern "C" {
#define PYITT_ITT_DECLARE_FN_TYPE(ret, api, params, args, group, is_static) typedef ret(fn_##api) params;
PYITT_ITT_APIS(PYITT_ITT_DECLARE_FN_TYPE)
#undef PYITT_ITT_DECLARE_FN_TYPE
}

// Entry points a collector exports besides the APIs.
extern "C" {
typedef void(fn_api_init)(Global* global, int init_groups);  // "__itt_api_init"
typedef void(fn_api_fini)(Global* global);                   // "__itt_api_fini"
typedef const char*(fn_api_version)(void);                   // "__itt_api_version"
}

}  // namespace pyitt::itt_abi
