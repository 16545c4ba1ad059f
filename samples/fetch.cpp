// Fetches several URLs at once, one coroutine each, and prints status, size
// and time for each:
//
//   httpc-fetch [--ca FILE] URL...
//
// URLs are http://host[:port]/path or https://...; --ca adds a trusted CA
// for https (the system's are trusted too).

#include <httpc/async.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/this_coro.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

namespace {

struct url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
};

// Just enough of RFC 3986 for the sample: scheme, host (IPv6 in brackets),
// optional port, path.
bool parse_url(std::string_view text, url& out) {
  if (text.starts_with("https://")) {
    out.tls = true;
    out.port = 443;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    text.remove_prefix(7);
  } else {
    return false;
  }
  const auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  if (slash != std::string_view::npos) out.target = std::string(text.substr(slash));
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    out.port = static_cast<std::uint16_t>(std::stoul(std::string(authority.substr(colon + 1))));
    authority = authority.substr(0, colon);
  }
  if (authority.starts_with('[') && authority.ends_with(']'))
    authority = authority.substr(1, authority.size() - 2);
  out.host = std::string(authority);
  return !out.host.empty();
}

template <class Connection>
asio::awaitable<void> fetch(Connection& connection, url where, std::string text) {
  const auto start = std::chrono::steady_clock::now();
  try {
    co_await connection.async_connect(where.host, where.port);
    co_await connection.async_request("GET", where.target);
    auto response = co_await connection.async_getresponse();
    std::size_t size = 0;
    // async_next hands out views of the receive buffer: nothing is copied.
    for (auto piece = co_await response.async_next(); !piece.empty();
         piece = co_await response.async_next())
      size += piece.size();
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    fmt::print("{:<48} {} {:>9} bytes {:>8.1f} ms\n", text, response.status(), size, ms.count());
  } catch (const std::exception& e) {
    fmt::print("{:<48} error: {}\n", text, e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  asio::ssl::context tls = httpc::make_tls_context();
  if (args.size() >= 2 && args[0] == "--ca") {
    tls.load_verify_file(std::string(args[1]));
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty()) {
    fmt::print(stderr, "usage: httpc-fetch [--ca FILE] URL...\n");
    return 2;
  }

  asio::io_context io;
  // Connections live here, outside the coroutines that use them.
  std::vector<std::unique_ptr<httpc::connection>> plain;
  std::vector<std::unique_ptr<httpc::tls_connection>> secure;
  for (const auto text : args) {
    url where;
    if (!parse_url(text, where)) {
      fmt::print(stderr, "not an http or https URL: {}\n", text);
      return 2;
    }
    if (where.tls) {
      secure.push_back(std::make_unique<httpc::tls_connection>(io.get_executor(), tls));
      asio::co_spawn(io, fetch(*secure.back(), where, std::string(text)), asio::detached);
    } else {
      plain.push_back(std::make_unique<httpc::connection>(io.get_executor()));
      asio::co_spawn(io, fetch(*plain.back(), where, std::string(text)), asio::detached);
    }
  }
  io.run();
  return 0;
}
