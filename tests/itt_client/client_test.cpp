// The ITT client runtime against fake collectors (fake_collector.cpp), each scenario in a forked child.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "fake_collector.h"
#include "itt_client.h"

namespace itt = pyitt::itt;
using pyitt::itt_abi::kNullId;

namespace {

#define EXPECT_CHILD_OK(result)                    \
    do {                                           \
        const ChildResult& r = (result);           \
        EXPECT_EQ(r.exit_code, 0) << r.stderr_text; \
    } while (0)

std::string events() {
    auto* fn = reinterpret_cast<fake_events_fn*>(itt::collector_symbol(kFakeEvents));
    return fn != nullptr ? fn() : "";
}

bool has_event(const std::string& event) { return events().find(event + ";") != std::string::npos; }

int fake_count(const char* symbol) {
    auto* fn = reinterpret_cast<fake_count_fn*>(itt::collector_symbol(symbol));
    return fn != nullptr ? fn() : -1;
}

bool initialized() { return itt::global().api_initialized != 0; }

bool is_loaded(const char* path) {
    void* handle = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
    return handle != nullptr;  // deliberately not closed: a refcount on the collector is harmless
}

// Calls every API once with valid arguments: nothing may crash, whatever the slots hold.
void call_every_api(itt::Domain* domain, itt::StringHandle* name) {
    itt::Id id{1, 2, 3};
    unsigned long long value = 5;
    double x[2] = {1, 2};
    itt::pause();
    itt::resume();
    itt::pause_scoped(pyitt::itt_abi::kScopeHost);
    itt::resume_scoped(pyitt::itt_abi::kScopeHost);
    itt::thread_set_name("worker");
    itt::thread_ignore();
    itt::CounterHandle counter = itt::counter_create("all.counter", "all.domain");
    itt::counter_create_typed("all.typed", "all.domain", pyitt::itt_abi::kMetadataU64);
    itt::counter_create_v3(domain, "all.v3", pyitt::itt_abi::kMetadataU64);
    itt::Histogram* histogram = itt::histogram_create(domain, "all.hist", 8, 8);
    pyitt::itt_abi::ContextMetadata metadata{1, const_cast<char*>("units")};
    itt::bind_context_metadata_to_counter(counter, 1, &metadata);
    itt::task_begin(domain, id, kNullId, name);
    itt::task_end(domain);
    itt::task_begin_fn(domain, id, kNullId, reinterpret_cast<void*>(&call_every_api));
    itt::task_end(domain);
    itt::task_begin_overlapped(domain, id, kNullId, name);
    itt::task_end_overlapped(domain, id);
    itt::task_group(domain, id, kNullId, name);
    itt::frame_begin_v3(domain, &id);
    itt::frame_end_v3(domain, nullptr);
    itt::frame_submit_v3(domain, nullptr, 1, 2);
    itt::region_begin(domain, id, kNullId, name);
    itt::region_end(domain, id);
    itt::id_create(domain, id);
    itt::id_destroy(domain, id);
    itt::counter_set_value(counter, &value);
    itt::counter_set_value_v3(counter, &value);
    itt::counter_inc(counter);
    itt::counter_inc_delta(counter, 2);
    itt::counter_dec(counter);
    itt::counter_dec_delta(counter, 2);
    itt::counter_inc_v3(domain, name);
    itt::counter_inc_delta_v3(domain, name, 3);
    itt::counter_dec_v3(domain, name);
    itt::counter_dec_delta_v3(domain, name, 3);
    itt::Event event = itt::event_create("all.event", 9);
    itt::event_start(event);
    itt::event_end(event);
    itt::marker(domain, id, name, pyitt::itt_abi::kScopeTask);
    itt::metadata_add(domain, id, name, pyitt::itt_abi::kMetadataU64, 1, &value);
    itt::metadata_str_add(domain, id, name, "text", 4);
    itt::metadata_add_with_scope(domain, pyitt::itt_abi::kScopeTask, name, pyitt::itt_abi::kMetadataU64, 1, &value);
    itt::metadata_str_add_with_scope(domain, pyitt::itt_abi::kScopeTask, name, "text", 4);
    itt::relation_add(domain, id, pyitt::itt_abi::kRelationChildOf, kNullId);
    itt::relation_add_to_current(domain, pyitt::itt_abi::kRelationChildOf, id);
    itt::PtRegion region = itt::pt_region_create("all.region");
    itt::mark_pt_region_begin(region);
    itt::mark_pt_region_end(region);
    itt::histogram_submit(histogram, 2, x, x);
    itt::get_timestamp();
    itt::counter_destroy(counter);
    itt::detach();
}

void require_api_list_matches(const pyitt::itt_abi::Global& g) {
        // One 40-byte entry per API, in PYITT_ITT_APIS order, then the NULL terminator.
        const pyitt::itt_abi::ApiInfo* entry = g.api_list_ptr;
#define CHECK_ENTRY(ret, api, params, args, group_bits, is_static)                              \
    REQUIRE(entry->name != nullptr && strcmp(entry->name, "__itt_" #api) == 0);                 \
    REQUIRE(entry->init_func != nullptr && entry->group == (group_bits));                        \
    REQUIRE(entry->null_func == ((is_static) ? entry->init_func : nullptr));                    \
    REQUIRE(*entry->func_ptr == entry->null_func); /* collector absent: reset to null_func */   \
    ++entry;
        PYITT_ITT_APIS(CHECK_ENTRY)
#undef CHECK_ENTRY
        REQUIRE(entry->name == nullptr);
}

void require_every_api_called(const std::string& log) {
#define CHECK_API_CALLED(ret, api, params, args, group, is_static) \
    REQUIRE(log.find(";" #api "(") != std::string::npos);
    PYITT_ITT_APIS(CHECK_API_CALLED)
#undef CHECK_API_CALLED
}

TEST(ItClientLayout, MutexSitsAtOffset56AndIsRecursiveOnceUsed) {
    static_assert(offsetof(pyitt::itt_abi::Global, mutex) == 56);
    EXPECT_CHILD_OK(run_in_child({}, [] {
        const auto& g = itt::global();
        REQUIRE(memcmp(g.magic, pyitt::itt_abi::kGlobalMagic, 8) == 0);
        REQUIRE(g.version_major == 3 && g.version_minor == 0 && g.version_build == 20250807);
        itt::collection_state();
        auto* mutex = const_cast<pthread_mutex_t*>(&g.mutex);
        REQUIRE(pthread_mutex_lock(mutex) == 0);
        REQUIRE(pthread_mutex_trylock(mutex) == 0);  // recursive
        pthread_mutex_unlock(mutex);
        pthread_mutex_unlock(mutex);
        require_api_list_matches(g);
    }));
}

TEST(ItClientNoCollector, CreateReturnsNullAndDomainCallsNeverInit) {
    EXPECT_CHILD_OK(run_in_child({}, [] {
        REQUIRE(itt::domain_create("d") == nullptr);
        REQUIRE(itt::string_handle_create("s") == nullptr);
        REQUIRE(itt::counter_create("c", "d") == nullptr);
        itt::task_begin(nullptr, kNullId, kNullId, nullptr);
        itt::task_end(nullptr);
        REQUIRE(!initialized());
        REQUIRE(itt::collection_state() == pyitt::itt_abi::kStateCollectorAbsent);
        REQUIRE(initialized());
        REQUIRE(!itt::initialize());
        // After init, an unbound domain_create gives the disabled dummy domain, as upstream.
        itt::Domain* dummy = itt::domain_create("d");
        REQUIRE(dummy != nullptr && dummy->flags == 0);
        REQUIRE(itt::string_handle_create("s") == nullptr);
        call_every_api(dummy, nullptr);
        REQUIRE(itt::collector_path() == nullptr && itt::collector_symbol(kFakeEvents) == nullptr);
    }));
}

TEST(ItClientNoCollector, EmptyPathCountsAsUnset) {
    ChildResult result = run_in_child({{"INTEL_LIBITTNOTIFY64", ""}}, [] {
        REQUIRE(itt::domain_create("d") == nullptr);
        REQUIRE(itt::collection_state() == pyitt::itt_abi::kStateCollectorAbsent);
        REQUIRE(itt::global().lib == nullptr);
    });
    EXPECT_CHILD_OK(result);
    EXPECT_EQ(result.stderr_text, "");
}

TEST(ItClientV2, CreateDoesNotInitFirstTaskDoesAndPreInitObjectsReachTheCollector) {
    EXPECT_CHILD_OK(run_in_child({{"INTEL_LIBITTNOTIFY64", FAKE_V2_PATH}}, [] {
        itt::Domain* domain = itt::domain_create("pre.domain");
        REQUIRE(domain != nullptr && domain->flags == 1 && strcmp(domain->nameA, "pre.domain") == 0);
        REQUIRE(itt::domain_create("pre.domain") == domain);
        REQUIRE(itt::global().domain_list == domain);
        itt::StringHandle* name = itt::string_handle_create("pre.task");
        REQUIRE(name != nullptr && itt::string_handle_create("pre.task") == name);
        itt::CounterHandle counter = itt::counter_create("pre.counter", "pre.domain");
        REQUIRE(counter != nullptr);
        REQUIRE(itt::counter_create_typed("pre.counter", "pre.domain", pyitt::itt_abi::kMetadataU64) == counter);
        REQUIRE(itt::counter_create_v3(domain, "pre.counter", pyitt::itt_abi::kMetadataU64) == counter);
        REQUIRE(itt::counter_create_typed("pre.counter", "pre.domain", pyitt::itt_abi::kMetadataDouble) != counter);
        REQUIRE(itt::counter_create("pre.counter", nullptr) != counter);
        REQUIRE(itt::histogram_create(domain, "pre.hist", 8, 8) != nullptr);
        unsigned long long tid = 77;
        pyitt::itt_abi::ContextMetadata metadata[2] = {{1, const_cast<char*>("bytes")}, {9, &tid}};
        itt::bind_context_metadata_to_counter(counter, 2, metadata);

        // None of that loads the collector, nor do calls on NULL or disabled domains.
        itt::task_begin(nullptr, kNullId, kNullId, name);
        pyitt::itt_abi::Domain disabled{};
        itt::task_begin(&disabled, kNullId, kNullId, name);
        REQUIRE(!initialized() && !is_loaded(FAKE_V2_PATH));

        itt::task_begin(domain, itt::Id{1, 2, 3}, kNullId, name);  // the first real call
        REQUIRE(initialized() && is_loaded(FAKE_V2_PATH));
        REQUIRE(strcmp(itt::collector_path(), FAKE_V2_PATH) == 0);
        REQUIRE(itt::collection_state() == pyitt::itt_abi::kStateInitSuccessful);
        REQUIRE(fake_count(kFakeApiInitCalls) == 1);
        REQUIRE(has_event("api_init(initialized=0,lib=1,recursive=1,groups=-1,build=20250807)"));
        REQUIRE(has_event("pause()") == false);  // the collector's re-entrant call went nowhere
        REQUIRE(has_event("spill_domain(pre.domain,flags=1)"));
        REQUIRE(has_event("spill_string(pre.task)"));
        REQUIRE(has_event("spill_counter(pre.counter/pre.domain/1)"));
        REQUIRE(has_event("spill_counter(pre.counter/pre.domain/8)"));
        REQUIRE(has_event("spill_counter(pre.counter/(null)/1)"));
        REQUIRE(has_event("spill_histogram(pre.hist)"));
        REQUIRE(has_event("spill_metadata(1,bytes,0)") && has_event("spill_metadata(9,(null),77)"));
        REQUIRE(has_event("task_begin(pre.domain,id=1.2.3,id=0.0.0,pre.task)"));

        // The handles given out before init keep working and keep their address.
        REQUIRE(itt::global().domain_list == domain && domain->flags == 1);
        itt::task_end(domain);
        unsigned long long value = 12;
        itt::counter_set_value_v3(counter, &value);
        REQUIRE(has_event("task_end(pre.domain)") && has_event("counter_set_value_v3(pre.counter=12)"));
        // After init the create functions forward to the collector.
        itt::domain_create("post.domain");
        REQUIRE(has_event("domain_create(post.domain)"));
    }));
}

TEST(ItClientV2, EveryApiReachesTheCollector) {
    EXPECT_CHILD_OK(run_in_child({{"INTEL_LIBITTNOTIFY64", FAKE_V2_PATH}}, [] {
        REQUIRE(itt::initialize());
        itt::Domain* domain = itt::domain_create("all.domain");
        itt::StringHandle* name = itt::string_handle_create("all.name");
        call_every_api(domain, name);
        require_every_api_called(events());
        REQUIRE(has_event("frame_submit_v3(all.domain,id=null,1,2)"));
        REQUIRE(has_event("metadata_str_add(all.domain,id=1.2.3,all.name,text,4)"));
        REQUIRE(itt::event_create("e", 1) == 7 && itt::get_timestamp() == 42);
    }));
}

TEST(ItClientV2, ZeroFlagsSkipCallsAndCollectorWritesAreTolerated) {
    EXPECT_CHILD_OK(run_in_child({{"INTEL_LIBITTNOTIFY64", FAKE_SEAPI_PATH}}, [] {
        itt::Domain* domain = itt::domain_create("pre.domain");
        itt::StringHandle* name = itt::string_handle_create("pre.task");
        REQUIRE(itt::initialize());
        REQUIRE(domain->flags == 0 && itt::global().next == nullptr && itt::global().state == 0);
        itt::task_begin(domain, kNullId, kNullId, name);
        REQUIRE(!has_event("task_begin(pre.domain,id=0.0.0,id=0.0.0,pre.task)"));
        auto* set_flags = reinterpret_cast<fake_set_flags_fn*>(itt::collector_symbol(kFakeSetAllFlags));
        set_flags(1);  // the collector resumes: the same handle now goes through
        itt::task_begin(domain, kNullId, kNullId, name);
        REQUIRE(has_event("task_begin(pre.domain,id=0.0.0,id=0.0.0,pre.task)"));
        // Entries the collector left untouched still hold our stubs: harmless after init.
        call_every_api(domain, name);
        // A node the collector appended to our list is walked like ours after fini.
        itt::finalize();
        REQUIRE(itt::domain_create("seapi.own") != nullptr);
    }));
}

TEST(ItClientV2, FiniCallsApiFiniAndALaterCallReinitialises) {
    EXPECT_CHILD_OK(run_in_child({{"INTEL_LIBITTNOTIFY64", FAKE_V2_PATH}}, [] {
        itt::Domain* domain = itt::domain_create("pre.domain");
        itt::task_end(domain);
        REQUIRE(fake_count(kFakeApiInitCalls) == 1);
        itt::finalize();
        REQUIRE(!initialized() && fake_count(kFakeApiFiniCalls) == 1);
        itt::task_end(domain);  // slots hold null_func now: a no-op, no re-init (as upstream)
        REQUIRE(!initialized());
        itt::pause();  // a static-implementation entry re-initialises
        REQUIRE(initialized() && fake_count(kFakeApiInitCalls) == 2);
        itt::finalize();
        REQUIRE(itt::collection_state() == pyitt::itt_abi::kStateInitSuccessful);
        REQUIRE(fake_count(kFakeApiInitCalls) == 3);
        itt::task_end(domain);
        REQUIRE(events().find("task_end(pre.domain);") != std::string::npos);
    }));
}

TEST(ItClientV2, ConcurrentFirstCallsInitialiseOnce) {
    EXPECT_CHILD_OK(run_in_child({{"INTEL_LIBITTNOTIFY64", FAKE_V2_PATH}}, [] {
        itt::Domain* domain = itt::domain_create("pre.domain");
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([domain] {
                for (int j = 0; j < 100; ++j) itt::task_end(domain);
            });
        }
        for (auto& thread : threads) thread.join();
        REQUIRE(fake_count(kFakeApiInitCalls) == 1);
    }));
}

TEST(ItClientV2, ASecondStaticPartInTheSameProcessGetsItsOwnInit) {
    EXPECT_CHILD_OK(run_in_child({{"INTEL_LIBITTNOTIFY64", FAKE_V2_PATH}}, [] {
        void* second = dlopen(SECOND_PART_PATH, RTLD_NOW | RTLD_LOCAL);
        REQUIRE(second != nullptr);
        auto* second_global = reinterpret_cast<const void* (*)()>(dlsym(second, "second_part_global"));
        auto* second_run = reinterpret_cast<void (*)()>(dlsym(second, "second_part_run"));
        REQUIRE(second_global != nullptr && second_run != nullptr);
        REQUIRE(second_global() != &itt::global());
        second_run();
        itt::Domain* domain = itt::domain_create("first.domain");
        itt::StringHandle* name = itt::string_handle_create("first.task");
        itt::task_begin(domain, kNullId, kNullId, name);
        REQUIRE(fake_count(kFakeApiInitCalls) == 2 && fake_count(kFakeGlobalsSeen) == 2);
        REQUIRE(has_event("spill_domain(second.domain,flags=1)"));
        REQUIRE(has_event("task_begin(second.domain,id=0.0.0,id=0.0.0,second.task)"));
        REQUIRE(has_event("task_begin(first.domain,id=0.0.0,id=0.0.0,first.task)"));
        second_run();  // still fine after our own init
        std::string log = events();
        size_t first_end = log.find("task_end(second.domain);");
        REQUIRE(first_end != std::string::npos && log.find("task_end(second.domain);", first_end + 1) != std::string::npos);
    }));
}

TEST(ItClientV2, ExplicitInitWithALibraryNameOverridesTheEnvironment) {
    EXPECT_CHILD_OK(run_in_child({{"INTEL_LIBITTNOTIFY64", "/nonexistent/libnothing.so"}}, [] {
        REQUIRE(itt::init_ittlib(FAKE_V2_PATH, pyitt::itt_abi::kGroupAll));
        REQUIRE(strcmp(itt::collector_path(), FAKE_V2_PATH) == 0 && fake_count(kFakeApiInitCalls) == 1);
        REQUIRE(itt::init_ittlib(nullptr, pyitt::itt_abi::kGroupAll));  // already done: no second load
        REQUIRE(fake_count(kFakeApiInitCalls) == 1);
    }));
}

TEST(ItClientV2, ConcurrentPreInitCreatesDeduplicate) {
    EXPECT_CHILD_OK(run_in_child({{"INTEL_LIBITTNOTIFY64", FAKE_V2_PATH}}, [] {
        itt::Domain* seen[4] = {};
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&seen, i] {
                for (int j = 0; j < 50; ++j) {
                    std::string name = "domain." + std::to_string(j);
                    itt::Domain* domain = itt::domain_create(name.c_str());
                    if (j == 7) seen[i] = domain;
                }
            });
        }
        for (auto& thread : threads) thread.join();
        REQUIRE(seen[0] != nullptr && seen[0] == seen[1] && seen[1] == seen[2] && seen[2] == seen[3]);
        int count = 0;
        for (const itt::Domain* d = itt::global().domain_list; d != nullptr; d = d->next) ++count;
        REQUIRE(count == 50 && !initialized());
    }));
}

TEST(ItClientFailure, BadPathWarnsOnceAndHandlesStayValid) {
    ChildResult result = run_in_child({{"INTEL_LIBITTNOTIFY64", "/nonexistent/libnothing.so"}}, [] {
        itt::Domain* domain = itt::domain_create("kept.domain");
        itt::StringHandle* name = itt::string_handle_create("kept.task");
        itt::CounterHandle counter = itt::counter_create("kept.counter", nullptr);
        REQUIRE(domain != nullptr && name != nullptr && counter != nullptr);
        itt::task_begin(domain, kNullId, kNullId, name);  // loading fails here
        REQUIRE(initialized() && itt::collection_state() == pyitt::itt_abi::kStateInitFail);
        // Unlike upstream nothing was freed: under ASan a stale read would abort here.
        REQUIRE(strcmp(domain->nameA, "kept.domain") == 0 && itt::global().domain_list == domain);
        REQUIRE(itt::global().string_list == name && strcmp(name->strA, "kept.task") == 0);
        REQUIRE(strcmp(static_cast<pyitt::itt_abi::CounterInfo*>(counter)->nameA, "kept.counter") == 0);
        call_every_api(domain, name);
        itt::finalize();
        itt::pause();  // re-init fails again, silently this time
        REQUIRE(itt::collector_path() == nullptr && itt::collector_symbol("fake_events") == nullptr);
    });
    EXPECT_CHILD_OK(result);
    EXPECT_EQ(count_lines_containing(result.stderr_text, "pyitt: warning: cannot load the ITT collector "
                                                         "'/nonexistent/libnothing.so': "),
              1)
        << result.stderr_text;
    EXPECT_EQ(count_lines_containing(result.stderr_text, ""), 1) << result.stderr_text;
    EXPECT_NE(result.stderr_text.find("; ITT calls do nothing\n"), std::string::npos);
}

TEST(ItClientFailure, CollectorWithoutEntryPointsWarnsOnce) {
    ChildResult result = run_in_child({{"INTEL_LIBITTNOTIFY64", FAKE_EMPTY_PATH}}, [] {
        itt::Domain* domain = itt::domain_create("kept.domain");
        itt::task_end(domain);
        REQUIRE(itt::collection_state() == pyitt::itt_abi::kStateInitFail);
        call_every_api(domain, nullptr);
        REQUIRE(strcmp(domain->nameA, "kept.domain") == 0);
    });
    EXPECT_CHILD_OK(result);
    EXPECT_EQ(count_lines_containing(result.stderr_text, "exports neither __itt_api_init nor any"), 1)
        << result.stderr_text;
}

// Version 1 and 0 collectors: the client binds by name, filtered by INTEL_ITTNOTIFY_GROUPS.
void expect_bound(const Environment& environment, bool task_bound, bool pause_bound, bool counter_bound) {
    EXPECT_CHILD_OK(run_in_child(environment, [=] {
        itt::Domain* domain = itt::domain_create("pre.domain");
        REQUIRE(domain != nullptr);
        itt::task_end(domain);
        itt::pause();
        itt::counter_inc(itt::counter_create("pre.counter", nullptr));
        REQUIRE(itt::collection_state() == pyitt::itt_abi::kStateInitSuccessful);
        REQUIRE(has_event("task_end(pre.domain)") == task_bound);
        REQUIRE(has_event("pause()") == pause_bound);
        REQUIRE(has_event("counter_inc(ptr)") == counter_bound);
    }));
}

TEST(ItClientV1, GroupsSelectWhatIsBound) {
    expect_bound({{"INTEL_LIBITTNOTIFY64", FAKE_V1_PATH}}, false, false, false);
    expect_bound({{"INTEL_LIBITTNOTIFY64", FAKE_V1_PATH}, {"INTEL_ITTNOTIFY_GROUPS", "structure"}}, true, false,
                 true);  // counter, frame, stitch and heap are always added
    expect_bound({{"INTEL_LIBITTNOTIFY64", FAKE_V1_PATH}, {"INTEL_ITTNOTIFY_GROUPS", "control"}}, false, true,
                 true);
    expect_bound({{"INTEL_LIBITTNOTIFY64", FAKE_V1_PATH}, {"INTEL_ITTNOTIFY_GROUPS", "sync; control,structure"}},
                 true, true, true);
    expect_bound({{"INTEL_LIBITTNOTIFY64", FAKE_V1_PATH}, {"INTEL_ITTNOTIFY_GROUPS", "all"}}, true, true, true);
    expect_bound({{"INTEL_LIBITTNOTIFY64", FAKE_V1_PATH}, {"KMP_FOR_TPROFILE", "1"}}, false, true, false);
    expect_bound({{"INTEL_LIBITTNOTIFY64", FAKE_V1_PATH}, {"KMP_FOR_TCHECK", "1"}}, false, true, false);
}

TEST(ItClientV0, OnlyLegacyGroupAndAliasesAreBound) {
    for (const char* groups : {"", "all"}) {
        EXPECT_CHILD_OK(run_in_child({{"INTEL_LIBITTNOTIFY64", FAKE_V0_PATH}, {"INTEL_ITTNOTIFY_GROUPS", groups}}, [] {
            itt::Domain* domain = itt::domain_create("pre.domain");
            itt::task_end(domain);
            itt::pause();
            itt::event_start(itt::event_create("ev", 2));
            itt::thread_ignore();
            itt::thread_set_name("t");
            REQUIRE(!has_event("task_end(pre.domain)"));
            REQUIRE(has_event("pause()") && has_event("event_create(ev,2)") && has_event("event_start(7)"));
            REQUIRE(has_event("thr_ignore()") && !has_event("thread_set_name(t)"));
        }));
    }
}

TEST(ItClientV1, GroupsWithoutPathLoadLibittnotifyByName) {
    // A library already loaded under the soname libittnotify.so answers dlopen("libittnotify.so").
    EXPECT_CHILD_OK(run_in_child({{"INTEL_ITTNOTIFY_GROUPS", "control"}}, [] {
        REQUIRE(dlopen(FAKE_LIBITTNOTIFY_PATH, RTLD_LAZY) != nullptr);
        REQUIRE(itt::domain_create("d") == nullptr);  // creation looks at INTEL_LIBITTNOTIFY64 only
        itt::pause();
        REQUIRE(has_event("pause()") && strcmp(itt::collector_path(), "libittnotify.so") == 0);
    }));
    ChildResult missing = run_in_child({{"KMP_FOR_TPROFILE", "1"}}, [] { itt::pause(); });
    EXPECT_CHILD_OK(missing);
    EXPECT_EQ(count_lines_containing(missing.stderr_text, "collector 'libittnotify.so'"), 1) << missing.stderr_text;
}

}  // namespace
