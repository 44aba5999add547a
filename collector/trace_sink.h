// What the trace writer (trace_writer.cpp) hands to a trace format: tasks, spans, instants and counters
// already paired and in time order per thread, names resolved. One sink per format: Chrome Trace Event
// JSON (json_sink.cpp) and Perfetto's protobuf (perfetto_sink.cpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "objects.h"

namespace pyitt::collector {

// A task's arguments (ITT metadata, ids, relations) as the body of a JSON object, built only for the
// events that have some: both formats carry them as JSON (Perfetto as a legacy JSON annotation).
struct Args {
    std::string body;
    std::vector<std::string> relations;
    void add(std::string_view key_json, std::string_view value_json) {
        if (!body.empty()) body += ',';
        body.append(key_json).append(":").append(value_json);
    }
    bool empty() const { return body.empty() && relations.empty(); }
    std::string object() const;  // {"key":value,...,"relations":[...]}
};

struct ProcessInfo {
    pid_t pid = 0;
    std::string name;
    std::string run_id;
    bool tsc = false;  // the clock the timestamps came from
};

// The process's trailer, for the merge: who it was, and its flat table.
struct ProcessTrailer {
    long parent = 0;
    std::uint64_t first_ns = 0, wall_ns = 0;
    int end_signal = 0;
    std::string process_name;  // as it is now (the host may name the process after begin)
    std::string flat_rows_json;  // rows of the summary's flat table, `[label,count,...]` separated by commas
    std::vector<std::string> threads;  // the summary's thread lines ("thread <tid> <name>: ...")
    std::string collection;            // its "collection paused ..." line, if it paused
};

// The trailer's members, `"pyittProcess":{...},\n"pyittFlat":[...]`, as both formats carry them
// (the JSON trace at its top level, the Perfetto trace in its trailer packet's object).
std::string trailer_members(const ProcessInfo& process, unsigned long long events, const ProcessTrailer& trailer);

class TraceSink {
public:
    virtual ~TraceSink() = default;
    // Threads are numbered 0..n-1 in the order the record reader knows them.
    virtual void begin(const ProcessInfo& process, const std::vector<pid_t>& tids) = 0;
    // Threads met after begin (the background converter's sink sees them come): tids of threads
    // tids.size() - n.. of every thread so far.
    virtual void add_threads(const std::vector<pid_t>& tids) = 0;
    // A nested task opened on `thread`; ended by task_end, innermost first.
    virtual void task_begin(std::size_t thread, std::uint64_t ts_ns, const Name* domain, const Name* name) = 0;
    // `keep`: the task is long enough for the trace (--min-duration) or unfinished.
    virtual void task_end(std::size_t thread, std::uint64_t begin_ns, std::uint64_t end_ns, const Name* domain,
                          const Name* name, const Args& args, bool keep) = 0;
    // A span that may overlap others or end on another thread (overlapped tasks, regions, frames, events).
    virtual void span(std::size_t thread, std::uint64_t begin_ns, std::uint64_t end_ns, const Name* domain,
                      const Name* name, const Args& args) = 0;
    // scope: 't' thread, 'p' process, 'g' global.
    virtual void instant(std::size_t thread, std::uint64_t ts_ns, const Name* domain, const Name* name,
                         char scope, const Args& args) = 0;
    // The value is d when is_float, else i (as signed or as the bits of an unsigned one).
    virtual void counter(std::uint64_t ts_ns, const Name* domain, const Name* name, bool is_float, double d,
                         std::int64_t i, bool is_signed) = 0;
    virtual void thread_name(std::size_t thread, const std::string& name) = 0;
    // The program has ended: the rest may use every core (the background converter's sink used one).
    virtual void exit_started() {}
    virtual void end(const ProcessTrailer& trailer) = 0;
    // Events written (metadata not counted), counted even when the file could not be written.
    virtual unsigned long long events() const = 0;
    virtual bool ok() const = 0;
    virtual int error_number() const = 0;
};

// The compact format's file name extension.
inline constexpr const char* kPerfettoExtension = ".perfetto-trace";

std::unique_ptr<TraceSink> make_json_sink(std::FILE* file);
std::unique_ptr<TraceSink> make_perfetto_sink(std::FILE* file);
// Into a descriptor (the background converter's scratch file): no stdio buffer a forked child could flush.
std::unique_ptr<TraceSink> make_perfetto_sink(int fd);

}  // namespace pyitt::collector
