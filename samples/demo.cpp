// Parses a canned stream of three pipelined responses, delivered in small
// uneven pieces as a socket would deliver them, and prints what the parser
// finds: the incremental, zero-copy use of <httpc/parser.hpp> through its
// receive buffer, <httpc/reader.hpp>.

#include <httpc/reader.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include <fmt/core.h>

namespace {

constexpr std::string_view stream =
    "HTTP/1.1 200 OK\r\n"
    "Server: demo\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "Hello, world!"
    "HTTP/1.1 100 Continue\r\n"
    "\r\n"
    "HTTP/1.1 201 Created\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Trailer: Checksum\r\n"
    "\r\n"
    "7;note=first\r\nchunked\r\n"
    "6\r\n body!\r\n"
    "0\r\n"
    "Checksum: 42\r\n"
    "\r\n"
    "HTTP/1.0 404 Not Found\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>gone</p>";

}  // namespace

int main() {
  httpc::response_reader reader;
  const httpc::response_parser& parser = reader.parser();
  std::string body;
  std::size_t delivered = 0;
  int responses = 0;
  bool closed = false;

  // Each pass delivers the next 11 bytes (the server closes after the last),
  // then lets the parser take all it can.
  while (responses < 3) {
    if (delivered < stream.size()) {
      const std::span<char> room = reader.prepare();
      const std::size_t n = std::min({room.size(), stream.size() - delivered, std::size_t{11}});
      std::memcpy(room.data(), stream.data() + delivered, n);
      reader.commit(n);
      delivered += n;
    } else {
      closed = true;
    }
    for (;;) {
      std::error_code ec;
      const auto result =
          closed && reader.unparsed().empty() ? reader.parser().finish(ec) : reader.parse(ec);
      if (ec) {
        fmt::print("error: {}\n", ec.message());
        return 1;
      }
      switch (result.event) {
        case httpc::parse_event::interim:
          fmt::print("interim {} {}\n", parser.status(), parser.reason());
          break;
        case httpc::parse_event::head:
          fmt::print("HTTP/{}.{} {} {}\n", parser.version() / 10, parser.version() % 10, parser.status(),
                     parser.reason());
          for (const auto field : parser.fields()) fmt::print("  {}: {}\n", field.name, field.value);
          break;
        case httpc::parse_event::body:
          body += parser.body();
          break;
        case httpc::parse_event::done:
          fmt::print("  body ({} bytes): {}\n", body.size(), body);
          for (const auto field : parser.trailers())
            fmt::print("  trailer {}: {}\n", field.name, field.value);
          fmt::print("  connection {}\n", parser.keep_alive() ? "kept alive" : "closes");
          body.clear();
          ++responses;
          reader.reset();
          break;
        case httpc::parse_event::need_more:
          break;
      }
      if (result.event == httpc::parse_event::need_more || responses == 3) break;
    }
  }
  fmt::print("{} responses parsed from {} bytes delivered in pieces of 11\n", responses,
             stream.size());
  return 0;
}
