// Plain patterns (module/instrument/plain_pattern.h) mean exactly what re.search makes of them: checked
// against the embedded python's own re on a table of patterns and texts.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plain_pattern.h"

using pyitt::instrument::PlainPattern;

namespace {

const std::vector<std::string> kPlain = {
    "", "fib", "^fib", "fib$", "^fib$", "fib|run", "^fib$|^run$", "^a|b$|c", "|", "^", "$", "^$", "a|",
    "pkg\\.mod", "^pkg\\.mod\\.", "\\.py$", "^test_", "_work$", "a\\$b", "a\\^", "a\\|b", "x\\\\y", "a-b/c d",
    "<lambda>", "^<module>$", "a\\(b\\)", "a\\*", "\\.", "mod\\.Class\\.method$", "__init__",
};
const std::vector<std::string> kNotPlain = {
    ".", "f.b", "fib*", "a+", "a?", "a{2}", "(fib)", "[ab]", "\\d", "\\bfib", "\\w+", "a$b", "a^b", "^^a",
    "a$$", "(?i)fib", "\\", "fi\\b", "\\1", "caf\xc3\xa9", "a\tb", "a\nb", "{", "a}", "\\Afib\\Z",
};
const std::vector<std::string> kTexts = {
    "", "\n", "fib", "fib\n", "fib\n\n", "\nfib", "fibo", "xfib", "run", "runner", "a", "b", "c", "ab", "ba",
    "pkg.mod", "pkgxmod", "pkg.mod.sub", "x.pkg.mod", "/a/b.py", "/a/b.py\n", "/a/b.pyc", "test_x", "x_test_",
    "do_work", "do_work\n", "do_work2", "a$b", "a^", "a|b", "x\\y", "a-b/c d", "<lambda>", "<module>",
    "<module>\n", "<module>x", "a(b)", "a*", ".", "mod.Class.method", "mod.Class.method\n", "__init__",
    "caf\xc3\xa9.fib", "\xc3\xa9", "fib\xc3\xa9\n",
};

class PlainPatternTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        Py_InitializeEx(0);
        re_search = PyObject_GetAttrString(PyImport_ImportModule("re"), "search");
        ASSERT_NE(re_search, nullptr);
    }
    static bool re_finds(const std::string& pattern, PyObject* text) {
        PyObject* result = PyObject_CallFunction(re_search, "s#O", pattern.data(), static_cast<Py_ssize_t>(pattern.size()), text);
        EXPECT_NE(result, nullptr) << pattern;
        const bool found = result != nullptr && result != Py_None;
        Py_XDECREF(result);
        return found;
    }
    static inline PyObject* re_search = nullptr;
};

TEST_F(PlainPatternTest, PlainOnesAreTold) {
    for (const std::string& pattern : kPlain) EXPECT_TRUE(PlainPattern::parse(pattern)) << pattern;
    for (const std::string& pattern : kNotPlain) EXPECT_FALSE(PlainPattern::parse(pattern)) << pattern;
}

TEST_F(PlainPatternTest, MatchAsReSearchDoes) {
    int compared = 0;
    for (const std::string& pattern : kPlain) {
        const auto plain = PlainPattern::parse(pattern);
        ASSERT_TRUE(plain) << pattern;
        for (const std::string& text : kTexts) {
            PyObject* str = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "strict");
            ASSERT_NE(str, nullptr);
            const bool expected = re_finds(pattern, str);
            EXPECT_EQ(plain->search(str), expected) << "re.search(" << pattern << ", " << text << ")";
            EXPECT_EQ(plain->search(std::string_view(text)), expected) << "bytes: " << pattern << ", " << text;
            Py_DECREF(str);
            ++compared;
        }
        // A path with undecodable bytes (surrogateescape), as file names come.
        PyObject* path = PyUnicode_DecodeFSDefault("/x/\xff/fib.py");
        ASSERT_NE(path, nullptr);
        EXPECT_EQ(plain->search(path), re_finds(pattern, path)) << pattern << " on a path with an undecodable byte";
        Py_DECREF(path);
    }
    EXPECT_EQ(compared, static_cast<int>(kPlain.size() * kTexts.size()));
}

}  // namespace
