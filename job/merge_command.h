// pyitt-host --merge DIR [DIR...]: a job's merge after the fact, from its run directory or from the
// copies of it gathered by hand from its nodes.
#pragma once

#include <string>
#include <vector>

namespace pyitt::job {

// Merges into dirs[0] with the built-in collector library at `collector_library`, prints the job's
// summary; returns the exit status (2: a usage error, said in one line).
int merge_command(const std::vector<std::string>& dirs, const std::string& collector_library);

}  // namespace pyitt::job
