// Cost of one task begin+end pair through our client runtime into libpyitt-collector.so, next to an
// empty out-of-line call in the same run (the floor any instrumentation pays). Target: <= 40 ns/pair.
#include <benchmark/benchmark.h>
#include <x86intrin.h>

#include "bench_env.h"
#include "itt_client.h"

namespace itt = pyitt::itt;

namespace {

constexpr pyitt::itt_abi::Id kNull{0, 0, 0};

extern "C" __attribute__((noinline)) void empty_call(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

void BM_EmptyCall(benchmark::State& state) {
    int x = 0;
    for (auto _ : state) empty_call(&x);
}
BENCHMARK(BM_EmptyCall);

// The floor of any begin+end pair: two reads of the TSC, the clock the collector uses when invariant.
void BM_TwoClockReads(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(__rdtsc());
        benchmark::DoNotOptimize(__rdtsc());
    }
}
BENCHMARK(BM_TwoClockReads);

void BM_TaskBeginEnd(benchmark::State& state) {
    itt::Domain* d = itt::domain_create("bench");
    itt::StringHandle* name = itt::string_handle_create("task");
    for (auto _ : state) {
        itt::task_begin(d, kNull, kNull, name);
        itt::task_end(d);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TaskBeginEnd);
BENCHMARK(BM_TaskBeginEnd)->Threads(2);

void BM_NestedTasks3(benchmark::State& state) {
    itt::Domain* d = itt::domain_create("bench");
    itt::StringHandle* a = itt::string_handle_create("a");
    itt::StringHandle* b = itt::string_handle_create("b");
    itt::StringHandle* c = itt::string_handle_create("c");
    for (auto _ : state) {
        itt::task_begin(d, kNull, kNull, a);
        itt::task_begin(d, kNull, kNull, b);
        itt::task_begin(d, kNull, kNull, c);
        itt::task_end(d);
        itt::task_end(d);
        itt::task_end(d);
    }
}
BENCHMARK(BM_NestedTasks3);

void BM_CounterInc(benchmark::State& state) {
    void* counter = itt::counter_create("bench.counter", "bench");
    for (auto _ : state) itt::counter_inc(counter);
}
BENCHMARK(BM_CounterInc);

}  // namespace

int main(int argc, char** argv) {
    pyitt::bench::prepare_collector_env();
    // Load the collector now, outside the timed loops.
    if (!itt::initialize()) {
        std::fprintf(stderr, "collector_bench: the collector did not load (INTEL_LIBITTNOTIFY64=%s)\n",
                     std::getenv("INTEL_LIBITTNOTIFY64"));
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    pyitt::bench::exit_without_trace(0);
}
