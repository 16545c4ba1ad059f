// FUZZ_CHECK: an invariant of a fuzz target. A violation names the file and
// line and traps, so that libFuzzer keeps the input that caused it.
#pragma once

#include <cstdio>

namespace httpc::fuzz {

[[noreturn]] inline void violation(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
  std::fflush(stderr);
  __builtin_trap();
}

}  // namespace httpc::fuzz

#define FUZZ_CHECK(condition)                                                   \
  do {                                                                          \
    if (!(condition)) ::httpc::fuzz::violation(__FILE__, __LINE__, #condition); \
  } while (false)
