# third_party: how every dependency is found (Debian packages; nothing vendored).
# The Python to embed is chosen here: -DPython3_EXECUTABLE=/path/to/python (default Debian's).
if(NOT DEFINED Python3_EXECUTABLE)
  set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python whose libpython pyitt-host embeds")
endif()
find_package(Python3 3.8 REQUIRED COMPONENTS Interpreter Development.Embed Development.Module)
if(Python3_VERSION VERSION_GREATER_EQUAL 3.14)
  message(FATAL_ERROR "pyitt-host supports CPython 3.8 to 3.13; ${Python3_EXECUTABLE} is ${Python3_VERSION}")
endif()
# Paths of the embedded Python as its own interpreter reports them; the host uses them to compute
# sys.path exactly as that python would.
execute_process(
  COMMAND ${Python3_EXECUTABLE} -c "import sys; print(sys.executable)"
  OUTPUT_VARIABLE PYITT_PYTHON_REAL_EXECUTABLE OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)

find_package(pybind11 2.10 CONFIG REQUIRED)  # after Python3, so pybind11 uses that Python
find_package(CLI11 CONFIG REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
find_package(GTest)
find_package(benchmark)
message(STATUS "pyitt-host embeds Python ${Python3_VERSION} (${PYITT_PYTHON_REAL_EXECUTABLE}), pybind11 ${pybind11_VERSION}")
