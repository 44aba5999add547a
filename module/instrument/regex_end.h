// Where a Python regex's `$` matches, for the filters matched natively (default_filters.cpp,
// plain_pattern.cpp): the end of the text, and before a newline that ends it.
#pragma once

#include <string_view>

namespace pyitt::instrument {

// Whether `test` holds for the text up to a place where `$` matches.
template <class Test>
bool at_an_end(std::string_view text, Test test) {
    if (test(text)) return true;
    return !text.empty() && text.back() == '\n' && test(text.substr(0, text.size() - 1));
}

}  // namespace pyitt::instrument
