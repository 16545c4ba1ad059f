# Builds and runs test/consumer, a project of its own that uses httpc, the way
# a user's project would. Run by CTest as
#   cmake -D MODE=find_package|add_subdirectory -D SOURCE_DIR=... -D BUILD_DIR=...
#         -D WORK_DIR=... -D GENERATOR=... -D INITIAL_CACHE=... [-D CONFIG=...]
#         -P ConsumerTest.cmake
#
# find_package:     installs BUILD_DIR into WORK_DIR/prefix with `cmake --install`,
#                   then builds the consumer with find_package(httpc CONFIG).
# add_subdirectory: builds the consumer with add_subdirectory(SOURCE_DIR).
# pkg_config:       installs as find_package does, then compiles the consumer's
#                   main.cpp with CXX, CXX_FLAGS and what `pkg-config --cflags
#                   --libs httpc` says, as a build without CMake would.
#
# INITIAL_CACHE holds the outer build's compiler, flags and make program, so
# the consumer is built the way the library was. WORK_DIR is emptied first.

cmake_minimum_required(VERSION 3.23)

foreach(required IN ITEMS MODE SOURCE_DIR BUILD_DIR WORK_DIR GENERATOR INITIAL_CACHE)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "ConsumerTest.cmake: -D ${required}=... is required")
  endif()
endforeach()
if(NOT MODE MATCHES "^(find_package|add_subdirectory|pkg_config)$")
  message(FATAL_ERROR "ConsumerTest.cmake: unknown MODE '${MODE}'")
endif()

# Runs a command, echoing it; stops the test when it fails.
function(run_step description)
  string(JOIN " " shown ${ARGN})
  message(STATUS "${description}: ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${description} failed (${result})")
  endif()
endfunction()

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(consumer_build "${WORK_DIR}/build")

set(configure_args
  -S "${SOURCE_DIR}/test/consumer"
  -B "${consumer_build}"
  -G "${GENERATOR}"
  -C "${INITIAL_CACHE}")
if(GENERATOR_PLATFORM)
  list(APPEND configure_args -A "${GENERATOR_PLATFORM}")
endif()
if(GENERATOR_TOOLSET)
  list(APPEND configure_args -T "${GENERATOR_TOOLSET}")
endif()
if(CONFIG)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${CONFIG}")
endif()

if(MODE STREQUAL "pkg_config")
  set(prefix "${WORK_DIR}/prefix")
  run_step("Install httpc" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})
  file(GLOB_RECURSE pc_file "${prefix}/*/pkgconfig/httpc.pc")
  if(NOT pc_file)
    message(FATAL_ERROR "httpc.pc was not installed under ${prefix}")
  endif()
  get_filename_component(pc_dir "${pc_file}" DIRECTORY)
  find_program(pkg_config pkg-config REQUIRED)
  set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
  execute_process(COMMAND "${pkg_config}" --cflags --libs httpc
    OUTPUT_VARIABLE pc_flags RESULT_VARIABLE result OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags --libs httpc failed (${result})")
  endif()
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
  set(executable "${WORK_DIR}/httpc-consumer${EXE_SUFFIX}")
  run_step("Build the consumer with pkg-config's flags" "${CXX}" ${cxx_flags}
    -o "${executable}" "${SOURCE_DIR}/test/consumer/main.cpp" ${pc_flags})
  run_step("Run the consumer" "${executable}")
  return()
endif()

if(MODE STREQUAL "find_package")
  set(prefix "${WORK_DIR}/prefix")
  run_step("Install httpc" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})
  list(APPEND configure_args
    -D HTTPC_CONSUMER_USE_SUBDIR=OFF
    -D "httpc_ROOT=${prefix}")
else()
  list(APPEND configure_args
    -D HTTPC_CONSUMER_USE_SUBDIR=ON
    -D "HTTPC_SOURCE_DIR=${SOURCE_DIR}")
endif()

run_step("Configure the consumer" "${CMAKE_COMMAND}" ${configure_args})
run_step("Build the consumer" "${CMAKE_COMMAND}" --build "${consumer_build}" ${config_args})

set(executable "${consumer_build}/httpc-consumer${EXE_SUFFIX}")
if(CONFIG AND NOT EXISTS "${executable}")
  set(executable "${consumer_build}/${CONFIG}/httpc-consumer${EXE_SUFFIX}")
endif()
run_step("Run the consumer" "${executable}")
