// Chrome Trace Event JSON (Perfetto UI, chrome://tracing): nested tasks are complete events "X", spans
// async "b"/"e" pairs with an id each, instants "i", counters "C", names "M". Streams through a 1 MiB
// buffer; with no file (it could not be created) events are still counted.
#include <fmt/format.h>

#include <cerrno>
#include <cmath>

#include "trace_sink.h"

namespace pyitt::collector {
namespace {

// Chrome wants microseconds; three decimals keep the nanoseconds.
struct Micros {
    std::uint64_t ns;
};

}  // namespace
}  // namespace pyitt::collector

template <>
struct fmt::formatter<pyitt::collector::Micros> : fmt::formatter<std::string_view> {
    auto format(pyitt::collector::Micros m, format_context& ctx) const {
        return fmt::format_to(ctx.out(), "{}.{:03}", m.ns / 1000, m.ns % 1000);
    }
};

namespace pyitt::collector {

std::string Args::object() const {
    std::string out = "{" + body;
    if (!relations.empty()) {
        out += body.empty() ? "\"relations\":[" : ",\"relations\":[";
        for (std::size_t i = 0; i < relations.size(); ++i) out += (i ? "," : "") + relations[i];
        out += ']';
    }
    return out + "}";
}

namespace {

class JsonSink final : public TraceSink {
public:
    explicit JsonSink(std::FILE* f) : f_(f), ok_(f != nullptr) {}

    void begin(const ProcessInfo& process, const std::vector<pid_t>& tids) override {
        pid_ = process.pid;
        tids_ = tids;
        process_ = process;
        // One line: the merge reads the run from it before it copies the events that follow.
        append(fmt::format("{{\"otherData\":{{\"pid\":{},\"clock\":\"{}\",\"producer\":\"pyitt-collector\",\"run\":{}}},"
                           "\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n",
                           pid_, process.tsc ? "tsc" : "monotonic", json_quote(process.run_id)));
    }

    void add_threads(const std::vector<pid_t>& tids) override { tids_ = tids; }

    void task_begin(std::size_t, std::uint64_t, const Name*, const Name*) override {}

    void task_end(std::size_t thread, std::uint64_t begin_ns, std::uint64_t end_ns, const Name* domain, const Name* name,
                  const Args& args, bool keep) override {
        if (!keep) return;
        auto& b = event();
        fmt::format_to(std::back_inserter(b), "{{\"ph\":\"X\",\"name\":{},\"cat\":{},\"ts\":{},\"dur\":{},\"pid\":{},\"tid\":{}",
                       name->json, domain->json, Micros{begin_ns}, Micros{end_ns - begin_ns}, pid_, tids_[thread]);
        write_args(b, args);
        b.push_back('}');
        end_event();
    }

    // Nestable async events ("b"/"e"): each span gets its own id so spans never merge; the ITT id,
    // if any, is in args.
    void span(std::size_t thread, std::uint64_t begin_ns, std::uint64_t end_ns, const Name* domain, const Name* name,
              const Args& args) override {
        const std::uint64_t id = ++async_seq_;
        auto& b = event();
        fmt::format_to(std::back_inserter(b), "{{\"ph\":\"b\",\"name\":{},\"cat\":{},\"id\":\"0x{:x}\",\"ts\":{},\"pid\":{},\"tid\":{}",
                       name->json, domain->json, id, Micros{begin_ns}, pid_, tids_[thread]);
        write_args(b, args);
        b.push_back('}');
        auto& e = event();
        fmt::format_to(std::back_inserter(e), "{{\"ph\":\"e\",\"name\":{},\"cat\":{},\"id\":\"0x{:x}\",\"ts\":{},\"pid\":{},\"tid\":{}}}",
                       name->json, domain->json, id, Micros{end_ns}, pid_, tids_[thread]);
        end_event();
    }

    void instant(std::size_t thread, std::uint64_t ts_ns, const Name* domain, const Name* name, char scope,
                 const Args& args) override {
        auto& b = event();
        fmt::format_to(std::back_inserter(b), "{{\"ph\":\"i\",\"name\":{},\"cat\":{},\"s\":\"{}\",\"ts\":{},\"pid\":{},\"tid\":{}",
                       name->json, domain->json, scope, Micros{ts_ns}, pid_, tids_[thread]);
        write_args(b, args);
        b.push_back('}');
        end_event();
    }

    void counter(std::uint64_t ts_ns, const Name* domain, const Name* name, bool is_float, double d, std::int64_t i,
                 bool is_signed) override {
        auto& b = event();
        fmt::format_to(std::back_inserter(b), "{{\"ph\":\"C\",\"name\":{},\"cat\":{},\"ts\":{},\"pid\":{},\"args\":{{\"value\":",
                       name->json, domain->json, Micros{ts_ns}, pid_);
        if (is_float)
            fmt::format_to(std::back_inserter(b), "{}", std::isfinite(d) ? fmt::format("{}", d) : "null");
        else if (is_signed)
            fmt::format_to(std::back_inserter(b), "{}", i);
        else
            fmt::format_to(std::back_inserter(b), "{}", static_cast<std::uint64_t>(i));
        b.append(std::string_view("}}"));
        end_event();
    }

    void thread_name(std::size_t thread, const std::string& name) override { thread_names_.emplace_back(thread, name); }

    void end(const ProcessTrailer& t) override {
        meta(pid_, "process_name", process_.name);
        for (const auto& [thread, name] : thread_names_) meta(tids_[thread], "thread_name", name);
        // For the merge of a run's processes (merge.h): who this was and its flat table, one row a line.
        append("\n],\n" + trailer_members(ProcessInfo{pid_, process_.name, process_.run_id}, events_, t) + "}\n");
        flush();
    }

    unsigned long long events() const override { return events_; }
    bool ok() const override { return ok_; }
    int error_number() const override { return error_number_; }

private:
    // Starts one trace event; metadata events ("M") are not counted.
    fmt::memory_buffer& event(bool counted = true) {
        if (!first_) append(",\n");
        first_ = false;
        events_ += counted ? 1 : 0;
        return buf_;
    }
    void append(std::string_view s) { buf_.append(s.data(), s.data() + s.size()); }
    void end_event() {
        if (buf_.size() > (1u << 20)) flush();
    }
    void flush() {
        if (ok_ && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) {
            ok_ = false;
            error_number_ = errno;
        }
        buf_.clear();
    }
    static void write_args(fmt::memory_buffer& out, const Args& args) {
        if (args.empty()) return;
        out.append(std::string_view(",\"args\":"));
        const std::string object = args.object();
        out.append(object.data(), object.data() + object.size());
    }
    void meta(pid_t tid, std::string_view what, const std::string& name) {
        auto& b = event(false);
        fmt::format_to(std::back_inserter(b), "{{\"ph\":\"M\",\"name\":\"{}\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":{}}}}}",
                       what, pid_, tid, json_quote(name));
    }

    std::FILE* f_;
    fmt::memory_buffer buf_;
    bool first_ = true;
    bool ok_;
    int error_number_ = 0;
    unsigned long long events_ = 0;
    std::uint64_t async_seq_ = 0;
    pid_t pid_ = 0;
    std::vector<pid_t> tids_;
    ProcessInfo process_;
    std::vector<std::pair<std::size_t, std::string>> thread_names_;
};

}  // namespace

std::unique_ptr<TraceSink> make_json_sink(std::FILE* file) { return std::make_unique<JsonSink>(file); }

}  // namespace pyitt::collector
