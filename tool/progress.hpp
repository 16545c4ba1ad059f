#pragma once
// The progress bar on stderr: one line per transfer (several with -Z),
// redrawn in place at most ten times a second.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace httpc::tool {

/// One line: bytes so far, percent of the length when known, rate, time left.
std::string progress_line(std::uint64_t bytes, std::optional<std::uint64_t> total,
                          std::chrono::duration<double> elapsed);

class progress_board {
 public:
  /// `rows` lines on `out`; draws nothing unless enabled.
  progress_board(std::FILE* out, std::size_t rows, bool enabled);

  void start(std::size_t row, std::optional<std::uint64_t> total);
  void update(std::size_t row, std::uint64_t bytes);
  /// The row's last state, drawn now.
  void finish(std::size_t row);

 private:
  using clock = std::chrono::steady_clock;
  struct row_state {
    std::uint64_t bytes = 0;
    std::optional<std::uint64_t> total;
    clock::time_point started;  // the epoch: not started
    clock::time_point ended;    // the epoch: still running
  };
  void draw();

  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  clock::time_point last_draw_;
  std::vector<row_state> rows_;
};

}  // namespace httpc::tool
