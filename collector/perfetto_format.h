// The subset of Perfetto's trace protos (perfetto/protos/perfetto/trace/...) that our compact trace
// uses, by field number, as documented there; and our own two fields, which carry the process's
// header and trailer (JSON text, for the merge and for anyone extending the metadata, e.g. clock
// anchors of MPI ranks). Their numbers are in protobuf's reserved range 19000-19999, which no .proto
// may ever declare: Perfetto skips them as unknown fields, now and in any later version.
#pragma once

#include <cstdint>

namespace pyitt::collector::perfetto {

// Trace
inline constexpr std::uint32_t kTracePacket = 1;
// TracePacket
inline constexpr std::uint32_t kClockSnapshot = 6, kTimestamp = 8, kSequenceId = 10, kTrackEvent = 11,
                               kInternedData = 12, kSequenceFlags = 13, kCompressedPackets = 50,
                               kTimestampClockId = 58, kPacketDefaults = 59, kTrackDescriptor = 60;
inline constexpr std::uint32_t kPyittHeader = 19001, kPyittTrailer = 19002;  // ours: JSON objects
inline constexpr std::uint64_t kIncrementalStateCleared = 1;               // sequence_flags
// Ours: a process's packet sequence ids are pid << kSequenceShift + 1 (the process's own sequence),
// + 2... (a thread's each), so that no two processes of a run share one (pids are below 2^22:
// PID_MAX_LIMIT): a run's merge appends a process's compressed packets as they are. Its trailer says
// which ids it used ("pyittSequences": [first, last]). kMergedSequences and up are left for the ids
// a merge hands out when it must renumber a process's sequences (perfetto_reader.h).
inline constexpr unsigned kSequenceShift = 9;
inline constexpr std::uint64_t kMergedSequences = std::uint64_t{1} << 31;
// ClockSnapshot { repeated Clock clocks = 1 }; Clock
inline constexpr std::uint32_t kClocks = 1, kClockId = 1, kClockTimestamp = 2, kClockIncremental = 3;
inline constexpr std::uint64_t kClockMonotonic = 3, kClockBoottime = 6, kClockThreadDeltas = 64;  // 64+: per sequence
// TracePacketDefaults; TrackEventDefaults
inline constexpr std::uint32_t kDefaultsClockId = 58, kDefaultsTrackEvent = 11, kDefaultsTrackUuid = 11;
// TrackDescriptor; ProcessDescriptor; ThreadDescriptor
inline constexpr std::uint32_t kTrackUuid = 1, kTrackName = 2, kTrackProcess = 3, kTrackThread = 4, kTrackParent = 5,
                               kTrackCounter = 8;
inline constexpr std::uint32_t kProcessPid = 1, kProcessName = 6;
inline constexpr std::uint32_t kThreadPid = 1, kThreadTid = 2, kThreadName = 5;
// TrackEvent
inline constexpr std::uint32_t kCategoryIids = 3, kDebugAnnotations = 4, kEventType = 9, kNameIid = 10,
                               kEventTrackUuid = 11, kCategories = 22, kEventName = 23, kCounterValue = 30,
                               kDoubleCounterValue = 44;
inline constexpr std::uint64_t kSliceBegin = 1, kSliceEnd = 2, kInstant = 3, kCounter = 4;
// DebugAnnotation: a name and a JSON value (Perfetto shows its members as the event's args)
inline constexpr std::uint32_t kAnnotationJson = 9, kAnnotationName = 10;
// InternedData; EventCategory and EventName { iid = 1, name = 2 }
inline constexpr std::uint32_t kInternedCategories = 1, kInternedNames = 2, kIid = 1, kInternedText = 2;

}  // namespace pyitt::collector::perfetto
