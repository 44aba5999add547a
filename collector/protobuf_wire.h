// Protocol Buffers' wire format, as much of it as the Perfetto trace needs (varints, tags,
// length-delimited fields): written by hand, no library, for the writer's tiny hot path, and read
// back by the merge (perfetto_reader.*), which checks every length against what is there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pyitt::collector::wire {

enum WireType : unsigned { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

inline char* put_varint(char* w, std::uint64_t v) {
    while (v >= 0x80) {
        *w++ = static_cast<char>(v | 0x80);
        v >>= 7;
    }
    *w++ = static_cast<char>(v);
    return w;
}
inline void put_varint(std::string& b, std::uint64_t v) {
    char tmp[10];
    b.append(tmp, put_varint(tmp, v) - tmp);
}
inline void put_tag(std::string& b, std::uint32_t field, WireType type) { put_varint(b, (std::uint64_t{field} << 3) | type); }
inline void put_uint(std::string& b, std::uint32_t field, std::uint64_t v) {
    put_tag(b, field, kVarint);
    put_varint(b, v);
}
inline void put_bytes(std::string& b, std::uint32_t field, std::string_view bytes) {
    put_tag(b, field, kLengthDelimited);
    put_varint(b, bytes.size());
    b.append(bytes);
}
inline void put_double(std::string& b, std::uint32_t field, double d) {
    put_tag(b, field, kFixed64);
    char bytes[8];
    __builtin_memcpy(bytes, &d, 8);  // little-endian, as the wire format wants (x86-64, aarch64)
    b.append(bytes, 8);
}

// Reads fields from a byte range; any length that runs past the end, an over-long varint or an
// unknown wire type stops it (ok() false): the input is never trusted.
class Reader {
public:
    explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
    bool at_end() const { return p_ == end_; }
    bool ok() const { return ok_; }
    std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }

    bool varint(std::uint64_t& v) {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p_ == end_) return fail();
            const auto byte = static_cast<unsigned char>(*p_++);
            v |= std::uint64_t{byte & 0x7fu} << shift;
            if ((byte & 0x80) == 0) return true;
        }
        return fail();
    }
    // One field: its number, its wire type, and its value (varint/fixed in `number`, bytes in `bytes`).
    bool field(std::uint32_t& id, WireType& type, std::uint64_t& number, std::string_view& bytes) {
        std::uint64_t tag;
        if (!varint(tag)) return false;
        id = static_cast<std::uint32_t>(tag >> 3);
        type = static_cast<WireType>(tag & 7);
        if (id == 0 || (tag >> 3) > 0x1fffffff) return fail();
        switch (type) {
            case kVarint: return varint(number);
            case kFixed64: return fixed(8, number);
            case kFixed32: return fixed(4, number);
            case kLengthDelimited: {
                std::uint64_t n;
                if (!varint(n)) return false;
                if (n > left()) return fail();
                bytes = std::string_view(p_, static_cast<std::size_t>(n));
                p_ += n;
                return true;
            }
        }
        return fail();
    }

private:
    bool fixed(int n, std::uint64_t& v) {
        if (left() < static_cast<std::size_t>(n)) return fail();
        v = 0;
        for (int i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(p_[i])} << (8 * i);
        p_ += n;
        return true;
    }
    bool fail() {
        ok_ = false;
        p_ = end_;
        return false;
    }
    const char* p_;
    const char* end_;
    bool ok_ = true;
};

}  // namespace pyitt::collector::wire
