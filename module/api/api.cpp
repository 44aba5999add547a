// pyitt::api::define: builds the module from its parts and makes the compiled-in Python modules
// (pyitt.compatibility_layers...) importable.
#include "api.h"

#include "api_parts.h"
#include "embedded_python.h"
#include "handles.h"
#include "regions.h"

namespace pyitt::api {

namespace py = pybind11;

namespace {

// Installs (or replaces, on a re-import) the meta-path finder that serves kEmbeddedSources. In the
// host, importlib.abc (a costly import) is left to the program: the finder is registered with it
// once imported (the returned function, given the module), else now.
py::object install_embedded_modules(py::module_& package, bool in_host) {
    py::dict sources;
    for (std::size_t i = 0; i < kEmbeddedSourceCount; ++i) {
        const EmbeddedSource& s = kEmbeddedSources[i];
        sources[py::str(s.module)] = py::make_tuple(s.code.filename, s.is_package,
                                                    py::str(s.code.source, s.code.source_size),
                                                    embed::marshalled_view(s.code));
    }
    py::dict scope;
    scope["__name__"] = "pyitt._embedded_importer";
    scope["__builtins__"] = py::module_::import("builtins");
    embed::exec_embedded(kEmbeddedImporterCode, scope);
    scope["install"](sources, package, !in_host);
    return scope["register_abcs"];
}

}  // namespace

py::object define(py::module_& module, bool in_host) {
    // The API is the same in both; module.in_host tells users which one they got.
    // A package, so that `import pyitt.compatibility_layers.itt_python` asks the meta-path finders.
    module.attr("__path__") = py::list();
    if (!add_handle_types(module.ptr())) throw py::error_already_set();
    define_functions(module);
    define_counters(module);
    py::object activator = module.attr("ManualCollectionRegionActivator")();
    if (!add_region_types(module.ptr(), activator.ptr())) throw py::error_already_set();
    return install_embedded_modules(module, in_host);
}

}  // namespace pyitt::api
