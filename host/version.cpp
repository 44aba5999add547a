#include "version.h"

#include <Python.h>
#include <pybind11/detail/common.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "pyitt_module.h"

namespace pyitt::host {

std::string version_text() {
    // Py_GetVersion() reads the libpython actually loaded, which may differ from the headers.
    // Before 3.10 it holds a newline before the compiler.
    std::string python = Py_GetVersion();
    std::replace(python.begin(), python.end(), '\n', ' ');
    return fmt::format("pyitt-host {}\nPython {}\npybind11 {}.{}.{}\n", pyitt::kVersion, python,
                       PYBIND11_VERSION_MAJOR, PYBIND11_VERSION_MINOR, PYBIND11_VERSION_PATCH);
}

}  // namespace pyitt::host
