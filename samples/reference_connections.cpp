// The reference's ways to name a server (http.client docs), in C++:
//
//   >>> h1 = http.client.HTTPConnection('www.python.org')
//   >>> h2 = http.client.HTTPConnection('www.python.org:80')
//   >>> h3 = http.client.HTTPConnection('www.python.org', 80)
//   >>> h4 = http.client.HTTPConnection('www.python.org', 80, timeout=10)
//
// Nothing connects until the first request. This program names the server
// given the same four ways (h1 with the default port, which it does not
// use), sends a request on each other connection, and does the same over
// HTTPS when a TLS port and CA file are given.
// Usage: httpc-reference-connections HOST PORT [TLS_PORT CA_FILE]
#include <httpc/client.hpp>

#include <fmt/core.h>

#include <charconv>
#include <chrono>
#include <exception>
#include <memory>
#include <string>

namespace {

std::uint16_t parse_port(std::string_view text) {
  std::uint16_t port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || end != text.data() + text.size())
    throw std::invalid_argument("bad port: " + std::string(text));
  return port;
}

void show(const char* name, httpc::HTTPConnection& conn) {
  conn.request("GET", "/small");
  auto response = conn.getresponse();
  fmt::print("{}: {}:{} -> {} {}, {} bytes\n", name, conn.host(), conn.port(), response.status(),
             response.reason(), response.read().size());
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 3 && argc != 5) {
    fmt::print(stderr, "usage: {} HOST PORT [TLS_PORT CA_FILE]\n", argv[0]);
    return 2;
  }
  const std::string host = argv[1];
  const std::uint16_t port = parse_port(argv[2]);

  httpc::HTTPConnection h1(host);  // the default port, 80: named, not used here
  fmt::print("h1: {}:{}\n", h1.host(), h1.port());
  httpc::HTTPConnection h2(host + ":" + argv[2]);  // the port inside the host ...
  httpc::HTTPConnection h3(host, port);             // ... or on its own
  httpc::ConnectionOptions options;
  options.timeout = std::chrono::seconds(10);
  httpc::HTTPConnection h4(host, port, options);    // timeout=10
  show("h2", h2);
  show("h3", h3);
  show("h4", h4);

  if (argc == 5) {
    // HTTPSConnection verifies the server; here against the CA given.
    httpc::TLSOptions tls;
    tls.context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    tls.context->load_verify_file(argv[4]);
    tls.context->set_verify_mode(asio::ssl::verify_peer);
    httpc::HTTPSConnection h5(host, parse_port(argv[3]), options, tls);
    show("h5", h5);
  }
} catch (const std::exception& e) {
  fmt::print(stderr, "error: {}\n", e.what());
  return 1;
}
