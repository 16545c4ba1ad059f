// Counts heap allocations per keep-alive request of the coroutine core: a
// client and a minimal server in one process on loopback, every allocation
// counted by a replaced operator new, the count taken after a warm-up.
//
//   httpc-bench-allocations [requests]
//
// Prints `allocations_per_request <x>` for the small GET, through
// async_read_all and through async_next.

#include <httpc/async.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

#include <fmt/core.h>

namespace {
std::atomic<std::size_t> allocations{0};
}

// GCC 12 sees the malloc of the replaced operator new reach the free of the
// replaced operator delete through inlined Asio code, and warns, wrongly.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

constexpr std::string_view response =
    "HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
    "Connection: keep-alive\r\n\r\nhello, httpc\n";

// Answers each request head (up to its empty line) with the response above.
asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
  char buffer[4096];
  std::size_t have = 0;
  for (;;) {
    const std::string_view seen(buffer, have);
    if (const auto end = seen.find("\r\n\r\n"); end != std::string_view::npos) {
      co_await asio::async_write(socket, asio::buffer(response), asio::use_awaitable);
      const std::size_t used = end + 4;
      std::memmove(buffer, buffer + used, have - used);
      have -= used;
      continue;
    }
    have += co_await socket.async_read_some(asio::buffer(buffer + have, sizeof buffer - have),
                                            asio::use_awaitable);
  }
}

asio::awaitable<void> run_client(std::uint16_t port, int requests) {
  httpc::connection c(co_await asio::this_coro::executor);
  co_await c.async_connect("127.0.0.1", port);
  auto measure = [&](auto one) -> asio::awaitable<double> {
    for (int i = 0; i < 100; ++i) co_await one();  // warm-up: buffers, recycled frames
    const std::size_t before = allocations.load();
    for (int i = 0; i < requests; ++i) co_await one();
    co_return static_cast<double>(allocations.load() - before) / requests;
  };
  const double read_all = co_await measure([&]() -> asio::awaitable<void> {
    co_await c.async_request("GET", "/small");
    auto r = co_await c.async_getresponse();
    const std::string body = co_await r.async_read_all();
    if (body.size() != 13) std::abort();
  });
  const double next = co_await measure([&]() -> asio::awaitable<void> {
    co_await c.async_request("GET", "/small");
    auto r = co_await c.async_getresponse();
    std::size_t size = 0;
    for (auto piece = co_await r.async_next(); !piece.empty(); piece = co_await r.async_next())
      size += piece.size();
    if (size != 13) std::abort();
  });
  fmt::print("allocations_per_request read_all {:.2f}\n", read_all);
  fmt::print("allocations_per_request next {:.2f}\n", next);
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::atoi(argv[1]) : 10000;
  asio::io_context io(1);
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  acceptor.async_accept([](std::error_code ec, asio::ip::tcp::socket socket) {
    if (!ec) asio::co_spawn(socket.get_executor(), serve(std::move(socket)), asio::detached);
  });
  asio::co_spawn(io, run_client(acceptor.local_endpoint().port(), requests),
                 [&](std::exception_ptr e) {
                   if (e) std::rethrow_exception(e);
                   io.stop();
                 });
  io.run();
}
