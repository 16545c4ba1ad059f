// Parses one response head with the installed (or added) httpc; exits 0 if
// the status line came through.
#include <httpc/error.hpp>
#include <httpc/parser.hpp>

#include <cstdio>
#include <string_view>
#include <system_error>

int main() {
  constexpr std::string_view input = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  httpc::response_parser parser;
  std::error_code ec;
  const httpc::parse_result result = parser.parse(input, ec);
  if (ec) {
    std::fprintf(stderr, "parse failed: %s\n", ec.message().c_str());
    return 1;
  }
  if (result.event != httpc::parse_event::head || parser.status() != 200) {
    std::fprintf(stderr, "unexpected result: event %d, status %d\n",
                 static_cast<int>(result.event), parser.status());
    return 1;
  }
  // The error category must link too.
  const std::error_code code = httpc::error::bad_chunk;
  if (code.category().name() != std::string_view("httpc")) return 1;
  std::puts("httpc consumer: ok");
  return 0;
}
