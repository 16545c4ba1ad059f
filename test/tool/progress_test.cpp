// The progress line (tool/progress.hpp): bytes, percent of a known length,
// rate, time left; and the board draws nothing when disabled.
#include "progress.hpp"

#include <doctest/doctest.h>

#include <cstdio>

using httpc::tool::progress_line;

TEST_CASE("progress: a known length") {
  CHECK(progress_line(512 * 1024, 1024 * 1024, std::chrono::seconds(1)) ==
        " 512.0 KiB of 1.0 MiB     50%   512.0 KiB/s  ETA 00:00:01");
}

TEST_CASE("progress: an unknown length") {
  CHECK(progress_line(100, std::nullopt, std::chrono::seconds(2)) ==
        "     100 B                     50 B/s  ETA --:--:--");
}

TEST_CASE("progress: disabled, nothing is written") {
  std::FILE* sink = std::tmpfile();
  REQUIRE(sink);
  httpc::tool::progress_board board(sink, 1, false);
  board.start(0, 10);
  board.update(0, 5);
  board.finish(0);
  CHECK(std::ftell(sink) == 0);
  std::fclose(sink);
}
