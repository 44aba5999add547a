// pyitt-host --help's layout: GNU's usage lines, the prose wrapped to the terminal, then each group
// of options with every spelling, its metavar and default, descriptions in a column.
#include "help_formatter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <utility>

#include <sys/ioctl.h>
#include <unistd.h>

namespace pyitt::host {
namespace {

// The width help is laid out for: $COLUMNS, else the terminal's, else 80 (a pipe, a file).
size_t help_width() {
    if (const char* columns = std::getenv("COLUMNS")) {
        char* end = nullptr;
        const long value = std::strtol(columns, &end, 10);
        if (end != columns && *end == '\0' && value > 0) return std::clamp<long>(value, 40, 200);
    }
    winsize size{};
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
        return std::clamp<size_t>(size.ws_col, 40, 200);
    }
    return 80;
}

// Words of `text` as lines no wider than `width` once `indent` spaces precede each; a word longer
// than that has a line of its own rather than being cut.
std::string wrapped(std::string_view text, size_t indent, size_t width, bool indent_first = true) {
    std::string out;
    std::string line;
    const auto flush = [&](bool first) {
        if (!first || indent_first) out.append(indent, ' ');
        out += line;
        out += '\n';
        line.clear();
    };
    bool first = true;
    size_t start = 0;
    while (start < text.size()) {
        const size_t space = text.find(' ', start);
        const std::string_view word = text.substr(start, space == std::string_view::npos ? std::string_view::npos
                                                                                        : space - start);
        start = space == std::string_view::npos ? text.size() : space + 1;
        if (word.empty()) continue;
        if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
            flush(first);
            first = false;
        }
        if (!line.empty()) line += ' ';
        line += word;
    }
    if (!line.empty() || first) flush(first);
    return out;
}

// --help as a well-kept tool lays it out: the usage lines, what it does, the prose wrapped to the terminal, then
// each group of options with every name as it is typed (-MI included), the value's metavar and the
// default, descriptions in a column. A CLI::Formatter, so that CLI11 calls it for --help; CLI11's
// own layout shows a second usage line for an unnamed app, validator names as metavars and
// negated flags' {false}.
class HelpFormatter : public CLI::Formatter {
public:
    HelpFormatter(std::vector<std::string> usage, std::vector<std::string> paragraphs, std::string footer,
                  std::vector<OtherSpelling> other_spellings)
        : usage_(std::move(usage)),
          paragraphs_(std::move(paragraphs)),
          footer_(std::move(footer)),
          other_spellings_(std::move(other_spellings)) {}

    std::string make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const override {
        const size_t width = help_width();
        // GNU's layout of the usage lines, which help2man makes the man page's SYNOPSIS.
        std::string out;
        for (const std::string& line : usage_) out += (out.empty() ? "Usage: " : "  or:  ") + line + "\n";
        out += wrapped(app->get_description(), 0, width);
        for (const std::string& paragraph : paragraphs_) out += "\n" + wrapped(paragraph, 0, width);
        for (const std::string& group : app->get_groups()) {
            if (group.empty()) continue;  // hidden: for pyitt-host's own children
            out += "\n" + group + ":\n";
            for (const CLI::Option* option : app->get_options([&](const CLI::Option* o) { return o->get_group() == group; })) {
                out += option_entry(*option, width);
            }
        }
        if (!footer_.empty()) out += "\n" + wrapped(footer_, 0, width);
        return out;
    }

private:
    static constexpr size_t kIndent = 2;
    static constexpr size_t kGap = 2;

    // "-I, --function-include FUNC...": every spelling, then the metavar of what it takes.
    std::string spelling(const CLI::Option& option) const {
        std::vector<std::string> names;
        for (const std::string& name : option.get_snames()) names.push_back("-" + name);
        for (const std::string& name : option.get_lnames()) {
            for (const OtherSpelling& other : other_spellings_) {
                if (other.long_name == "--" + name) names.push_back(other.spelling);
            }
        }
        for (const std::string& name : option.get_lnames()) names.push_back("--" + name);
        std::string spec;
        for (const std::string& name : names) spec += (spec.empty() ? "" : ", ") + name;
        if (option.get_items_expected_max() > 0) spec += " " + option.get_type_name();
        return spec;
    }

    std::string option_entry(const CLI::Option& option, size_t width) const {
        const size_t column = std::min<size_t>(30, width / 3);
        std::string description = option.get_description();
        if (!option.get_default_str().empty()) description += fmt::format(" (default: {})", option.get_default_str());
        std::string spec = std::string(kIndent, ' ') + spelling(option);
        if (spec.size() + kGap > column) {  // its description starts on the next line
            return spec + "\n" + wrapped(description, column, width);
        }
        spec.resize(column, ' ');
        return spec + wrapped(description, column, width, false);
    }

    std::vector<std::string> usage_;
    std::vector<std::string> paragraphs_;
    std::string footer_;
    std::vector<OtherSpelling> other_spellings_;
};

}  // namespace

std::shared_ptr<CLI::FormatterBase> make_help_formatter(std::vector<std::string> usage, std::vector<std::string> paragraphs,
                                                        std::string footer, std::vector<OtherSpelling> other_spellings) {
    return std::make_shared<HelpFormatter>(std::move(usage), std::move(paragraphs), std::move(footer),
                                           std::move(other_spellings));
}

}  // namespace pyitt::host
