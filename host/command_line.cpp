// The one parser of pyitt-host's options: CLI11 for the options themselves, plus the two things
// CLI11 cannot do as they are: omnitrace's multi-letter single-dash options (-MI -ME -MR) and
// finding where the host's options end and the python command line begins.
#include "command_line.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <regex>
#include <string_view>
#include <utility>


#include "collection_control.h"
#include "config_file.h"
#include "help_formatter.h"
#include "version.h"

namespace pyitt::host {
namespace {

constexpr std::string_view kProgram = "pyitt-host";

// omnitrace-python spells these with one dash; CLI11 would read "-MI" as "-M I".
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kMultiLetterOptions{{
    {"-MI", "--module-include"},
    {"-ME", "--module-exclude"},
    {"-MR", "--module-restrict"},
}};

std::string spell_long(std::string_view token) {
    for (auto [short_name, long_name] : kMultiLetterOptions) {
        if (token == short_name) return std::string(long_name);
        if (token.size() > short_name.size() && token.substr(0, short_name.size()) == short_name &&
            token[short_name.size()] == '=') {
            return std::string(long_name) + std::string(token.substr(short_name.size()));
        }
    }
    return std::string(token);
}

class OptionParser {
public:
    explicit OptionParser(HostOptions& options) : app_("Run a Python program with its calls as Intel ITT tasks.") {
        std::vector<OtherSpelling> multi_letter_spellings;
        for (auto [short_name, long_name] : kMultiLetterOptions) {
            multi_letter_spellings.push_back({std::string(long_name), std::string(short_name)});
        }
        app_.formatter(make_help_formatter(
            std::vector<std::string>{
                fmt::format("{} [OPTIONS] [--] SCRIPT [ARGS...]", kProgram),
                fmt::format("{} [OPTIONS] -- [PYTHON-FLAGS] (SCRIPT | -m MODULE | -c CODE | -) [ARGS...]", kProgram),
                fmt::format("{} --merge DIR [DIR...]   (an MPI or Slurm job's merge after the fact)", kProgram)},
            std::vector<std::string>{
                "Everything after -- is a python command line, run exactly as the embedded python would run it. "
                "Options that take several values (-I, -E, ...) take every word up to the next option, so put -- "
                "before the script after them."},
            fmt::format("The environment variables, the files written and the exit status are described in "
                        "the manual: man {}.",
                        kProgram),
            std::move(multi_letter_spellings)));
        app_.set_help_flag("-h,--help", "Print this help and exit")->group("Run");
        app_.add_option("-v,--verbosity", options.verbosity,
                        "Report on stderr as it runs (lines 'pyitt-host: [vN] ...'): 1, the collector, the output "
                        "directory, each child process and multiprocessing's start method; 2, also each code "
                        "object's instrumentation decision as it is made")
            ->type_name("N")
            ->check(CLI::Validator(
                [](std::string& value) {
                    int level = 0;
                    if (CLI::detail::lexical_cast(value, level) && level >= 0) return std::string();
                    return fmt::format("'{}' is not a verbosity: give 0, 1 or 2", value);
                },
                ""))
            ->default_str("0")
            ->group("Run");
        app_.add_flag("-q,--quiet", options.quiet,
                      "At exit, print only where the output files are, not the summary (it is in summary.txt)")
            ->group("Run");
        app_.add_flag("--version", show_version_, "Print the versions of pyitt-host, Python and pybind11, where it is installed and its default collector")
            ->group("Run");

        const auto filter = [&](const char* names, std::vector<std::string>& into, const char* what,
                                const char* metavar) {
            app_.add_option(names, into, what)
                ->type_name(metavar)
                ->group("Filters");
        };
        filter("-I,--function-include", options.include_functions,
               "Instrument functions matching these regexes, whatever the other filters say", "FUNC...");
        filter("-E,--function-exclude", options.exclude_functions,
               "Skip functions matching these regexes and everything they call", "FUNC...");
        filter("-R,--function-restrict", options.restrict_functions,
               "Instrument only functions matching these regexes", "FUNC...");
        filter("--module-include", options.include_modules,
               "Instrument files/modules matching these regexes despite -ME", "FILE...");
        filter("--module-exclude", options.exclude_modules,
               "Skip functions from files/modules matching these regexes", "FILE...");
        filter("--module-restrict", options.restrict_modules,
               "Instrument only functions from files/modules matching these regexes", "FILE...");

        app_.add_flag("!--no-default-filters", options.default_filters,
                      "Do not apply omnitrace's default exclusions (<module>, lambdas, comprehensions, "
                      "import machinery, threading.py, json's encoder/decoder)")
            ->group("Filters");

        // Read by config_file_words, not by CLI11's reader, which drops what it does not understand.
        app_.add_option("-c,--config", config_file_, "Read options from a TOML file whose keys are the long option names")
            ->type_name("FILE")
            ->group("Run");
        app_.add_option("-s,--setup", options.setup_file,
                        "Run this Python file before the program, not instrumented (heavy imports)")
            ->type_name("FILE")
            ->check(CLI::Validator(CLI::ExistingFile).description(""))  // the metavar says FILE
            ->group("Run");

        app_.add_option("--domain", options.domain, "ITT domain of the automatic tasks")
            ->type_name("NAME")
            ->default_str("python")
            ->group("Instrumentation");
        // Zero pieces too, as omnitrace's nargs="*": --label alone is the name alone.
        app_.add_option("--label", options.labels,
                        "Label tasks [name(args)][file:line] with these pieces; with none, or not given, a task's "
                        "label is its qualified name")
            ->type_name("[args|file|line...]")
            ->expected(0, CLI::detail::expected_max_vector_size)
            ->check(CLI::IsMember({"args", "file", "line"}).description(""))
            ->group("Instrumentation");
        app_.add_flag("-F,--full-filepath", options.full_filepath, "The file in labels is the full path")
            ->group("Instrumentation");
        app_.add_flag("--trace-c", options.trace_c,
                      "C functions called from Python are tasks too (builtins.sorted, math.sqrt)")
            ->group("Instrumentation");
        app_.add_flag("-b,--builtin", options.builtin_regions,
                      "Put `profile` and `noprofile` in builtins; only code inside `profile` regions "
                      "(@profile, with profile:) is instrumented, and collection runs only inside them")
            ->group("Instrumentation");
        app_.add_flag("--noinstrumenter", options.noinstrumenter,
                      "Start with instrumentation off; pyitt.instrumenter.enable() turns it on")
            ->group("Instrumentation");
        app_.add_option("--explain", options.explain_file,
                        "At exit, write every code object seen with its decision and the rule that made it")
            ->type_name("FILE")
            ->group("Instrumentation");

        add_collection_control(options);

        app_.add_option("--mp-start-method", options.mp_start_method,
                        "multiprocessing's default start method under pyitt-host (the program may still "
                        "choose another); keep: Python's own (fork before 3.14); auto: Python's, but spawn "
                        "instead of fork under an external collector such as VTune")
            ->type_name("auto|spawn|forkserver|fork|keep")
            ->check(CLI::IsMember({"auto", "spawn", "forkserver", "fork", "keep"}).description(""))
            ->default_str("auto")
            ->group("Child processes");
        app_.add_flag("!--no-follow-children", options.follow_children,
                      "Child processes run as plain python (sys.executable is the embedded python), "
                      "uninstrumented")
            ->group("Child processes");

        app_.add_option("--collector", options.collector,
                        "Where ITT calls go: auto (VTune's collector when INTEL_LIBITTNOTIFY64 names "
                        "one, else builtin), builtin (trace and summary), none, or the PATH of a "
                        "collector library")
            ->type_name("auto|builtin|none|PATH")
            ->default_str("auto")
            ->group("Output");
        app_.add_option("-o,--output", options.output_dir,
                        "Directory for the built-in collector's trace-<pid>.json and summary-<pid>.txt "
                        "(default $PYITT_OUTPUT_DIR, else pyitt-output/<program>-<date>-<time>/)")
            ->type_name("DIR")
            ->group("Output");
        app_.add_option("--trace-format", options.trace_format,
                        "How the built-in collector writes traces: perfetto (Perfetto's protobuf, compressed: a "
                        "few bytes an event) or json (Chrome Trace Event JSON, about 100 bytes an event) (default "
                        "$PYITT_TRACE_FORMAT, else perfetto)")
            ->type_name("perfetto|json")
            ->check(CLI::IsMember({"perfetto", "json"}).description(""))
            ->group("Output");
        app_.add_option("--min-duration", options.min_duration_us,
                        "Leave nested tasks shorter than this many microseconds out of the trace (the summary "
                        "still counts them)")
            ->type_name("US")
            ->check(CLI::Validator(
                [](std::string& value) {
                    double us = 0;
                    if (!CLI::detail::lexical_cast(value, us) || !std::isfinite(us) || us < 0 || us > 1e12)
                        return fmt::format("'{}' is not a number of microseconds (0 or more)", value);
                    return std::string();
                },
                ""))
            ->group("Output");
    }

    // Parses option tokens only; a stray positional is an error.
    void parse(std::vector<std::string> tokens) {
        std::vector<std::string> reversed(tokens.rbegin(), tokens.rend());
        app_.parse(reversed);
    }

    // How many values the option spelled by `token` takes (0 for flags, unknown options: 0).
    int values_taken(const std::string& token) const {
        std::string name = token.substr(0, token.find('='));
        const CLI::Option* option = app_.get_option_no_throw(name);
        if (option == nullptr) return 0;
        if (name.size() != token.size()) return 0;                        // --name=value
        if (name.rfind("--", 0) != 0 && name.size() > 2) return 0;        // -Xvalue
        return option->get_items_expected_max();
    }

    bool show_version() const { return show_version_; }
    std::string help() const { return app_.help(); }
    // The -c file, if one was given (an empty name too: it is then a file that cannot be read).
    std::optional<std::string> config_file() const {
        if (app_.get_option("--config")->count() == 0) return std::nullopt;
        return config_file_;
    }

    // The option a config file's key names (its long name), if a config file may set it.
    const CLI::Option* config_option(const std::string& key) const {
        if (key == "help" || key == "version" || key == "config" || key.empty() || key[0] == '-') return nullptr;
        const CLI::Option* option = app_.get_option_no_throw("--" + key);
        return option != nullptr && !option->get_group().empty() ? option : nullptr;
    }

    // Every key a config file may use, for suggestions.
    std::vector<std::string> config_keys() const {
        std::vector<std::string> keys;
        for (const CLI::Option* option : app_.get_options()) {
            for (const std::string& name : option->get_lnames()) {
                if (config_option(name) != nullptr) keys.push_back(name);
            }
        }
        return keys;
    }

    bool given(const CLI::Option& option) const { return option.count() > 0; }

    // The name CLI11's messages give the option typed as `typed` ("--function-include" for -I).
    std::string name_in_messages(const std::string& typed) const {
        const CLI::Option* option = app_.get_option_no_throw(spell_long(typed));
        return option != nullptr ? option->get_name() : std::string();
    }

private:
    void add_collection_control(HostOptions& options) {
        const char* group = "Collection control";
        app_.add_flag("--start-paused", options.start_paused,
                      "Pause collection (__itt_pause) before any of the program runs; implied by --resume-on, "
                      "-b and --resume-after")
            ->group(group);
        app_.add_option("--resume-on", options.resume_on,
                        "Collect while any thread is inside a function matching these regexes (as -I); "
                        "paused elsewhere")
            ->type_name("FUNC...")
            ->group(group);
        app_.add_option("--pause-on", options.pause_on,
                        "Pause collection while any thread is inside a function matching these regexes")
            ->type_name("FUNC...")
            ->group(group);
        const CLI::Validator non_negative(
            [](std::string& value) {
                double seconds = 0;
                if (!CLI::detail::lexical_cast(value, seconds)) return fmt::format("'{}' is not a number of seconds", value);
                if (seconds < 0) return fmt::format("{} is negative: give the seconds since start, 0 or more", value);
                if (!std::isfinite(seconds)) return fmt::format("'{}' is not a number of seconds", value);
                return std::string();
            },
            "");
        const auto seconds = [&](const char* name, double& into, const char* what) {
            app_.add_option(name, into, what)->type_name("SECONDS")->check(non_negative)->group(group);
        };
        seconds("--resume-after", options.resume_after,
                "Resume collection this many seconds after pyitt-host started (paused until then)");
        seconds("--pause-after", options.pause_after, "Pause collection this many seconds after pyitt-host started");
        seconds("--detach-after", options.detach_after,
                "Detach the collector this many seconds after pyitt-host started: nothing more is collected");
        const CLI::Validator signal_check(
            [](std::string& value) {
                if (parse_signal(value)) return std::string();
                return fmt::format("'{}' is not a signal pyitt-host can take over (SIGUSR1, USR2, 12, SIGRTMIN+1, "
                                   "HUP, QUIT, ...; not INT, TERM, KILL, STOP or fault signals)",
                                   value);
            },
            "");
        app_.add_option("--resume-signal", options.resume_signal,
                        "Resume collection when this signal arrives (the same signal as --pause-signal toggles)")
            ->type_name("SIG")
            ->check(signal_check)
            ->group(group);
        app_.add_option("--pause-signal", options.pause_signal, "Pause collection when this signal arrives")
            ->type_name("SIG")
            ->check(signal_check)
            ->group(group);
        app_.add_flag("--detach-on-exit", options.detach_on_exit,
                      "Detach the collector when the program is done (after its threads and atexit handlers), "
                      "before the interpreter's teardown")
            ->group(group);
        app_.add_option("--collection-scope", options.collection_scope,
                        "What pyitt-host's own pauses act on, with the scoped ITT calls when the collector has them")
            ->type_name("host|offload|all")
            ->check(CLI::IsMember({"host", "offload", "all"}).description(""))
            ->default_str("all")
            ->group(group);
        // Hidden: set by the process the user started, for its children.
        app_.add_option("--run-started", options.run_started_ns)->group("");
        app_.add_option("--trigger-report", options.trigger_report)->group("");
    }

    CLI::App app_;
    bool show_version_ = false;
    std::string config_file_;
};

bool looks_like_option(const std::string& token) { return token.size() > 1 && token[0] == '-'; }

// The option named `name` in CLI11's messages, as the user typed it (the last time).
std::string typed_name(const std::string& name, const std::vector<std::string>& typed_names) {
    HostOptions scratch;
    const OptionParser parser(scratch);
    for (auto typed = typed_names.rbegin(); typed != typed_names.rend(); ++typed) {
        if (parser.name_in_messages(*typed) == name) return *typed;
    }
    return name;
}

// CLI11's messages in pyitt-host's voice: "<option>: <what is wrong>[; <what to do>]", the option
// named as the user typed it.
std::string usage_message(const CLI::ParseError& error, const std::vector<std::string>& typed_names) {
    const std::string message = error.what();
    std::smatch match;
    static const std::regex extras("The following arguments? (?:was|were) not expected: (\\S+).*");
    if (std::regex_match(message, match, extras)) {
        const std::string word = match[1];
        if (looks_like_option(word)) {
            return fmt::format("{}: not an option of pyitt-host; pyitt-host --help lists them", word.substr(0, word.find('=')));
        }
        return fmt::format("'{}': no option takes this value; put -- before the program", word);
    }
    static const std::regex conversion("Could not convert: (\\S+) = (.*)");
    if (std::regex_match(message, match, conversion)) {
        return fmt::format("{}: '{}' is not a value it takes", typed_name(match[1], typed_names), match[2].str());
    }
    static const std::regex named("(-[^:\\s]+): (.*)");
    if (!std::regex_match(message, match, named)) return message;
    const std::string option = typed_name(match[1], typed_names);
    const std::string what = match[2];
    static const std::regex missing("\\d+ required (\\S+?)(?:\\.\\.\\.)? missing");
    static const std::regex not_member("(.*) not in \\{(.*)\\}");
    static const std::regex no_file("File does not exist: (.*)");
    if (std::regex_match(what, match, missing)) return fmt::format("{}: no {} given", option, match[1].str());
    if (std::regex_match(what, match, not_member)) {
        std::string choices = match[2];
        for (size_t comma = choices.find(','); comma != std::string::npos; comma = choices.find(',', comma + 2)) {
            choices.replace(comma, 1, ", ");
        }
        std::error_code no_file;  // --label fib.py: the script, taken as a piece
        const bool is_file = std::filesystem::is_regular_file(match[1].str(), no_file);
        return fmt::format("{}: '{}' is not one of {}{}", option, match[1].str(), choices,
                           is_file ? "; put -- before the program" : "");
    }
    if (std::regex_match(what, match, no_file)) return fmt::format("{}: no such file '{}'", option, match[1].str());
    return fmt::format("{}: {}", option, what);
}

// The edit distance between two keys, to suggest the key a typo meant.
size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t replace = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, replace});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::string unknown_key_message(const std::string& key, const OptionParser& parser) {
    std::string spelled = key;
    std::replace(spelled.begin(), spelled.end(), '_', '-');
    std::string best;
    size_t best_distance = std::max<size_t>(2, spelled.size() / 4) + 1;
    for (const std::string& candidate : parser.config_keys()) {
        const size_t distance = edit_distance(spelled, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    if (!best.empty()) return fmt::format("unknown key '{}' (did you mean '{}'?)", key, best);
    return fmt::format("unknown key '{}' (the keys are the long option names of pyitt-host --help, without the "
                       "dashes)",
                       key);
}

// One entry of a config file as the option words it stands for, or why it cannot be.
std::vector<std::string> config_entry_words(const ConfigEntry& entry, const CLI::Option& option,
                                            const std::string& file) {
    const std::string name = "--" + entry.key;
    const ConfigValue& value = entry.value;
    const auto wrong_type = [&](const char* expected) {
        return ConfigError(file, entry.line,
                           fmt::format("'{}' takes {}, not {}", entry.key, expected, value.describe_type()));
    };
    if (option.get_items_expected_max() == 0) {  // a flag
        if (value.type != ConfigValue::Type::kBoolean) throw wrong_type("true or false");
        return value.text == "true" ? std::vector<std::string>{name} : std::vector<std::string>{};
    }
    const bool seconds = option.get_type_name() == "SECONDS";
    const bool number = seconds || option.get_type_name() == "N";
    const auto scalar_word = [&](const ConfigValue& scalar) {
        const bool fits = number ? scalar.type == ConfigValue::Type::kNumber : scalar.type == ConfigValue::Type::kString;
        if (!fits) {
            throw wrong_type(seconds ? "a number of seconds"
                             : number ? "a number"
                             : option.get_items_expected_max() > 1 ? "a string or an array of strings"
                                                                   : "a string");
        }
        return fmt::format("{}={}", name, scalar.text);
    };
    if (value.type != ConfigValue::Type::kArray) return {scalar_word(value)};
    if (option.get_items_expected_max() <= 1) {
        throw wrong_type(seconds ? "a number of seconds" : number ? "a number" : "a string");
    }
    std::vector<std::string> words;
    for (const ConfigValue& item : value.items) words.push_back(scalar_word(item));
    return words;
}

// The option words of a config file, checked one entry at a time so that every mistake has its
// line, without those the command line gives (which win, as with CLI11's own config files).
std::vector<std::string> config_file_words(const std::string& file, const OptionParser& command_line) {
    std::vector<std::string> words;
    for (const ConfigEntry& entry : read_config_file(file)) {
        const CLI::Option* option = command_line.config_option(entry.key);
        if (option == nullptr) throw ConfigError(file, entry.line, unknown_key_message(entry.key, command_line));
        std::vector<std::string> entry_words = config_entry_words(entry, *option, file);
        HostOptions scratch;
        OptionParser check(scratch);
        try {
            check.parse(entry_words);
        } catch (const CLI::ParseError& error) {
            throw ConfigError(file, entry.line, usage_message(error, {}));
        }
        if (command_line.given(*option)) continue;
        words.insert(words.end(), entry_words.begin(), entry_words.end());
    }
    return words;
}

}  // namespace

UsageError::UsageError(const std::string& message) : std::runtime_error([&] {
    std::string line;
    for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        line += byte < 0x20 || byte == 0x7f ? fmt::format("\\x{:02x}", byte) : std::string(1, c);
    }
    return line;
}()) {}

HostOptions parse_host_options(const std::vector<std::string>& option_args) {
    HostOptions options;
    OptionParser parser(options);
    try {
        parser.parse(option_args);
    } catch (const CLI::CallForHelp&) {
        throw UsageError("--help: not an option a child process takes");
    } catch (const CLI::ParseError& error) {
        throw UsageError(usage_message(error, {}));
    }
    return options;
}

Invocation parse_invocation(const std::vector<std::string>& argv, const char* child_options) {
    Invocation invocation;
    const std::string argv0 = argv.empty() ? std::string(kProgram) : argv.front();
    invocation.python_argv.push_back(argv0);

    if (child_options != nullptr) {
        try {
            invocation.options = parse_host_options(decode_args(child_options));
        } catch (const UsageError& error) {
            throw UsageError(fmt::format("{}: not valid ({}); unset {} to start a new pyitt-host run",
                                         kChildOptionsVariable, error.what(), kChildOptionsVariable));
        }
        invocation.python_argv.insert(invocation.python_argv.end(), argv.begin() + (argv.empty() ? 0 : 1),
                                      argv.end());
        return invocation;
    }

    OptionParser parser(invocation.options);
    std::vector<std::string> host_tokens;
    bool program_given = false;
    for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& token = argv[i];
        if (token == "--") {
            invocation.python_argv.insert(invocation.python_argv.end(), argv.begin() + i + 1, argv.end());
            program_given = true;
            break;
        }
        if (!looks_like_option(token)) {
            invocation.python_argv.insert(invocation.python_argv.end(), argv.begin() + i, argv.end());
            program_given = true;
            break;
        }
        if (token.size() > 2 && token[1] != '-' && token[2] == '=') {  // -R=fib, as argparse reads it
            invocation.typed_names.push_back(token.substr(0, 2));
            if (parser.values_taken(token.substr(0, 2)) == 0 && parser.name_in_messages(token.substr(0, 2)) != "") {
                throw UsageError(fmt::format("{}: takes no value, not '{}'", token.substr(0, 2), token.substr(3)));
            }
            host_tokens.push_back(token.substr(0, 2));
            host_tokens.push_back(token.substr(3));
            continue;
        }
        invocation.typed_names.push_back(token.substr(0, token.find('=')));
        host_tokens.push_back(spell_long(token));
        const int wanted = parser.values_taken(host_tokens.back());
        for (int taken = 0; taken < wanted && i + 1 < argv.size(); ++taken) {
            const std::string& value = argv[i + 1];
            if (value == "--" || (taken > 0 && looks_like_option(value))) break;
            if (taken == 0 && wanted > 1 && looks_like_option(value)) break;
            host_tokens.push_back(value);
            ++i;
        }
    }

    try {
        parser.parse(host_tokens);
        if (const std::optional<std::string> config_file = parser.config_file()) {
            // Parsed again with the file's options first: the parser is bound to invocation.options.
            std::vector<std::string> words = config_file_words(*config_file, parser);
            words.insert(words.end(), host_tokens.begin(), host_tokens.end());
            invocation.options = HostOptions();
            OptionParser with_config(invocation.options);
            with_config.parse(words);
        }
    } catch (const CLI::CallForHelp&) {
        std::fputs(parser.help().c_str(), stdout);
        invocation.exit_now = 0;
        return invocation;
    } catch (const CLI::ParseError& error) {
        throw UsageError(usage_message(error, invocation.typed_names));
    }
    std::erase(invocation.options.labels, "");  // what CLI11 keeps of a --label without pieces
    if (parser.show_version()) {
        std::fputs(version_text().c_str(), stdout);
        invocation.exit_now = 0;
        return invocation;
    }
    if (!program_given) {
        throw UsageError(
            "no program to run: give a SCRIPT, or -- and a python command line "
            "(options like -I take every word up to the next option: pyitt-host -I fib -- script.py)");
    }
    return invocation;
}

std::string option_as_typed(const Invocation& invocation, const std::string& long_name) {
    return typed_name(long_name, invocation.typed_names);
}

std::vector<std::string> HostOptions::to_args() const {
    std::vector<std::string> args;
    const auto add_each = [&](const char* name, const std::vector<std::string>& values) {
        for (const auto& value : values) args.push_back(fmt::format("{}={}", name, value));
    };
    add_each("--function-include", include_functions);
    add_each("--function-exclude", exclude_functions);
    add_each("--function-restrict", restrict_functions);
    add_each("--module-include", include_modules);
    add_each("--module-exclude", exclude_modules);
    add_each("--module-restrict", restrict_modules);
    if (!default_filters) args.push_back("--no-default-filters");
    args.push_back("--domain=" + domain);
    add_each("--label", labels);
    if (full_filepath) args.push_back("--full-filepath");
    if (trace_c) args.push_back("--trace-c");
    if (builtin_regions) args.push_back("--builtin");
    if (noinstrumenter) args.push_back("--noinstrumenter");
    if (!setup_file.empty()) args.push_back("--setup=" + setup_file);
    if (!explain_file.empty()) args.push_back("--explain=" + explain_file);
    if (start_paused) args.push_back("--start-paused");
    add_each("--resume-on", resume_on);
    add_each("--pause-on", pause_on);
    const auto add_seconds = [&](const char* name, double value) {
        if (value >= 0) args.push_back(fmt::format("{}={}", name, value));
    };
    add_seconds("--resume-after", resume_after);
    add_seconds("--pause-after", pause_after);
    add_seconds("--detach-after", detach_after);
    if (!resume_signal.empty()) args.push_back("--resume-signal=" + resume_signal);
    if (!pause_signal.empty()) args.push_back("--pause-signal=" + pause_signal);
    if (detach_on_exit) args.push_back("--detach-on-exit");
    args.push_back("--collection-scope=" + collection_scope);
    args.push_back("--mp-start-method=" + mp_start_method);
    if (!follow_children) args.push_back("--no-follow-children");
    if (run_started_ns != 0) args.push_back(fmt::format("--run-started={}", run_started_ns));
    if (!trigger_report.empty()) args.push_back("--trigger-report=" + trigger_report);
    args.push_back("--collector=" + collector);
    if (!output_dir.empty()) args.push_back("--output=" + output_dir);
    if (!trace_format.empty()) args.push_back("--trace-format=" + trace_format);
    if (min_duration_us > 0) args.push_back(fmt::format("--min-duration={}", min_duration_us));
    if (verbosity != 0) args.push_back(fmt::format("--verbosity={}", verbosity));
    if (quiet) args.push_back("--quiet");
    return args;
}


}  // namespace pyitt::host
