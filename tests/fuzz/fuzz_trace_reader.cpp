// The merge's reader of per-process traces (collector/trace_reader.h) on any input: it must not
// crash, hang or grow without bound, and every event it hands on (copied into a run's trace.json)
// must be a whole, valid JSON object.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json_scanner.h"
#include "trace_reader.h"

using namespace pyitt::collector;

namespace {

void check_event(std::string_view event) {
    MemorySource source(event);
    JsonScanner scanner(source);
    char first = 0;
    if (!scanner.peek(first) || first != '{' || !scanner.skip_value() || !scanner.at_end()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    MemorySource source(input);
    unsigned long long handed_on = 0;
    const ProcessTrace trace = read_process_trace(source, "fuzz-run", [&](std::string_view event) {
        check_event(event);
        ++handed_on;
    });
    if (!trace.ours && handed_on != 0) std::abort();  // another run's events must never be merged
    if (trace.events > handed_on) std::abort();
    if (trace.complete && !trace.problem.empty()) std::abort();
    return 0;
}
