// Tests of name resolution (httpc/resolver.hpp): the default resolver
// (c-ares) against a scripted DNS server on loopback
// (test/support/dns_server.hpp), the cache over it, a hook, and a
// connection's connect through them (a deadline, a cancellation).
//
// Every test is bounded: the io_context runs for a limited time. g++ 12
// rejects a co_await inside doctest's macros: results go into locals first.
#include "httpc/connection.hpp"
#include "httpc/resolver.hpp"

#include "support/coroutines.hpp"
#include "support/dns_server.hpp"
#include "support/script_server.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using httpc::resolution;
using httpc::test::dns_entry;
using httpc::test::dns_server;
using httpc::test::run_bounded;
using httpc::test::script_server;
using httpc::test::sleep_for;
using httpc::test::step;

const auto loopback4 = asio::ip::make_address("127.0.0.1");
const auto loopback6 = asio::ip::make_address("::1");

httpc::resolver_options at(const dns_server& dns) {
  httpc::resolver_options o;
  o.servers = dns.address();
  return o;
}

bool has_cares() { return httpc::resolver_backend() == "c-ares"; }

// A hook: every name is `address`; counts the lookups.
struct fixed_resolver : httpc::resolver {
  explicit fixed_resolver(asio::ip::address a) : address(a) {}
  asio::awaitable<resolution> resolve(std::string, std::uint16_t port) override {
    ++lookups;
    co_return resolution{{}, {asio::ip::tcp::endpoint(address, port)}, std::nullopt};
  }
  asio::ip::address address;
  std::atomic<int> lookups{0};
};

// A hook that ignores cancellation and answers late.
struct deaf_resolver : httpc::resolver {
  asio::awaitable<resolution> resolve(std::string, std::uint16_t) override {
    co_await asio::this_coro::reset_cancellation_state(
        [](asio::cancellation_type) { return asio::cancellation_type::none; });
    asio::steady_timer late(co_await asio::this_coro::executor, 500ms);
    co_await late.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    co_return resolution{};
  }
};

}  // namespace

TEST_CASE("c-ares: A and AAAA answers, with the port asked for and the smallest TTL") {
  if (!has_cares()) return;
  dns_server dns;
  dns.set("both.test", dns_entry{{loopback4, loopback6}, 42});
  dns.set("Four.Test", dns_entry{{loopback4}, 7});
  run_bounded([&]() -> asio::awaitable<void> {
    auto names = httpc::make_resolver(co_await asio::this_coro::executor, at(dns));
    const resolution both = co_await names->resolve("both.test", 8080);
    REQUIRE_FALSE(both.error);
    CHECK(both.endpoints.size() == 2);
    CHECK(std::count(both.endpoints.begin(), both.endpoints.end(), asio::ip::tcp::endpoint(loopback4, 8080)) == 1);
    CHECK(std::count(both.endpoints.begin(), both.endpoints.end(), asio::ip::tcp::endpoint(loopback6, 8080)) == 1);
    CHECK(both.ttl == 42s);
    const resolution four = co_await names->resolve("four.test", 80);
    REQUIRE_FALSE(four.error);
    CHECK(four.endpoints == std::vector{asio::ip::tcp::endpoint(loopback4, 80)});
    CHECK(four.ttl == 7s);
  });
  CHECK(dns.questions("both.test") == 2);  // A and AAAA
}

TEST_CASE("c-ares: errors are Asio's resolver's codes") {
  if (!has_cares()) return;
  dns_server dns;
  dns.set("nothing.test", dns_entry{{}, 60});  // the name, no address
  dns.set("silent.test", dns_entry{{loopback4}, 60, 0ms, true});
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    auto names = httpc::make_resolver(executor, at(dns));
    const resolution missing = co_await names->resolve("missing.test", 80);  // NXDOMAIN
    CHECK(missing.error == asio::error::host_not_found);
    CHECK(missing.error.category() == asio::error::get_netdb_category());
    CHECK(missing.endpoints.empty());
    const resolution nothing = co_await names->resolve("nothing.test", 80);
    CHECK(nothing.error == asio::error::host_not_found);

    httpc::resolver_options quick = at(dns);
    quick.timeout = 100ms;
    quick.tries = 1;
    const auto started = std::chrono::steady_clock::now();
    const resolution silent = co_await httpc::make_resolver(executor, quick)->resolve("silent.test", 80);
    CHECK(silent.error == asio::error::host_not_found_try_again);
    CHECK(std::chrono::steady_clock::now() - started < 2s);

    httpc::resolver_options bad;
    bad.servers = "not an address";
    const resolution refused = co_await httpc::make_resolver(executor, bad)->resolve("x.test", 80);
    CHECK(refused.error == std::errc::invalid_argument);
  });
}

TEST_CASE("c-ares: /etc/hosts and inet_aton's short forms, as getaddrinfo") {
  if (!has_cares()) return;
  dns_server dns;
  run_bounded([&]() -> asio::awaitable<void> {
    auto names = httpc::make_resolver(co_await asio::this_coro::executor, at(dns));
    const resolution local = co_await names->resolve("localhost", 80);
    REQUIRE_FALSE(local.error);
    CHECK(std::count(local.endpoints.begin(), local.endpoints.end(), asio::ip::tcp::endpoint(loopback4, 80)) == 1);
    const resolution short_form = co_await names->resolve("127.1", 81);
    CHECK(short_form.endpoints == std::vector{asio::ip::tcp::endpoint(loopback4, 81)});
  });
  CHECK(dns.questions("localhost") == 0);
  CHECK(dns.questions("127.1") == 0);
}

TEST_CASE("a connect given up mid-lookup ends at once, and leaves no work behind") {
  if (!has_cares()) return;
  dns_server dns;
  dns.set("silent.test", dns_entry{{loopback4}, 60, 0ms, true});
  asio::io_context io(1);  // before the resolver, whose timer is the io_context's
  httpc::connection_options options;
  options.connect_timeout = 200ms;
  options.resolver = httpc::make_resolver(io.get_executor(), at(dns));
  std::error_code timed_out, cancelled;
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const auto executor = co_await asio::this_coro::executor;
        httpc::connection c(executor, options);
        const auto started = std::chrono::steady_clock::now();
        timed_out = co_await httpc::test::error_of(c.async_connect("silent.test", 80));
        CHECK(std::chrono::steady_clock::now() - started < 1s);
        // Cancelled by a timer that wins the race (`||`).
        c.options().connect_timeout.reset();
        asio::steady_timer timer(executor, 100ms);
        auto raced = co_await (httpc::test::error_of(c.async_connect("silent.test", 80)) ||
                               timer.async_wait(asio::use_awaitable));
        cancelled = raced.index() == 1 ? make_error_code(asio::error::operation_aborted) : std::get<0>(raced);
        finished = true;
      },
      asio::detached);
  io.run_for(5s);
  REQUIRE(finished);
  CHECK(timed_out == std::errc::timed_out);
  CHECK(cancelled == asio::error::operation_aborted);
  // run_for returned because nothing was left: the abandoned queries were
  // cancelled, their sockets and timer let go.
  CHECK(io.stopped());
  CHECK(dns.questions("silent.test") >= 1);
}

TEST_CASE("the deadline holds against a resolver that never answers nor stops") {
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    const auto started = std::chrono::steady_clock::now();
    const resolution r = co_await httpc::detail::resolve_within(
        executor, std::make_shared<deaf_resolver>(), "deaf.test", 80, started + 100ms);
    CHECK(r.error == std::errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - started < 1s);
  });
}

TEST_CASE("a hook supplies the addresses: a name that does not exist reaches 127.0.0.1") {
  script_server server;
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
                        step::close()});
  auto hook = std::make_shared<fixed_resolver>(loopback4);
  httpc::connection_options options;
  options.resolver = hook;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("no-such-host.invalid", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const std::string body = co_await r.async_read_all();
    CHECK(body == "hi");
  });
  CHECK(hook->lookups == 1);
  REQUIRE(server.wait_for_requests(1, 2s));
  CHECK(server.requests()[0].find("Host: no-such-host.invalid:") != std::string::npos);
}

TEST_CASE("the cache keeps an answer for min(TTL, cap), and shares a lookup under way") {
  if (!has_cares()) return;
  dns_server dns;
  dns.set("short.test", dns_entry{{loopback4}, 1});
  dns.set("long.test", dns_entry{{loopback4}, 300});
  dns.set("slow.test", dns_entry{{loopback4}, 300, 200ms});
  run_bounded(
      [&]() -> asio::awaitable<void> {
        const auto executor = co_await asio::this_coro::executor;
        auto names = httpc::make_caching_resolver(httpc::make_resolver(executor, at(dns)), 1s);
        for (int i = 0; i < 3; ++i) {
          const resolution a = co_await names->resolve("short.test", 80);
          const resolution b = co_await names->resolve("long.test", 80);
          CHECK_FALSE(a.error);
          CHECK_FALSE(b.error);
        }
        CHECK(dns.questions("short.test") == 2);  // one lookup: A and AAAA
        CHECK(dns.questions("long.test") == 2);
        const resolution port = co_await names->resolve("long.test", 81);  // by name and port
        CHECK(port.endpoints == std::vector{asio::ip::tcp::endpoint(loopback4, 81)});
        co_await sleep_for(1100ms);
        co_await names->resolve("short.test", 80);  // its TTL is over
        co_await names->resolve("long.test", 80);   // the cap is over
        CHECK(dns.questions("short.test") == 4);
        CHECK(dns.questions("long.test") == 6);

        // Ten at once: one lookup.
        int answered = 0;
        for (int i = 0; i < 10; ++i)
          asio::co_spawn(executor, names->resolve("slow.test", 80), [&](std::exception_ptr, resolution r) {
            if (!r.error) ++answered;
          });
        for (int i = 0; i < 100 && answered < 10; ++i) co_await sleep_for(20ms);
        CHECK(answered == 10);
        CHECK(dns.questions("slow.test") == 2);
      },
      10s);
}

TEST_CASE("the cache keeps no error, and a lookup everyone gave up is cancelled") {
  if (!has_cares()) return;
  dns_server dns;
  dns.set("silent.test", dns_entry{{loopback4}, 60, 0ms, true});
  asio::io_context io(1);
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const auto executor = co_await asio::this_coro::executor;
        auto names = httpc::make_caching_resolver(httpc::make_resolver(executor, at(dns)), 60s);
        co_await names->resolve("missing.test", 80);
        const resolution again = co_await names->resolve("missing.test", 80);
        CHECK(again.error == asio::error::host_not_found);
        CHECK(dns.questions("missing.test") == 4);
        const auto gone = co_await httpc::detail::resolve_within(executor, names, "silent.test", 80,
                                                                 std::chrono::steady_clock::now() + 100ms);
        CHECK(gone.error == std::errc::timed_out);
        finished = true;
      },
      asio::detached);
  io.run_for(5s);
  REQUIRE(finished);
  CHECK(io.stopped());
}

TEST_CASE("Asio's resolver behind the same seam") {
  run_bounded([&]() -> asio::awaitable<void> {
    auto names = httpc::make_asio_resolver();
    const resolution local = co_await names->resolve("localhost", 80);
    REQUIRE_FALSE(local.error);
    CHECK(std::count(local.endpoints.begin(), local.endpoints.end(), asio::ip::tcp::endpoint(loopback4, 80)) == 1);
    CHECK_FALSE(local.ttl.has_value());
  });
}
