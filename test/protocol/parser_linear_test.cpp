// The parser's cost is linear in its input however the input is split: a
// head, a chunk-size line or a trailer section dripped one byte at a time is
// never scanned again from its start.
//
// Measured without wall clocks: the thread's CPU time to drip an input of n
// bytes and one of 16n bytes, built alike. Per byte, the large one costs about
// as much as the small one when the work is linear, and 16 times as much when
// it is quadratic; the test allows 3 times (the best of three runs each).
#include "httpc/parser.hpp"

#include <time.h>  // clock_gettime, CLOCK_THREAD_CPUTIME_ID

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

namespace {

using httpc::parse_event;
using httpc::parser_options;
using httpc::response_parser;

// Limits as large as an input needs (and no larger: the parser's field index
// has max_fields entries, a cost of its own).
parser_options roomy(std::size_t size) {
  parser_options options;
  options.max_fields = size / 4;
  options.max_line_length = size;
  options.max_head_size = size;
  return options;
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Feeds `stream` as a caller does, one new byte a call after the bytes not
// consumed yet, until the response is done. Returns the CPU seconds taken,
// or a negative number when the response did not end well.
double drip(std::string_view stream, const parser_options& options) {
  response_parser parser(options);
  std::size_t begin = 0;  // the first byte not consumed
  const double start = thread_cpu_seconds();
  for (std::size_t end = 1; end <= stream.size(); ++end) {
    for (;;) {
      std::error_code ec;
      const auto r = parser.parse(stream.substr(begin, end - begin), ec);
      if (ec) return -1;
      begin += r.consumed;
      if (r.event == parse_event::done) return end == stream.size() ? thread_cpu_seconds() - start : -1;
      if (r.event == parse_event::need_more) break;
    }
  }
  return -1;
}

double best_of_three(std::string_view stream, const parser_options& options) {
  double best = drip(stream, options);
  for (int i = 0; i < 2 && best >= 0; ++i) best = std::min(best, drip(stream, options));
  return best;
}

// `make(n)` builds a response whose dripped part is about n bytes.
void check_linear(const std::function<std::string(std::size_t)>& make) {
  const std::string small = make(16 * 1024);
  const std::string large = make(256 * 1024);
  const double small_seconds = best_of_three(small, roomy(small.size()));
  const double large_seconds = best_of_three(large, roomy(large.size()));
  REQUIRE(small_seconds >= 0);
  REQUIRE(large_seconds >= 0);
  const double per_byte_small = small_seconds / static_cast<double>(small.size());
  const double per_byte_large = large_seconds / static_cast<double>(large.size());
  INFO("per byte: " << per_byte_small * 1e9 << " ns at " << small.size() << " bytes, "
                    << per_byte_large * 1e9 << " ns at " << large.size() << " bytes");
  CHECK(per_byte_large < 3 * per_byte_small);
}

std::string repeat_until(std::string_view piece, std::size_t n) {
  std::string out;
  while (out.size() < n) out += piece;
  return out;
}

}  // namespace

TEST_CASE("a head of many short fields, dripped, costs linear time") {
  check_linear([](std::size_t n) {
    return "HTTP/1.1 200 OK\r\n" + repeat_until("A: b\r\n", n) + "Content-Length: 0\r\n\r\n";
  });
}

TEST_CASE("a field with many continuation lines (obs-fold), dripped, costs linear time") {
  check_linear([](std::size_t n) {
    return "HTTP/1.1 200 OK\r\nA: b\r\n" + repeat_until(" c\r\n", n) + "Content-Length: 0\r\n\r\n";
  });
}

TEST_CASE("a long status line and a long field, dripped, cost linear time") {
  check_linear([](std::size_t n) {
    return "HTTP/1.1 200 " + std::string(n / 2, 'r') + "\r\nA: " + std::string(n / 2, 'v') +
           "\r\nContent-Length: 0\r\n\r\n";
  });
}

TEST_CASE("a chunk-size line with a long extension, dripped, costs linear time") {
  check_linear([](std::size_t n) {
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(n, 'e') +
           "\r\nx\r\n0\r\n\r\n";
  });
}

TEST_CASE("a chunk size with many leading zeros, dripped, costs linear time") {
  check_linear([](std::size_t n) {
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(n, '0') +
           "1\r\nx\r\n0\r\n\r\n";
  });
}

TEST_CASE("a trailer section of many fields, dripped, costs linear time") {
  check_linear([](std::size_t n) {
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n" +
           repeat_until("T: u\r\n", n) + "\r\n";
  });
}

TEST_CASE("an HTTP/0.9 response after a long blank run, dripped, costs linear time") {
  // Leading whitespace makes the parser wait for the whole first line.
  check_linear([](std::size_t n) {
    return std::string(n, ' ') + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  });
}
