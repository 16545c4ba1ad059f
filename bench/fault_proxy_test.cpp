// The soak's fault proxy does what it promises: each kind of fault, with
// the client receiving a prefix of the upstream's bytes before it.

#include "fault_proxy.hpp"

#include "coroutines.hpp"

#include <asio/read.hpp>

#include <doctest/doctest.h>

namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
constexpr auto as_result = asio::experimental::as_tuple(asio::use_awaitable);

// What the upstream sends on every connection once a request arrived: a
// status line (garbage never starts like one), then 100000 patterned bytes.
std::string upstream_bytes() {
  std::string bytes = "HTTP/1.1 200 OK\r\n";
  for (std::size_t i = 0; bytes.size() < 100000; ++i) bytes += static_cast<char>('a' + i % 26);
  return bytes;
}

asio::awaitable<void> serve(std::shared_ptr<tcp::acceptor> acceptor, const std::string& bytes) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(as_result);
    if (ec) co_return;
    asio::co_spawn(acceptor->get_executor(), [&bytes, socket = std::move(socket)]() mutable -> asio::awaitable<void> {
      char request[64];
      if (auto [read_error, n] = co_await socket.async_read_some(asio::buffer(request), as_result); read_error)
        co_return;
      co_await asio::async_write(socket, asio::buffer(bytes), as_result);
      std::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      // Until the client's close, so that nothing unread turns the close into a reset.
      co_await socket.async_read_some(asio::buffer(request), as_result);
    }, asio::detached);
  }
}

struct outcome {
  std::string received;
  std::error_code ec;  // how the stream ended
};

// One connection through the proxy: a request, then everything until the
// end; a pause longer than `quiet` ends it with timed_out.
asio::awaitable<outcome> fetch(std::uint16_t port, std::chrono::milliseconds quiet = 2000ms) {
  using namespace asio::experimental::awaitable_operators;
  const auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  co_await socket.async_connect({asio::ip::make_address_v4("127.0.0.1"), port}, asio::use_awaitable);
  co_await asio::async_write(socket, asio::buffer(std::string_view("GET / HTTP/1.1\r\n\r\n")), asio::use_awaitable);
  outcome out;
  char buffer[8192];
  for (;;) {
    asio::steady_timer timer(executor, quiet);
    auto result = co_await (socket.async_read_some(asio::buffer(buffer), as_result) || timer.async_wait(as_result));
    if (result.index() == 1) {
      out.ec = make_error_code(std::errc::timed_out);
      co_return out;
    }
    auto [ec, n] = std::get<0>(result);
    out.received.append(buffer, n);
    if (ec) {
      out.ec = ec;
      co_return out;
    }
  }
}

// Runs `connections` fetches through a proxy that faults every connection
// with `kind`, and hands each outcome and the counts to `check`.
template <class Check>
void with_fault(bench::fault kind, int connections, Check check, std::chrono::milliseconds stall = 1000ms) {
  const std::string bytes = upstream_bytes();
  httpc::test::run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    auto upstream = std::make_shared<tcp::acceptor>(executor, tcp::endpoint{asio::ip::make_address_v4("127.0.0.1"), 0});
    asio::co_spawn(executor, serve(upstream, bytes), asio::detached);
    bench::fault_proxy_options options;
    options.upstream = upstream->local_endpoint();
    options.fault_rate = kind == bench::fault::none ? 0 : 1;
    options.kinds = {kind};
    options.max_offset = 1000;
    options.max_request_offset = 1;  // drop: the first request
    options.stall = stall;
    bench::fault_proxy proxy(executor, options);
    for (int i = 0; i < connections; ++i) {
      const outcome out = co_await fetch(proxy.port(), kind == bench::fault::stall ? 300ms : 2000ms);
      CAPTURE(i);
      if (kind != bench::fault::garbage) CHECK(bytes.starts_with(out.received));
      check(out);
    }
    CHECK(proxy.counts().accepted == static_cast<std::uint64_t>(connections));
    CHECK(proxy.counts().fired[static_cast<std::size_t>(kind)] ==
          (kind == bench::fault::none ? 0u : static_cast<std::uint64_t>(connections)));
    upstream->close();
  }, 20s);
}

}  // namespace

TEST_CASE("fault proxy: no fault: every byte, then the close") {
  with_fault(bench::fault::none, 3, [](const outcome& out) {
    CHECK(out.received.size() == 100000);
    CHECK(out.ec == asio::error::eof);
  });
}

TEST_CASE("fault proxy: truncate: a prefix shorter than the offset bound, then a clean close") {
  with_fault(bench::fault::truncate, 20, [](const outcome& out) {
    CHECK(out.received.size() < 1000);
    CHECK(out.ec == asio::error::eof);
  });
}

TEST_CASE("fault proxy: reset: at most the prefix, then a reset") {
  with_fault(bench::fault::reset, 20, [](const outcome& out) {
    CHECK(out.received.size() < 1000);
    CHECK(out.ec == asio::error::connection_reset);
  });
}

TEST_CASE("fault proxy: stall: a prefix, silence, then a clean close") {
  with_fault(
      bench::fault::stall, 3,
      [](const outcome& out) {
        CHECK(out.received.size() < 1000);
        CHECK(out.ec == std::errc::timed_out);  // fetch's 300 ms of silence came first
      },
      5000ms);
}

TEST_CASE("fault proxy: garbage: a few bytes that are no status line, then a clean close") {
  with_fault(bench::fault::garbage, 20, [](const outcome& out) {
    CHECK(out.received.size() >= 1);
    CHECK(out.received.size() <= 64);
    CHECK(out.received[0] != 'H');
    CHECK(out.ec == asio::error::eof);
  });
}

TEST_CASE("fault proxy: drop: the request is not relayed, the connection closes cleanly") {
  with_fault(bench::fault::drop, 5, [](const outcome& out) {
    CHECK(out.received.empty());
    CHECK(out.ec == asio::error::eof);
  });
}
