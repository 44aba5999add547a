// The merge's reader of per-process Perfetto traces (collector/perfetto_reader.h) on any input: it
// must not crash, hang or grow without bound, and every packet it hands on (copied into a run's
// trace.perfetto-trace) must be one whole Trace.packet field whose own fields parse.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "json_scanner.h"
#include "perfetto_reader.h"
#include "protobuf_wire.h"

using namespace pyitt::collector;

namespace {

void check_packet(std::string_view bytes) {
    wire::Reader outer(bytes);
    std::uint32_t id;
    wire::WireType type;
    std::uint64_t number;
    std::string_view packet;
    if (!outer.field(id, type, number, packet) || id != 1 || type != wire::kLengthDelimited || !outer.at_end()) std::abort();
    wire::Reader inner(packet);
    std::string_view unused;
    while (!inner.at_end())
        if (!inner.field(id, type, number, unused)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    MemorySource source(input);
    unsigned long long handed_on = 0;
    PerfettoMerge merge;
    merge.builtin_clocks_written = size % 3 == 0;
    const ProcessTrace trace = read_perfetto_trace(source, "fuzz-run", size % 2 == 0 ? 0 : -1000000,
                                                   size % 5 == 0 ? 4194304 : 0, merge, [&](std::string_view packet) {
        check_packet(packet);
        ++handed_on;
    });
    if (!trace.ours && handed_on != 0) std::abort();  // another run's packets must never be merged
    if (trace.complete && !trace.problem.empty()) std::abort();

    // The fast path, on the same bytes as a file: whole packets only, nothing of another run's, and
    // nothing at all when it declines.
    static const int fd = memfd_create("fuzz", 0);
    if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
    if (size % 7 == 0) merge.copied.emplace(1u << 9, 1u << 20);  // ids another process took
    handed_on = 0;
    const auto copied = copy_perfetto_trace(fd, "fuzz-run", merge, [&](std::string_view packet) {
        check_packet(packet);
        ++handed_on;
    }, [&](std::string_view packets) {
        for (wire::Reader r(packets); !r.at_end();) {
            std::uint32_t id;
            wire::WireType type;
            std::uint64_t number;
            std::string_view packet;
            if (!r.field(id, type, number, packet) || id != 1 || type != wire::kLengthDelimited) std::abort();
            ++handed_on;
        }
    });
    if (!copied && handed_on != 0) std::abort();
    if (copied && !copied->ours && handed_on != 0) std::abort();
    if (copied && copied->complete && !copied->problem.empty()) std::abort();
    return 0;
}
