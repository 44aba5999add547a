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

// For `-m MODULE`, last before the program: runpy's errors ("No module named ...") name
// sys.executable, which is pyitt-host; python's name python. runpy is imported here as python is
// about to import it for -m anyway.
void name_python_in_runpy_errors(const std::string& embedded_python);

}  // namespace pyitt::host
