// How every file the collector writes reaches the output directory: whole or not at all, and never
// through a name someone else planted there. pyitt-host runs as root in shared directories, where
// fopen(name, "w") would follow another user's symlink and overwrite its target, and where a reader
// (a merge, a second run, Perfetto) must never see a half-written file.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace pyitt::collector {

// The output directory: a descriptor every name is resolved against (so a directory swapped for a
// link after we opened it does not redirect us) and its path as the user gave it, for messages.
struct OutputDirectory {
    int fd = -1;       // AT_FDCWD for the current directory; -1: unusable
    std::string path;  // "" for the current directory
    std::string shown(std::string_view name) const;  // path/name, for messages and the host
};

// One output: written under a fresh hidden name (O_EXCL|O_NOFOLLOW: a planted name is never
// opened), then renamed onto its final name, which replaces a planted link itself, not its target.
// Dropped unpublished (an error, an exception), the temporary is removed. Where a file was made
// ahead (prepared_files.h), it is written nameless and gets its hidden name (link(2), which is as
// exclusive) just before it is published.
class OutputFile {
public:
    explicit OutputFile(const OutputDirectory& dir, mode_t mode = 0644);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    // nullptr when the temporary could not be created (error() says why).
    std::FILE* stream() const { return stream_; }
    bool ok() const { return stream_ != nullptr && error_.empty(); }
    const std::string& error() const { return error_; }

    // For names shared by design (trace.json, summary.txt of a run, our own marker): replaces
    // whatever is there.
    bool publish_replacing(const std::string& name);

    // For per-process names: never replaces an existing file. A pid is reused by an exec'd image
    // of the same process, whose files must not clobber the first image's: the first free of
    // stem + ext, stem-2 + ext, stem-3 + ext... from `first_index` on (1 is the bare stem).
    // Returns the index taken, 0 on failure; `name` receives the name.
    int publish_new(std::string_view stem, std::string_view ext, std::string& name, int first_index = 1);

    static std::string indexed_name(std::string_view stem, std::string_view ext, int index);

private:
    int create_temporary(mode_t mode);  // a descriptor, or -1 (error_ set)
    bool flush_anonymous();                           // false (error_ set) when its bytes did not all go in
    bool link_anonymous(const std::string& name) const;  // link(2) of the prepared file: false, errno set
    bool name_anonymous();  // a prepared file (prepared_files.h) under a temporary name of its own
    // publish_new for a prepared file: the index, 0 after an error, -1 to go the temporary's way.
    int publish_new_anonymous(std::string_view stem, std::string_view ext, std::string& name, int first_index);
    bool close_stream();  // flushes and closes; false (error_ set) when anything was lost
    void fail(const char* what, int error_number);
    void discard();

    OutputDirectory dir_;
    std::string temp_name_;  // empty once published or discarded, and while anonymous_
    bool anonymous_ = false;  // a prepared file, still without a name
    std::FILE* stream_ = nullptr;
    std::string error_;
};

// A second name for an existing file of the directory (a hard link: no copy), replacing whatever
// is at `name`: the run's trace.json for the lone process's trace-<pid>.json. "" or the error.
std::string link_replacing(const OutputDirectory& dir, const std::string& existing, const std::string& name);

}  // namespace pyitt::collector
