// A bounded pull reader of JSON text, for files the collector did not necessarily write whole: a
// per-process trace cut short by a kill, or anything someone put under its name. Whatever the
// input, it never crashes, never recurses or allocates without bound, and ends at the end of the
// input: a malformed or oversized value makes it fail, for good, with the reason in error().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace pyitt::collector {

// Where the bytes come from: read() fills up to n bytes, 0 at the end (or on an error).
class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual std::size_t read(char* buffer, std::size_t n) = 0;
};

class MemorySource final : public ByteSource {
public:
    explicit MemorySource(std::string_view text) : text_(text) {}
    std::size_t read(char* buffer, std::size_t n) override;

private:
    std::string_view text_;
};

class FdSource final : public ByteSource {
public:
    explicit FdSource(int fd) : fd_(fd) {}
    std::size_t read(char* buffer, std::size_t n) override;

private:
    int fd_;
};

class JsonScanner {
public:
    static constexpr int kMaxDepth = 64;
    static constexpr std::size_t kBufferBytes = 65536;

    explicit JsonScanner(ByteSource& in) : in_(in), buffer_(new char[kBufferBytes]) {}

    // The next byte that is not whitespace, not consumed; false at the end of the input or failed.
    bool peek(char& c);
    // Skips whitespace and consumes `expected`, else fails.
    bool consume(char expected);
    // Inside an object or array just opened with consume('{' or '['): true when another element
    // follows (its comma consumed), false at the closing bracket (consumed) or on failure.
    bool more(char close, bool& first);
    // A string, unescaped; bytes beyond `keep` are checked but dropped (out may be nullptr).
    bool read_string(std::string* out, std::size_t keep = SIZE_MAX);
    // A number as JSON writes it; `token` views its text (valid until the next call).
    bool read_number(std::string_view& token);
    // Any value, nested at most kMaxDepth deep.
    bool skip_value() { return skip_value(0); }

    // Every byte consumed from now on is appended to *raw too; more than `limit` fails.
    void start_capture(std::string* raw, std::size_t limit);
    void stop_capture() { capture_ = nullptr; }

    bool failed() const { return error_ != nullptr; }
    const char* error() const { return error_ != nullptr ? error_ : ""; }
    bool at_end();  // nothing but whitespace left
    std::uint64_t offset() const { return consumed_; }

private:
    int peek_byte();
    int get_byte();
    bool skip_whitespace();
    bool skip_value(int depth);
    bool read_utf8_tail(int lead, std::string* out, bool keeping);
    bool fail(const char* why);

    ByteSource& in_;
    std::unique_ptr<char[]> buffer_;  // on the heap: the merge may run on a small thread stack
    std::size_t pos_ = 0, size_ = 0;
    bool eof_ = false;
    std::uint64_t consumed_ = 0;
    std::string* capture_ = nullptr;
    std::size_t capture_limit_ = 0;
    char number_[64];
    const char* error_ = nullptr;
};

// Integer and decimal values of number tokens; false when the token is not one that fits.
bool parse_uint(std::string_view token, std::uint64_t& out);
bool parse_int(std::string_view token, std::int64_t& out);
bool parse_double(std::string_view token, double& out);

}  // namespace pyitt::collector
