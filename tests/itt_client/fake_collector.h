// What the fake collectors export besides the ITT entry points, for the tests to query them (found
// with pyitt::itt::collector_symbol). Events are a ';'-separated text log, e.g.
// "api_init(...);spill_domain(pre.domain);task_begin(pre.domain,pre.task,id=1.2.3);".
#pragma once

extern "C" {
typedef const char*(fake_events_fn)(void);
typedef int(fake_count_fn)(void);
typedef void(fake_set_flags_fn)(int flags);
}

// Symbol names.
inline constexpr const char* kFakeEvents = "fake_events";                  // fake_events_fn
inline constexpr const char* kFakeApiInitCalls = "fake_api_init_calls";    // fake_count_fn
inline constexpr const char* kFakeApiFiniCalls = "fake_api_fini_calls";    // fake_count_fn
inline constexpr const char* kFakeGlobalsSeen = "fake_globals_seen";       // fake_count_fn (distinct)
inline constexpr const char* kFakeSetAllFlags = "fake_set_all_flags";      // fake_set_flags_fn
