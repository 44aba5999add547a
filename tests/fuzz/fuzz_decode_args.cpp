// The host's decoder of the option words a child inherits (decode_args, host/host_options.h), on
// any input: it returns words or throws UsageError, nothing else, and agrees with encode_args.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "command_line.h"
#include "host_options.h"

using namespace pyitt::host;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> words;
    try {
        words = decode_args(input);
    } catch (const UsageError&) {
        words.clear();
    }
    // Whatever it decoded survives another encoding. (Empty words do not: encode_args writes
    // nothing for them, and the decoder never makes one; option words are never empty.)
    for (const std::string& word : words)
        if (word.empty()) std::abort();
    if (decode_args(encode_args(words)) != words) std::abort();

    // And the input taken as words (split at NUL bytes) comes back as it was.
    std::vector<std::string> raw;
    std::string current;
    for (char c : input) {
        if (c != '\0') {
            current += c;
            continue;
        }
        if (!current.empty()) raw.push_back(current);
        current.clear();
    }
    if (!current.empty()) raw.push_back(current);
    if (decode_args(encode_args(raw)) != raw) std::abort();
    return 0;
}
