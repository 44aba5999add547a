// The default exclusions (omnitrace's, ../shared/docs/anchors.md §b, plus the import machinery),
// matched natively with exactly the meaning of the Python regular expressions they are written as
// (re.search: `$` also before a final newline), so that a run without patterns of its own never
// imports `re`: most of a start's cost.
#pragma once

#include <Python.h>

#include <string>
#include <vector>

namespace pyitt::instrument {

struct DefaultFilter {
    std::string source;  // the pattern as --explain names it
    bool (*matches)(std::string_view text);
};

// Function names: "^<.*>$" (<module>, <lambda>, comprehensions, generator expressions).
const std::vector<DefaultFilter>& default_function_filters();
// Files or module names: json's encoder/decoder, threading, frozen and importlib machinery.
const std::vector<DefaultFilter>& default_module_filters();

// The first filter (in order) that matches any of `texts` (str objects; null ones skipped).
const std::string* find_default(const std::vector<DefaultFilter>& filters, std::initializer_list<PyObject*> texts);

}  // namespace pyitt::instrument
