#include "command_line.h"

#include <gtest/gtest.h>

namespace pyitt::host {
namespace {

using Args = std::vector<std::string>;

TEST(EncodeArgs, RoundTripsAnyBytesButNul) {
    const Args args{"--function-include=^fib$", "with space", "100%", "tab\there", "new\nline", "", "ünï"};
    EXPECT_EQ(decode_args(encode_args(args)).size(), args.size() - 1);  // an empty word vanishes
    Args without_empty = args;
    without_empty.erase(without_empty.begin() + 5);
    EXPECT_EQ(decode_args(encode_args(without_empty)), without_empty);
    EXPECT_EQ(encode_args({"a b", "c%d"}), "a%20b c%25d");
}

TEST(EncodeArgs, RejectsMalformedEscapes) {
    EXPECT_THROW(decode_args("abc%2"), UsageError);
    EXPECT_THROW(decode_args("abc%zz"), UsageError);
}

TEST(ParseInvocation, SplitsOptionsFromTheProgram) {
    const auto invocation = parse_invocation({"pyitt-host", "-I", "fib", "run", "--", "-u", "x.py", "--", "a"}, nullptr);
    EXPECT_EQ(invocation.options.include_functions, (Args{"fib", "run"}));
    EXPECT_EQ(invocation.python_argv, (Args{"pyitt-host", "-u", "x.py", "--", "a"}));
}

TEST(ParseInvocation, FirstPositionalIsTheScriptAndTheRestIsItsArguments) {
    const auto invocation = parse_invocation({"pyitt-host", "-R=fib", "x.py", "-I", "y", "--"}, nullptr);
    EXPECT_EQ(invocation.options.restrict_functions, (Args{"fib"}));
    EXPECT_TRUE(invocation.options.include_functions.empty());
    EXPECT_EQ(invocation.python_argv, (Args{"pyitt-host", "x.py", "-I", "y", "--"}));
}

TEST(ParseInvocation, MultiLetterSingleDashOptions) {
    const auto invocation =
        parse_invocation({"pyitt-host", "-MI", "a", "b", "-ME=c", "-MR", "d", "--", "x.py"}, nullptr);
    EXPECT_EQ(invocation.options.include_modules, (Args{"a", "b"}));
    EXPECT_EQ(invocation.options.exclude_modules, (Args{"c"}));
    EXPECT_EQ(invocation.options.restrict_modules, (Args{"d"}));
}

TEST(ParseInvocation, OptionsSurviveTheTripToAChild) {
    const auto parent = parse_invocation({"pyitt-host", "-I", "a b", "-E", "x%", "-MR", "m", "--", "p.py"}, nullptr);
    const std::string marker = encode_args(parent.options.to_args());
    const auto child = parse_invocation({"/abs/pyitt-host", "-c", "code", "--multiprocessing-fork"}, marker.c_str());
    EXPECT_EQ(child.options.include_functions, (Args{"a b"}));
    EXPECT_EQ(child.options.exclude_functions, (Args{"x%"}));
    EXPECT_EQ(child.options.restrict_modules, (Args{"m"}));
    EXPECT_EQ(child.python_argv, (Args{"/abs/pyitt-host", "-c", "code", "--multiprocessing-fork"}));
}

TEST(ParseInvocation, UsageErrors) {
    EXPECT_THROW(parse_invocation({"pyitt-host"}, nullptr), UsageError);
    EXPECT_THROW(parse_invocation({"pyitt-host", "-I", "fib"}, nullptr), UsageError);
    EXPECT_THROW(parse_invocation({"pyitt-host", "--bogus", "x.py"}, nullptr), UsageError);
    EXPECT_THROW(parse_invocation({"pyitt-host", "-I"}, nullptr), UsageError);
    EXPECT_THROW(parse_invocation({"pyitt-host", "x.py"}, "--no-such-option"), UsageError);
}

}  // namespace
}  // namespace pyitt::host
