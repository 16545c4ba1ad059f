# FindZstd
# --------
# Finds libzstd (Debian's libzstd-dev). Its own package file names its
# targets differently from one version to the next; this module gives one.
#
# Imported target:
#   Zstd::Zstd  libzstd (compression and decompression)
#
# Result variable: Zstd_FOUND.

find_path(Zstd_INCLUDE_DIR NAMES zstd.h DOC "Directory holding zstd.h")
find_library(Zstd_LIBRARY NAMES zstd DOC "libzstd")
mark_as_advanced(Zstd_INCLUDE_DIR Zstd_LIBRARY)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Zstd REQUIRED_VARS Zstd_LIBRARY Zstd_INCLUDE_DIR)

if(Zstd_FOUND AND NOT TARGET Zstd::Zstd)
  add_library(Zstd::Zstd UNKNOWN IMPORTED)
  set_target_properties(Zstd::Zstd PROPERTIES
    IMPORTED_LOCATION "${Zstd_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Zstd_INCLUDE_DIR}")
endif()
