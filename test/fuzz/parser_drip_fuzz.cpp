// libFuzzer target: httpc::response_parser's cost is linear in its input
// however the input is split. Each input is expanded into a response of up
// to 256 KiB and fed one byte at a time, as a caller does (the bytes not
// consumed again, plus one new byte); an input whose drip takes more CPU
// time than its budget is a finding, as is one past libFuzzer's -timeout.
//
// Input layout: an options byte, then the response, where 0xFF c n and n
// bytes stand for those n bytes repeated (c + 1) * 1024 times: long lines,
// many lines, long chunk extensions, many trailers.
//   options bit 0    strict
//   options bit 1    HEAD instead of GET
//   options bit 2    default limits (else limits that let the expansion through)
//
// The budget is per byte, from a drip of a large body measured at start
// (the best of three): 8 times that per byte, plus 20 ms, missed by
// three runs in a row. Quadratic work on 256 KiB costs hundreds of times more. The drip must also end as
// the whole input does (the same error, or the same heads and body).

#include "fuzz_check.hpp"

#include <httpc/error.hpp>
#include <httpc/parser.hpp>

#include <time.h>  // clock_gettime, CLOCK_THREAD_CPUTIME_ID

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>

namespace {

constexpr std::size_t max_expanded = 256 * 1024;

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::string expand(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size() && out.size() < max_expanded;) {
    if (static_cast<unsigned char>(in[i]) != 0xff || i + 2 >= in.size()) {
      out += in[i++];
      continue;
    }
    const std::size_t times = (static_cast<unsigned char>(in[i + 1]) + 1u) * 1024;
    const std::size_t n = std::min<std::size_t>(static_cast<unsigned char>(in[i + 2]),
                                                in.size() - (i + 3));
    const std::string_view piece = in.substr(i + 3, n);
    for (std::size_t k = 0; k < times && !piece.empty() && out.size() < max_expanded; ++k)
      out += piece;
    i += 3 + n;
  }
  if (out.size() > max_expanded) out.resize(max_expanded);
  return out;
}

// How a stream ended: the error, or how many heads and body bytes and
// whether the response was done; responses after the first are not read.
struct outcome {
  int error = 0;
  std::size_t heads = 0;
  std::uint64_t body = 0;
  bool done = false;
  bool operator==(const outcome&) const = default;
};

// Feeds the stream in pieces of `step` bytes (0: whole), then finish().
outcome feed(std::string_view stream, const httpc::parser_options& options,
             std::string_view method, std::size_t step) {
  httpc::response_parser parser(options);
  parser.reset(method);
  outcome result;
  std::size_t begin = 0;
  std::size_t end = 0;
  std::error_code ec;
  while (end < stream.size()) {
    end = step == 0 ? stream.size() : std::min(stream.size(), end + step);
    for (;;) {
      const auto r = parser.parse(stream.substr(begin, end - begin), ec);
      if (ec) {
        result.error = ec.value();
        return result;
      }
      begin += r.consumed;
      if (r.event == httpc::parse_event::need_more) break;
      if (r.event == httpc::parse_event::interim || r.event == httpc::parse_event::head)
        ++result.heads;
      if (r.event == httpc::parse_event::body) result.body += parser.body().size();
      if (r.event == httpc::parse_event::done) {
        result.done = true;
        return result;
      }
    }
  }
  parser.finish(ec);
  result.error = ec.value();
  result.done = !ec;
  return result;
}

httpc::parser_options roomy() {
  httpc::parser_options options;
  options.max_fields = 1 << 16;
  options.max_line_length = 1 << 20;
  options.max_head_size = 1 << 20;
  return options;
}

double seconds_per_byte = 0;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A body: linear whatever becomes of the head's scan (a quadratic one
  // would make the measure itself take minutes).
  std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 262144\r\n\r\n";
  response.append(262144, 'x');
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const double start = thread_cpu_seconds();
    const outcome o = feed(response, roomy(), "GET", 1);
    best = std::min(best, thread_cpu_seconds() - start);
    FUZZ_CHECK(o.done && o.heads == 1);
  }
  seconds_per_byte = best / static_cast<double>(response.size());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned bits = data[0];
  httpc::parser_options options = (bits & 4) != 0 ? httpc::parser_options{} : roomy();
  options.strict = (bits & 1) != 0;
  const std::string_view method = (bits & 2) != 0 ? "HEAD" : "GET";
  const std::string stream = expand({reinterpret_cast<const char*>(data) + 1, size - 1});

  const outcome whole = feed(stream, options, method, 0);
  const double budget = 0.020 + 8 * seconds_per_byte * static_cast<double>(stream.size());
  outcome dripped;
  double spent = 1e9;
  // Over the budget three times in a row: one slow run may be the machine's.
  for (int run = 0; run < 3 && spent > budget; ++run) {
    const double start = thread_cpu_seconds();
    dripped = feed(stream, options, method, 1);
    spent = std::min(spent, thread_cpu_seconds() - start);
  }
  if (spent > budget) {
    std::fprintf(stderr, "parser_drip_fuzz: %zu bytes took %.3f s of CPU, over the budget %.3f s\n",
                 stream.size(), spent, budget);
    httpc::fuzz::violation(__FILE__, __LINE__, "a dripped input cost more than linear time");
  }
  FUZZ_CHECK(whole == dripped);
  return 0;
}
