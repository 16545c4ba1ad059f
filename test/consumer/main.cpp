// Uses every layer of the installed (or added) httpc without a network: parses
// a response head, makes a pool with a TLS context, and a facade connection;
// exits 0 if all of it compiled, linked and behaved.
#include <httpc/client.hpp>
#include <httpc/error.hpp>
#include <httpc/parser.hpp>
#include <httpc/pool.hpp>

#include <asio/io_context.hpp>

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

  // The core (a TLS context with the system's trust store), the pool and the facade.
  asio::io_context io;
  asio::ssl::context tls = httpc::make_tls_context();
  httpc::pool_options options;
  options.tls_context = &tls;
  httpc::pool pool(io.get_executor(), options);
  if (pool.stats().open != 0) return 1;
  httpc::HTTPConnection connection("127.0.0.1", 8080);
  if (connection.host() != "127.0.0.1") return 1;

  std::puts("httpc consumer: ok");
  return 0;
}
