// pyitt's pure-Python modules (module/python/pyitt/**.py), compiled into the binary by CMake so the
// host needs no Python files beside it.
#pragma once

#include <cstddef>

namespace pyitt::api {

struct EmbeddedSource {
    const char* module;   // "pyitt.compatibility_layers.itt_python"
    const char* path;     // "<pyitt>/pyitt/compatibility_layers/itt_python.py": shown in tracebacks
    bool is_package;
    const char* source;
};

extern const EmbeddedSource kEmbeddedSources[];
extern const std::size_t kEmbeddedSourceCount;
extern const char* const kEmbeddedImporterSource;  // module/python/bootstrap/embedded_importer.py

}  // namespace pyitt::api
