# packaging: read by cpack for each package it makes (CPACK_PROJECT_CONFIG_FILE): which install
# components go into it. All of them land in one package; the .deb takes the pyitt module in Debian's
# dist-packages and Debian's documents, the tarball the module in the prefix's own site-packages.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_ARCHIVE_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_COMPONENTS_ALL runtime deb-python deb-doc)
  # The packages of the shared libraries the binaries need, found by dpkg-shlibdeps at build time.
  if(NOT EXISTS "${CPACK_PYITT_SHLIBS_DEPENDS_FILE}")
    message(FATAL_ERROR "${CPACK_PYITT_SHLIBS_DEPENDS_FILE} is missing: build pyitt-host before running cpack")
  endif()
  file(READ "${CPACK_PYITT_SHLIBS_DEPENDS_FILE}" _pyitt_shlibs_depends)
  string(STRIP "${_pyitt_shlibs_depends}" _pyitt_shlibs_depends)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", ${_pyitt_shlibs_depends}")
else()
  set(CPACK_COMPONENTS_ALL runtime python doc)
  set(CPACK_COMPONENT_INCLUDE_TOPLEVEL_DIRECTORY ON)  # pyitt-host-pyXY-VERSION-Linux-ARCH/bin/...
endif()
