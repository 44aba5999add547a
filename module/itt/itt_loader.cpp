// Finding, loading and binding the collector (itt-abi.md 2.1 to 2.5): __itt_init_ittlib,
// __itt_fini_ittlib, __itt_get_collection_state, plus our own lookups in the loaded collector.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "itt_runtime.h"

namespace pyitt::itt::detail {
namespace {

using itt_abi::Global;

// Everything here is guarded by the global mutex, except the reads in collector_symbol/path.
struct LoaderState {
    bool initialising;        // same-thread re-entrance guard (a collector calling us from api_init)
    bool finalising;
    void* collector;          // dlopen handle of a usable collector, else null
    const char* path;         // its path (malloc'd, kept for the life of the process)
    bool warned;              // the load-failure warning is printed once per process
};
constinit LoaderState g_loader{};

struct GroupName {
    const char* name;
    int id;
};
constexpr GroupName kGroupNames[] = {
    {"all", itt_abi::kGroupAll},         {"control", itt_abi::kGroupControl},
    {"thread", itt_abi::kGroupThread},   {"mark", itt_abi::kGroupMark},
    {"sync", itt_abi::kGroupSync},       {"fsync", itt_abi::kGroupFsync},
    {"jit", itt_abi::kGroupJit},         {"model", itt_abi::kGroupModel},
    {"counter", itt_abi::kGroupCounter}, {"frame", itt_abi::kGroupFrame},
    {"stitch", itt_abi::kGroupStitch},   {"heap", itt_abi::kGroupHeap},
    {"structure", itt_abi::kGroupStructure}, {"suppress", itt_abi::kGroupSuppress},
    {"arrays", itt_abi::kGroupArrays},   {"module", itt_abi::kGroupModule},
};

int parse_group_list(const char* list) {
    int groups = itt_abi::kGroupNone;
    const char* separators = ",; ";
    for (const char* p = list; *p != '\0';) {
        size_t length = strcspn(p, separators);
        for (const GroupName& group : kGroupNames) {
            if (strlen(group.name) == length && strncmp(group.name, p, length) == 0) groups |= group.id;
        }
        p += length;
        p += strspn(p, separators);
    }
    // Upstream always adds the groups strictly between the splitters (counter, frame, stitch, heap)
    // once the variable is set at all, as a workaround it never removed.
    for (const GroupName& group : kGroupNames) {
        if (group.id > itt_abi::kGroupSplitterMin && group.id < itt_abi::kGroupSplitterMax) groups |= group.id;
    }
    return groups;
}

// The groups a version-0/1 collector gets, and whether to dlopen("libittnotify.so") without a path.
int groups_from_env() {
    if (const char* list = getenv("INTEL_ITTNOTIFY_GROUPS")) return parse_group_list(list);
    if (getenv("KMP_FOR_TPROFILE") != nullptr) {
        return itt_abi::kGroupControl | itt_abi::kGroupThread | itt_abi::kGroupSync | itt_abi::kGroupMark;
    }
    if (getenv("KMP_FOR_TCHECK") != nullptr) {
        return itt_abi::kGroupControl | itt_abi::kGroupThread | itt_abi::kGroupSync | itt_abi::kGroupFsync |
               itt_abi::kGroupMark | itt_abi::kGroupSuppress;
    }
    return itt_abi::kGroupNone;
}

void store_slot(const itt_abi::ApiInfo& entry, void* value) {
    __atomic_store_n(entry.func_ptr, value, __ATOMIC_RELEASE);
}

void reset_slots(Global& global) {
    for (const itt_abi::ApiInfo* entry = global.api_list_ptr; entry->name != nullptr; ++entry) {
        store_slot(*entry, entry->null_func);
    }
}

// Version-0/1 collectors: the static part binds by name, filtered by group (itt-abi.md 2.3).
void bind_by_name(Global& global, void* lib, int groups, int init_groups) {
    for (const itt_abi::ApiInfo* entry = global.api_list_ptr; entry->name != nullptr; ++entry) {
        void* function = (entry->group & groups & init_groups) != 0 ? dlsym(lib, entry->name) : nullptr;
        store_slot(*entry, function != nullptr ? function : entry->null_func);
    }
}

// Version 0: thread_ignore takes the legacy thr_ignore (the other legacy aliases are sync APIs).
void apply_legacy_aliases(void* lib) {
    if (void* thr_ignore = dlsym(lib, "__itt_thr_ignore")) {
        __atomic_store_n(reinterpret_cast<void**>(&g_slots.thread_ignore), thr_ignore, __ATOMIC_RELAXED);
    }
}

bool exports_any_api(const Global& global, void* lib) {
    for (const itt_abi::ApiInfo* entry = global.api_list_ptr; entry->name != nullptr; ++entry) {
        if (dlsym(lib, entry->name) != nullptr) return true;
    }
    return dlsym(lib, "__itt_thr_ignore") != nullptr;
}

void warn_once(const char* path, const char* reason) {
    if (g_loader.warned) return;
    g_loader.warned = true;
    fprintf(stderr, "pyitt: warning: cannot load the ITT collector '%s': %s; ITT calls do nothing\n", path,
            reason);
}

// Unlike upstream, a failure frees nothing: handles given out before stay valid (pitfall 9).
void fail(Global& global, const char* path, const char* reason) {
    global.state = itt_abi::kStateInitFail;
    __atomic_store_n(&g_loader.collector, nullptr, __ATOMIC_RELEASE);
    reset_slots(global);
    warn_once(path, reason);
}

void remember_collector(void* lib, const char* path) {
    if (g_loader.path == nullptr || strcmp(g_loader.path, path) != 0) {
        __atomic_store_n(&g_loader.path, strdup(path), __ATOMIC_RELEASE);  // the old copy may be in use
    }
    __atomic_store_n(&g_loader.collector, lib, __ATOMIC_RELEASE);
}

// The body of __itt_init_ittlib, run once under the mutex. The collector is never dlclosed.
void load_collector(Global& global, const char* lib_name, int init_groups) {
    if (lib_name == nullptr) lib_name = configured_collector();
    int groups = groups_from_env();
    if (lib_name == nullptr && groups == itt_abi::kGroupNone) {
        global.state = itt_abi::kStateCollectorAbsent;
        reset_slots(global);
        return;
    }
    const char* path = lib_name != nullptr ? lib_name : "libittnotify.so";
    dlerror();
    void* lib = dlopen(path, RTLD_LAZY);
    global.lib = lib;  // collectors dlsym(g->lib, ...) from __itt_api_init
    if (lib == nullptr) {
        const char* error = dlerror();
        fail(global, path, error != nullptr ? error : "dlopen failed");
        return;
    }
    global.state = itt_abi::kStateInitSuccessful;
    if (auto* api_init = reinterpret_cast<itt_abi::fn_api_init*>(dlsym(lib, "__itt_api_init"))) {
        remember_collector(lib, path);
        api_init(&global, init_groups);  // binding is entirely the collector's job
        return;
    }
    if (!exports_any_api(global, lib)) {
        fail(global, path, "it exports neither __itt_api_init nor any __itt_<api> function");
        return;
    }
    remember_collector(lib, path);
    bool version1 = dlsym(lib, "__itt_api_version") != nullptr;
    bind_by_name(global, lib, version1 ? groups : itt_abi::kGroupLegacy, init_groups);
    if (!version1) apply_legacy_aliases(lib);
}

bool any_slot_bound(const Global& global, int init_groups) {
    for (const itt_abi::ApiInfo* entry = global.api_list_ptr; entry->name != nullptr; ++entry) {
        void* slot = __atomic_load_n(entry->func_ptr, __ATOMIC_RELAXED);
        if (slot != entry->null_func && (entry->group & init_groups) != 0) return true;
    }
    return false;
}

}  // namespace

const char* configured_collector() {
    const char* path = getenv("INTEL_LIBITTNOTIFY64");
    // Empty counts as unset: upstream's dlopen("") would return the main program (pitfall 18).
    return path != nullptr && *path != '\0' ? path : nullptr;
}

}  // namespace pyitt::itt::detail

namespace pyitt::itt {

using detail::g_global;
using detail::g_loader;

bool init_ittlib(const char* lib_name, int init_groups) {
    if (g_global.api_initialized == 0) {
        detail::GlobalLock lock;
        if (g_global.api_initialized == 0 && !g_loader.initialising) {
            g_loader.initialising = true;
            detail::load_collector(g_global, lib_name, init_groups);
            g_global.api_initialized = 1;  // only after __itt_api_init returned
            g_loader.initialising = false;
        }
    }
    return detail::any_slot_bound(g_global, init_groups);
}

bool initialize() { return init_ittlib(nullptr, itt_abi::kGroupAll); }

void finalize() {
    if (g_global.api_initialized == 0) return;
    detail::GlobalLock lock;
    if (g_global.api_initialized == 0 || g_loader.finalising) return;
    g_loader.finalising = true;
    if (g_global.lib != nullptr) {
        if (auto* api_fini = reinterpret_cast<itt_abi::fn_api_fini*>(dlsym(g_global.lib, "__itt_api_fini"))) {
            api_fini(&g_global);
        }
    }
    detail::reset_slots(g_global);
    g_global.api_initialized = 0;
    g_loader.finalising = false;
}

CollectionState collection_state() {
    detail::GlobalLock lock;
    detail::init_if_needed();
    return static_cast<CollectionState>(g_global.state);
}

void* collector_symbol(const char* name) {
    void* lib = __atomic_load_n(&g_loader.collector, __ATOMIC_ACQUIRE);
    return lib != nullptr && name != nullptr ? dlsym(lib, name) : nullptr;
}

const char* collector_path() {
    if (__atomic_load_n(&g_loader.collector, __ATOMIC_ACQUIRE) == nullptr) return nullptr;
    return __atomic_load_n(&g_loader.path, __ATOMIC_ACQUIRE);
}

}  // namespace pyitt::itt
