#include "command_line.h"
#include "python_command_line.h"

#include <gtest/gtest.h>

#include <csignal>

#include "collection_control.h"

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

TEST(ParseInvocation, ChildProcessOptionsSurviveTheTripToAChild) {
    const auto parent = parse_invocation({"pyitt-host", "--mp-start-method", "forkserver", "--no-follow-children",
                                          "-s", "/proc/self/exe", "--", "p.py"},
                                         nullptr);
    const std::string marker = encode_args(parent.options.to_args());
    const HostOptions got = parse_invocation({"pyitt-host", "x.py"}, marker.c_str()).options;
    EXPECT_EQ(got.mp_start_method, "forkserver");
    EXPECT_FALSE(got.follow_children);
    EXPECT_EQ(got.setup_file, "/proc/self/exe");
    const HostOptions defaults = parse_invocation({"pyitt-host", "x.py"}, nullptr).options;
    EXPECT_EQ(defaults.mp_start_method, "auto");
    EXPECT_TRUE(defaults.follow_children);
    EXPECT_THROW(parse_invocation({"pyitt-host", "--mp-start-method", "thread", "x.py"}, nullptr), UsageError);
}

TEST(ParseInvocation, VerbosityAndLabelsSurviveTheTripToAChild) {
    const auto parent = parse_invocation({"pyitt-host", "-v", "2", "--label", "file", "line", "--", "p.py"}, nullptr);
    const std::string marker = encode_args(parent.options.to_args());
    const HostOptions got = parse_invocation({"pyitt-host", "x.py"}, marker.c_str()).options;
    EXPECT_EQ(got.verbosity, 2);
    EXPECT_EQ(got.labels, (Args{"file", "line"}));
    EXPECT_EQ(parse_invocation({"pyitt-host", "x.py"}, nullptr).options.verbosity, 0);
}

TEST(ParseInvocation, LabelWithoutPiecesIsTheNameAlone) {  // omnitrace's --label takes nargs="*"
    EXPECT_EQ(parse_invocation({"pyitt-host", "--label", "--", "p.py"}, nullptr).options.labels, Args{});
    EXPECT_EQ(parse_invocation({"pyitt-host", "--label", "-F", "p.py"}, nullptr).options.labels, Args{});
}

TEST(ParseInvocation, OptionsAreNamedAsTyped) {
    const auto typed = parse_invocation({"pyitt-host", "-I", "a", "--module-exclude", "b", "-MR=c", "--", "p.py"}, nullptr);
    EXPECT_EQ(option_as_typed(typed, "--function-include"), "-I");
    EXPECT_EQ(option_as_typed(typed, "--module-exclude"), "--module-exclude");
    EXPECT_EQ(option_as_typed(typed, "--module-restrict"), "-MR");
    EXPECT_EQ(option_as_typed(typed, "--pause-on"), "--pause-on");  // not given: the long name
}

TEST(ParseInvocation, UsageErrors) {
    EXPECT_THROW(parse_invocation({"pyitt-host"}, nullptr), UsageError);
    EXPECT_THROW(parse_invocation({"pyitt-host", "-I", "fib"}, nullptr), UsageError);
    EXPECT_THROW(parse_invocation({"pyitt-host", "--bogus", "x.py"}, nullptr), UsageError);
    EXPECT_THROW(parse_invocation({"pyitt-host", "-I"}, nullptr), UsageError);
    EXPECT_THROW(parse_invocation({"pyitt-host", "x.py"}, "--no-such-option"), UsageError);
}

TEST(CollectionControl, OptionsSurviveTheTripToAChild) {
    const auto parent = parse_invocation({"pyitt-host", "--start-paused", "--resume-on", "solve", "^Run\\.go$",
                                          "--pause-on", "io", "--resume-after", "1.25", "--pause-after=0",
                                          "--detach-after", "30", "--resume-signal", "usr1", "--pause-signal",
                                          "SIGUSR2", "--detach-on-exit", "--collection-scope", "host", "--", "p.py"},
                                         nullptr);
    HostOptions sent = parent.options;
    sent.run_started_ns = 123456789;
    const std::string marker = encode_args(sent.to_args());
    const HostOptions got = parse_invocation({"pyitt-host", "x.py"}, marker.c_str()).options;
    EXPECT_TRUE(got.start_paused);
    EXPECT_EQ(got.resume_on, (Args{"solve", "^Run\\.go$"}));
    EXPECT_EQ(got.pause_on, (Args{"io"}));
    EXPECT_EQ(got.resume_after, 1.25);
    EXPECT_EQ(got.pause_after, 0.0);
    EXPECT_EQ(got.detach_after, 30.0);
    EXPECT_EQ(got.resume_signal, "usr1");
    EXPECT_EQ(got.pause_signal, "SIGUSR2");
    EXPECT_TRUE(got.detach_on_exit);
    EXPECT_EQ(got.collection_scope, "host");
    EXPECT_EQ(got.run_started_ns, 123456789);
}

TEST(CommandLine, QuietReachesChildren) {
    const HostOptions quiet = parse_invocation({"pyitt-host", "-q", "x.py"}, nullptr).options;
    EXPECT_TRUE(quiet.quiet);
    EXPECT_TRUE(parse_host_options(quiet.to_args()).quiet);
    const HostOptions loud = parse_invocation({"pyitt-host", "x.py"}, nullptr).options;
    EXPECT_FALSE(parse_host_options(loud.to_args()).quiet);
}

TEST(CollectionControl, UnsetTimesStayUnset) {
    const HostOptions options = parse_invocation({"pyitt-host", "x.py"}, nullptr).options;
    const HostOptions child = parse_host_options(options.to_args());
    EXPECT_LT(child.resume_after, 0);
    EXPECT_LT(child.pause_after, 0);
    EXPECT_LT(child.detach_after, 0);
    EXPECT_FALSE(starts_paused(child));
}

TEST(CollectionControl, SignalNames) {
    EXPECT_EQ(parse_signal("SIGUSR1"), SIGUSR1);
    EXPECT_EQ(parse_signal("USR1"), SIGUSR1);
    EXPECT_EQ(parse_signal("usr2"), SIGUSR2);
    EXPECT_EQ(parse_signal(std::to_string(SIGUSR2)), SIGUSR2);
    EXPECT_EQ(parse_signal("SIGRTMIN+2"), SIGRTMIN + 2);
    EXPECT_EQ(parse_signal("RTMAX-1"), SIGRTMAX - 1);
    for (const char* refused : {"SIGKILL", "STOP", "SIGINT", "TERM", "SEGV", "9", "0", "-1", "USR", "SIGRTMAX+1",
                                "SIGRTMIN+", "", "1x"}) {
        EXPECT_EQ(parse_signal(refused), std::nullopt) << refused;
    }
}

TEST(CollectionControl, WhatStartsPaused) {
    const auto options = [](Args args) {
        args.insert(args.begin(), "pyitt-host");
        args.insert(args.end(), {"--", "x.py"});
        return parse_invocation(args, nullptr).options;
    };
    EXPECT_TRUE(starts_paused(options({"--start-paused"})));
    EXPECT_TRUE(starts_paused(options({"--resume-on", "solve"})));
    EXPECT_TRUE(starts_paused(options({"-b"})));
    EXPECT_TRUE(starts_paused(options({"--resume-after", "2"})));
    EXPECT_TRUE(starts_paused(options({"--resume-after", "2", "--pause-after", "5"})));  // a window
    EXPECT_FALSE(starts_paused(options({"--pause-after", "2", "--resume-after", "5"})));  // a gap
    EXPECT_FALSE(starts_paused(options({"--pause-on", "io"})));
    EXPECT_FALSE(starts_paused(options({"--resume-signal", "USR1"})));
}

TEST(CollectionControl, UsageErrors) {
    for (const Args& args : {Args{"--resume-after", "-1"}, Args{"--pause-after=-0.5"}, Args{"--detach-after", "soon"},
                             Args{"--resume-after", "nan"}, Args{"--resume-signal", "SIGKILL"},
                             Args{"--pause-signal", "NOPE"}, Args{"--collection-scope", "gpu"}}) {
        Args argv{"pyitt-host"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.push_back("x.py");
        EXPECT_THROW(parse_invocation(argv, nullptr), UsageError) << args[0];
    }
}

TEST(PythonProgram, WhatAPythonCommandLineRuns) {
    using Kind = PythonProgram::Kind;
    const auto is = [](Args argv, Kind kind, const std::string& text) {
        const PythonProgram program = python_program(argv);
        EXPECT_EQ(program.kind, kind) << argv.back();
        EXPECT_EQ(program.text, text) << argv.back();
    };
    is({"py", "-u", "-X", "dev", "script.py", "-c"}, Kind::kScript, "script.py");
    is({"py", "-B", "-c", "print(1)", "--multiprocessing-fork"}, Kind::kCommand, "print(1)");
    is({"py", "-Bc", "pass"}, Kind::kCommand, "pass");
    is({"py", "-Wignore", "-mjson.tool"}, Kind::kModule, "json.tool");
    is({"py", "--", "x.py"}, Kind::kScript, "x.py");
    is({"py", "-"}, Kind::kStdin, "");
    is({"py"}, Kind::kStdin, "");
}

}  // namespace
}  // namespace pyitt::host
