// What `pyitt-host --version` says.
#pragma once

#include <string>

namespace pyitt::host {

std::string version_text();

// The file this process runs, symlinks resolved (/proc/self/exe); empty if unreadable.
std::string own_executable();

}  // namespace pyitt::host
