// The async example of README.md, built so that it is known to compile:
//
//   httpc-readme-example HOST PORT
#include <httpc/async.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/this_coro.hpp>
#include <cstdlib>

#include <fmt/core.h>

// README: begin
asio::awaitable<void> get(std::string host, std::uint16_t port) {
  httpc::connection c(co_await asio::this_coro::executor);
  co_await c.async_connect(host, port);
  co_await c.async_request("GET", "/index.html");
  auto r = co_await c.async_getresponse();
  std::string body = co_await r.async_read_all(1 << 20);  // at most 1 MiB
  fmt::print("{} {} ({} bytes)\n", r.status(), r.reason(), body.size());
}
// README: end

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: httpc-readme-example HOST PORT\n");
    return 2;
  }
  asio::io_context io;
  asio::co_spawn(io, get(argv[1], static_cast<std::uint16_t>(std::atoi(argv[2]))),
                 [](std::exception_ptr e) {
                   if (e) std::rethrow_exception(e);
                 });
  io.run();
}
