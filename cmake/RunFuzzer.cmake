# Runs a libFuzzer executable for a fixed time from a seed corpus. Run by
# CTest as
#   cmake -D FUZZER=... -D SEED_DIR=... -D WORK_DIR=... -D SECONDS=... [-D ARGS=...] -P RunFuzzer.cmake
#
# ARGS: more libFuzzer options, separated by spaces (-timeout=... -max_len=...).
#
# The seeds are copied into WORK_DIR/corpus (libFuzzer adds what it finds to
# its first corpus directory, so the source tree stays untouched); crash
# inputs land in WORK_DIR/artifacts. Fails when the fuzzer finds a crash,
# a leak, undefined behaviour or a timeout.

cmake_minimum_required(VERSION 3.23)

foreach(required IN ITEMS FUZZER WORK_DIR SECONDS)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "RunFuzzer.cmake: -D ${required}=... is required")
  endif()
endforeach()

set(corpus "${WORK_DIR}/corpus")
set(artifacts "${WORK_DIR}/artifacts")
file(REMOVE_RECURSE "${corpus}")
file(MAKE_DIRECTORY "${corpus}" "${artifacts}")
if(SEED_DIR AND IS_DIRECTORY "${SEED_DIR}")
  file(COPY "${SEED_DIR}/" DESTINATION "${corpus}")
else()
  message(STATUS "No seed corpus at '${SEED_DIR}': fuzzing from an empty corpus")
endif()

separate_arguments(extra UNIX_COMMAND "${ARGS}")
set(command
  "${FUZZER}"
  "-max_total_time=${SECONDS}"
  "-artifact_prefix=${artifacts}/"
  "-print_final_stats=1"
  ${extra}
  "${corpus}")
string(JOIN " " shown ${command})
message(STATUS "Running: ${shown}")
execute_process(COMMAND ${command} WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "The fuzzer failed (${result}); inputs that reproduce it are in ${artifacts}")
endif()
