#include "pyitt_module.h"

#include "instrumenter.h"

namespace py = pybind11;

namespace pyitt {

void define_module(py::module_& module, bool in_host) {
    module.doc() = "Intel ITT API for Python (pyitt-compatible), from pyitt-host.";
    module.attr("__version__") = kVersion;
    module.attr("in_host") = in_host;
    instrument::define(module);
}

}  // namespace pyitt
