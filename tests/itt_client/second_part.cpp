// A second, separately linked copy of our ITT client runtime in its own shared library, as when the
// host and the pyitt extension (or any other library with a static part) share a process.
#include "itt_client.h"

#define SECOND_PART_EXPORT extern "C" __attribute__((visibility("default")))

SECOND_PART_EXPORT const void* second_part_global(void) { return &pyitt::itt::global(); }

SECOND_PART_EXPORT void second_part_run(void) {
    namespace itt = pyitt::itt;
    itt::Domain* domain = itt::domain_create("second.domain");
    itt::StringHandle* name = itt::string_handle_create("second.task");
    itt::task_begin(domain, itt::kNullId, itt::kNullId, name);
    itt::task_end(domain);
}
