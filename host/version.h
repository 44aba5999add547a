// What `pyitt-host --version` says.
#pragma once

#include <string>

namespace pyitt::host {

std::string version_text();

}  // namespace pyitt::host
