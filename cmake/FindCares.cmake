# FindCares
# ---------
# Finds c-ares (Debian's libc-ares-dev), which ships no CMake package file
# in Debian 12. An installed c-ares that has one defines the same target.
#
# Imported target:
#   c-ares::cares  the c-ares library
#
# Result variable: Cares_FOUND.

find_path(Cares_INCLUDE_DIR NAMES ares.h DOC "Directory holding ares.h")
find_library(Cares_LIBRARY NAMES cares DOC "libcares")
mark_as_advanced(Cares_INCLUDE_DIR Cares_LIBRARY)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Cares REQUIRED_VARS Cares_LIBRARY Cares_INCLUDE_DIR)

if(Cares_FOUND AND NOT TARGET c-ares::cares)
  add_library(c-ares::cares UNKNOWN IMPORTED)
  set_target_properties(c-ares::cares PROPERTIES
    IMPORTED_LOCATION "${Cares_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Cares_INCLUDE_DIR}")
endif()
