// A Perfetto trace file's top level, for the merge (perfetto_reader.h): whole packets streamed off
// any source (every length checked against what is there), a compressed packet inflated, and a
// regular file framed packet by packet without reading their bodies (the merge's fast path).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_scanner.h"

namespace pyitt::collector {

// The largest packet accepted, compressed or inflated: beyond it the trace counts as corrupt.
inline constexpr std::size_t kMaxPacketBytes = 64u << 20;

// Whole fields off a ByteSource, without ever trusting a length.
class PacketStream {
public:
    explicit PacketStream(ByteSource& in) : in_(in) {}
    // false at a clean end (eof() true) or at a broken one (problem set).
    bool next(std::uint32_t& field, std::string& bytes);
    bool eof() const { return eof_; }
    const std::string& problem() const { return problem_; }
    std::uint64_t offset() const { return offset_; }

private:
    std::size_t fill(char* out, std::size_t n);
    bool varint(std::uint64_t& v, bool at_start);
    bool fail(const char* what);

    ByteSource& in_;
    char buffer_[64 * 1024];
    std::size_t pos_ = 0, size_ = 0;
    std::uint64_t offset_ = 0;
    bool eof_ = false;
    std::string problem_;
};

// The zlib stream `in` inflated whole into `out` (at most kMaxPacketBytes); false when it is not one.
bool inflate_all(std::string_view in, std::string& out);

// A top-level packet of a file, framed but not parsed.
struct Piece {
    std::uint64_t offset = 0, body = 0, end = 0;  // its tag, its body, the byte after it
    bool compressed = false;  // its body is one compressed_packets field and nothing else
};

// A regular file read at offsets through a window of `window` bytes (or more, for one longer
// view): a trace that fits is read once.
class FileWindow {
public:
    FileWindow(int fd, std::size_t window) : fd_(fd), window_bytes_(window) {}
    // Up to n bytes at `offset` (fewer at the end of the file, none on an error), valid until the next call.
    std::string_view view(std::uint64_t offset, std::size_t n);

private:
    int fd_;
    std::size_t window_bytes_;
    std::string window_;
    std::uint64_t start_ = 0;
};

// The file's packets, when it is whole packets and nothing else (no length past its end).
std::optional<std::vector<Piece>> framed(FileWindow& file, std::uint64_t size);

}  // namespace pyitt::collector
