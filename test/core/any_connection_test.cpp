// Tests of the handle over a plain or TLS core connection
// (httpc/any_connection.hpp): the same exchanges through both, against a
// real nginx on loopback (test/support/nginx.hpp), with every completion
// token; and what the handle's types promise.
//
// As in connection_test: no co_await inside doctest's macros (g++ 12),
// results are taken into locals first.
#include "httpc/any_connection.hpp"

#include "support/coroutines.hpp"
#include "support/nginx.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <asio/experimental/deferred.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <asio/use_future.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace {

using namespace std::chrono_literals;
namespace nginx = httpc::test;
using httpc::any_connection;
using httpc::any_response;
using httpc::detail::use_error_codes;
using httpc::test::error_of;
using httpc::test::run_bounded;

// --- Types -------------------------------------------------------------------

// Responses refer to their connection: the handle stays put, as the core's.
static_assert(!std::is_move_constructible_v<any_connection>);
static_assert(std::is_nothrow_move_constructible_v<any_response>);
static_assert(std::is_nothrow_move_assignable_v<any_response>);
static_assert(std::is_convertible_v<httpc::response, any_response>);
static_assert(std::is_convertible_v<httpc::tls_response, any_response>);

// The handle hands out the core's own awaitables: no frame of its own.
template <class T>
T& some() noexcept;
static_assert(std::is_same_v<decltype(some<any_connection>().async_request("GET", "/", use_error_codes)),
                             decltype(some<httpc::connection>().async_request("GET", "/", use_error_codes))>);
static_assert(std::is_same_v<decltype(some<any_connection>().async_connect("h", 1)),
                             decltype(some<httpc::tls_connection>().async_connect("h", 1))>);
static_assert(std::is_same_v<decltype(some<any_response>().async_read_some(asio::mutable_buffer(),
                                                                            use_error_codes)),
                             decltype(some<httpc::tls_response>().async_read_some(asio::mutable_buffer(),
                                                                                   use_error_codes))>);
static_assert(std::is_same_v<decltype(some<any_response>().async_read_all(std::size_t{1})),
                             decltype(some<httpc::response>().async_read_all(std::size_t{1}))>);
// async_getresponse's result is the handle's response, made in the core's frame.
static_assert(std::is_same_v<decltype(some<any_connection>().async_getresponse()), asio::awaitable<any_response>>);
static_assert(std::is_same_v<decltype(some<any_connection>().async_getresponse(use_error_codes)),
                             asio::awaitable<std::tuple<std::error_code, any_response>>>);

// --- Helpers -----------------------------------------------------------------

/// A context that trusts the fixture's CA.
asio::ssl::context test_context() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(nginx::test_ca());
  context.set_verify_mode(asio::ssl::verify_peer);
  return context;
}

/// Where the handle's kind of nginx listens: its HTTPS port for TLS.
std::uint16_t port_for(const any_connection& c) {
  return c.is_tls() ? nginx::nginx_https_port() : nginx::nginx_http_port();
}

asio::awaitable<std::string> read_views(any_response& r) {
  std::string all;
  for (;;) {
    const std::string_view piece = co_await r.async_next();
    if (piece.empty()) co_return all;
    all.append(piece);
  }
}

asio::awaitable<std::string> read_in_pieces(any_response& r, std::size_t size) {
  std::string all;
  std::string buffer(size, '\0');
  for (;;) {
    const std::size_t n = co_await r.async_read_some(asio::buffer(buffer));
    if (n == 0) co_return all;
    all.append(buffer, 0, n);
  }
}

/// Every framing and way of reading on one kept-alive connection, then one
/// the server closes; over TCP, or nginx's Unix socket of the same server.
asio::awaitable<void> exchanges(any_connection& c, bool over_unix_socket = false) {
  if (over_unix_socket) {
    const std::string path = c.is_tls() ? nginx::nginx_https_socket() : nginx::nginx_http_socket();
    co_await c.async_connect_unix(path, nginx::nginx_tls_host, c.is_tls() ? 443 : 80);
  } else {
    co_await c.async_connect(nginx::nginx_tls_host, port_for(c));
  }
  CHECK(c.is_open());
  CHECK(c.is_idle());

  co_await c.async_request("GET", "/small");
  CHECK(c.wrote_request());
  CHECK_FALSE(c.is_idle());
  any_response small = co_await c.async_getresponse();
  CHECK(small.status() == 200);
  CHECK(small.reason() == "OK");
  CHECK(small.version() == 11);
  CHECK(small.framing() == httpc::body_framing::content_length);
  CHECK(small.content_length() == nginx::nginx_small_body.size());
  CHECK(small.keep_alive());
  CHECK(small.header("content-length") == std::to_string(nginx::nginx_small_body.size()));
  CHECK(small.head().starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(small.owned_head().status() == 200);
  CHECK_FALSE(small.done());
  const std::string body = co_await small.async_read_all();
  CHECK(body == nginx::nginx_small_body);
  CHECK(small.done());
  CHECK(c.is_idle());
  CHECK(c.is_reusable());

  co_await c.async_request("GET", "/chunked");
  any_response chunked = co_await c.async_getresponse();
  CHECK(chunked.framing() == httpc::body_framing::chunked);
  const std::string views = co_await read_views(chunked);
  CHECK(views == nginx::nginx_chunked_body());
  CHECK(chunked.trailers().empty());

  co_await c.async_request("GET", "/64k");
  any_response file = co_await c.async_getresponse();
  const bool same = co_await read_in_pieces(file, 10000) == nginx::nginx_file("64k");
  CHECK(same);

  const httpc::Headers typed{{"Content-Type", "text/plain"}};
  co_await c.async_request("POST", "/echo", "through the handle", typed);
  any_response echo = co_await c.async_getresponse();
  const std::string echoed = co_await echo.async_read_all(1024);
  CHECK(echoed == "through the handle");

  co_await c.async_request("HEAD", "/small");
  any_response head = co_await c.async_getresponse();
  CHECK(head.done());  // no body to read

  co_await c.async_request("GET", "/status/404");
  any_response missing = co_await c.async_getresponse();
  CHECK(missing.status() == 404);
  co_await missing.async_discard();
  CHECK(c.is_idle());

  // A head the caller wrote, then its body.
  co_await c.async_send_head("POST", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\n");
  co_await c.async_send("abc");
  any_response sent = co_await c.async_getresponse();
  const std::string sent_body = co_await sent.async_read_all();
  CHECK(sent_body == "abc");

  co_await c.async_request("GET", "/close");
  any_response closing = co_await c.async_getresponse();
  CHECK_FALSE(closing.keep_alive());
  const std::string last = co_await closing.async_read_all();
  CHECK(last == nginx::nginx_small_body);
  CHECK_FALSE(c.is_open());
}

// --- Against nginx -----------------------------------------------------------

TEST_CASE("any_connection: a plain and a TLS connection through the same code") {
  asio::ssl::context context = test_context();
  for (asio::ssl::context* tls : {static_cast<asio::ssl::context*>(nullptr), &context}) {
    CAPTURE(tls != nullptr);
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::connect_timings timings;
      httpc::connection_options options;
      options.timings = &timings;
      any_connection c(co_await asio::this_coro::executor, tls, options);
      CHECK(c.is_tls() == (tls != nullptr));
      CHECK_FALSE(c.is_open());
      CHECK(c.options().timings == &timings);
      co_await exchanges(c);
      // The handshake's time is measured only where there is one.
      CHECK(timings.connect > 0ns);
      CHECK((timings.handshake > 0ns) == (tls != nullptr));
      // A new connect opens it again.
      co_await c.async_connect(nginx::nginx_tls_host, port_for(c));
      CHECK(c.is_open());
      c.close();
      CHECK_FALSE(c.is_open());
    }, 10s);
  }
}

TEST_CASE("any_connection: over a Unix socket, plain and TLS (SNI and the certificate's name: the host)") {
  asio::ssl::context context = test_context();
  for (asio::ssl::context* tls : {static_cast<asio::ssl::context*>(nullptr), &context}) {
    CAPTURE(tls != nullptr);
    run_bounded([&]() -> asio::awaitable<void> {
      any_connection c(co_await asio::this_coro::executor, tls);
      co_await exchanges(c, true);
    }, 10s);
  }
  run_bounded([&]() -> asio::awaitable<void> {
    any_connection c(co_await asio::this_coro::executor, &context);
    const auto missing = co_await c.async_connect_unix(nginx::nginx_http_socket() + ".none", "localhost", 80,
                                                       use_error_codes);
    CHECK(missing == std::errc::no_such_file_or_directory);
    const auto too_long = co_await c.async_connect_unix(std::string(200, 'x'), "localhost", 80, use_error_codes);
    CHECK(too_long == std::errc::filename_too_long);
    // The name the certificate lacks fails over a Unix socket too.
    const auto wrong_name = co_await c.async_connect_unix(nginx::nginx_https_socket(), "example.org", 443,
                                                          use_error_codes);
    CHECK(wrong_name.category() == asio::error::get_ssl_category());
    CHECK_FALSE(c.is_open());
  }, 10s);
}

TEST_CASE("any_connection: the transport is the one chosen, not the port's") {
  asio::ssl::context context = test_context();
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    // Plain text to the TLS port: nginx answers 400 in clear.
    any_connection plain(executor, nullptr);
    co_await plain.async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    co_await plain.async_request("GET", "/small");
    any_response r = co_await plain.async_getresponse();
    CHECK(r.status() == 400);
    // A handshake with the plain port fails.
    any_connection tls(executor, &context);
    const std::error_code ec = co_await error_of(tls.async_connect(nginx::nginx_tls_host, nginx::nginx_http_port()));
    CHECK(ec);
    CHECK_FALSE(tls.is_open());
  });
}

TEST_CASE("any_connection: TLS sessions as the core's; a plain connection has none") {
  asio::ssl::context context = test_context();
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    any_connection plain(executor, nullptr);
    co_await plain.async_connect(nginx::nginx_tls_host, nginx::nginx_http_port());
    CHECK_FALSE(plain.tls_session());
    CHECK_FALSE(plain.tls_session_reused());
    any_connection first(executor, &context);
    co_await exchanges(first);
    const httpc::tls_session session = first.tls_session();
    REQUIRE(session);
    CHECK_FALSE(first.tls_session_reused());
    any_connection second(executor, &context);
    second.set_tls_session(session);
    co_await second.async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    CHECK(second.tls_session_reused());
  });
}

TEST_CASE("any_connection: errors as the core reports them, for both") {
  asio::ssl::context context = test_context();
  for (asio::ssl::context* tls : {static_cast<asio::ssl::context*>(nullptr), &context}) {
    CAPTURE(tls != nullptr);
    run_bounded([&]() -> asio::awaitable<void> {
      any_connection c(co_await asio::this_coro::executor, tls);
      auto [closed, none] = co_await c.async_getresponse(use_error_codes);
      CHECK(closed == httpc::error::not_connected);
      const std::error_code refused = co_await c.async_request("GET", "/small", use_error_codes);
      CHECK(refused == httpc::error::not_connected);
      CHECK_FALSE(c.wrote_request());
      const std::error_code connected =
          co_await c.async_connect(nginx::nginx_tls_host, port_for(c), use_error_codes);
      REQUIRE_FALSE(connected);
      auto [early, unread] = co_await c.async_getresponse(use_error_codes);
      CHECK(early == httpc::error::response_not_ready);
      // A body larger than the limit; the connection is closed with it.
      co_await c.async_request("GET", "/64k");
      any_response r = co_await c.async_getresponse();
      auto [too_large, nothing] = co_await r.async_read_all(1000, use_error_codes);
      CHECK(too_large == httpc::error::body_too_large);
      CHECK(nothing.empty());
      CHECK_FALSE(c.is_open());
    });
  }
}

TEST_CASE("any_connection: a proxy's refusal of CONNECT is kept") {
  // nginx is no forward proxy: it refuses CONNECT with a 4xx.
  run_bounded([&]() -> asio::awaitable<void> {
    any_connection c(co_await asio::this_coro::executor, nullptr);
    const std::error_code ec = co_await c.async_connect_tunnel("127.0.0.1", nginx::nginx_http_port(),
                                                               "example.org", 80, {}, use_error_codes);
    CHECK(ec == httpc::error::tunnel_failed);
    CHECK(c.tunnel_refusal().starts_with("4"));
    CHECK_FALSE(c.is_open());
  });
}

// --- Completion tokens -------------------------------------------------------

TEST_CASE("any_connection: callbacks, futures and deferred get an any_response") {
  asio::ssl::context context = test_context();
  for (asio::ssl::context* tls : {static_cast<asio::ssl::context*>(nullptr), &context}) {
    CAPTURE(tls != nullptr);
    asio::io_context io;
    any_connection c(io.get_executor(), tls);
    any_response kept;
    std::string body;
    std::error_code last = make_error_code(std::errc::operation_in_progress);
    c.async_connect(nginx::nginx_tls_host, port_for(c), [&](std::error_code ec) {
      REQUIRE_FALSE(ec);
      c.async_request("GET", "/small", [&](std::error_code ec2) {
        REQUIRE_FALSE(ec2);
        c.async_getresponse([&](std::error_code ec3, any_response r) {
          REQUIRE_FALSE(ec3);
          kept = std::move(r);
          kept.async_read_all([&](std::error_code ec4, std::string b) {
            last = ec4;
            body = std::move(b);
          });
        });
      });
    });
    io.run_for(5s);
    CHECK_FALSE(last);
    CHECK(body == nginx::nginx_small_body);
    CHECK(kept.status() == 200);

    // A future runs on this thread's io_context too: it completes once run.
    std::future<void> sent = c.async_request("GET", "/chunked", asio::use_future);
    io.restart();
    io.run_for(5s);
    sent.get();
    std::future<any_response> head = c.async_getresponse(asio::use_future);
    io.restart();
    io.run_for(5s);
    any_response r = head.get();
    CHECK(r.framing() == httpc::body_framing::chunked);
    auto discard = r.async_discard(asio::experimental::deferred);
    std::optional<std::error_code> discarded;
    std::move(discard)([&](std::error_code ec) { discarded = ec; });
    io.restart();
    io.run_for(5s);
    REQUIRE(discarded.has_value());
    CHECK_FALSE(*discarded);
    CHECK(c.is_idle());
  }
}

TEST_CASE("any_response: moved and move-assigned as the core's responses are") {
  asio::ssl::context context = test_context();
  run_bounded([&]() -> asio::awaitable<void> {
    any_connection c(co_await asio::this_coro::executor, &context);
    co_await c.async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    co_await c.async_request("GET", "/status/204");
    httpc::any_response first = co_await c.async_getresponse();
    any_response second;
    second = std::move(first);
    CHECK(second.status() == 204);
    CHECK(second.done());
    any_response third(std::move(second));
    CHECK(third.status() == 204);
    CHECK(c.is_idle());
  });
}

}  // namespace
