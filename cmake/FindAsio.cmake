# FindAsio
# --------
# Finds standalone Asio (the header-only library without Boost), as Debian's
# libasio-dev installs it: /usr/include/asio.hpp and no CMake package file.
#
# Imported target:
#   Asio::Asio  INTERFACE; its include directory, ASIO_STANDALONE,
#               ASIO_NO_DEPRECATED and Threads::Threads.
#
# Result variables:
#   Asio_FOUND, Asio_INCLUDE_DIRS, Asio_VERSION
#
# Cache variable (set it to point at another copy of Asio):
#   Asio_INCLUDE_DIR  the directory that holds asio.hpp

find_path(Asio_INCLUDE_DIR
  NAMES asio.hpp
  PATH_SUFFIXES asio/include
  DOC "Directory holding standalone Asio's asio.hpp")
mark_as_advanced(Asio_INCLUDE_DIR)

# asio/version.hpp says `#define ASIO_VERSION 102201 // 1.22.1`: the number
# is major * 100000 + minor * 100 + patch.
unset(Asio_VERSION)
if(Asio_INCLUDE_DIR AND EXISTS "${Asio_INCLUDE_DIR}/asio/version.hpp")
  file(STRINGS "${Asio_INCLUDE_DIR}/asio/version.hpp" _asio_version_line
       REGEX "^#define ASIO_VERSION [0-9]+")
  if(_asio_version_line MATCHES "ASIO_VERSION ([0-9]+)")
    set(_asio_number "${CMAKE_MATCH_1}")
    math(EXPR _asio_major "${_asio_number} / 100000")
    math(EXPR _asio_minor "${_asio_number} / 100 % 1000")
    math(EXPR _asio_patch "${_asio_number} % 100")
    set(Asio_VERSION "${_asio_major}.${_asio_minor}.${_asio_patch}")
  endif()
  unset(_asio_version_line)
  unset(_asio_number)
  unset(_asio_major)
  unset(_asio_minor)
  unset(_asio_patch)
endif()

# Asio's io_context and thread pools need the platform's thread library.
if(Asio_FIND_QUIETLY)
  find_package(Threads QUIET)
else()
  find_package(Threads)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Asio
  REQUIRED_VARS Asio_INCLUDE_DIR Threads_FOUND
  VERSION_VAR Asio_VERSION)

if(Asio_FOUND)
  set(Asio_INCLUDE_DIRS "${Asio_INCLUDE_DIR}")
  if(NOT TARGET Asio::Asio)
    add_library(Asio::Asio INTERFACE IMPORTED)
    set_target_properties(Asio::Asio PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${Asio_INCLUDE_DIR}"
      INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED"
      INTERFACE_LINK_LIBRARIES Threads::Threads)
  endif()
endif()
