// The filters' patterns of a plain form, matched natively with exactly re.search's meaning, so that a
// run whose patterns are all plain never imports `re` (~3 ms and 12 M instructions a process).
// Plain: branches joined by a top-level `|`, each an optional `^`, ASCII literal characters (any but
// the special `.^$*+?{}[]\|()`, or one of them, or other punctuation, escaped by a backslash) and an
// optional `$`. `^` is the text's start (no MULTILINE), `$` its end or just before a newline that
// ends it. Anything else (classes, groups, quantifiers, `.`, `\d`, flags) is left to `re`.
#pragma once

#include <Python.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pyitt::instrument {

class PlainPattern {
public:
    // The pattern, when it is plain.
    static std::optional<PlainPattern> parse(std::string_view source);

    // re.search(source, text) is not None, for a text as UTF-8 bytes.
    bool search(std::string_view text) const;

    // The same for a str (null, or not a str: false).
    bool search(PyObject* text) const;

private:
    struct Branch {
        std::string literal;
        bool at_start = false;
        bool at_end = false;
    };
    std::vector<Branch> branches_;
};

}  // namespace pyitt::instrument
