#include "plain_pattern.h"

#include <cstring>

#include "regex_end.h"

namespace pyitt::instrument {
namespace {

bool printable_ascii(char c) { return c >= 0x20 && c <= 0x7E; }
bool alphanumeric(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

}  // namespace

std::optional<PlainPattern> PlainPattern::parse(std::string_view source) {
    PlainPattern pattern;
    size_t at = 0;
    for (;;) {  // a branch
        Branch branch;
        if (at < source.size() && source[at] == '^') {
            branch.at_start = true;
            ++at;
        }
        for (; at < source.size() && source[at] != '|'; ++at) {
            const char c = source[at];
            if (c == '\\') {  // an escaped punctuation character is itself; `\d`, `\b`, `\1`... are not plain
                if (at + 1 == source.size() || !printable_ascii(source[at + 1]) || alphanumeric(source[at + 1]))
                    return std::nullopt;
                branch.literal += source[++at];
            } else if (c == '$' && (at + 1 == source.size() || source[at + 1] == '|')) {
                branch.at_end = true;
            } else if (!printable_ascii(c) || std::strchr(".^$*+?{}[]()", c) != nullptr) {
                return std::nullopt;
            } else {
                branch.literal += c;
            }
        }
        pattern.branches_.push_back(std::move(branch));
        if (at == source.size()) return pattern;
        ++at;  // the `|`
    }
}

bool PlainPattern::search(std::string_view text) const {
    for (const Branch& b : branches_) {
        const std::string_view literal = b.literal;
        const bool found = b.at_start && b.at_end ? at_an_end(text, [&](std::string_view t) { return t == literal; })
                           : b.at_start           ? text.starts_with(literal)
                           : b.at_end             ? at_an_end(text, [&](std::string_view t) { return t.ends_with(literal); })
                                                  : text.find(literal) != std::string_view::npos;
        if (found) return true;
    }
    return false;
}

bool PlainPattern::search(PyObject* text) const {
    if (text == nullptr || !PyUnicode_Check(text)) return false;
    if (PyUnicode_IS_ASCII(text)) {
        return search(std::string_view(static_cast<const char*>(PyUnicode_DATA(text)),
                                       static_cast<size_t>(PyUnicode_GET_LENGTH(text))));
    }
    // The literals are ASCII: in UTF-8 they match whole characters only, where the str matches them.
    PyObject* bytes = PyUnicode_AsEncodedString(text, "utf-8", "surrogateescape");
    if (bytes == nullptr) {
        PyErr_Clear();
        return false;
    }
    const bool found = search(std::string_view(PyBytes_AS_STRING(bytes), static_cast<size_t>(PyBytes_GET_SIZE(bytes))));
    Py_DECREF(bytes);
    return found;
}

}  // namespace pyitt::instrument
