# FindHttpParser
# --------------
# Finds nodejs/http-parser (the C library before llhttp), as Debian's
# libhttp-parser-dev installs it: /usr/include/http_parser.h and
# libhttp_parser.so. Used by the benchmarks and the differential tests.
#
# Imported target:
#   HttpParser::HttpParser
#
# Result variables:
#   HttpParser_FOUND, HttpParser_INCLUDE_DIRS, HttpParser_LIBRARIES,
#   HttpParser_VERSION
#
# Cache variables:
#   HttpParser_INCLUDE_DIR  the directory that holds http_parser.h
#   HttpParser_LIBRARY      the library file

find_path(HttpParser_INCLUDE_DIR
  NAMES http_parser.h
  DOC "Directory holding http-parser's http_parser.h")
find_library(HttpParser_LIBRARY
  NAMES http_parser
  DOC "http-parser's library")
mark_as_advanced(HttpParser_INCLUDE_DIR HttpParser_LIBRARY)

unset(HttpParser_VERSION)
if(HttpParser_INCLUDE_DIR AND EXISTS "${HttpParser_INCLUDE_DIR}/http_parser.h")
  file(STRINGS "${HttpParser_INCLUDE_DIR}/http_parser.h" _http_parser_version_lines
       REGEX "^#define HTTP_PARSER_VERSION_(MAJOR|MINOR|PATCH) [0-9]+")
  set(HttpParser_VERSION "")
  foreach(_part IN ITEMS MAJOR MINOR PATCH)
    if(_http_parser_version_lines MATCHES "HTTP_PARSER_VERSION_${_part} ([0-9]+)")
      string(APPEND HttpParser_VERSION ".${CMAKE_MATCH_1}")
    endif()
  endforeach()
  string(REGEX REPLACE "^\\." "" HttpParser_VERSION "${HttpParser_VERSION}")
  unset(_http_parser_version_lines)
  unset(_part)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(HttpParser
  REQUIRED_VARS HttpParser_LIBRARY HttpParser_INCLUDE_DIR
  VERSION_VAR HttpParser_VERSION)

if(HttpParser_FOUND)
  set(HttpParser_INCLUDE_DIRS "${HttpParser_INCLUDE_DIR}")
  set(HttpParser_LIBRARIES "${HttpParser_LIBRARY}")
  if(NOT TARGET HttpParser::HttpParser)
    add_library(HttpParser::HttpParser UNKNOWN IMPORTED)
    set_target_properties(HttpParser::HttpParser PROPERTIES
      IMPORTED_LOCATION "${HttpParser_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${HttpParser_INCLUDE_DIR}")
  endif()
endif()
