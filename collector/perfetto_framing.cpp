#include "perfetto_framing.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "perfetto_format.h"
#include "protobuf_wire.h"

namespace pyitt::collector {

bool PacketStream::next(std::uint32_t& field, std::string& bytes) {
    std::uint64_t tag = 0, length = 0;
    if (!varint(tag, true)) return false;
    field = static_cast<std::uint32_t>(tag >> 3);
    if ((tag & 7) != wire::kLengthDelimited) return fail("a top-level field that is not a packet");
    if (!varint(length, false)) return false;
    if (length > kMaxPacketBytes) return fail("a packet larger than 64 MiB");
    bytes.resize(static_cast<std::size_t>(length));
    for (std::size_t got = 0; got < bytes.size();) {
        const std::size_t n = fill(bytes.data() + got, bytes.size() - got);
        if (n == 0) return fail("cut inside a packet");
        got += n;
    }
    offset_ += length;
    return true;
}

std::size_t PacketStream::fill(char* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
        if (pos_ == size_) {
            size_ = in_.read(buffer_, sizeof buffer_);
            pos_ = 0;
            if (size_ == 0) break;
        }
        const std::size_t take = std::min(n - done, size_ - pos_);
        std::memcpy(out + done, buffer_ + pos_, take);
        pos_ += take;
        done += take;
    }
    return done;
}

bool PacketStream::varint(std::uint64_t& v, bool at_start) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        char c;
        if (fill(&c, 1) == 0) {
            if (at_start && shift == 0) {
                eof_ = true;
                return false;
            }
            return fail("cut inside a packet's length");
        }
        ++offset_;
        v |= std::uint64_t{static_cast<unsigned char>(c) & 0x7fu} << shift;
        if ((static_cast<unsigned char>(c) & 0x80) == 0) return true;
    }
    return fail("an over-long varint");
}

bool PacketStream::fail(const char* what) {
    if (problem_.empty()) problem_ = std::string(what) + " at byte " + std::to_string(offset_);
    return false;
}

bool inflate_all(std::string_view in, std::string& out) {
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return false;
    out.clear();
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    int result = Z_OK;
    char buffer[64 * 1024];
    while (result == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(buffer);
        z.avail_out = sizeof buffer;
        result = inflate(&z, Z_NO_FLUSH);
        out.append(buffer, sizeof buffer - z.avail_out);
        if (out.size() > kMaxPacketBytes) result = Z_MEM_ERROR;
        if (result == Z_OK && z.avail_in == 0 && z.avail_out != 0) result = Z_DATA_ERROR;  // ended early
    }
    inflateEnd(&z);
    return result == Z_STREAM_END && z.avail_in == 0;
}

std::string_view FileWindow::view(std::uint64_t offset, std::size_t n) {
    if (offset < start_ || offset + n > start_ + window_.size()) {
        window_.resize(std::max(n, window_bytes_));
        start_ = offset;
        std::size_t got = 0;
        while (got < window_.size()) {
            const ssize_t r = pread(fd_, window_.data() + got, window_.size() - got, static_cast<off_t>(offset + got));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += static_cast<std::size_t>(r);
        }
        window_.resize(got);
    }
    const std::size_t from = static_cast<std::size_t>(offset - start_);
    return std::string_view(window_).substr(std::min(from, window_.size()), n);
}

std::optional<std::vector<Piece>> framed(FileWindow& file, std::uint64_t size) {
    using namespace perfetto;
    std::vector<Piece> pieces;
    for (std::uint64_t at = 0; at < size;) {
        // Room for the longest tag and length, and a compressed packet's own tag and length.
        const std::string_view head = file.view(at, 32);
        wire::Reader r(head);
        std::uint64_t tag = 0, length = 0;
        if (!r.varint(tag) || tag != (kTracePacket << 3 | wire::kLengthDelimited) || !r.varint(length)) return std::nullopt;
        Piece p;
        p.offset = at;
        p.body = at + (head.size() - r.left());
        if (length > kMaxPacketBytes || length > size - p.body) return std::nullopt;
        p.end = p.body + length;
        const std::string_view body = head.substr(head.size() - r.left(), static_cast<std::size_t>(length));
        wire::Reader inner(body);
        std::uint64_t inner_tag = 0, inner_length = 0;
        p.compressed = inner.varint(inner_tag) && inner_tag == (kCompressedPackets << 3 | wire::kLengthDelimited) &&
                       inner.varint(inner_length) && (body.size() - inner.left()) + inner_length == length;
        pieces.push_back(p);
        at = p.end;
    }
    return pieces;
}

}  // namespace pyitt::collector
