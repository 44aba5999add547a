// pyitt's pure-Python modules (module/python/pyitt/**.py), compiled into the binary with their code
// marshalled at build time (module/embed), so the host needs no Python files beside it.
#pragma once

#include <cstddef>

#include "embedded_code.h"

namespace pyitt::api {

struct EmbeddedSource {
    const char* module;  // "pyitt.compatibility_layers.itt_python"
    bool is_package;
    pyitt::embed::EmbeddedCode code;  // its filename "<pyitt>/pyitt/compatibility_layers/itt_python.py"
};

extern const EmbeddedSource kEmbeddedSources[];
extern const std::size_t kEmbeddedSourceCount;
extern const pyitt::embed::EmbeddedCode kEmbeddedImporterCode;  // module/python/bootstrap/embedded_importer.py

}  // namespace pyitt::api
