// Tests of the staggered connect (httpc/detail/happy_eyeballs.hpp) on
// loopback: ::1 and 127.0.0.1 listeners, one of which never completes a
// handshake (its accept queue is full and it accepts nothing: the kernel
// drops the SYN), or refuses.

#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/this_coro.hpp>

#include <chrono>
#include <vector>

#include "httpc/connection.hpp"
#include "httpc/detail/happy_eyeballs.hpp"
#include "httpc/resolver.hpp"
#include "support/coroutines.hpp"

namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using httpc::test::run_bounded;
using steady = std::chrono::steady_clock;

const auto v6 = asio::ip::make_address("::1");
const auto v4 = asio::ip::make_address("127.0.0.1");

// A listener whose queue is full: a connect to it stays unanswered.
struct black_hole {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  tcp::socket filler{io};
  explicit black_hole(const asio::ip::address& address) {
    acceptor.open(tcp::endpoint(address, 0).protocol());
    acceptor.bind(tcp::endpoint(address, 0));
    acceptor.listen(0);  // room for one; the filler takes it
    filler.connect(acceptor.local_endpoint());
  }
  tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }
};

// A port nobody listens on: refused at once.
tcp::endpoint refused(const asio::ip::address& address) {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(address, 0));
  return a.local_endpoint();
}

struct outcome {
  std::error_code ec;
  tcp::endpoint connected;
  steady::duration took{};
  std::vector<tcp::endpoint> tried;
};

outcome connect(std::vector<tcp::endpoint> endpoints, httpc::detail::racing_options options) {
  outcome o;
  const std::function<void(const tcp::endpoint&)> record = [&](const tcp::endpoint& e) { o.tried.push_back(e); };
  options.on_connecting = &record;
  run_bounded([&]() -> asio::awaitable<void> {
    tcp::socket s(co_await asio::this_coro::executor);
    const auto start = steady::now();
    o.ec = co_await httpc::detail::connect_first(endpoints, options, s, o.connected);
    o.took = steady::now() - start;
    if (!o.ec) CHECK(s.is_open());
  });
  return o;
}

}  // namespace

TEST_CASE("happy eyeballs: families alternate, starting with the first address's") {
  const tcp::endpoint a6(v6, 1), b6(v6, 2), c4(v4, 3), d4(v4, 4), e4(v4, 5);
  const std::vector<tcp::endpoint> given{a6, b6, c4, d4, e4};
  CHECK(httpc::detail::interleaved(given) == std::vector<tcp::endpoint>{a6, c4, b6, d4, e4});
  const std::vector<tcp::endpoint> v4_first{c4, a6, d4};
  CHECK(httpc::detail::interleaved(v4_first) == std::vector<tcp::endpoint>{c4, a6, d4});
}

TEST_CASE("happy eyeballs: an IPv6 address that never answers; IPv4 wins after the head start") {
  black_hole hole(v6);
  asio::io_context io;
  tcp::acceptor good(io, tcp::endpoint(v4, 0));
  httpc::detail::racing_options options;
  options.attempt_delay = 250ms;
  const auto o = connect({hole.endpoint(), good.local_endpoint()}, options);
  CHECK_FALSE(o.ec);
  CHECK(o.connected == good.local_endpoint());
  CHECK(o.tried.size() == 2);
  CHECK(o.took >= 240ms);
  CHECK(o.took < 2s);
}

TEST_CASE("happy eyeballs: the delay is configurable; IPv4 that never answers loses to IPv6") {
  black_hole hole(v4);
  asio::io_context io;
  tcp::acceptor good(io, tcp::endpoint(v6, 0));
  httpc::detail::racing_options options;
  options.attempt_delay = 50ms;
  const auto o = connect({hole.endpoint(), good.local_endpoint()}, options);
  CHECK_FALSE(o.ec);
  CHECK(o.connected == good.local_endpoint());
  CHECK(o.took >= 45ms);
  CHECK(o.took < 1s);
}

TEST_CASE("happy eyeballs: a refusal starts the next attempt at once") {
  asio::io_context io;
  tcp::acceptor good(io, tcp::endpoint(v4, 0));
  httpc::detail::racing_options options;
  options.attempt_delay = 2s;
  const auto o = connect({refused(v6), good.local_endpoint()}, options);
  CHECK_FALSE(o.ec);
  CHECK(o.connected == good.local_endpoint());
  CHECK(o.took < 1s);
}

TEST_CASE("happy eyeballs: all refused is the last refusal; all silent is the deadline") {
  httpc::detail::racing_options options;
  options.attempt_delay = 100ms;
  const auto all_refused = connect({refused(v6), refused(v4)}, options);
  CHECK(all_refused.ec == asio::error::connection_refused);
  CHECK(all_refused.tried.size() == 2);

  black_hole hole6(v6), hole4(v4);
  options.deadline = steady::now() + 400ms;
  const auto silent = connect({hole6.endpoint(), hole4.endpoint()}, options);
  CHECK(silent.ec == std::errc::timed_out);
  CHECK(silent.tried.size() == 2);
  CHECK(silent.took < 2s);
}

TEST_CASE("happy eyeballs: the first to connect wins when both answer") {
  asio::io_context io;
  tcp::acceptor first(io, tcp::endpoint(v6, 0));
  tcp::acceptor second(io, tcp::endpoint(v4, 0));
  const auto o = connect({first.local_endpoint(), second.local_endpoint()}, {});
  CHECK_FALSE(o.ec);
  CHECK(o.connected == first.local_endpoint());
  CHECK(o.tried.size() == 1);  // it answered within the head start
}

namespace {

// A hook that answers every name with these addresses, in this order.
struct fixed_answer : httpc::resolver {
  std::vector<tcp::endpoint> endpoints;
  asio::awaitable<httpc::resolution> resolve(std::string, std::uint16_t) override {
    co_return httpc::resolution{{}, endpoints, {}};
  }
};

}  // namespace

TEST_CASE("happy eyeballs: through the core's connect, a name whose IPv6 address never answers") {
  black_hole hole(v6);
  asio::io_context io;
  tcp::acceptor good(io, tcp::endpoint(v4, 0));
  auto answer = std::make_shared<fixed_answer>();
  answer->endpoints = {hole.endpoint(), good.local_endpoint()};
  httpc::connect_timings timings;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.resolver = answer;
    options.happy_eyeballs_delay = 100ms;
    options.timings = &timings;
    httpc::connection c(co_await asio::this_coro::executor, options);
    const auto start = steady::now();
    co_await c.async_connect("dual.test", good.local_endpoint().port());
    const auto took = steady::now() - start;
    CHECK(c.is_open());
    CHECK(took >= 90ms);
    CHECK(took < 2s);
  });
  CHECK(timings.remote == good.local_endpoint());
}
