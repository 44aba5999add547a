# third_party: how every dependency is found (Debian packages; nothing vendored).
# The Python to embed is chosen here: -DPython3_EXECUTABLE=/path/to/python (default Debian's).
if(NOT DEFINED Python3_EXECUTABLE)
  set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python whose libpython pyitt-host embeds")
endif()
find_package(Python3 3.9 REQUIRED COMPONENTS Interpreter Development.Embed Development.Module)
if(Python3_VERSION VERSION_GREATER_EQUAL 3.14)
  message(FATAL_ERROR "pyitt-host supports CPython 3.9 to 3.13; ${Python3_EXECUTABLE} is ${Python3_VERSION}")
endif()
# Paths of the embedded Python as its own interpreter reports them; the host uses them to compute
# sys.path exactly as that python would.
execute_process(
  COMMAND ${Python3_EXECUTABLE} -c "import sys; print(sys.executable)"
  OUTPUT_VARIABLE PYITT_PYTHON_REAL_EXECUTABLE OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)

# Embed libpython the way the python binary itself carries it. Debian's python3 has it linked in
# statically (LTO and PGO objects): the shared library runs Python code ~30% slower, so then the host
# links the same static archive, non-PIE, exporting its symbols for extension modules as python does.
execute_process(
  COMMAND ${Python3_EXECUTABLE} -c "import sysconfig as s; print('libpython' in open('/proc/self/maps').read()); print(s.get_config_var('LIBPL') or ''); print(s.get_config_var('LIBRARY') or ''); print(' '.join(s.get_config_var(k) or '' for k in ('LIBS', 'MODLIBS', 'SYSLIBS')))"
  OUTPUT_VARIABLE _pyitt_libpython OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
string(REPLACE "\n" ";" _pyitt_libpython "${_pyitt_libpython}")
list(GET _pyitt_libpython 0 _pyitt_python_is_shared)
list(GET _pyitt_libpython 1 _pyitt_libpl)
list(GET _pyitt_libpython 2 _pyitt_library)
list(GET _pyitt_libpython 3 _pyitt_python_libs)
set(PYITT_STATIC_LIBPYTHON_DEFAULT OFF)
if(_pyitt_python_is_shared STREQUAL "False" AND EXISTS "${_pyitt_libpl}/${_pyitt_library}")
  set(PYITT_STATIC_LIBPYTHON_DEFAULT ON)
endif()
option(PYITT_STATIC_LIBPYTHON "Link libpython statically into pyitt-host, as the python binary does"
       ${PYITT_STATIC_LIBPYTHON_DEFAULT})

find_package(pybind11 2.10 CONFIG REQUIRED)  # after Python3, so pybind11 uses that Python

# pyitt_libpython: what the host links to embed the interpreter.
add_library(pyitt_libpython INTERFACE)
if(PYITT_STATIC_LIBPYTHON)
  separate_arguments(_pyitt_python_libs UNIX_COMMAND "${_pyitt_python_libs}")
  target_link_libraries(pyitt_libpython INTERFACE pybind11::headers Python3::Module
    "-Wl,--whole-archive" "${_pyitt_libpl}/${_pyitt_library}" "-Wl,--no-whole-archive"
    ${_pyitt_python_libs} "-Xlinker" "-export-dynamic" "-no-pie")
else()
  target_link_libraries(pyitt_libpython INTERFACE pybind11::embed)
endif()
find_package(CLI11 CONFIG REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
find_package(GTest)
find_package(benchmark)
if(PYITT_STATIC_LIBPYTHON)
  set(_pyitt_how "static ${_pyitt_libpl}/${_pyitt_library}")
else()
  set(_pyitt_how "shared")
endif()
message(STATUS "pyitt-host embeds Python ${Python3_VERSION} (${PYITT_PYTHON_REAL_EXECUTABLE}, ${_pyitt_how} libpython), pybind11 ${pybind11_VERSION}")
