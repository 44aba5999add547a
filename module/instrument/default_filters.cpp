#include "default_filters.h"

#include <string_view>

#include "regex_end.h"

namespace pyitt::instrument {
namespace {

// "^<.*>$": `.` is anything but a newline.
bool angle_bracketed(std::string_view text) {
    return at_an_end(text, [](std::string_view t) {
        return t.size() >= 2 && t.front() == '<' && t.back() == '>' && t.find('\n') == std::string_view::npos;
    });
}

// "(encoder|decoder|threading)\.py$"
bool json_or_threading_file(std::string_view text) {
    return at_an_end(text, [](std::string_view t) {
        for (std::string_view end : {"encoder.py", "decoder.py", "threading.py"}) {
            if (t.size() >= end.size() && t.substr(t.size() - end.size()) == end) return true;
        }
        return false;
    });
}

// "(^|/)WORD(/|$)", and with `dot` "(^|/)WORD(/|\.|$)": WORD as a path component or module prefix.
bool component(std::string_view text, std::string_view word, bool dot) {
    for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
        if (at != 0 && text[at - 1] != '/') continue;
        const size_t after = at + word.size();
        if (after == text.size() || text[after] == '/' || (dot && text[after] == '.') ||
            (after + 1 == text.size() && text[after] == '\n')) {
            return true;
        }
    }
    return false;
}

bool importlib_machinery(std::string_view text) { return component(text, "importlib", true); }
bool distutils_hack(std::string_view text) { return component(text, "_distutils_hack", false); }

}  // namespace

const std::vector<DefaultFilter>& default_function_filters() {
    static const std::vector<DefaultFilter> filters = {{"^<.*>$", angle_bracketed}};
    return filters;
}

const std::vector<DefaultFilter>& default_module_filters() {
    static const std::vector<DefaultFilter> filters = {{"(encoder|decoder|threading)\\.py$", json_or_threading_file},
                                                       {"^<.*>$", angle_bracketed},
                                                       {"(^|/)importlib(/|\\.|$)", importlib_machinery},
                                                       {"(^|/)_distutils_hack(/|$)", distutils_hack}};
    return filters;
}

const std::string* find_default(const std::vector<DefaultFilter>& filters, std::initializer_list<PyObject*> texts) {
    // UTF-8, a path's undecodable bytes as they were: none of them is a character the filters test.
    std::vector<PyObject*> encoded;
    for (PyObject* text : texts) {
        encoded.push_back(text != nullptr ? PyUnicode_AsEncodedString(text, "utf-8", "surrogateescape") : nullptr);
        if (text != nullptr && encoded.back() == nullptr) PyErr_Clear();
    }
    const std::string* found = nullptr;
    for (const DefaultFilter& filter : filters) {
        for (PyObject* bytes : encoded) {
            if (bytes != nullptr &&
                filter.matches(std::string_view(PyBytes_AS_STRING(bytes), static_cast<size_t>(PyBytes_GET_SIZE(bytes))))) {
                found = &filter.source;
                break;
            }
        }
        if (found != nullptr) break;
    }
    for (PyObject* bytes : encoded) Py_XDECREF(bytes);
    return found;
}

}  // namespace pyitt::instrument
