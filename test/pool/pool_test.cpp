// Tests of the connection pool (httpc/pool.hpp): against the scripted
// loopback server (test/support/script_server.hpp), which counts the
// connections it accepts and misbehaves on cue, and against nginx
// (test/support/nginx.hpp), on one thread and on four.
//
// Every test is bounded: the io_context runs for a limited time, and a test
// that did not finish fails. g++ 12 rejects a co_await inside doctest's
// macros and a braced Headers list inside a co_await expression: results go
// into locals first, header lists into named variables.
//
// Two seams of this binary only: the global operator new and delete count
// the bytes held (test/support/allocation_counter.hpp: memory bounds without
// RSS), and poll() can be told to miss that an idle connection died (the
// race of a server closing a kept-alive connection just after the pool
// looked at it).
#include "httpc/pool.hpp"

#include "support/allocation_counter.hpp"
#include "support/coroutines.hpp"
#include "support/dns_server.hpp"
#include "support/encoders.hpp"
#include "support/nginx.hpp"
#include "support/script_server.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_future.hpp>

#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <future>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

// --- Seams -------------------------------------------------------------------

namespace {

// While set, a look at an idle connection (the core's is_reusable: a poll
// for POLLRDHUP) sees nothing, however the connection is.
std::atomic<bool> blind_idle_checks{false};
std::atomic<int> blinded_checks{0};

}  // namespace

// glibc declares poll's array write-only, so reading `events` looks like a
// read of uninitialized memory to g++ at -O2.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
extern "C" int poll(pollfd* fds, nfds_t count, int timeout) {
  if (blind_idle_checks && count == 1 && (fds[0].events & POLLRDHUP) != 0) {
    ++blinded_checks;
    fds[0].revents = 0;
    return 0;
  }
  timespec limit{timeout / 1000, (timeout % 1000) * 1000000L};
  return ::ppoll(fds, count, timeout < 0 ? nullptr : &limit, nullptr);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace {

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using httpc::test::script_server;
using httpc::test::step;
using httpc::test::error_of;
using httpc::test::run_bounded;
using httpc::test::run_bounded_on;
using httpc::test::sleep_for;
using steady = std::chrono::steady_clock;

std::string with_length(std::string_view body, std::string_view fields = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(fields) + "\r\n" + std::string(body);
}

std::string redirect(int status, std::string_view location) {
  return "HTTP/1.1 " + std::to_string(status) + " Moved\r\nLocation: " + std::string(location) +
         "\r\nContent-Length: 5\r\n\r\nmoved";
}

std::string url_of(const script_server& server, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + std::string(path);
}

void check_server(const script_server& server, std::size_t connections) {
  CHECK(server.wait_for_finished(connections, 3s));
  CHECK(server.connections() == connections);
  const auto errors = server.errors();
  for (const auto& e : errors) MESSAGE("server: " << e);
  CHECK(errors.empty());
}

/// What an exception says, for a failure message.
std::string describe(const std::exception_ptr& e) {
  if (!e) return "no exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  }
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string https_url_of(const script_server& server, std::string_view path) {
  return "https://127.0.0.1:" + std::to_string(server.port()) + std::string(path);
}

asio::ssl::context trusting(const std::string& cert_pem) {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.add_certificate_authority(asio::buffer(cert_pem));
  return context;
}

std::string host_of(const script_server& server) { return "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"; }

}  // namespace

// ============================================================================
// Reuse and limits
// ============================================================================

TEST_CASE("reuse: sequential requests share one kept-alive connection") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("one")), step::read_request(),
                        step::send(with_length("two")), step::read_request(),
                        step::send(with_length("three")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto a = co_await pool.async_request("GET", url_of(server, "/1"));
    const httpc::url parsed = httpc::parse_url(url_of(server, "/2"));  // a parsed url works too
    const auto b = co_await pool.async_request("GET", parsed);
    auto s = co_await pool.async_stream("GET", httpc::parse_url(url_of(server, "/3")));
    CHECK(a.body == "one");
    CHECK(a.status == 200);
    CHECK(a.header("content-length") == std::optional<std::string_view>("3"));
    CHECK(b.body == "two");
    CHECK(pool.stats().in_use == 1);  // held by the streaming response
    const std::string three = co_await s.async_read_all();
    CHECK(three == "three");
    CHECK(s.done());
    const auto stats = pool.stats();
    CHECK(stats.open == 1);
    CHECK(stats.idle == 1);
    CHECK(stats.in_use == 0);
    CHECK(stats.requests == 3);
  });  // the pool's end closes the idle connection: expect_close
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(starts_with(requests[0], "GET /1 HTTP/1.1\r\nHost: 127.0.0.1:"));
}

TEST_CASE("heads: owned by the responses, past the connection's next request") {
  script_server server;
  const std::string head = "HTTP/1.1 201 Made It\r\nX-A: 1\r\nX-Fold: a\r\n b\r\nx-a: 2\r\nContent-Length: 6\r\n\r\n";
  server.on_connection({step::read_request(), step::send(head + "stream"), step::read_request(),
                        step::send(head + "buffer"), step::read_request(), step::send(with_length("next")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    auto s = co_await pool.async_stream("GET", url_of(server, "/"));
    CHECK(co_await s.async_read_all() == "stream");
    const auto b = co_await pool.async_request("GET", url_of(server, "/"));
    // The connection has read another response over both heads' bytes.
    const auto next = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(next.body == "next");
    const httpc::Headers expected{{"X-A", "1"}, {"X-Fold", "a b"}, {"x-a", "2"}, {"Content-Length", "6"}};
    CHECK(s.status() == 201);
    CHECK(s.reason() == "Made It");
    CHECK(s.version() == 11);
    CHECK(s.header("X-FOLD") == std::optional<std::string_view>("a b"));
    CHECK(s.fields().count("x-a") == 2);
    const httpc::Headers& held = s.headers();
    CHECK(held == expected);
    std::string names;
    for (auto& [name, value] : s.headers()) names += name + "=" + value + ";";
    CHECK(names == "X-A=1;X-Fold=a b;x-a=2;Content-Length=6;");
    CHECK(b.status == 201);
    CHECK(b.reason == "Made It");
    CHECK(b.version == 11);
    CHECK(b.headers == expected);
    CHECK(b.header("x-a") == std::optional<std::string_view>("1"));
    CHECK(b.body == "buffer");
  });
  check_server(server, 1);
}

TEST_CASE("limits: per origin; requests over the limit queue and share the connections") {
  script_server server;
  // The second responses are slow too: a connection that is back first must
  // not serve a third request while the other is still busy.
  for (int i = 0; i < 2; ++i)
    server.on_connection({step::read_request(), step::delay(150ms), step::send(with_length("a")),
                          step::read_request(), step::delay(150ms), step::send(with_length("b")),
                          step::expect_close()});
  httpc::pool_options options;
  options.max_per_origin = 2;
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool pool(executor, options);
    int done = 0;
    std::vector<std::string> bodies;
    for (int i = 0; i < 4; ++i) {
      asio::co_spawn(executor, pool.async_request("GET", url_of(server, "/")),
                     [&](std::exception_ptr e, httpc::buffered_response r) {
                       CHECK_MESSAGE(!e, describe(e));
                       bodies.push_back(r.body);
                       ++done;
                     });
    }
    co_await sleep_for(60ms);
    const auto during = pool.stats();
    CHECK(during.open == 2);
    CHECK(during.in_use == 2);
    CHECK(during.queued == 2);
    for (int i = 0; i < 200 && done < 4; ++i) co_await sleep_for(5ms);
    CHECK(done == 4);
    std::sort(bodies.begin(), bodies.end());
    CHECK(bodies == std::vector<std::string>{"a", "a", "b", "b"});
    CHECK(pool.stats().queued == 0);
    CHECK(pool.stats().idle == 2);
  });
  check_server(server, 2);
}

TEST_CASE("limits: in total; an idle connection of another origin makes room") {
  script_server first;
  script_server second;
  first.on_connection({step::read_request(), step::delay(100ms), step::send(with_length("first")),
                       step::expect_close()});
  second.on_connection({step::read_request(), step::send(with_length("second")), step::expect_close()});
  httpc::pool_options options;
  options.max_total = 1;
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool pool(executor, options);
    std::optional<std::string> got;
    asio::co_spawn(executor, pool.async_request("GET", url_of(first, "/")),
                   [&](std::exception_ptr e, httpc::buffered_response r) {
                     CHECK_FALSE(e);
                     got = r.body;
                   });
    co_await sleep_for(30ms);
    CHECK(pool.stats().open == 1);
    // Waits for the first origin's connection, which is then closed for it.
    const auto r = co_await pool.async_request("GET", url_of(second, "/"));
    CHECK(r.body == "second");
    CHECK(got == std::optional<std::string>("first"));
    CHECK(pool.stats().open == 1);
    CHECK(first.wait_for_finished(1, 2s));  // its expect_close saw the close
  });
  check_server(first, 1);
  check_server(second, 1);
}

TEST_CASE("limits: the pool-wait timeout") {
  script_server server;
  server.on_connection({step::read_request(), step::delay(400ms), step::send(with_length("slow")),
                        step::expect_close()});
  httpc::pool_options options;
  options.max_per_origin = 1;
  options.wait_timeout = 100ms;
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool pool(executor, options);
    std::optional<std::string> slow;
    asio::co_spawn(executor, pool.async_request("GET", url_of(server, "/")),
                   [&](std::exception_ptr e, httpc::buffered_response r) {
                     CHECK_FALSE(e);
                     slow = r.body;
                   });
    co_await sleep_for(20ms);
    const auto start = steady::now();
    const auto ec = co_await error_of(pool.async_request("GET", url_of(server, "/")));
    const auto waited = steady::now() - start;
    CHECK(ec == std::errc::timed_out);
    CHECK(waited >= 90ms);
    CHECK(waited < 350ms);
    CHECK(pool.stats().queued == 0);
    for (int i = 0; i < 200 && !slow; ++i) co_await sleep_for(5ms);
    CHECK(slow == std::optional<std::string>("slow"));
  });
  check_server(server, 1);
}

TEST_CASE("idle timeout: an idle connection is never reused after it, and closed at the pool's next use") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("a")), step::expect_close(2s)});
  server.on_connection({step::read_request(), step::send(with_length("b")), step::expect_close()});
  httpc::pool_options options;
  options.idle_timeout = 100ms;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    const auto a = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(a.body == "a");
    CHECK(pool.stats().idle == 1);
    co_await sleep_for(250ms);
    CHECK(pool.stats().idle == 1);  // no timer: nothing ran since
    const auto b = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(b.body == "b");
    CHECK(server.wait_for_finished(1, 1s));
    CHECK(pool.stats().open == 1);
  });
  check_server(server, 2);
}

TEST_CASE("idle: run() returns once the requests are done; idle connections keep nothing pending") {
  // Both kinds of pool: on a default io_context (strands) and on one told
  // it runs one thread (none).
  for (const int hint : {-1, 1}) {
    CAPTURE(hint);
    script_server server;
    server.on_connection({step::read_request(), step::send(with_length("a")), step::expect_close(3s)});
    asio::io_context io(hint);
    std::optional<httpc::pool> pool(std::in_place, io.get_executor());  // idle_timeout 30 s
    std::string body;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      body = (co_await pool->async_request("GET", url_of(server, "/"))).body;
    }, asio::detached);
    const auto start = steady::now();
    io.run_for(5s);
    CHECK(io.stopped());  // out of work, not out of time
    CHECK(steady::now() - start < 2s);
    CHECK(body == "a");
    CHECK(pool->stats().idle == 1);
    // The pool's end closes its idle connection, where the connection lives.
    pool.reset();
    io.restart();
    io.run_for(2s);
    CHECK(io.stopped());
    check_server(server, 1);
  }
}

TEST_CASE("close: idle connections closed, queued requests aborted, new ones refused, streams read on") {
  for (const int hint : {-1, 1}) {
    CAPTURE(hint);
    script_server idle;
    idle.on_connection({step::read_request(), step::send(with_length("idle")), step::expect_close(2s)});
    script_server busy;
    busy.on_connection({step::read_request(), step::send(with_length("streamed")), step::expect_close(2s)});
    httpc::pool_options options;
    options.max_per_origin = 1;
    run_bounded_on(hint, [&]() -> asio::awaitable<void> {
      const auto executor = co_await asio::this_coro::executor;
      httpc::pool pool(executor, options);
      const auto first = co_await pool.async_request("GET", url_of(idle, "/"));
      CHECK(first.body == "idle");
      auto stream = co_await pool.async_stream("GET", url_of(busy, "/"));
      std::optional<std::error_code> queued;
      pool.async_request("GET", url_of(busy, "/queued"), {}, {}, {},
                         [&](std::error_code ec, httpc::buffered_response) { queued = ec; });
      co_await sleep_for(20ms);
      CHECK(pool.stats().queued == 1);

      co_await pool.async_close();
      CHECK(idle.wait_for_finished(1, 1s));
      for (int i = 0; i < 100 && !queued; ++i) co_await sleep_for(5ms);
      CHECK(queued == std::optional<std::error_code>(asio::error::operation_aborted));
      const auto refused = co_await error_of(pool.async_request("GET", url_of(idle, "/")));
      CHECK(refused == asio::error::operation_aborted);
      // A response under way is read to its end; its connection then closes.
      const std::string body = co_await stream.async_read_all();
      CHECK(body == "streamed");
      for (int i = 0; i < 100 && pool.stats().open != 0; ++i) co_await sleep_for(5ms);
      CHECK(pool.stats().open == 0);
    });
    check_server(idle, 1);
    check_server(busy, 1);
  }
}

TEST_CASE("serial: on an io_context told it runs one thread; reuse, queue, cancellation, timeouts") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("one")), step::read_request(),
                        step::send(with_length("two")), step::read_request(),
                        step::send(with_length("three")), step::read_request(), step::stall(500ms)});
  server.on_connection({step::read_request(), step::send_pieces_of(with_length("streamed"), 16, 5ms),
                        step::read_request(), step::stall(500ms)});
  httpc::pool_options options;
  options.max_per_origin = 1;
  run_bounded_on(1, [&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool pool(executor, options);
    const auto one = co_await pool.async_request("GET", url_of(server, "/1"));
    CHECK(one.body == "one");
    // The second queued behind the limit, then served on the same connection.
    std::vector<std::string> bodies;
    for (const char* path : {"/2", "/3"}) {
      asio::co_spawn(executor, pool.async_request("GET", url_of(server, path)),
                     [&](std::exception_ptr e, httpc::buffered_response r) {
                       CHECK_FALSE(e);
                       bodies.push_back(r.body);
                     });
    }
    for (int i = 0; i < 100 && bodies.size() < 2; ++i) co_await sleep_for(5ms);
    CHECK(bodies == std::vector<std::string>{"two", "three"});
    // Cancelled while the server stalls: the connection is closed.
    asio::steady_timer timer(executor, 50ms);
    const auto cancelled = co_await (pool.async_request("GET", url_of(server, "/c")) ||
                                     timer.async_wait(asio::use_awaitable));
    CHECK(cancelled.index() == 1);
    co_await sleep_for(20ms);
    CHECK(pool.stats().open == 0);
    auto stream = co_await pool.async_stream("GET", url_of(server, "/s"));
    const std::string streamed = co_await stream.async_read_all();
    CHECK(streamed == "streamed");
    httpc::request_options bounded;
    bounded.total_timeout = 50ms;
    const auto ec = co_await error_of(pool.async_request("GET", url_of(server, "/t"), {}, {}, bounded));
    CHECK(ec == std::errc::timed_out);
    co_await sleep_for(20ms);
    CHECK(pool.stats().open == 0);
  });
  check_server(server, 2);
}

// ============================================================================
// Stale connections and the safe retry
// ============================================================================

TEST_CASE("retry: a kept-alive connection closed when the next request arrives; sent again") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("first")), step::read_request(),
                        step::close()});
  server.on_connection({step::read_request(), step::send(with_length("again")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto first = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(first.body == "first");
    const auto again = co_await pool.async_request("PUT", url_of(server, "/"), "data");
    CHECK(again.body == "again");
    CHECK(pool.stats().retries == 1);
  });
  check_server(server, 2);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1] == requests[2]);  // the same PUT, body included, twice
  CHECK(requests[2].ends_with("\r\n\r\ndata"));
}

TEST_CASE("retry: a POST the server read is not sent again; one of which nothing went out is") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("first")), step::read_request(),
                        step::close()});
  // Under the old rule the POST went here a second time.
  server.on_connection({step::read_request(), step::send(with_length("replayed")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto first = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(first.body == "first");
    const auto ec = co_await error_of(pool.async_request("POST", url_of(server, "/p"), "data"));
    CHECK(ec == httpc::error::remote_disconnected);
    CHECK(pool.stats().retries == 0);
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(starts_with(requests[1], "POST /p "));

  // The server resets a kept-alive connection just after the pool found it
  // alive: the POST's first write fails, nothing of it went out.
  script_server reset;
  reset.on_connection({step::read_request(), step::send(with_length("first")), step::reset()});
  reset.on_connection({step::read_request(), step::send(with_length("posted")), step::expect_close()});
  blind_idle_checks = true;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto first = co_await pool.async_request("GET", url_of(reset, "/"));
    CHECK(first.body == "first");
    CHECK(reset.wait_for_finished(1, 2s));
    co_await sleep_for(20ms);  // the reset arrives
    const int checks = blinded_checks;
    const auto posted = co_await pool.async_request("POST", url_of(reset, "/p"), "data");
    CHECK(blinded_checks > checks);  // the pool looked, and missed it
    CHECK(posted.body == "posted");
    CHECK(pool.stats().retries == 1);
  });
  blind_idle_checks = false;
  check_server(reset, 2);
  const auto sent = reset.requests();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1] == "POST /p HTTP/1.1\r\n" + host_of(reset) +
                       "Accept-Encoding: identity\r\nContent-Length: 4\r\n\r\ndata");
}

TEST_CASE("retry: a POST marked idempotent is sent again after the server read it") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("first")), step::read_request(),
                        step::close()});
  server.on_connection({step::read_request(), step::send(with_length("keyed")), step::read_request(),
                        step::close()});
  server.on_connection({step::read_request(), step::send(with_length("x-keyed")), step::read_request(),
                        step::close()});
  server.on_connection({step::read_request(), step::send(with_length("flagged")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto first = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(first.body == "first");
    const httpc::Headers keyed{{"Idempotency-Key", "\"8e03978e\""}};
    const auto a = co_await pool.async_request("POST", url_of(server, "/a"), "data", keyed);
    CHECK(a.body == "keyed");
    const httpc::Headers x_keyed{{"x-idempotency-key", "1"}};
    const auto b = co_await pool.async_request("POST", url_of(server, "/b"), "data", x_keyed);
    CHECK(b.body == "x-keyed");
    httpc::request_options flagged;
    flagged.idempotent = true;
    const auto c = co_await pool.async_request("POST", url_of(server, "/c"), "data", {}, flagged);
    CHECK(c.body == "flagged");
    CHECK(pool.stats().retries == 3);
  });
  check_server(server, 4);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 7);
  CHECK(requests[1] == requests[2]);
  CHECK(requests[3] == requests[4]);
  CHECK(requests[5] == requests[6]);
  CHECK(starts_with(requests[6], "POST /c "));
}

TEST_CASE("retry: a connection the server closed while idle is not used") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("first")), step::close()});
  server.on_connection({step::read_request(), step::send(with_length("second")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto first = co_await pool.async_request("GET", url_of(server, "/"));
    co_await sleep_for(50ms);  // the server's FIN arrives meanwhile
    // A streaming POST is never sent twice; this one goes on a new connection at once.
    int pieces = 0;
    httpc::request_body::source source = [&]() -> asio::awaitable<std::optional<std::string>> {
      if (pieces++ == 0) co_return std::string("streamed");
      co_return std::nullopt;
    };
    const auto second = co_await pool.async_request("POST", url_of(server, "/"), source);
    CHECK(first.body == "first");
    CHECK(second.body == "second");
    CHECK(pool.stats().retries == 0);
  });
  check_server(server, 2);
}

TEST_CASE("retry: never for a non-idempotent streaming body") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("first")), step::read_request(),
                        step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto first = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(first.body == "first");
    int pieces = 0;
    httpc::request_body::source source = [&]() -> asio::awaitable<std::optional<std::string>> {
      if (pieces++ == 0) co_return std::string("once");
      co_return std::nullopt;
    };
    const auto ec = co_await error_of(pool.async_request("POST", url_of(server, "/"), source));
    CHECK(ec == httpc::error::remote_disconnected);
    CHECK(pool.stats().retries == 0);
    CHECK(pool.stats().open == 0);
    co_await sleep_for(50ms);
  });
  check_server(server, 1);
}

TEST_CASE("retry: never on a fresh connection, nor after a response byte") {
  script_server server;
  server.on_connection({step::read_request(), step::reset()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"), step::reset()});
  server.on_connection({step::read_request(), step::send(with_length("ok")), step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"), step::reset()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto fresh = co_await error_of(pool.async_request("GET", url_of(server, "/")));
    CHECK(fresh == std::errc::connection_reset);
    const auto mid_body = co_await error_of(pool.async_request("GET", url_of(server, "/")));
    CHECK((mid_body == std::errc::connection_reset || mid_body == httpc::error::incomplete_body));
    const auto ok = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(ok.body == "ok");
    const auto reused = co_await error_of(pool.async_request("GET", url_of(server, "/")));
    CHECK((reused == std::errc::connection_reset || reused == httpc::error::incomplete_body));
    CHECK(pool.stats().retries == 0);
    co_await sleep_for(50ms);
  });
  check_server(server, 3);
}

// ============================================================================
// Timeouts and cancellation
// ============================================================================

// ============================================================================
// The retry policy
// ============================================================================

namespace {

std::string status_reply(int status, std::string_view fields = "", std::string_view body = "busy") {
  return "HTTP/1.1 " + std::to_string(status) + " Try Later\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + std::string(fields) + "\r\n" + std::string(body);
}

httpc::retry_policy retrying(unsigned attempts, std::chrono::milliseconds backoff = 1ms) {
  httpc::retry_policy policy;
  policy.attempts = attempts;
  policy.backoff = backoff;
  return policy;
}

// A loopback port that refuses connections: bound once, closed.
std::uint16_t refusing_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace

TEST_CASE("retry policy: off by default; a 503 is the result") {
  script_server server;
  server.on_connection({step::read_request(), step::send(status_reply(503, "Retry-After: 0\r\n")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto r = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(r.status == 503);
    CHECK(r.body == "busy");
  });
  check_server(server, 1);
}

TEST_CASE("retry policy: transient statuses retried on the kept-alive connection; each attempt reported") {
  script_server server;
  server.on_connection({step::read_request(), step::send(status_reply(503, "Retry-After: 0\r\n")),
                        step::read_request(), step::send(status_reply(429, "Retry-After: 0\r\n")),
                        step::read_request(), step::send(status_reply(500)),
                        step::read_request(), step::send(with_length("done")), step::expect_close()});
  std::vector<httpc::request_timings> seen;
  httpc::pool_options options;
  options.retry = retrying(4, 20ms);
  options.on_timings = [&](const httpc::request_timings& t) { seen.push_back(t); };
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    const auto start = steady::now();
    const auto r = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(r.status == 200);
    CHECK(r.body == "done");
    CHECK(steady::now() - start >= 40ms);  // the third attempt's backoff: 40 to 80 ms
  });
  check_server(server, 1);
  REQUIRE(seen.size() == 4);
  for (unsigned i = 0; i < 3; ++i) {
    CHECK(seen[i].attempt == i + 1);
    CHECK(seen[i].retrying);
  }
  CHECK(seen[0].status == 503);
  CHECK(seen[0].backoff == std::chrono::nanoseconds::zero());  // Retry-After: 0
  CHECK(seen[1].status == 429);
  CHECK(seen[2].status == 500);
  CHECK(seen[2].backoff >= 40ms);
  CHECK(seen[2].backoff <= 80ms);
  CHECK(seen[3].attempt == 4);
  CHECK_FALSE(seen[3].retrying);
  CHECK(seen[3].status == 200);
  CHECK(seen[3].total >= seen[2].total);  // the reports count from the operation's start
}

TEST_CASE("retry policy: the backoff doubles up to its cap, drawn from its upper half") {
  script_server server;
  std::vector<step> steps;
  for (int i = 0; i < 5; ++i) {
    steps.push_back(step::read_request());
    steps.push_back(step::send(status_reply(502)));
  }
  steps.push_back(step::expect_close());
  server.on_connection(steps);
  std::vector<httpc::request_timings> seen;
  httpc::pool_options options;
  options.retry = retrying(5, 8ms);
  options.retry.max_backoff = 20ms;
  options.on_timings = [&](const httpc::request_timings& t) { seen.push_back(t); };
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    const auto r = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(r.status == 502);  // the attempts ran out: the last response is the result
    CHECK(r.body == "busy");
  });
  check_server(server, 1);
  REQUIRE(seen.size() == 5);
  const std::array<std::chrono::milliseconds, 4> ceilings{8ms, 16ms, 20ms, 20ms};
  for (std::size_t i = 0; i < ceilings.size(); ++i) {
    CHECK(seen[i].backoff >= ceilings[i] / 2);
    CHECK(seen[i].backoff <= ceilings[i]);
  }
  CHECK_FALSE(seen[4].retrying);
}

TEST_CASE("retry policy: Retry-After as seconds, HTTP dates, too long, or unreadable") {
  const auto waits = [](std::string_view retry_after, httpc::retry_policy policy) {
    script_server server;
    const std::string field = "Retry-After: " + std::string(retry_after) + "\r\n";
    server.on_connection({step::read_request(), step::send(status_reply(503, field)), step::read_request(),
                          step::send(with_length("ok")), step::close()});
    std::vector<httpc::request_timings> seen;
    httpc::pool_options options;
    options.retry = policy;
    options.on_timings = [&](const httpc::request_timings& t) { seen.push_back(t); };
    int status = 0;
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::pool pool(co_await asio::this_coro::executor, options);
      status = (co_await pool.async_request("GET", url_of(server, "/"))).status;
    });
    return std::pair{status, seen.front().backoff};
  };
  auto policy = retrying(2, 40ms);
  policy.max_retry_after = 1s;
  // Dates in the past, in each of RFC 9110's three forms: no wait.
  for (const std::string_view past : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                           "Sun Nov  6 08:49:37 1994"}) {
    CAPTURE(past);
    const auto [status, wait] = waits(past, policy);
    CHECK(status == 200);
    CHECK(wait == std::chrono::nanoseconds::zero());
  }
  {
    const auto [status, wait] = waits("1", policy);
    CHECK(status == 200);
    CHECK(wait == 1s);
  }
  // Not a delay: the backoff.
  for (const std::string_view unreadable :
       {"soon", "Sun, 06 Nov 1994 0a:49:37 GMT", "Sun, 06 Nov 1994 08:61:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT"}) {
    CAPTURE(unreadable);
    const auto [status, wait] = waits(unreadable, policy);
    CHECK(status == 200);
    CHECK(wait >= 20ms);
    CHECK(wait <= 40ms);
  }
  // Longer than the policy takes: that response is the result.
  for (const std::string_view too_long : {"2", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"}) {
    CAPTURE(too_long);
    const auto [status, wait] = waits(too_long, policy);
    CHECK(status == 503);
    CHECK(wait == std::chrono::nanoseconds::zero());
  }
}

TEST_CASE("retry policy: only a request that may go twice after its bytes went out") {
  script_server server;
  server.on_connection({step::read_request(), step::send(status_reply(503, "Retry-After: 0\r\n")),
                        step::read_request(), step::send(status_reply(503, "Retry-After: 0\r\n")),
                        step::read_request(), step::send(with_length("again")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    httpc::request_options options;
    options.retry = retrying(3);  // this request's policy; the pool has none
    const auto post = co_await pool.async_request("POST", url_of(server, "/p"), "data", {}, options);
    CHECK(post.status == 503);
    options.idempotent = true;
    const auto marked = co_await pool.async_request("POST", url_of(server, "/m"), "data", {}, options);
    CHECK(marked.status == 200);
    CHECK(marked.body == "again");
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(starts_with(requests[0], "POST /p "));
  CHECK(requests[1] == requests[2]);
}

TEST_CASE("retry policy: failures retried: refused, cut short; a POST that was never written") {
  // Refused: nothing was written, so even a POST goes again.
  std::vector<httpc::request_timings> seen;
  httpc::pool_options options;
  options.retry = retrying(3);
  options.on_timings = [&](const httpc::request_timings& t) { seen.push_back(t); };
  const std::string refused = "http://127.0.0.1:" + std::to_string(refusing_port()) + "/";
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    const auto ec = co_await error_of(pool.async_request("POST", refused, "data"));
    CHECK(ec == std::errc::connection_refused);
  });
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].retrying);
  CHECK(seen[0].error == std::errc::connection_refused);
  CHECK_FALSE(seen[2].retrying);

  // A body cut short: the GET again, on a new connection; a POST not.
  script_server server;
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"),
                        step::close()});
  server.on_connection({step::read_request(), step::send(with_length("whole")), step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    const auto r = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(r.body == "whole");
    const auto ec = co_await error_of(pool.async_request("POST", url_of(server, "/"), "data"));
    CHECK(ec == httpc::error::incomplete_body);
  });
  check_server(server, 2);
}

TEST_CASE("retry policy: the total timeout bounds the waits; errors that no retry mends are final") {
  std::vector<httpc::request_timings> seen;
  httpc::pool_options options;
  options.retry = retrying(5, 10s);
  options.on_timings = [&](const httpc::request_timings& t) { seen.push_back(t); };
  script_server server;
  server.on_connection({step::read_request(), step::send(status_reply(500)), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    httpc::request_options bounded;
    bounded.total_timeout = 100ms;
    const auto start = steady::now();
    const auto ec = co_await error_of(pool.async_request("GET", url_of(server, "/"), {}, {}, bounded));
    CHECK(ec == std::errc::timed_out);
    CHECK(steady::now() - start < 2s);
    // Not transient: a malformed reply is not asked again.
    script_server bad;
    bad.on_connection({step::read_request(), step::send("SSH-2.0-OpenSSH\r\n"), step::close()});
    const auto malformed = co_await error_of(pool.async_request("GET", url_of(bad, "/")));
    CHECK(malformed == httpc::error::bad_status_line);
    check_server(bad, 1);
  });
  check_server(server, 1);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].retrying);
  CHECK(seen[1].error == std::errc::timed_out);
  CHECK_FALSE(seen[2].retrying);
}

TEST_CASE("timeouts: a stalled response is read_timeout; total_timeout bounds the whole") {
  script_server server;
  server.on_connection({step::read_request(), step::stall(500ms)});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n0123456789"),
                        step::delay(60ms), step::send("0123456789"), step::stall(500ms)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    httpc::request_options options;
    options.read_timeout = 100ms;
    auto start = steady::now();
    const auto stalled = co_await error_of(pool.async_request("GET", url_of(server, "/"), {}, {}, options));
    CHECK(stalled == std::errc::timed_out);
    CHECK(steady::now() - start < 800ms);
    CHECK(pool.stats().open == 0);
    // Steady but slow: fine for read_timeout, too slow for the total.
    options.read_timeout = 300ms;
    options.total_timeout = 100ms;
    start = steady::now();
    const auto slow = co_await error_of(pool.async_request("GET", url_of(server, "/"), {}, {}, options));
    CHECK(slow == std::errc::timed_out);
    CHECK(steady::now() - start < 400ms);
    co_await sleep_for(20ms);
    CHECK(pool.stats().open == 0);
  });
  check_server(server, 2);
}

TEST_CASE("cancellation: a queued request, then a running one; the pool stays consistent") {
  script_server server;
  server.on_connection({step::read_request(), step::delay(300ms), step::send(with_length("first")),
                        step::read_request(), step::stall(500ms)});
  server.on_connection({step::read_request(), step::send(with_length("after")), step::expect_close()});
  httpc::pool_options options;
  options.max_per_origin = 1;
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool pool(executor, options);
    std::optional<std::string> first;
    asio::co_spawn(executor, pool.async_request("GET", url_of(server, "/")),
                   [&](std::exception_ptr e, httpc::buffered_response r) {
                     CHECK_FALSE(e);
                     first = r.body;
                   });
    co_await sleep_for(20ms);
    asio::steady_timer timer(executor, 50ms);
    const auto queued = co_await (pool.async_request("GET", url_of(server, "/q")) ||
                                  timer.async_wait(asio::use_awaitable));
    CHECK(queued.index() == 1);
    CHECK(pool.stats().queued == 0);
    for (int i = 0; i < 200 && !first; ++i) co_await sleep_for(5ms);
    CHECK(first == std::optional<std::string>("first"));
    CHECK(pool.stats().idle == 1);

    // Running: the server never answers; the connection is closed, not reused.
    timer.expires_after(100ms);
    const auto running = co_await (pool.async_request("GET", url_of(server, "/r")) ||
                                   timer.async_wait(asio::use_awaitable));
    CHECK(running.index() == 1);
    co_await sleep_for(20ms);
    CHECK(pool.stats().open == 0);
    const auto after = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(after.body == "after");
  });
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(starts_with(requests[1], "GET /r "));  // the cancelled queued request was never sent
  check_server(server, 2);
}

TEST_CASE("cancellation: reading a streaming body") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"), step::stall(500ms)});
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool pool(executor);
    auto s = co_await pool.async_stream("GET", url_of(server, "/"));
    std::array<char, 64> buffer{};
    const auto n = co_await s.async_read_some(asio::buffer(buffer));
    CHECK(n == 3);
    asio::steady_timer timer(executor, 50ms);
    const auto result = co_await (s.async_read_some(asio::buffer(buffer)) || timer.async_wait(asio::use_awaitable));
    CHECK(result.index() == 1);
    CHECK_FALSE(s.done());
    const auto again = co_await error_of(s.async_read_some(asio::buffer(buffer)));
    CHECK(again == asio::error::operation_aborted);
    co_await sleep_for(20ms);
    CHECK(pool.stats().open == 0);
  });
  check_server(server, 1);
}

// ============================================================================
// What goes back to the pool
// ============================================================================

TEST_CASE("release: an unread body or bytes past the response close the connection") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length(std::string(1000, 'u'))),
                        step::expect_close()});
  server.on_connection({step::read_request(), step::send(with_length("x") + "HTTP/1.1 200 OK\r\n"),
                        step::expect_close()});
  server.on_connection({step::read_request(), step::send(with_length("streamed")), step::read_request(),
                        step::send(with_length("reused")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    {
      auto unread = co_await pool.async_stream("GET", url_of(server, "/"));
      CHECK(unread.status() == 200);
    }
    co_await sleep_for(20ms);
    CHECK(pool.stats().open == 0);
    const auto leftover = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(leftover.body == "x");
    co_await sleep_for(20ms);
    CHECK(pool.stats().open == 0);
    auto streamed = co_await pool.async_stream("GET", url_of(server, "/"));
    std::string body;
    std::array<char, 3> piece{};
    for (int i = 0; i < 10; ++i) {
      const auto n = co_await streamed.async_read_some(asio::buffer(piece));
      if (n == 0) break;
      body.append(piece.data(), n);
    }
    CHECK(body == "streamed");
    CHECK(streamed.done());
    CHECK(pool.stats().idle == 1);
    const auto reused = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(reused.body == "reused");
  });
  check_server(server, 3);
}

TEST_CASE("release: a streamed response without a body gives its connection back at once") {
  script_server server;
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n"),
                        step::read_request(), step::send("HTTP/1.1 204 No Content\r\n\r\n"),
                        step::read_request(), step::send(with_length("last")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    auto head = co_await pool.async_stream("HEAD", url_of(server, "/"));
    CHECK(head.done());
    CHECK(head.header("Content-Length") == std::optional<std::string_view>("16"));
    auto no_content = co_await pool.async_stream("GET", url_of(server, "/"));
    CHECK(no_content.status() == 204);
    CHECK(no_content.done());
    std::array<char, 8> buffer{};
    const auto n = co_await no_content.async_read_some(asio::buffer(buffer));
    CHECK(n == 0);
    const auto last = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(last.body == "last");
  });
  check_server(server, 1);
}

TEST_CASE("release: a body over the limit is body_too_large, and its connection is closed") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length(std::string(100, 'b'))),
                        step::expect_close()});
  server.on_connection({step::read_request(), step::send(with_length("small")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    httpc::request_options options;
    options.body_limit = 10;
    const auto ec = co_await error_of(pool.async_request("GET", url_of(server, "/"), {}, {}, options));
    CHECK(ec == httpc::error::body_too_large);
    const auto small = co_await pool.async_request("GET", url_of(server, "/"), {}, {}, options);
    CHECK(small.body == "small");
  });
  check_server(server, 2);
}

// ============================================================================
// Content decoding
// ============================================================================

#if HTTPC_HAS_ZLIB && HTTPC_HAS_BROTLI && HTTPC_HAS_ZSTD
namespace {

std::string coded(std::string_view codings, std::string_view body, std::string_view framing = "length") {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Encoding: " + std::string(codings) + "\r\n";
  if (framing == "chunked") {
    std::string chunks;
    for (std::size_t at = 0; at < body.size(); at += 100) {
      const std::string_view piece = body.substr(at, 100);
      char size[16];
      std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
      chunks += size + std::string(piece) + "\r\n";
    }
    return head + "Transfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n";
  }
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

bool has_line(std::string_view request, std::string_view line) {
  return request.find("\r\n" + std::string(line) + "\r\n") != std::string_view::npos;
}

// A streaming body read `size` bytes at a time.
asio::awaitable<std::string> read_in_pieces(httpc::streaming_response& s, std::size_t size) {
  std::string body;
  std::vector<char> piece(size);
  for (int i = 0; i < 100000; ++i) {
    const auto n = co_await s.async_read_some(asio::buffer(piece));
    if (n == 0) break;
    body.append(piece.data(), n);
  }
  co_return body;
}

}  // namespace

TEST_CASE("decoding: off by default; the body as it came, Accept-Encoding: identity") {
  const std::string coded_body = test_encoders::gzip("plain text");
  script_server server;
  server.on_connection({step::read_request(), step::send(coded("gzip", coded_body)), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto r = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(r.body == coded_body);
  });
  check_server(server, 1);
  CHECK(has_line(server.requests().at(0), "Accept-Encoding: identity"));
}

TEST_CASE("decoding: each coding and a stack, buffered and streamed, split anywhere; the head as received") {
  namespace enc = test_encoders;
  const std::string text = enc::sample_text(20000);
  const std::string gz = enc::gzip(text);
  const std::string stacked = enc::zstd(enc::brotli(enc::gzip(text)));
  script_server server;
  server.on_connection({
      step::read_request(), step::send_pieces_of(coded("gzip", gz), 37, 1ms),
      step::read_request(), step::send(coded("x-gzip", gz, "chunked")),
      step::read_request(), step::send(coded("deflate", enc::raw_deflate(text))),
      step::read_request(), step::send(coded("br", enc::brotli(text), "chunked")),
      step::read_request(), step::send(coded("zstd", enc::zstd(text))),
      step::read_request(), step::send_pieces_of(coded("gzip, br, zstd", stacked, "chunked"), 501, 1ms),
      step::read_request(), step::send(coded("gzip", gz, "chunked")),
      step::read_request(), step::send_pieces_of(coded("identity", text), 999, 0ms),
      step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.decode = httpc::codings::all;
    httpc::pool pool(co_await asio::this_coro::executor, options);
    for (int i = 0; i < 5; ++i) {
      CAPTURE(i);
      const auto r = co_await pool.async_request("GET", url_of(server, "/"));
      CHECK(r.body == text);
      CHECK(r.header("Content-Encoding").has_value());  // the head stays as received
    }
    auto s = co_await pool.async_stream("GET", url_of(server, "/"));
    CHECK(s.header("Content-Encoding") == std::optional<std::string_view>("gzip, br, zstd"));
    const std::string streamed = co_await read_in_pieces(s, 7);
    CHECK(streamed == text);
    CHECK(s.done());
    auto all = co_await pool.async_stream("GET", url_of(server, "/"));
    const std::string first = co_await read_in_pieces(all, 0);  // nothing read
    CHECK(first.empty());
    std::array<char, 10> some{};
    const auto n = co_await all.async_read_some(asio::buffer(some));
    CHECK(std::string_view(some.data(), n) == std::string_view(text).substr(0, n));
    const std::string rest = co_await all.async_read_all();
    CHECK(std::string(some.data(), n) + rest == text);
    CHECK(all.done());
    const auto identity = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(identity.body == text);
    CHECK(pool.stats().idle == 1);  // kept alive throughout
  });
  check_server(server, 1);
  for (const auto& request : server.requests())
    CHECK(has_line(request, "Accept-Encoding: gzip, deflate, br, zstd"));
}

TEST_CASE("decoding: a request's setting replaces the pool's; a caller's Accept-Encoding is kept") {
  const std::string gz = test_encoders::gzip("hello");
  script_server server;
  server.on_connection({step::read_request(), step::send(coded("gzip", gz)),
                        step::read_request(), step::send(coded("gzip", gz)),
                        step::read_request(), step::send(coded("gzip", gz)), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.decode = httpc::codings::all;
    httpc::pool pool(co_await asio::this_coro::executor, options);
    httpc::request_options gzip_only;
    gzip_only.decode = httpc::codings::gzip;
    const auto a = co_await pool.async_request("GET", url_of(server, "/"), {}, {}, gzip_only);
    CHECK(a.body == "hello");
    const httpc::Headers own{{"accept-encoding", "gzip;q=1, br;q=0.5"}};
    const auto b = co_await pool.async_request("GET", url_of(server, "/"), {}, own);
    CHECK(b.body == "hello");
    httpc::request_options raw;
    raw.decode = httpc::codings::none;
    const auto c = co_await pool.async_request("GET", url_of(server, "/"), {}, {}, raw);
    CHECK(c.body == gz);
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(has_line(requests[0], "Accept-Encoding: gzip"));
  CHECK(has_line(requests[1], "accept-encoding: gzip;q=1, br;q=0.5"));
  CHECK(requests[1].find("Accept-Encoding") == std::string::npos);
  CHECK(has_line(requests[2], "Accept-Encoding: identity"));
}

TEST_CASE("decoding: unknown or not enabled codings, corrupt and truncated streams fail") {
  namespace enc = test_encoders;
  const std::string text = enc::sample_text(5000);
  const std::string gz = enc::gzip(text);
  std::string corrupt = gz;
  corrupt[corrupt.size() / 2] ^= 0x55;
  const std::vector<std::string> responses{
      coded("compress", "whatever"),                      // unknown
      coded("br", enc::brotli(text)),                     // not enabled
      coded("gzip", corrupt),                             // corrupt
      coded("gzip", gz.substr(0, gz.size() - 5)),         // truncated, well framed
      coded("gzip", gz + "trailing garbage"),             // bytes after the stream
      coded("gzip, zstd", enc::zstd("not gzip at all")),  // an inner coding corrupt
  };
  script_server server;
  // A pool per response, closed after it: whether the connection was kept
  // (the body's framing was whole) does not change what the server sees.
  for (const auto& response : responses)
    server.on_connection({step::read_request(), step::send(response), step::expect_close()});
  std::vector<std::error_code> errors;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.decode = httpc::codings::gzip | httpc::codings::deflate | httpc::codings::zstd;
    for (std::size_t i = 0; i < responses.size(); ++i) {
      httpc::pool pool(co_await asio::this_coro::executor, options);
      for (const bool stream : {false, true}) {
        if (stream != (i % 2 == 1)) continue;
        if (!stream) {
          errors.push_back(co_await error_of(pool.async_request("GET", url_of(server, "/"))));
          continue;
        }
        // Streamed: a refused coding fails the request; a corrupt one a read.
        auto [ec, s] = co_await pool.async_stream("GET", url_of(server, "/"), {}, {}, {},
                                                  asio::experimental::as_tuple(asio::use_awaitable));
        std::vector<char> buffer(100);
        for (int reads = 0; reads < 1000 && !ec; ++reads) {
          std::size_t n = 0;
          std::tie(ec, n) = co_await s.async_read_some(asio::buffer(buffer),
                                                       asio::experimental::as_tuple(asio::use_awaitable));
          if (n == 0) break;
        }
        errors.push_back(ec);
      }
    }
  });
  check_server(server, responses.size());
  REQUIRE(errors.size() == 6);
  CHECK(errors[0] == httpc::error::unsupported_content_encoding);
  CHECK(errors[1] == httpc::error::unsupported_content_encoding);
  CHECK(errors[2] == httpc::error::bad_content_encoding);
  CHECK(errors[3] == httpc::error::bad_content_encoding);
  CHECK(errors[4] == httpc::error::bad_content_encoding);
  CHECK(errors[5] == httpc::error::bad_content_encoding);
}

TEST_CASE("decoding: HEAD, 204, 304 and empty bodies with a Content-Encoding are no error") {
  script_server server;
  server.on_connection({
      step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 30\r\n\r\n"),
      step::read_request(), step::send("HTTP/1.1 204 No Content\r\nContent-Encoding: br\r\n\r\n"),
      step::read_request(), step::send("HTTP/1.1 304 Not Modified\r\nContent-Encoding: compress\r\n\r\n"),
      step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\nContent-Length: 0\r\n\r\n"),
      step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip, br\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
      step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.decode = httpc::codings::all;
    httpc::pool pool(co_await asio::this_coro::executor, options);
    const auto head = co_await pool.async_request("HEAD", url_of(server, "/"));
    CHECK(head.body.empty());
    const auto no_content = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(no_content.status == 204);
    auto not_modified = co_await pool.async_stream("GET", url_of(server, "/"));
    CHECK(not_modified.done());
    const auto empty = co_await pool.async_request("GET", url_of(server, "/"));
    CHECK(empty.body.empty());
    auto empty_chunked = co_await pool.async_stream("GET", url_of(server, "/"));
    const std::string nothing = co_await empty_chunked.async_read_all();
    CHECK(nothing.empty());
    CHECK(empty_chunked.done());
  });
  check_server(server, 1);
}

TEST_CASE("decoding: a decompression bomb ends at body_limit, its memory bounded") {
  // 32 MiB of zeros, gzip-coded to about 32 KiB: small enough that the
  // server's socket takes it whole before the client closes.
  const std::string bomb = test_encoders::gzip(std::string(32 << 20, '\0'), 9);
  script_server server;
  server.on_connection({step::read_request(), step::send(coded("gzip", bomb)), step::expect_close()});
  server.on_connection({step::read_request(), step::send(coded("gzip", bomb, "chunked")), step::expect_close()});
  std::size_t baseline = 0;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.decode = httpc::codings::gzip;
    httpc::pool pool(co_await asio::this_coro::executor, options);
    httpc::request_options limited;
    limited.body_limit = 1 << 20;
    baseline = httpc::test::allocation_counter::held;
    httpc::test::allocation_counter::reset_peak();
    const auto ec = co_await error_of(pool.async_request("GET", url_of(server, "/"), {}, {}, limited));
    CHECK(ec == httpc::error::body_too_large);
    auto s = co_await pool.async_stream("GET", url_of(server, "/"));
    auto [read_error, body] = co_await s.async_read_all(2 << 20, asio::experimental::as_tuple(asio::use_awaitable));
    CHECK(read_error == httpc::error::body_too_large);
    CHECK(body.empty());
  }, 20s);
  const std::size_t grew = httpc::test::allocation_counter::peak_since(baseline);
  MESSAGE("heap peak over the baseline: " << grew << " bytes");
  CHECK(grew < 4 * 1024 * 1024);  // the 2 MiB limit, its string's last step, the decoder
  check_server(server, 2);
}

TEST_CASE("nginx: gzip (and br when its module loads) decoded, buffered and streamed, byte-exact") {
  namespace nginx = httpc::test;
  const std::string base = "http://127.0.0.1:" + std::to_string(nginx::nginx_http_port());
  const std::string text = nginx::nginx_file("text");
  const std::string k64 = nginx::nginx_file("64k");
  const std::string m16 = nginx::nginx_file("16m");
  std::vector<std::string> prefixes{"/gzip/"};
  if (nginx::nginx_has_brotli())
    prefixes.push_back("/br/");
  else
    MESSAGE("nginx has no brotli filter module: br from nginx not tested");
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.decode = httpc::available_codings();
    httpc::pool pool(co_await asio::this_coro::executor, options);
    for (const auto& prefix : prefixes) {
      CAPTURE(prefix);
      const auto r = co_await pool.async_request("GET", base + prefix + "text");
      CHECK(r.header("Content-Encoding") == std::optional<std::string_view>(prefix == "/br/" ? "br" : "gzip"));
      CHECK(r.body == text);
      const auto small = co_await pool.async_request("GET", base + prefix + "small");
      CHECK(small.body == nginx::nginx_small_body);
      auto s = co_await pool.async_stream("GET", base + prefix + "64k");
      const std::string streamed = co_await read_in_pieces(s, 1000);
      CHECK(streamed == k64);
      auto big = co_await pool.async_stream("GET", base + prefix + "16m");
      const std::string whole = co_await big.async_read_all();
      CHECK(whole == m16);
    }
    CHECK(pool.stats().open == 1);
  }, 30s);
}
#endif

// ============================================================================
// Redirects, URLs, credentials
// ============================================================================

TEST_CASE("redirects: off by default, followed when asked, bounded") {
  script_server server;
  server.on_connection({
      step::read_request(), step::send(redirect(302, "/b")),                     // off
      step::read_request(), step::send(redirect(302, "/b")),                     // followed
      step::read_request(), step::send(with_length("at b")),
      step::read_request(), step::send(redirect(303, "b?x=1")),                  // POST -> GET
      step::read_request(), step::send(with_length("seen")),
      step::read_request(), step::send(redirect(307, "/kept")),                  // POST kept
      step::read_request(), step::send(with_length("kept")),
      step::read_request(), step::send(redirect(301, "/loop")),                  // bounded
      step::read_request(), step::send(redirect(301, "/loop")),
      step::read_request(), step::send(redirect(301, "/loop")),
      step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto off = co_await pool.async_request("GET", url_of(server, "/a"));
    CHECK(off.status == 302);
    CHECK(off.body == "moved");
    httpc::request_options follow;
    follow.follow_redirects = true;
    const auto followed = co_await pool.async_request("GET", url_of(server, "/a"), {}, {}, follow);
    CHECK(followed.status == 200);
    CHECK(followed.body == "at b");
    CHECK(followed.final_url.target == "/b");
    const auto see_other = co_await pool.async_request("POST", url_of(server, "/dir/a"), "form", {}, follow);
    CHECK(see_other.body == "seen");
    CHECK(see_other.final_url.target == "/dir/b?x=1");
    const auto kept = co_await pool.async_request("POST", url_of(server, "/a"), "again", {}, follow);
    CHECK(kept.body == "kept");
    follow.max_redirects = 2;
    const auto bounded = co_await pool.async_request("GET", url_of(server, "/loop"), {}, {}, follow);
    CHECK(bounded.status == 301);
    CHECK(bounded.final_url.target == "/loop");
    CHECK(pool.stats().open == 1);  // every redirect body was read: one connection throughout
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 10);
  CHECK(starts_with(requests[2], "GET /b HTTP/1.1\r\n"));
  CHECK(starts_with(requests[3], "POST /dir/a HTTP/1.1\r\n"));
  CHECK(starts_with(requests[4], "GET /dir/b?x=1 HTTP/1.1\r\n"));
  CHECK(requests[4].find("Content-Length") == std::string::npos);
  CHECK(starts_with(requests[6], "POST /kept HTTP/1.1\r\n"));
  CHECK(requests[6].ends_with("\r\n\r\nagain"));
}

TEST_CASE("redirects: across origins the Authorization field is dropped") {
  script_server first;
  script_server second;
  first.on_connection({step::read_request(), step::send(redirect(302, url_of(second, "/there"))),
                       step::expect_close()});
  second.on_connection({step::read_request(), step::send(with_length("there")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    httpc::request_options follow;
    follow.follow_redirects = true;
    const httpc::Headers headers{{"Authorization", "Bearer secret"}, {"X-Other", "kept"}};
    const auto r = co_await pool.async_request("GET", url_of(first, "/"), {}, headers, follow);
    CHECK(r.body == "there");
    CHECK(r.final_url.port == second.port());
  });
  check_server(first, 1);
  check_server(second, 1);
  const auto sent_first = first.requests();
  const auto sent_second = second.requests();
  REQUIRE(sent_first.size() == 1);
  REQUIRE(sent_second.size() == 1);
  CHECK(sent_first[0].find("Authorization: Bearer secret\r\n") != std::string::npos);
  CHECK(sent_second[0].find("Authorization") == std::string::npos);
  CHECK(sent_second[0].find("X-Other: kept\r\n") != std::string::npos);
}

TEST_CASE("redirects: to another origin without credentials, cookies or the caller's Host") {
  script_server first;
  script_server second;
  first.on_connection({step::read_request(), step::send(redirect(302, "/next")), step::read_request(),
                       step::send(redirect(307, url_of(second, "/there"))), step::expect_close()});
  second.on_connection({step::read_request(), step::send(with_length("there")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    httpc::request_options follow;
    follow.follow_redirects = true;
    const httpc::Headers headers{{"Host", "example.test"},       {"Authorization", "Bearer secret"},
                                 {"Cookie", "session=1"},         {"Proxy-Authorization", "Basic cHJveHk="},
                                 {"X-Other", "kept"}};
    const auto r = co_await pool.async_request("GET", url_of(first, "/"), {}, headers, follow);
    CHECK(r.body == "there");
  });
  check_server(first, 1);
  check_server(second, 1);
  const auto sent_first = first.requests();
  const auto sent_second = second.requests();
  REQUIRE(sent_first.size() == 2);
  REQUIRE(sent_second.size() == 1);
  // The same origin: everything as the caller gave it.
  const std::string callers = "Host: example.test\r\nAuthorization: Bearer secret\r\nCookie: session=1\r\n"
                              "Proxy-Authorization: Basic cHJveHk=\r\nX-Other: kept\r\n";
  CHECK(sent_first[0] == "GET / HTTP/1.1\r\nAccept-Encoding: identity\r\n" + callers + "\r\n");
  CHECK(sent_first[1] == "GET /next HTTP/1.1\r\nAccept-Encoding: identity\r\n" + callers + "\r\n");
  CHECK(sent_second[0] == "GET /there HTTP/1.1\r\n" + host_of(second) +
                              "Accept-Encoding: identity\r\nX-Other: kept\r\n\r\n");
}

TEST_CASE("redirects: https to http is refused unless allowed, and then carries no credentials") {
  const auto cert = httpc::test::make_self_signed("127.0.0.1");
  script_server secure(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  script_server plain;
  auto context = trusting(cert.cert_pem);
  plain.on_connection({step::read_request(), step::send(with_length("in clear")), step::expect_close()});
  const std::string down = "http://user:pw@127.0.0.1:" + std::to_string(plain.port()) + "/down";
  secure.on_connection({step::read_request(), step::send(redirect(302, down)), step::read_request(),
                        step::send(redirect(301, down)), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.tls_context = &context;
    httpc::pool pool(co_await asio::this_coro::executor, options);
    httpc::request_options follow;
    follow.follow_redirects = true;
    follow.basic_auth = true;
    const httpc::Headers headers{{"Authorization", "Bearer secret"}, {"Cookie", "session=1"},
                                 {"Proxy-Authorization", "Basic cHJveHk="}, {"X-Other", "kept"}};
    const auto refused = co_await error_of(pool.async_request("GET", https_url_of(secure, "/"), {}, headers, follow));
    CHECK(refused == httpc::error::insecure_redirect);
    CHECK(plain.connections() == 0);
    follow.allow_insecure_redirects = true;
    const auto allowed = co_await pool.async_request("GET", https_url_of(secure, "/"), {}, headers, follow);
    CHECK(allowed.body == "in clear");
    CHECK(allowed.final_url.scheme == "http");
  });
  check_server(secure, 1);
  check_server(plain, 1);
  const auto sent = plain.requests();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0] == "GET /down HTTP/1.1\r\n" + host_of(plain) + "Accept-Encoding: identity\r\nX-Other: kept\r\n\r\n");
}

TEST_CASE("redirects: a POST turned GET by 303 leaves its body and the fields about it behind; a PUT stays") {
  script_server server;
  server.on_connection({step::read_until("\r\n\r\n"), step::send("HTTP/1.1 100 Continue\r\n\r\n"),
                        step::read_bytes(4), step::send(redirect(303, "/seen")), step::read_request(),
                        step::send(with_length("seen")), step::read_request(),
                        step::send(redirect(302, "/put")), step::read_request(), step::send(with_length("put")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    httpc::request_options follow;
    follow.follow_redirects = true;
    const httpc::Headers headers{{"Content-Type", "application/x-www-form-urlencoded"},
                                 {"Content-Length", "4"},
                                 {"Content-Encoding", "identity"},
                                 {"Content-Language", "en"},
                                 {"Content-Location", "/form"},
                                 {"Expect", "100-continue"},
                                 {"X-Other", "kept"}};
    const auto r = co_await pool.async_request("POST", url_of(server, "/form"), "a=bc", headers, follow);
    CHECK(r.body == "seen");
    // Only a POST becomes a GET after 302: a PUT goes again, body and all.
    const httpc::Headers typed{{"Content-Type", "text/plain"}};
    const auto put = co_await pool.async_request("PUT", url_of(server, "/x"), "data", typed, follow);
    CHECK(put.body == "put");
  });
  check_server(server, 1);
  const auto reads = server.reads();
  REQUIRE(reads.size() == 5);
  CHECK(starts_with(reads[0], "POST /form HTTP/1.1\r\n"));
  CHECK(reads[1] == "a=bc");
  CHECK(reads[2] == "GET /seen HTTP/1.1\r\n" + host_of(server) + "Accept-Encoding: identity\r\nX-Other: kept\r\n\r\n");
  CHECK(reads[4] == "PUT /put HTTP/1.1\r\n" + host_of(server) +
                        "Accept-Encoding: identity\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n\r\ndata");
}

TEST_CASE("urls: invalid ones fail before any connection; user information only for basic auth") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("authorized")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto bad = co_await error_of(pool.async_request("GET", url_of(server, "/%zz")));
    CHECK(bad == httpc::error::invalid_url);
    const std::string with_user = "http://Aladdin:open%20sesame@127.0.0.1:" + std::to_string(server.port()) + "/";
    const auto refused = co_await error_of(pool.async_request("GET", with_user));
    CHECK(refused == httpc::error::invalid_url);
    CHECK(pool.stats().open == 0);
    httpc::request_options options;
    options.basic_auth = true;
    const auto ok = co_await pool.async_request("GET", with_user, {}, {}, options);
    CHECK(ok.body == "authorized");
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].find("Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n") != std::string::npos);
  CHECK(requests[0].find("Aladdin") == std::string::npos);
}

// ============================================================================
// Stats, timings, tokens
// ============================================================================

TEST_CASE("timings: phases of a new connection, none for a reused one; errors reported too") {
  script_server server;
  server.on_connection({step::read_request(), step::delay(20ms), step::send(with_length("a")),
                        step::read_request(), step::send(with_length("b")), step::expect_close()});
  std::vector<httpc::request_timings> seen;
  std::vector<std::string> targets;
  httpc::pool_options options;
  options.on_timings = [&](const httpc::request_timings& t) {
    seen.push_back(t);
    targets.push_back(t.target ? t.target->text() : "");
  };
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    co_await pool.async_request("GET", url_of(server, "/a"));
    co_await pool.async_request("HEAD", url_of(server, "/b"));
    co_await error_of(pool.async_request("GET", "http://bad host/"));
  });
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].method.empty() == false);
  CHECK_FALSE(seen[0].reused);
  CHECK(seen[0].connect > std::chrono::nanoseconds::zero());
  CHECK(seen[0].resolve > std::chrono::nanoseconds::zero());
  CHECK(seen[0].first_byte >= 20ms);
  CHECK(seen[0].total >= seen[0].first_byte);
  CHECK(seen[0].status == 200);
  CHECK_FALSE(seen[0].error);
  CHECK(targets[0] == url_of(server, "/a"));
  CHECK(seen[1].reused);
  CHECK(seen[1].connect == std::chrono::nanoseconds::zero());
  CHECK(seen[1].handshake == std::chrono::nanoseconds::zero());
  CHECK(seen[2].error == httpc::error::invalid_url);
  CHECK(seen[2].status == 0);
  check_server(server, 1);
}

TEST_CASE("timings: connects and remote per request in request_options::timings; on_connect per address and connection") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("a")), step::read_request(),
                        step::send(with_length("b")), step::expect_close()});
  std::vector<httpc::connection_event> events;
  std::vector<bool> tls;
  httpc::pool_options options;
  options.on_connect = [&](const httpc::connection_event& e) {
    events.push_back(e);
    tls.push_back(e.tls != nullptr);
  };
  const auto port = httpc::test::refused_port();
  httpc::request_timings first, second, refused;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    httpc::request_options o;
    o.timings = &first;
    co_await pool.async_request("GET", url_of(server, "/a"), {}, {}, o);
    o.timings = &second;
    co_await pool.async_stream("GET", url_of(server, "/b"), {}, {}, o);
    o.timings = &refused;
    const std::string closed = "http://127.0.0.1:" + std::to_string(port) + "/";
    co_await error_of(pool.async_request("GET", closed, {}, {}, o));
  });
  CHECK(first.connects == 1);
  CHECK(first.remote == asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  CHECK(first.status == 200);
  CHECK(first.method.empty());  // the operation's own, not copied
  CHECK(first.target == nullptr);
  CHECK(second.connects == 0);
  CHECK(second.reused);
  CHECK(second.remote == first.remote);
  CHECK(refused.connects == 0);
  CHECK(refused.error == std::errc::connection_refused);
  CHECK(refused.remote.address() == asio::ip::make_address("127.0.0.1"));  // the address tried
  // Each address as it is tried, then the connection; the refused address tried.
  REQUIRE(events.size() == 3);
  CHECK_FALSE(events[0].connected);
  CHECK(events[0].remote == first.remote);
  CHECK(events[1].connected);
  CHECK(events[1].remote == first.remote);
  CHECK_FALSE(events[2].connected);
  CHECK(events[2].remote == asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  CHECK(tls == std::vector<bool>{false, false, false});
  check_server(server, 1);

  // Over TLS the event carries the connection's SSL object.
  const auto cert = httpc::test::make_self_signed("127.0.0.1");
  script_server secure(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  secure.on_connection({step::read_request(), step::send(with_length("s")), step::expect_close()});
  asio::ssl::context context = trusting(cert.cert_pem);
  options.tls_context = &context;
  std::string version, alpn;
  options.on_connect = [&](const httpc::connection_event& e) {
    if (!e.connected) return;
    REQUIRE(e.tls != nullptr);
    version = SSL_get_version(e.tls);
    const unsigned char* chosen = nullptr;
    unsigned int size = 0;
    SSL_get0_alpn_selected(e.tls, &chosen, &size);
    alpn.assign(reinterpret_cast<const char*>(chosen), size);
  };
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    co_await pool.async_request("GET", https_url_of(secure, "/"));
  });
  CHECK(version == "TLSv1.3");
  CHECK(alpn == "http/1.1");
  check_server(secure, 1);
}

TEST_CASE("tokens: a callback, with its error code") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("by callback")), step::expect_close()});
  asio::io_context io;
  std::optional<httpc::pool> pool(std::in_place, io.get_executor());
  std::vector<std::string> results;
  pool->async_request("GET", url_of(server, "/"), {}, {}, {},
                      [&](std::error_code ec, httpc::buffered_response r) {
                        results.push_back(ec.message() + " " + r.body);
                        pool->async_request("GET", "http://[::1/", {}, {}, {},
                                            [&](std::error_code ec2, httpc::buffered_response) {
                                              results.push_back(ec2 == httpc::error::invalid_url ? "invalid" : "?");
                                              pool.reset();
                                            });
                      });
  io.run_for(5s);
  CHECK(results == std::vector<std::string>{"Success by callback", "invalid"});
  check_server(server, 1);
}

TEST_CASE("tokens: use_future from another thread, and deferred") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("by future")),
                        step::read_request(), step::send(with_length("deferred")), step::expect_close()});
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  std::optional<httpc::pool> pool(std::in_place, asio::make_strand(io));
  auto response = pool->async_request("GET", url_of(server, "/"), {}, {}, {}, asio::use_future);
  REQUIRE(response.wait_for(5s) == std::future_status::ready);
  CHECK(response.get().body == "by future");
  auto refused = pool->async_request("GET", "http://[::1/", {}, {}, {}, asio::use_future);
  REQUIRE(refused.wait_for(5s) == std::future_status::ready);
  try {
    refused.get();
    FAIL("an invalid URL completed");
  } catch (const std::system_error& e) {
    CHECK(e.code() == httpc::error::invalid_url);
  }
  std::promise<std::string> deferred_body;
  auto operation = pool->async_request("GET", url_of(server, "/again"), {}, {}, {},
                                       asio::experimental::deferred);
  std::move(operation)([&](std::error_code ec, httpc::buffered_response r) {
    deferred_body.set_value(ec ? ec.message() : r.body);
  });
  auto body = deferred_body.get_future();
  REQUIRE(body.wait_for(5s) == std::future_status::ready);
  CHECK(body.get() == "deferred");
  asio::post(io, [&] { pool.reset(); });
  work.reset();
  runner.join();
  check_server(server, 1);
}

// ============================================================================
// Safe by default: servers the caller does not trust
// ============================================================================

TEST_CASE("defaults: strict parsing; an SSH server's banner is no response") {
  script_server server;
  server.on_connection({step::send("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"), step::read_request(),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto ec = co_await error_of(pool.async_request("GET", url_of(server, "/")));
    CHECK(ec == httpc::error::bad_status_line);
    co_await sleep_for(20ms);
    CHECK(pool.stats().open == 0);
  });
  check_server(server, 1);
}

TEST_CASE("defaults: connect 30 s, TLS handshake 10 s; a request's timeout replaces the pool's") {
  const httpc::pool_options defaults;
  CHECK(defaults.connection.connect_timeout == std::optional<std::chrono::milliseconds>(30s));
  CHECK(defaults.connection.handshake_timeout == std::optional<std::chrono::milliseconds>(10s));
  CHECK(defaults.connection.max_interim_responses == 5);
  CHECK(defaults.connection.parser.strict);

  // Accepts TCP, never speaks TLS.
  script_server silent;
  silent.on_every_connection({step::stall(1500ms)});
  const httpc::test::unanswered_port unanswered;
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(unanswered.port()) + "/";
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool_options short_handshake;
    short_handshake.connection.handshake_timeout = 100ms;
    httpc::pool pool(executor, short_handshake);
    const auto by_pool = co_await error_of(pool.async_request("GET", https_url_of(silent, "/")));
    CHECK(by_pool == std::errc::timed_out);

    httpc::pool plain(executor);
    httpc::request_options request;
    request.handshake_timeout = 100ms;
    const auto by_request = co_await error_of(plain.async_request("GET", https_url_of(silent, "/"), {}, {}, request));
    CHECK(by_request == std::errc::timed_out);

    // An empty request timeout left the connection without one: a connect
    // that is never answered waited for ever.
    httpc::pool_options short_connect;
    short_connect.connection.connect_timeout = 100ms;
    httpc::pool bounded(executor, short_connect);
    const auto by_pool_connect = co_await error_of(bounded.async_request("GET", nowhere));
    CHECK(by_pool_connect == std::errc::timed_out);
    request.connect_timeout = 100ms;
    const auto by_request_connect = co_await error_of(plain.async_request("GET", nowhere, {}, {}, request));
    CHECK(by_request_connect == std::errc::timed_out);
  });
  CHECK(silent.wait_for_finished(2, 3s));
}

TEST_CASE("defaults: a server sending 102 Processing for ever is too_many_interim_responses") {
  script_server server;
  std::string processing;
  for (int i = 0; i < 20; ++i) processing += "HTTP/1.1 102 Processing\r\n\r\n";
  server.on_connection({step::read_request(), step::send(processing), step::stall(1500ms)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    const auto ec = co_await error_of(pool.async_request("GET", url_of(server, "/")));
    CHECK(ec == httpc::error::too_many_interim_responses);
  });
  check_server(server, 1);
}

TEST_CASE("defaults: memory follows the bytes received, not the Content-Length announced") {
  constexpr std::size_t requests = 16;
  script_server server;
  for (std::size_t i = 0; i < requests; ++i)
    server.on_connection({step::read_request(),
                          step::send("HTTP/1.1 200 OK\r\nContent-Length: 62914560\r\n\r\n0123456789"),
                          step::stall(300ms)});
  std::size_t baseline = 0;
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool_options options;
    options.max_per_origin = requests;
    httpc::pool pool(executor, options);
    std::vector<std::error_code> errors;
    baseline = httpc::test::allocation_counter::held;
    httpc::test::allocation_counter::reset_peak();
    for (std::size_t i = 0; i < requests; ++i)
      asio::co_spawn(executor, error_of(pool.async_request("GET", url_of(server, "/"))),
                     [&](std::exception_ptr, std::error_code ec) { errors.push_back(ec); });
    for (int i = 0; i < 600 && errors.size() < requests; ++i) co_await sleep_for(5ms);
    REQUIRE(errors.size() == requests);
    for (const auto& ec : errors) CHECK(ec == httpc::error::incomplete_body);
  });
  const std::size_t grew = httpc::test::allocation_counter::peak_since(baseline);
  MESSAGE("heap peak over the baseline: " << grew << " bytes");
  CHECK(grew < 16 * 1024 * 1024);  // one announced body alone is 60 MiB
  check_server(server, requests);
}

TEST_CASE("total_timeout: also bounds the body of a stream") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"), step::stall(1500ms)});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"), step::stall(1500ms)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    httpc::request_options options;
    options.total_timeout = 200ms;
    auto s = co_await pool.async_stream("GET", url_of(server, "/"), {}, {}, options);
    std::array<char, 64> buffer{};
    const auto n = co_await s.async_read_some(asio::buffer(buffer));
    CHECK(n == 3);
    const auto stalled = co_await error_of(s.async_read_some(asio::buffer(buffer)));
    CHECK(stalled == std::errc::timed_out);
    CHECK_FALSE(s.done());
    auto all = co_await pool.async_stream("GET", url_of(server, "/"), {}, {}, options);
    const auto whole = co_await error_of(all.async_read_all());
    CHECK(whole == std::errc::timed_out);
    co_await sleep_for(20ms);
    CHECK(pool.stats().open == 0);
  });
  check_server(server, 2);
}

TEST_CASE("tls origins: two contexts at one address do not share connections") {
  const auto cert = httpc::test::make_self_signed("127.0.0.1");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  server.on_connection({step::read_request(), step::send(with_length("first")), step::expect_close()});
  server.on_connection({step::read_request(), step::send(with_length("second")), step::expect_close()});
  std::optional<asio::ssl::context> context(trusting(cert.cert_pem));
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    httpc::request_options options;
    options.tls_context = &*context;
    const auto first = co_await pool.async_request("GET", https_url_of(server, "/"), {}, {}, options);
    CHECK(first.body == "first");
    CHECK(pool.stats().idle == 1);
    // Another context in the same place: its settings (here the same, in
    // general another trust store or client certificate) are not the first's.
    context.reset();
    context.emplace(trusting(cert.cert_pem));
    CHECK(options.tls_context == &*context);
    const auto second = co_await pool.async_request("GET", https_url_of(server, "/"), {}, {}, options);
    CHECK(second.body == "second");
    CHECK(pool.stats().open == 2);
  });
  check_server(server, 2);
}

// ============================================================================
// TLS sessions, against nginx
// ============================================================================

namespace {

asio::ssl::context nginx_context() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(httpc::test::test_ca());
  return context;
}

std::string nginx_https(std::string_view path) {
  return "https://" + std::string(httpc::test::nginx_tls_host) + ":" +
         std::to_string(httpc::test::nginx_https_port()) + std::string(path);
}

// For each connection the pool opens, in order: "full" or "resumed", the
// handshake it made, in `handshakes` ("full resumed ...").
httpc::pool_options recording_handshakes(asio::ssl::context& context, std::string& handshakes) {
  httpc::pool_options options;
  options.tls_context = &context;
  options.on_connect = [&handshakes](const httpc::connection_event& e) {
    if (!e.connected || e.tls == nullptr) return;
    if (!handshakes.empty()) handshakes += ' ';
    handshakes += SSL_session_reused(e.tls) == 1 ? "resumed" : "full";
  };
  return options;
}

}  // namespace

TEST_CASE("tls sessions: a new connection resumes its origin's latest session, TLS 1.3 and 1.2") {
  auto context = nginx_context();
  int version = TLS1_3_VERSION;
  SUBCASE("TLS 1.3 tickets") {}
  SUBCASE("TLS 1.2 session IDs") {
    version = TLS1_2_VERSION;
    SSL_CTX_set_max_proto_version(context.native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_options(context.native_handle(), SSL_OP_NO_TICKET);
  }
  std::string handshakes;
  auto options = recording_handshakes(context, handshakes);
  std::vector<int> versions;
  options.on_connect = [&, record = options.on_connect](const httpc::connection_event& e) {
    record(e);
    if (e.connected) versions.push_back(SSL_version(e.tls));
  };
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    // Connection: close: each request on a new connection, none left idle
    // (the origin is kept for its session).
    for (int i = 0; i < 3; ++i) {
      const auto r = co_await pool.async_request("GET", nginx_https("/close"));
      CHECK(r.body == httpc::test::nginx_small_body);
      CHECK(pool.stats().open == 0);
    }
  });
  CHECK(handshakes == "full resumed resumed");
  CHECK(versions == std::vector<int>(3, version));
}

TEST_CASE("tls sessions: kept once a new connection's head was read, for a request beside its stream") {
  auto context = nginx_context();
  SUBCASE("TLS 1.3 tickets") {}
  SUBCASE("TLS 1.2 session IDs") {
    SSL_CTX_set_max_proto_version(context.native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_options(context.native_handle(), SSL_OP_NO_TICKET);
  }
  std::string handshakes;
  const auto options = recording_handshakes(context, handshakes);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    auto stream = co_await pool.async_stream("GET", nginx_https("/64k"));
    // The stream holds the first connection: this request opens another.
    const auto r = co_await pool.async_request("GET", nginx_https("/small"));
    CHECK(r.body == httpc::test::nginx_small_body);
    const std::string body = co_await stream.async_read_all();
    CHECK(body.size() == 65536);
    CHECK(pool.stats().open == 2);
  });
  CHECK(handshakes == "full resumed");
}

TEST_CASE("tls sessions: never across contexts; each context's first connection is a full handshake") {
  auto first_context = nginx_context();
  auto second_context = nginx_context();
  std::string handshakes;
  const auto options = recording_handshakes(first_context, handshakes);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    httpc::request_options second;
    second.tls_context = &second_context;
    (void)co_await pool.async_request("GET", nginx_https("/close"));
    (void)co_await pool.async_request("GET", nginx_https("/close"));
    (void)co_await pool.async_request("GET", nginx_https("/close"), {}, {}, second);
    (void)co_await pool.async_request("GET", nginx_https("/close"), {}, {}, second);
    (void)co_await pool.async_request("GET", nginx_https("/close"));
  });
  CHECK(handshakes == "full resumed full resumed resumed");
}

TEST_CASE("tls sessions: origins without connections keep theirs, the 64 latest") {
  // One origin per context, all at one address.
  std::vector<asio::ssl::context> contexts;
  for (int i = 0; i < 65; ++i) contexts.push_back(nginx_context());
  std::string handshakes;
  const auto options = recording_handshakes(contexts[0], handshakes);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    httpc::request_options each;
    for (auto& context : contexts) {
      each.tls_context = &context;
      (void)co_await pool.async_request("GET", nginx_https("/close"), {}, {}, each);
    }
    handshakes.clear();
    each.tls_context = &contexts[1];  // the oldest kept
    (void)co_await pool.async_request("GET", nginx_https("/close"), {}, {}, each);
    each.tls_context = &contexts[0];  // dropped for the 65th
    (void)co_await pool.async_request("GET", nginx_https("/close"), {}, {}, each);
  }, 20s);
  CHECK(handshakes == "resumed full");
}

// ============================================================================
// nginx
// ============================================================================

namespace {

struct expected {
  std::string_view path;
  const std::string* body;
};

}  // namespace

TEST_CASE("nginx: 2000 requests over 8 connections, HTTP, byte-exact bodies") {
  namespace nginx = httpc::test;
  const std::string base = "http://127.0.0.1:" + std::to_string(nginx::nginx_http_port());
  const std::string small(nginx::nginx_small_body);
  const std::string k64 = nginx::nginx_file("64k");
  const std::string chunked = nginx::nginx_chunked_body();
  const std::vector<expected> paths{{"/small", &small}, {"/64k", &k64}, {"/chunked", &chunked},
                                    {"/chunked/64k", &k64}};
  httpc::pool_options options;
  options.max_per_origin = 8;
  int completed = 0;
  int mismatches = 0;
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool pool(executor, options);
    constexpr int workers = 16;
    int running = workers;
    std::exception_ptr failure;
    for (int w = 0; w < workers; ++w) {
      asio::co_spawn(executor, [&, w]() -> asio::awaitable<void> {
        for (int i = 0; i < 125; ++i) {
          const auto& e = paths[static_cast<std::size_t>(w + i) % paths.size()];
          std::string body;
          if (i % 2 == 0) {
            auto r = co_await pool.async_request("GET", base + std::string(e.path));
            body = std::move(r.body);
          } else {
            auto s = co_await pool.async_stream("GET", base + std::string(e.path));
            std::vector<char> buffer(8192);
            for (int reads = 0; reads < 1000; ++reads) {
              const auto n = co_await s.async_read_some(asio::buffer(buffer));
              if (n == 0) break;
              body.append(buffer.data(), n);
            }
          }
          if (body != *e.body) ++mismatches;
          ++completed;
        }
      }, [&](std::exception_ptr e) {
        if (e && !failure) failure = e;
        --running;
      });
    }
    for (int i = 0; i < 6000 && running > 0; ++i) co_await sleep_for(5ms);
    if (failure) std::rethrow_exception(failure);
    const auto stats = pool.stats();
    CHECK(stats.open == 8);
    CHECK(stats.idle == 8);
    CHECK(stats.requests == 2000);
    CHECK(stats.retries == 0);
  }, 30s);
  CHECK(completed == 2000);
  CHECK(mismatches == 0);
}

TEST_CASE("nginx: HTTPS with the fixture's CA, kept alive") {
  namespace nginx = httpc::test;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(nginx::test_ca());
  const std::string base = "https://" + std::string(nginx::nginx_tls_host) + ":" +
                           std::to_string(nginx::nginx_https_port());
  const std::string k64 = nginx::nginx_file("64k");
  httpc::pool_options options;
  options.tls_context = &context;
  options.max_per_origin = 4;
  std::atomic<long long> handshakes{0};
  options.on_timings = [&](const httpc::request_timings& t) {
    if (t.handshake > std::chrono::nanoseconds::zero()) ++handshakes;
  };
  int completed = 0;
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool pool(executor, options);
    int running = 4;
    for (int w = 0; w < 4; ++w) {
      asio::co_spawn(executor, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 50; ++i) {
          const auto r = co_await pool.async_request("GET", base + (i % 2 ? "/64k" : "/chunked/64k"));
          if (r.body == k64) ++completed;
        }
      }, [&](std::exception_ptr e) {
        CHECK_FALSE(e);
        --running;
      });
    }
    for (int i = 0; i < 6000 && running > 0; ++i) co_await sleep_for(5ms);
    CHECK(pool.stats().open == 4);
    // The pool's own context trusts the system store only: this CA is unknown.
    httpc::pool strict(executor);
    const auto ec = co_await error_of(strict.async_request("GET", base + "/small"));
    CHECK(ec.category() == asio::error::get_ssl_category());
  }, 20s);
  CHECK(completed == 200);
  CHECK(handshakes == 4);
}

TEST_CASE("nginx: a multi-threaded io_context, many concurrent requests, some cancelled") {
  namespace nginx = httpc::test;
  const std::string base = "http://127.0.0.1:" + std::to_string(nginx::nginx_http_port());
  const std::string k64 = nginx::nginx_file("64k");
  const std::string small(nginx::nginx_small_body);
  asio::io_context io(4);
  httpc::pool_options options;
  options.max_per_origin = 8;
  std::atomic<int> completed{0};
  std::atomic<int> cancelled{0};
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::atomic<int> timed{0};
  options.on_timings = [&](const httpc::request_timings&) { ++timed; };
  std::optional<httpc::pool> pool(std::in_place, io.get_executor(), options);
  std::optional<httpc::pool_stats> settled;
  constexpr int workers = 32;
  constexpr int per_worker = 20;
  std::atomic<int> running{workers};
  // Once every worker is done and the pool has taken its connections back.
  auto finish = [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 400 && pool->stats().in_use != 0; ++i) co_await sleep_for(5ms);
    settled = pool->stats();
    pool.reset();
  };
  for (int w = 0; w < workers; ++w) {
    // A strand each for those that race with `||`: it runs its branches on
    // the caller's executor, and Asio's cancellation of one branch by the
    // other is not thread-safe. Some of the others run on the io_context
    // itself, where each step of an exchange on a kept-alive connection may
    // resume on another thread.
    const bool on_io_context = w % 8 < 2;
    const asio::any_io_executor where =
        on_io_context ? asio::any_io_executor(io.get_executor()) : asio::make_strand(io);
    asio::co_spawn(where, [&, w]() -> asio::awaitable<void> {
      for (int i = 0; i < per_worker; ++i) {
        const bool big = (w + i) % 3 == 0;
        if (w % 4 == 3) {
          // Raced against a short timer: cancelled queued, connecting, or mid-body.
          asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::microseconds(250 * i * i));
          auto result = co_await (pool->async_request("GET", base + "/64k") ||
                                  timer.async_wait(asio::use_awaitable));
          if (result.index() == 1)
            ++cancelled;
          else if (std::get<0>(result).body != k64)
            ++mismatches;
        } else if (w % 4 == 2) {
          // A total timeout of a few milliseconds: met by some requests, not by others.
          httpc::request_options bounded;
          bounded.total_timeout = std::chrono::milliseconds(i % 5);
          std::string body;
          std::error_code ec;
          try {
            body = (co_await pool->async_request("GET", base + "/64k", {}, {}, bounded)).body;
          } catch (const std::system_error& e) {
            ec = e.code();
          }
          if (ec == std::errc::timed_out)
            ++cancelled;
          else if (ec || body != k64)
            ++mismatches;
        } else if (i % 2 == 0) {
          // A read timeout that never fires sends the exchange to the
          // connection's strand, on the same connections as the others.
          httpc::request_options timed;
          if (w % 8 == 1) timed.read_timeout = 10s;
          const auto r = co_await pool->async_request("GET", base + (big ? "/64k" : "/small"), {}, {}, timed);
          if (r.body != (big ? k64 : small)) ++mismatches;
        } else {
          auto s = co_await pool->async_stream("GET", base + (big ? "/chunked/64k" : "/small"));
          const std::string body = co_await s.async_read_all();
          if (body != (big ? k64 : small)) ++mismatches;
        }
        ++completed;
      }
    }, [&](std::exception_ptr e) {
      if (e) ++failures;
      if (--running == 0) asio::co_spawn(io, finish(), asio::detached);
    });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { io.run_for(20s); });
  for (auto& t : threads) t.join();
  CHECK(running == 0);
  CHECK(failures == 0);
  CHECK(completed == workers * per_worker);
  CHECK(mismatches == 0);
  MESSAGE("cancelled: " << cancelled.load());
  REQUIRE(settled.has_value());
  CHECK(settled->in_use == 0);
  CHECK(settled->queued == 0);
  CHECK(settled->open <= 8);
  // A request cancelled before it began is not counted; every other one is, once.
  CHECK(settled->requests >= static_cast<std::uint64_t>(workers * per_worker - cancelled));
  CHECK(static_cast<std::uint64_t>(timed) == settled->requests);
  CHECK_FALSE(pool.has_value());
}

TEST_CASE("unix sockets: the pool's and a request's, kept apart from TCP connections and per path") {
  namespace nginx = httpc::test;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(nginx::test_ca());
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.unix_socket = nginx::nginx_http_socket();
    options.tls_context = &context;
    httpc::pool pool(co_await asio::this_coro::executor, options);
    // The URL's host and port name the origin; the socket is the way there.
    const auto a = co_await pool.async_request("GET", "http://localhost/small");
    const auto b = co_await pool.async_request("GET", "http://localhost/small");
    CHECK(a.body == nginx::nginx_small_body);
    CHECK(b.body == nginx::nginx_small_body);
    CHECK(pool.stats().open == 1);
    httpc::request_options tls;
    tls.unix_socket = nginx::nginx_https_socket();
    const auto c = co_await pool.async_request("GET", "https://localhost/64k", {}, {}, tls);
    CHECK(c.body == nginx::nginx_file("64k"));
    httpc::request_options tcp;
    tcp.unix_socket = "";
    const auto d = co_await pool.async_request(
        "GET", "http://127.0.0.1:" + std::to_string(nginx::nginx_http_port()) + "/small", {}, {}, tcp);
    CHECK(d.body == nginx::nginx_small_body);
    CHECK(pool.stats().open == 3);
    httpc::request_options missing;
    missing.unix_socket = nginx::nginx_http_socket() + ".none";
    const auto ec = co_await error_of(pool.async_request("GET", "http://localhost/small", {}, {}, missing));
    CHECK(ec == std::errc::no_such_file_or_directory);
  }, 10s);
}

// ============================================================================
// Names: the resolver hook, the DNS cache, and no stall behind a slow name
// ============================================================================

// g++ 12 at -O2 takes these coroutines' frames, from Asio's operator new,
// for ones from this file's global operator new (the allocation counter).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {

// A hook: every name is 127.0.0.1, with no TTL; counts the lookups.
struct loopback_resolver : httpc::resolver {
  asio::awaitable<httpc::resolution> resolve(std::string, std::uint16_t port) override {
    ++lookups;
    co_return httpc::resolution{{}, {asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)}, {}};
  }
  std::atomic<int> lookups{0};
};

// The default resolver, asking the scripted DNS server.
std::shared_ptr<httpc::resolver> asking(const httpc::test::dns_server& dns, const asio::any_io_executor& executor) {
  httpc::resolver_options o;
  o.servers = dns.address();
  return httpc::make_resolver(executor, o);
}

// nginx's /close: each request on a connection of its own, so each resolves.
std::string closing_url(std::string_view host) {
  return "http://" + std::string(host) + ":" + std::to_string(httpc::test::nginx_http_port()) + "/close";
}

// One request to each name.
asio::awaitable<void> request_both(httpc::pool& pool) {
  const auto a = co_await pool.async_request("GET", closing_url("short.test"));
  const auto b = co_await pool.async_request("GET", closing_url("long.test"));
  CHECK(a.status == 200);
  CHECK(b.status == 200);
}

// `requests` requests to fast.test from `workers` coroutines, each on a new
// connection; how long they took.
asio::awaitable<steady::duration> request_fast(httpc::pool& pool, int requests, int workers) {
  const auto executor = co_await asio::this_coro::executor;
  const auto start = steady::now();
  int running = workers;
  int failed = 0;
  for (int w = 0; w < workers; ++w) {
    asio::co_spawn(executor, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < requests / workers; ++i) {
        const auto r = co_await pool.async_request("GET", closing_url("fast.test"));
        if (r.status != 200) ++failed;
      }
    }, [&](std::exception_ptr e) {
      if (e) ++failed;
      --running;
    });
  }
  for (int i = 0; i < 2000 && running > 0; ++i) co_await sleep_for(1ms);
  CHECK(running == 0);
  CHECK(failed == 0);
  co_return steady::now() - start;
}

}  // namespace

TEST_CASE("names: a hook supplies the addresses; the pool's cache keeps its answer for the cap") {
  for (const auto cap : {60s, 0s}) {
    auto hook = std::make_shared<loopback_resolver>();
    httpc::pool_options options;
    options.resolver = hook;
    options.dns_cache_ttl_cap = cap;
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::pool pool(co_await asio::this_coro::executor, options);
      for (int i = 0; i < 3; ++i) {
        const auto r = co_await pool.async_request("GET", closing_url("no-such-host.invalid"));
        CHECK(r.status == 200);
        CHECK(r.body == httpc::test::nginx_small_body);
      }
    });
    CHECK(hook->lookups == (cap == 0s ? 3 : 1));
  }
}

TEST_CASE("names: the pool's cache honours TTLs and its cap (questions counted at the DNS server)") {
  if (httpc::resolver_backend() != "c-ares") return;
  httpc::test::dns_server dns;
  const auto loopback = asio::ip::make_address("127.0.0.1");
  dns.set("short.test", {{loopback}, 1});
  dns.set("long.test", {{loopback}, 300});
  httpc::pool_options options;
  options.dns_cache_ttl_cap = 2s;
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    options.resolver = asking(dns, executor);
    httpc::pool pool(executor, options);
    co_await request_both(pool);
    co_await request_both(pool);
    CHECK(dns.questions("short.test") == 2);  // one lookup: A and AAAA
    CHECK(dns.questions("long.test") == 2);
    co_await sleep_for(1100ms);
    co_await request_both(pool);
    CHECK(dns.questions("short.test") == 4);  // its TTL of 1 s is over
    CHECK(dns.questions("long.test") == 2);
    co_await sleep_for(1000ms);
    co_await request_both(pool);
    CHECK(dns.questions("long.test") == 4);  // the cap of 2 s is over
    options.resolver.reset();  // its strand's timer goes before the io_context
  }, 10s);
}

TEST_CASE("names: while one name takes 2 s to answer, requests to another complete in their normal time") {
  if (httpc::resolver_backend() != "c-ares") return;
  httpc::test::dns_server dns;
  const auto loopback = asio::ip::make_address("127.0.0.1");
  dns.set("slow.test", {{loopback}, 60, 2000ms});
  dns.set("fast.test", {{loopback}, 60});
  constexpr int requests = 200;
  constexpr int workers = 8;
  httpc::pool_options options;
  options.max_per_origin = workers;
  options.dns_cache_ttl_cap = 0s;  // every connection asks the server
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    options.resolver = asking(dns, executor);
    httpc::pool pool(executor, options);
    const auto alone = co_await request_fast(pool, requests, workers);

    std::optional<steady::time_point> slow_done;
    asio::co_spawn(executor, pool.async_request("GET", closing_url("slow.test")),
                   [&](std::exception_ptr e, httpc::buffered_response r) {
                     CHECK_FALSE(e);
                     CHECK(r.status == 200);
                     slow_done = steady::now();
                   });
    for (int i = 0; i < 500 && dns.questions("slow.test") == 0; ++i) co_await sleep_for(1ms);
    const auto slow_asked = steady::now();
    REQUIRE(dns.questions("slow.test") > 0);
    const auto beside = co_await request_fast(pool, requests, workers);
    const bool before_slow = !slow_done.has_value();
    for (int i = 0; i < 400 && !slow_done; ++i) co_await sleep_for(10ms);
    REQUIRE(slow_done.has_value());
    MESSAGE(requests << " requests to fast.test, each with its own lookup: "
                     << std::chrono::duration<double, std::milli>(alone).count() << " ms alone, "
                     << std::chrono::duration<double, std::milli>(beside).count()
                     << " ms beside the slow lookup, which took "
                     << std::chrono::duration<double, std::milli>(*slow_done - slow_asked).count() << " ms");
    CHECK(before_slow);  // all done before the slow answer arrived
    CHECK(beside < alone * 3 + 500ms);
    CHECK(dns.questions("fast.test") >= 2 * 2 * requests);
    options.resolver.reset();  // its strand's timer goes before the io_context
  }, 20s);
}

TEST_CASE("names: a multi-threaded io_context, connections on strands sharing the cache") {
  if (httpc::resolver_backend() != "c-ares") return;
  httpc::test::dns_server dns;
  const auto loopback = asio::ip::make_address("127.0.0.1");
  dns.set("a.test", {{loopback}, 60});
  dns.set("b.test", {{loopback}, 60, 50ms});
  asio::io_context io(4);
  httpc::pool_options options;
  options.resolver = asking(dns, io.get_executor());
  std::optional<httpc::pool> pool(std::in_place, io.get_executor(), options);
  constexpr int workers = 8;
  std::atomic<int> running{workers};
  std::atomic<int> ok{0};
  for (int w = 0; w < workers; ++w) {
    asio::co_spawn(asio::make_strand(io), [&, w]() -> asio::awaitable<void> {
      for (int i = 0; i < 10; ++i) {
        const auto r = co_await pool->async_request("GET", closing_url((w + i) % 2 ? "a.test" : "b.test"));
        if (r.status == 200) ++ok;
      }
    }, [&](std::exception_ptr e) {
      CHECK_FALSE(e);
      if (--running == 0) asio::post(io, [&] { pool.reset(); });
    });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { io.run_for(20s); });
  for (auto& t : threads) t.join();
  CHECK(running == 0);
  CHECK(ok == workers * 10);
  CHECK(dns.questions("a.test") == 2);  // one lookup per name, shared
  CHECK(dns.questions("b.test") == 2);
  CHECK_FALSE(pool.has_value());
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
