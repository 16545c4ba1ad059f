# FindBrotli
# ----------
# Finds the brotli libraries (Debian's libbrotli-dev: headers in
# /usr/include/brotli, no CMake package file).
#
# Imported targets:
#   Brotli::common   libbrotlicommon
#   Brotli::decoder  libbrotlidec (links Brotli::common)
#   Brotli::encoder  libbrotlienc (links Brotli::common), when found
#
# Result variables: Brotli_FOUND (the decoder and common parts),
# Brotli_encoder_FOUND.

find_path(Brotli_INCLUDE_DIR NAMES brotli/decode.h DOC "Directory holding brotli/decode.h")
find_library(Brotli_common_LIBRARY NAMES brotlicommon DOC "libbrotlicommon")
find_library(Brotli_decoder_LIBRARY NAMES brotlidec DOC "libbrotlidec")
find_library(Brotli_encoder_LIBRARY NAMES brotlienc DOC "libbrotlienc")
mark_as_advanced(Brotli_INCLUDE_DIR Brotli_common_LIBRARY Brotli_decoder_LIBRARY Brotli_encoder_LIBRARY)

set(Brotli_encoder_FOUND FALSE)
if(Brotli_encoder_LIBRARY)
  set(Brotli_encoder_FOUND TRUE)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Brotli
  REQUIRED_VARS Brotli_decoder_LIBRARY Brotli_common_LIBRARY Brotli_INCLUDE_DIR)

if(Brotli_FOUND AND NOT TARGET Brotli::common)
  add_library(Brotli::common UNKNOWN IMPORTED)
  set_target_properties(Brotli::common PROPERTIES
    IMPORTED_LOCATION "${Brotli_common_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Brotli_INCLUDE_DIR}")
  add_library(Brotli::decoder UNKNOWN IMPORTED)
  set_target_properties(Brotli::decoder PROPERTIES
    IMPORTED_LOCATION "${Brotli_decoder_LIBRARY}"
    INTERFACE_LINK_LIBRARIES Brotli::common)
  if(Brotli_encoder_FOUND)
    add_library(Brotli::encoder UNKNOWN IMPORTED)
    set_target_properties(Brotli::encoder PROPERTIES
      IMPORTED_LOCATION "${Brotli_encoder_LIBRARY}"
      INTERFACE_LINK_LIBRARIES Brotli::common)
  endif()
endif()
