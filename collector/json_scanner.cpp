// The JSON pull reader of json_scanner.h: RFC 8259's grammar, strings checked to be UTF-8 (what
// Python's json module and Perfetto accept), since what it passes through must stay valid JSON.
#include "json_scanner.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

namespace pyitt::collector {

std::size_t MemorySource::read(char* buffer, std::size_t n) {
    n = std::min(n, text_.size());
    std::memcpy(buffer, text_.data(), n);
    text_.remove_prefix(n);
    return n;
}

std::size_t FdSource::read(char* buffer, std::size_t n) {
    for (;;) {
        const ssize_t got = ::read(fd_, buffer, n);
        if (got >= 0) return static_cast<std::size_t>(got);
        if (errno != EINTR) return 0;
    }
}

bool JsonScanner::fail(const char* why) {
    if (error_ == nullptr) error_ = why;
    return false;
}

int JsonScanner::peek_byte() {
    if (pos_ == size_) {
        if (eof_ || error_ != nullptr) return -1;
        size_ = in_.read(buffer_.get(), kBufferBytes);
        pos_ = 0;
        if (size_ == 0) {
            eof_ = true;
            return -1;
        }
    }
    return static_cast<unsigned char>(buffer_[pos_]);
}

int JsonScanner::get_byte() {
    const int c = peek_byte();
    if (c < 0) return c;
    ++pos_;
    ++consumed_;
    if (capture_ != nullptr) {
        if (capture_->size() >= capture_limit_) {
            capture_ = nullptr;
            fail("a value larger than the limit");
            return -1;
        }
        capture_->push_back(static_cast<char>(c));
    }
    return c;
}

void JsonScanner::start_capture(std::string* raw, std::size_t limit) {
    capture_ = raw;
    capture_limit_ = limit;
}

bool JsonScanner::skip_whitespace() {
    for (;;) {
        const int c = peek_byte();
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return c >= 0;
        get_byte();
    }
}

bool JsonScanner::at_end() { return !skip_whitespace() && error_ == nullptr; }

bool JsonScanner::peek(char& c) {
    if (error_ != nullptr) return false;
    if (!skip_whitespace()) return fail("the input ends early");
    c = static_cast<char>(peek_byte());
    return true;
}

bool JsonScanner::consume(char expected) {
    char c;
    if (!peek(c)) return false;
    if (c != expected) return fail("unexpected character");
    get_byte();
    return error_ == nullptr;
}

bool JsonScanner::more(char close, bool& first) {
    char c;
    if (!peek(c)) return false;
    if (c == close) {
        get_byte();
        return false;
    }
    if (!first && !consume(',')) return false;
    if (first && c == ',') return fail("unexpected comma");
    first = false;
    // A trailing comma ("[1,]") is not JSON: the element must follow.
    if (!peek(c)) return false;
    if (c == close || c == ',') return fail("missing element");
    return true;
}

// The continuation bytes of a UTF-8 sequence whose lead byte was read, with the limits of the
// second byte that exclude overlong forms, surrogates and code points past U+10FFFF.
bool JsonScanner::read_utf8_tail(int lead, std::string* out, bool keeping) {
    int count = 0;
    int low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        count = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        count = 2;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        count = 3;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return fail("invalid UTF-8");
    }
    char bytes[4] = {static_cast<char>(lead)};
    for (int i = 1; i <= count; ++i) {
        const int c = get_byte();
        if (c < 0) return fail("the input ends in a string");
        if (c < low || c > high) return fail("invalid UTF-8");
        low = 0x80, high = 0xBF;
        bytes[i] = static_cast<char>(c);
    }
    if (keeping) out->append(bytes, static_cast<std::size_t>(count) + 1);
    return true;
}

namespace {
int hex_value(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        // A lone surrogate escape is kept as U+FFFD: the names we read are only shown, never copied.
        if (code >= 0xD800 && code <= 0xDFFF) code = 0xFFFD;
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}
}  // namespace

bool JsonScanner::read_string(std::string* out, std::size_t keep) {
    if (!consume('"')) return false;
    if (out != nullptr) out->clear();
    for (;;) {
        // Most of a string is printable ASCII other than the quote and the backslash: such a run
        // of the buffer at once (the bytes one at a time below cost ~20 instructions each).
        if (peek_byte() >= 0) {
            std::size_t end = pos_;
            while (end < size_) {
                const auto b = static_cast<unsigned char>(buffer_[end]);
                if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
                ++end;
            }
            const std::size_t run = end - pos_;
            if (run > 0 && (capture_ == nullptr || capture_->size() + run <= capture_limit_)) {
                const char* from = buffer_.get() + pos_;
                if (out != nullptr && out->size() < keep) out->append(from, std::min(run, keep - out->size()));
                if (capture_ != nullptr) capture_->append(from, run);
                pos_ = end;
                consumed_ += run;
            }
        }
        const bool keeping = out != nullptr && out->size() < keep;
        const int c = get_byte();
        if (c < 0) return fail("the input ends in a string");
        if (c == '"') return true;
        if (c < 0x20) return fail("a control character in a string");
        if (c >= 0x80) {
            if (!read_utf8_tail(c, out, keeping)) return false;
            continue;
        }
        if (c != '\\') {
            if (keeping) out->push_back(static_cast<char>(c));
            continue;
        }
        const int e = get_byte();
        char plain = 0;
        switch (e) {
            case '"': plain = '"'; break;
            case '\\': plain = '\\'; break;
            case '/': plain = '/'; break;
            case 'b': plain = '\b'; break;
            case 'f': plain = '\f'; break;
            case 'n': plain = '\n'; break;
            case 'r': plain = '\r'; break;
            case 't': plain = '\t'; break;
            case 'u': {
                unsigned code = 0;
                for (int i = 0; i < 4; ++i) {
                    const int h = hex_value(get_byte());
                    if (h < 0) return fail("a bad \\u escape");
                    code = code * 16 + static_cast<unsigned>(h);
                }
                if (keeping) append_utf8(*out, code);
                continue;
            }
            default: return fail("a bad escape");
        }
        if (keeping) out->push_back(plain);
    }
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, at most sizeof number_ bytes.
bool JsonScanner::read_number(std::string_view& token) {
    char c;
    if (!peek(c)) return false;
    std::size_t n = 0;
    auto take = [&] {
        if (n == sizeof number_) return fail("a number too long");
        number_[n++] = static_cast<char>(get_byte());
        return error_ == nullptr;
    };
    auto digit = [&] { const int d = peek_byte(); return d >= '0' && d <= '9'; };
    auto digits = [&] {
        if (!digit()) return fail("a bad number");
        while (digit())
            if (!take()) return false;
        return true;
    };
    if (peek_byte() == '-' && !take()) return false;
    if (peek_byte() == '0') {
        if (!take()) return false;
    } else if (!digits()) {
        return false;
    }
    if (peek_byte() == '.' && (!take() || !digits())) return false;
    if (peek_byte() == 'e' || peek_byte() == 'E') {
        if (!take()) return false;
        if ((peek_byte() == '+' || peek_byte() == '-') && !take()) return false;
        if (!digits()) return false;
    }
    token = std::string_view(number_, n);
    return true;
}

bool JsonScanner::skip_value(int depth) {
    if (depth >= kMaxDepth) return fail("nested too deeply");
    char c;
    if (!peek(c)) return false;
    if (c == '"') return read_string(nullptr);
    if (c == '{' || c == '[') {
        const char close = c == '{' ? '}' : ']';
        get_byte();
        bool first = true;
        while (more(close, first)) {
            if (close == '}' && (!read_string(nullptr) || !consume(':'))) return false;
            if (!skip_value(depth + 1)) return false;
        }
        return error_ == nullptr;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        std::string_view token;
        return read_number(token);
    }
    for (const char* word : {"true", "false", "null"}) {
        if (c != word[0]) continue;
        for (const char* w = word; *w != '\0'; ++w)
            if (get_byte() != *w) return fail("a bad literal");
        return true;
    }
    return fail("unexpected character");
}

bool parse_uint(std::string_view token, std::uint64_t& out) {
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), out);
    return error == std::errc() && end == token.data() + token.size();
}

bool parse_int(std::string_view token, std::int64_t& out) {
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), out);
    return error == std::errc() && end == token.data() + token.size();
}

bool parse_double(std::string_view token, double& out) {
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), out);
    return error == std::errc() && end == token.data() + token.size() && std::isfinite(out);
}

}  // namespace pyitt::collector
