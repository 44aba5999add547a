// What the host does inside the interpreter before and after the program: the setup file and the
// automatic instrumentation.
#pragma once

#include "host_options.h"
#include "instrument_config.h"

namespace pyitt::host {

pyitt::instrument::Config instrument_config(const HostOptions& options);

// -s FILE: runs it in a namespace of its own, before instrumentation starts. A failure prints
// python's traceback and exits with status 1, as the program itself would have.
void run_setup_file(const std::string& path);

// Everything between interpreter start and the program: collector, setup file, instrumentation.
// Exits with status 2 for a filter that is not a regular expression.
void prepare_program(const HostOptions& options, bool is_child);

}  // namespace pyitt::host
