/* A minimal, foreign ITT "static part" written in C from the ABI facts (itt-abi.md sections 3-6): it
 * stands in for Intel's official static part in a process that also uses our client runtime. Its own
 * global, api_list, pointer slots and init stubs are hidden; the library exports one test entry point,
 * foreign_part_run(). The official-looking names exist only inside this test helper. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define HIDDEN __attribute__((visibility("hidden")))

typedef struct ___itt_domain {
    volatile int flags;
    const char* nameA;
    void* nameW;
    int extra1;
    void* extra2;
    struct ___itt_domain* next;
} __itt_domain;

typedef struct ___itt_string_handle {
    const char* strA;
    void* strW;
    int extra1;
    void* extra2;
    struct ___itt_string_handle* next;
} __itt_string_handle;

typedef struct ___itt_counter_info {
    const char* nameA;
    void* nameW;
    const char* domainA;
    void* domainW;
    int type;
    long index;
    int extra1;
    void* extra2;
    struct ___itt_counter_info* next;
} __itt_counter_info_t;

typedef struct ___itt_id {
    unsigned long long d1, d2, d3;
} __itt_id;

typedef struct ___itt_api_info {
    const char* name;
    void** func_ptr;
    void* init_func;
    void* null_func;
    int group;
} __itt_api_info;

typedef struct ___itt_global {
    unsigned char magic[8];
    unsigned long version_major, version_minor, version_build;
    volatile long api_initialized, mutex_initialized, atomic_counter;
    pthread_mutex_t mutex;
    void* lib;
    void* error_handler;
    const char** dll_path_ptr;
    __itt_api_info* api_list_ptr;
    struct ___itt_global* next;
    void* thread_list;
    __itt_domain* domain_list;
    __itt_string_handle* string_list;
    int state;
    __itt_counter_info_t* counter_list;
    unsigned int ipt_collect_events;
    void* histogram_list;
    void* counter_metadata_list;
} __itt_global;

_Static_assert(sizeof(__itt_global) == 200, "global layout");
_Static_assert(offsetof(__itt_global, mutex) == 56 && offsetof(__itt_global, state) == 160, "global offsets");
_Static_assert(sizeof(__itt_api_info) == 40 && sizeof(__itt_domain) == 48, "object layouts");

typedef __itt_domain* (*domain_create_t)(const char*);
typedef __itt_string_handle* (*string_handle_create_t)(const char*);
typedef void* (*counter_create_t)(const char*, const char*);
typedef void (*task_begin_t)(const __itt_domain*, __itt_id, __itt_id, __itt_string_handle*);
typedef void (*task_end_t)(const __itt_domain*);
typedef void (*counter_inc_t)(void*);
typedef void (*thread_set_name_t)(const char*);

static __itt_domain* init_domain_create(const char* name);
static __itt_string_handle* init_string_handle_create(const char* name);
static void* init_counter_create(const char* name, const char* domain);
static void init_task_begin(const __itt_domain*, __itt_id, __itt_id, __itt_string_handle*);
static void init_task_end(const __itt_domain*);
static void init_counter_inc(void*);
static void init_thread_set_name(const char*);

HIDDEN domain_create_t __itt_domain_create_ptr__3_0 = init_domain_create;
HIDDEN string_handle_create_t __itt_string_handle_create_ptr__3_0 = init_string_handle_create;
HIDDEN counter_create_t __itt_counter_create_ptr__3_0 = init_counter_create;
HIDDEN task_begin_t __itt_task_begin_ptr__3_0 = init_task_begin;
HIDDEN task_end_t __itt_task_end_ptr__3_0 = init_task_end;
HIDDEN counter_inc_t __itt_counter_inc_ptr__3_0 = init_counter_inc;
HIDDEN thread_set_name_t __itt_thread_set_name_ptr__3_0 = init_thread_set_name;

/* Static-implementation entries keep their stub as null_func; the others get NULL. An extra name the
 * collector does not know checks that unknown entries get null_func. */
static __itt_api_info api_list[] = {
    {"__itt_domain_create", (void**)&__itt_domain_create_ptr__3_0, (void*)init_domain_create, (void*)init_domain_create, 0x1000},
    {"__itt_string_handle_create", (void**)&__itt_string_handle_create_ptr__3_0, (void*)init_string_handle_create, (void*)init_string_handle_create, 0x1000},
    {"__itt_counter_create", (void**)&__itt_counter_create_ptr__3_0, (void*)init_counter_create, (void*)init_counter_create, 0x100},
    {"__itt_thread_set_name", (void**)&__itt_thread_set_name_ptr__3_0, (void*)init_thread_set_name, (void*)init_thread_set_name, 0x4},
    {"__itt_task_begin", (void**)&__itt_task_begin_ptr__3_0, (void*)init_task_begin, NULL, 0x1000},
    {"__itt_task_end", (void**)&__itt_task_end_ptr__3_0, (void*)init_task_end, NULL, 0x1000},
    {"__itt_counter_inc", (void**)&__itt_counter_inc_ptr__3_0, (void*)init_counter_inc, NULL, 0x100},
    {NULL, NULL, NULL, NULL, 0},
};

HIDDEN __itt_global __itt__ittapi_global = {
    {0xED, 0xAB, 0xAB, 0xEC, 0x0D, 0xEE, 0xDA, 0x30}, 3, 0, 20250807, 0, 0, 0,
    PTHREAD_MUTEX_INITIALIZER, NULL, NULL, NULL, api_list, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL};

static pthread_once_t mutex_once = PTHREAD_ONCE_INIT;
static void make_recursive_mutex(void) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&__itt__ittapi_global.mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    __itt__ittapi_global.mutex_initialized = 1;
}
static void lock(void) {
    pthread_once(&mutex_once, make_recursive_mutex);
    pthread_mutex_lock(&__itt__ittapi_global.mutex);
}
static void unlock(void) { pthread_mutex_unlock(&__itt__ittapi_global.mutex); }

static const char* collector_path(void) {
    const char* p = getenv("INTEL_LIBITTNOTIFY64");
    return p != NULL && *p != '\0' ? p : NULL;
}

/* Lazy init as in itt-abi.md 2.3 (version-2 collectors only): dlopen, set lib, call __itt_api_init
 * under the mutex, then reset every slot the collector left on its init stub. */
static void init_lib(void) {
    __itt_global* g = &__itt__ittapi_global;
    lock();
    if (!g->api_initialized) {
        const char* path = collector_path();
        g->lib = path != NULL ? dlopen(path, RTLD_LAZY) : NULL;
        g->state = path == NULL ? 2 : g->lib != NULL ? 4 : 1;
        if (g->lib != NULL) {
            void (*api_init)(__itt_global*, int) = (void (*)(__itt_global*, int))dlsym(g->lib, "__itt_api_init");
            if (api_init != NULL) api_init(g, -1);
        }
        for (__itt_api_info* e = api_list; e->name != NULL; ++e)
            if (g->lib == NULL || *e->func_ptr == e->init_func) *e->func_ptr = e->null_func;
        g->api_initialized = 1;
    }
    unlock();
}

/* Before init, create functions allocate nodes in this part's own lists (only when a collector is
 * named, as upstream); the collector learns them in __itt_api_init. After init they forward. */
static __itt_domain* init_domain_create(const char* name) {
    __itt_global* g = &__itt__ittapi_global;
    if (g->api_initialized) {
        return __itt_domain_create_ptr__3_0 != init_domain_create ? __itt_domain_create_ptr__3_0(name) : NULL;
    }
    if (name == NULL || collector_path() == NULL) return NULL;
    lock();
    __itt_domain **tail = &g->domain_list, *d;
    for (d = g->domain_list; d != NULL; tail = &d->next, d = d->next)
        if (strcmp(d->nameA, name) == 0) break;
    if (d == NULL && (d = (__itt_domain*)calloc(1, sizeof *d)) != NULL) {
        d->flags = 1;
        d->nameA = strdup(name);
        *tail = d;
    }
    unlock();
    return d;
}

static __itt_string_handle* init_string_handle_create(const char* name) {
    __itt_global* g = &__itt__ittapi_global;
    if (g->api_initialized) {
        return __itt_string_handle_create_ptr__3_0 != init_string_handle_create
                   ? __itt_string_handle_create_ptr__3_0(name) : NULL;
    }
    if (name == NULL || collector_path() == NULL) return NULL;
    lock();
    __itt_string_handle **tail = &g->string_list, *s;
    for (s = g->string_list; s != NULL; tail = &s->next, s = s->next)
        if (strcmp(s->strA, name) == 0) break;
    if (s == NULL && (s = (__itt_string_handle*)calloc(1, sizeof *s)) != NULL) {
        s->strA = strdup(name);
        *tail = s;
    }
    unlock();
    return s;
}

static void* init_counter_create(const char* name, const char* domain) {
    __itt_global* g = &__itt__ittapi_global;
    if (g->api_initialized) {
        return __itt_counter_create_ptr__3_0 != init_counter_create ? __itt_counter_create_ptr__3_0(name, domain) : NULL;
    }
    if (name == NULL || domain == NULL || collector_path() == NULL) return NULL;
    lock();
    __itt_counter_info_t **tail = &g->counter_list, *c;
    for (c = g->counter_list; c != NULL; tail = &c->next, c = c->next)
        if (strcmp(c->nameA, name) == 0 && strcmp(c->domainA, domain) == 0 && c->type == 1) break;
    if (c == NULL && (c = (__itt_counter_info_t*)calloc(1, sizeof *c)) != NULL) {
        c->nameA = strdup(name);
        c->domainA = strdup(domain);
        c->type = 1; /* u64 */
        *tail = c;
    }
    unlock();
    return c;
}

static void init_thread_set_name(const char* name) {
    init_lib();
    if (__itt_thread_set_name_ptr__3_0 != NULL && __itt_thread_set_name_ptr__3_0 != init_thread_set_name)
        __itt_thread_set_name_ptr__3_0(name);
}
static void init_task_begin(const __itt_domain* d, __itt_id id, __itt_id parent, __itt_string_handle* name) {
    init_lib();
    if (__itt_task_begin_ptr__3_0 != NULL && __itt_task_begin_ptr__3_0 != init_task_begin)
        __itt_task_begin_ptr__3_0(d, id, parent, name);
}
static void init_task_end(const __itt_domain* d) {
    init_lib();
    if (__itt_task_end_ptr__3_0 != NULL && __itt_task_end_ptr__3_0 != init_task_end) __itt_task_end_ptr__3_0(d);
}
static void init_counter_inc(void* c) {
    init_lib();
    if (__itt_counter_inc_ptr__3_0 != NULL && __itt_counter_inc_ptr__3_0 != init_counter_inc)
        __itt_counter_inc_ptr__3_0(c);
}

/* The official header's call gates: slot non-NULL, and for domain APIs domain && domain->flags. */
#define ITT_DOMAIN_CALL(api, d, ...) \
    do { if ((d) != NULL && (d)->flags && __itt_##api##_ptr__3_0 != NULL) __itt_##api##_ptr__3_0(d, __VA_ARGS__); } while (0)

/* The test entry point: a domain, a string handle and a counter made before init, then tasks. Returns
 * the number of tasks emitted, or -1 when a handle is missing. */
__attribute__((visibility("default"))) int foreign_part_run(int tasks) {
    __itt_domain* d = __itt_domain_create_ptr__3_0("foreign.domain");
    __itt_string_handle* outer = __itt_string_handle_create_ptr__3_0("foreign.outer");
    __itt_string_handle* inner = __itt_string_handle_create_ptr__3_0("foreign.inner");
    void* counter = __itt_counter_create_ptr__3_0("foreign.counter", "foreign.domain");
    if (d == NULL || outer == NULL || inner == NULL || counter == NULL) return -1;
    __itt_id null_id = {0, 0, 0};
    for (int i = 0; i < tasks; ++i) {
        ITT_DOMAIN_CALL(task_begin, d, null_id, null_id, outer);
        ITT_DOMAIN_CALL(task_begin, d, null_id, null_id, inner);
        if (__itt_counter_inc_ptr__3_0 != NULL) __itt_counter_inc_ptr__3_0(counter);
        if (d->flags && __itt_task_end_ptr__3_0 != NULL) __itt_task_end_ptr__3_0(d);
        if (d->flags && __itt_task_end_ptr__3_0 != NULL) __itt_task_end_ptr__3_0(d);
    }
    /* Created after init: forwarded to the collector, deduplicated with the other parts' objects. */
    __itt_domain* late = __itt_domain_create_ptr__3_0("shared.domain");
    __itt_string_handle* late_name = __itt_string_handle_create_ptr__3_0("foreign.late");
    ITT_DOMAIN_CALL(task_begin, late, null_id, null_id, late_name);
    if (late != NULL && late->flags && __itt_task_end_ptr__3_0 != NULL) __itt_task_end_ptr__3_0(late);
    return tasks;
}

/* The domain this part created after init, to compare with the other part's pointer. */
__attribute__((visibility("default"))) void* foreign_part_domain(const char* name) {
    return __itt_domain_create_ptr__3_0 != NULL ? (void*)__itt_domain_create_ptr__3_0(name) : NULL;
}
