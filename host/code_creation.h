// Code objects made by libpython, seen as they are made where pyitt-host is linked to see them
// (PYITT_SEES_CODE_CREATION: 3.11 with the static libpython).
#pragma once

#include "host_options.h"

namespace pyitt::host {

// Before Py_Initialize: watches the code objects made if the options may let the frame-evaluation
// function be installed on demand.
void watch_code_creation(const HostOptions& options);

}  // namespace pyitt::host
