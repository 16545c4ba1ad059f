# Helpers for the project's own targets. Nothing here reaches consumers: the
# options are PRIVATE, so they are neither exported nor seen by a project
# that adds httpc with add_subdirectory().

# httpc_set_warnings(<target>...)
#   Turns on the project's warnings for each target, and makes them errors
#   when HTTPC_WERROR is ON.
function(httpc_set_warnings)
  foreach(target IN LISTS ARGN)
    if(MSVC)
      target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${HTTPC_WERROR}>:/WX>)
    else()
      # g++ 12 at -O2 warns that `"text" + std::string(...)` may overlap
      # itself (-Wrestrict, GCC bug 105329, a false positive).
      target_compile_options(${target} PRIVATE
        -Wall -Wextra -Wpedantic $<$<BOOL:${HTTPC_WERROR}>:-Werror>
        $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
    endif()
  endforeach()
endfunction()
