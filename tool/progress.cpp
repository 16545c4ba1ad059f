// Rows are redrawn together: the cursor goes back up over the rows drawn
// last time (ANSI "cursor up"), and each row is rewritten and cleared to its end.

#include "progress.hpp"

#include <cmath>

namespace httpc::tool {
namespace {

// 1023 B, 1.5 KiB, 20.0 MiB ...
std::string amount(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

std::string clock_time(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 359999) return "--:--:--";
  const auto s = static_cast<long>(seconds);
  char text[48];
  std::snprintf(text, sizeof text, "%02ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return text;
}

}  // namespace

std::string progress_line(std::uint64_t bytes, std::optional<std::uint64_t> total,
                          std::chrono::duration<double> elapsed) {
  const double seconds = elapsed.count();
  const double rate = seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
  char text[128];
  if (total) {
    const int percent = *total ? static_cast<int>(100 * static_cast<double>(bytes) / static_cast<double>(*total)) : 100;
    const double left = rate > 0 ? static_cast<double>(*total - std::min(bytes, *total)) / rate : NAN;
    std::snprintf(text, sizeof text, "%10s of %-10s %3d%%  %10s/s  ETA %s", amount(static_cast<double>(bytes)).c_str(),
                  amount(static_cast<double>(*total)).c_str(), percent, amount(rate).c_str(), clock_time(left).c_str());
  } else {
    std::snprintf(text, sizeof text, "%10s               %10s/s  ETA --:--:--", amount(static_cast<double>(bytes)).c_str(),
                  amount(rate).c_str());
  }
  return text;
}

progress_board::progress_board(std::FILE* out, std::size_t rows, bool enabled)
    : out_(out), enabled_(enabled), rows_(rows) {}

void progress_board::start(std::size_t row, std::optional<std::uint64_t> total) {
  rows_[row] = {0, total, clock::now(), {}};
  if (enabled_) draw();
}

void progress_board::update(std::size_t row, std::uint64_t bytes) {
  rows_[row].bytes = bytes;
  if (enabled_ && clock::now() - last_draw_ >= std::chrono::milliseconds(100)) draw();
}

void progress_board::finish(std::size_t row) {
  rows_[row].ended = clock::now();
  if (enabled_) draw();
}

void progress_board::draw() {
  const auto now = clock::now();
  last_draw_ = now;
  std::string text;
  if (drawn_) text += "\x1b[" + std::to_string(rows_.size()) + "A";
  for (const row_state& row : rows_) {
    text += '\r';
    if (row.started != clock::time_point{})
      text += progress_line(row.bytes, row.total, (row.ended == clock::time_point{} ? now : row.ended) - row.started);
    text += "\x1b[K\n";
  }
  drawn_ = true;
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
}

}  // namespace httpc::tool
