// Tests of the coroutine core (httpc/connection.hpp): basic_connection and
// basic_response against the scripted loopback server
// (test/support/script_server.hpp: exact bytes in and out, faults on cue)
// and against a real nginx on loopback (test/support/nginx.hpp).
//
// Every test drives an asio::io_context on the test thread, bounded with
// run_for: a test that does not finish in time fails, it never hangs.
//
// g++ 12 rejects ("array used as initializer") a co_await inside doctest's
// assertion macros, and a braced header list or other initializer_list of
// class type inside a co_await expression: results are first taken into
// locals, and header lists are named Headers variables.
#include "httpc/connection.hpp"

#include "support/allocation_counter.hpp"
#include "support/coroutines.hpp"
#include "support/nginx.hpp"
#include "support/script_server.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/io_context.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using namespace asio::experimental::awaitable_operators;
using httpc::test::allocation_counter;
using httpc::test::script;
using httpc::test::script_server;
using httpc::test::step;
using httpc::test::error_of;
using httpc::test::run_bounded;
using httpc::test::sleep_for;
using steady = std::chrono::steady_clock;

// --- Bytes -------------------------------------------------------------------

/// n bytes of every value, deterministic for a seed.
std::string pattern(std::size_t n, std::uint32_t seed = 1) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761U + 12345U;
  for (char& c : s) {
    x = x * 1664525U + 1013904223U;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

std::string hex(std::size_t n) {
  std::array<char, 20> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), n, 16);
  (void)ec;
  return std::string(digits.data(), end);
}

/// A chunked body: pieces of `piece` bytes, then the last chunk, the
/// trailer lines (each ending in CRLF) and the empty line.
std::string chunked(std::string_view body, std::size_t piece, std::string_view trailers = "") {
  std::string out;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    const std::string_view part = body.substr(at, piece);
    out += hex(part.size());
    out += "\r\n";
    out += part;
    out += "\r\n";
  }
  out += "0\r\n";
  out += trailers;
  out += "\r\n";
  return out;
}

/// A 200 response framed by Content-Length; `fields` are extra lines.
std::string with_length(std::string_view body, std::string_view fields = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(fields) + "\r\n" + std::string(body);
}

/// A 200 response with a chunked body.
std::string with_chunks(std::string_view body, std::size_t piece, std::string_view trailers = "") {
  return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, piece, trailers);
}

/// The request head the core sends for a bodiless request to the server.
std::string plain_request(std::uint16_t port, std::string_view target,
                          std::string_view method = "GET") {
  return std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1:" +
         std::to_string(port) + "\r\nAccept-Encoding: identity\r\n\r\n";
}

/// Reads a body with async_read_some into a buffer of `size` bytes; checks
/// that no call returns more than the buffer holds, and that the end is
/// reported again by a second call.
template <class Response>
asio::awaitable<std::string> read_in_pieces(Response& r, std::size_t size) {
  std::string body;
  std::vector<char> buffer(size);
  for (;;) {
    const std::size_t n = co_await r.async_read_some(asio::buffer(buffer));
    CHECK(n <= size);
    if (n == 0) break;
    body.append(buffer.data(), n);
  }
  const std::size_t again = co_await r.async_read_some(asio::buffer(buffer));
  CHECK(again == 0);
  co_return body;
}

/// Reads a body with async_next: the views, copied, in order.
template <class Response>
asio::awaitable<std::string> read_views(Response& r) {
  std::string body;
  for (;;) {
    const std::string_view piece = co_await r.async_next();
    if (piece.empty()) break;
    body.append(piece);
  }
  co_return body;
}

void check_server(const script_server& server, std::size_t connections) {
  CHECK(server.wait_for_finished(connections, 3s));
  CHECK(server.connections() == connections);
  const auto errors = server.errors();
  for (const auto& e : errors) MESSAGE("server: " << e);
  CHECK(errors.empty());
}

}  // namespace

// ============================================================================
// Request bytes
// ============================================================================

TEST_CASE("request: GET bytes exactly, with Host and Accept-Encoding added") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Test:  a \r\n"
                                   "x-test: b\r\n\r\nhi"),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    CHECK_FALSE(c.is_open());
    co_await c.async_connect("127.0.0.1", server.port());
    CHECK(c.is_open());
    CHECK(c.is_idle());
    co_await c.async_request("GET", "/path?q=1");
    CHECK_FALSE(c.is_idle());
    auto r = co_await c.async_getresponse();
    CHECK(r.status() == 200);
    CHECK(r.reason() == "OK");
    CHECK(r.version() == 11);
    CHECK(r.header("x-TEST") == "a");
    CHECK(r.header("Missing") == std::nullopt);
    CHECK(r.fields().count("X-Test") == 2);
    CHECK(r.content_length() == 2);
    const std::string body = co_await r.async_read_all();
    CHECK(body == "hi");
    CHECK(r.done());
    CHECK(c.is_idle());
  });
  check_server(server, 1);
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0] == plain_request(server.port(), "/path?q=1"));
}

TEST_CASE("request: sized bodies get Content-Length, in the order CPython sends") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("1")),
                        step::read_request(), step::send(with_length("2")),
                        step::read_request(), step::send(with_length("3")),
                        step::expect_close()});
  const std::string form = "spam=1&eggs=2";
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    const httpc::Headers fields = {{"Content-Type", "application/x-www-form-urlencoded"},
                                   {"Accept", "text/plain"}};
    co_await c.async_request("POST", "/cgi-bin/query", form, fields);
    auto r1 = co_await c.async_getresponse();
    const auto body1 = co_await r1.async_read_all();
    CHECK(body1 == "1");
    co_await c.async_request("POST", "/empty", std::string_view());  // an empty body
    auto r2 = co_await c.async_getresponse();
    const auto body2 = co_await r2.async_read_all();
    CHECK(body2 == "2");
    co_await c.async_request("PUT", "/none");  // no body at all: PUT still gets 0
    auto r3 = co_await c.async_getresponse();
    const auto body3 = co_await r3.async_read_all();
    CHECK(body3 == "3");
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  const std::string host = "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n";
  CHECK(requests[0] == "POST /cgi-bin/query HTTP/1.1\r\n" + host +
                           "Accept-Encoding: identity\r\nContent-Length: 13\r\n"
                           "Content-Type: application/x-www-form-urlencoded\r\n"
                           "Accept: text/plain\r\n\r\nspam=1&eggs=2");
  CHECK(requests[1] ==
        "POST /empty HTTP/1.1\r\n" + host + "Accept-Encoding: identity\r\nContent-Length: 0\r\n\r\n");
  CHECK(requests[2] ==
        "PUT /none HTTP/1.1\r\n" + host + "Accept-Encoding: identity\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("request: a caller's Host and Accept-Encoding are not duplicated") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("")),
                        step::read_request(), step::send(with_length("")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    const httpc::Headers fields1 = {{"host", "example.org:8080"}};
    co_await c.async_request("GET", "/", {}, fields1);
    auto r1 = co_await c.async_getresponse();
    co_await r1.async_read_all();
    const httpc::Headers fields2 = {{"Accept-Encoding", "gzip"}, {"X-A", "1"}};
    co_await c.async_request("GET", "/gz", {}, fields2);
    auto r2 = co_await c.async_getresponse();
    co_await r2.async_read_all();
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0] ==
        "GET / HTTP/1.1\r\nAccept-Encoding: identity\r\nhost: example.org:8080\r\n\r\n");
  CHECK(requests[1] == "GET /gz HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                           "\r\nAccept-Encoding: gzip\r\nX-A: 1\r\n\r\n");
}

TEST_CASE("request: a streaming body is sent chunked; with a caller's Content-Length, raw") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("ok")),
                        step::read_request(), step::send(with_length("ok")),
                        step::expect_close()});
  const std::string big = pattern(0xABC, 7);
  // Yields the pieces in turn, an empty one among them (it must not end the
  // body), then nothing.
  auto make_source = [](std::vector<std::string> pieces) {
    auto state = std::make_shared<std::pair<std::vector<std::string>, std::size_t>>(
        std::move(pieces), 0);
    return httpc::request_body::source(
        [state]() -> asio::awaitable<std::optional<std::string>> {
          co_await sleep_for(1ms);  // a producer that really suspends
          if (state->second == state->first.size()) co_return std::nullopt;
          co_return state->first[state->second++];
        });
  };
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    auto upload = make_source(std::vector<std::string>{"abc", "", big, "defgh"});
    co_await c.async_request("POST", "/upload", std::move(upload));
    auto r1 = co_await c.async_getresponse();
    const auto body1 = co_await r1.async_read_all();
    CHECK(body1 == "ok");
    auto raw = make_source(std::vector<std::string>{"abcd", "", "efgh"});
    const httpc::Headers length = {{"Content-Length", "8"}};
    co_await c.async_request("PUT", "/raw", std::move(raw), length);
    auto r2 = co_await c.async_getresponse();
    const auto body2 = co_await r2.async_read_all();
    CHECK(body2 == "ok");
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  const std::string host = "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n";
  CHECK(requests[0] == "POST /upload HTTP/1.1\r\n" + host +
                           "Accept-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "3\r\nabc\r\nABC\r\n" + big + "\r\n5\r\ndefgh\r\n0\r\n\r\n");
  CHECK(requests[1] == "PUT /raw HTTP/1.1\r\n" + host +
                           "Accept-Encoding: identity\r\nContent-Length: 8\r\n\r\nabcdefgh");
}

TEST_CASE("request: an invalid method, field or target is refused before a byte is sent") {
  script_server server;
  // Any byte of the refused requests would end up in this request's head.
  server.on_connection({step::read_request(), step::send(with_length("fine")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    const auto ec1 = co_await error_of(c.async_request("GE T", "/"));
    CHECK(ec1 == httpc::error::invalid_method);
    const auto ec2 = co_await error_of(c.async_request("", "/"));
    CHECK(ec2 == httpc::error::invalid_method);
    const auto ec3 = co_await error_of(c.async_request("GET\r\nX: y", "/"));
    CHECK(ec3 == httpc::error::invalid_method);
    const httpc::Headers fields3 = {{"Bad Name", "x"}};
    const auto ec4 = co_await error_of(c.async_request("GET", "/", {}, fields3));
    CHECK(ec4 == httpc::error::invalid_header_name);
    const httpc::Headers fields4 = {{"X-Colon:", "x"}};
    const auto ec5 = co_await error_of(c.async_request("GET", "/", {}, fields4));
    CHECK(ec5 == httpc::error::invalid_header_name);
    const httpc::Headers fields5 = {{"X-A", "a\r\nInjected: 1"}};
    const auto ec6 = co_await error_of(c.async_request("GET", "/", {}, fields5));
    CHECK(ec6 == httpc::error::invalid_header_value);
    const httpc::Headers fields6 = {{"X-A", "nul\0byte"s}};
    const auto ec7 = co_await error_of(c.async_request("GET", "/", {}, fields6));
    CHECK(ec7 == httpc::error::invalid_header_value);
    const httpc::Headers fields7 = {{"X-A", "del\x7f"}};
    const auto ec8 = co_await error_of(c.async_request("GET", "/", {}, fields7));
    CHECK(ec8 == httpc::error::invalid_header_value);
    const auto ec9 = co_await error_of(c.async_request("GET", "/a b"));
    CHECK(ec9 == httpc::error::invalid_target);
    const auto ec10 = co_await error_of(c.async_request("GET", "/a\r\nX: y"));
    CHECK(ec10 == httpc::error::invalid_target);
    const auto ec11 = co_await error_of(c.async_request("GET", "/caf\xc3\xa9"));
    CHECK(ec11 == httpc::error::invalid_target);
    const httpc::Headers fields8 = {{"X-A", "\n"}};
    const auto ec12 = co_await error_of(c.async_request("POST", "/x", "body", fields8));
    CHECK(ec12 == httpc::error::invalid_header_value);
    // Nothing was sent: the connection is as it was, and works.
    CHECK(c.is_open());
    CHECK(c.is_idle());
    co_await c.async_request("GET", "/valid");
    auto r = co_await c.async_getresponse();
    const auto body = co_await r.async_read_all();
    CHECK(body == "fine");
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0] == plain_request(server.port(), "/valid"));
}

TEST_CASE("request: a refused request on a fresh connection sends nothing at all") {
  script_server server;
  server.on_connection({step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    const httpc::Headers fields9 = {{"X", "a\nb"}};
    const auto ec = co_await error_of(c.async_request("GET", "/", {}, fields9));
    CHECK(ec == httpc::error::invalid_header_value);
    co_await sleep_for(50ms);  // time for stray bytes to arrive
    c.close();
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 1);
  CHECK(server.requests().empty());
}

TEST_CASE("request: Expect: 100-continue holds the body until the interim response") {
  script_server server;
  server.on_connection({
      step::read_until("\r\n\r\n"),  // the head only: the body must not come yet
      step::delay(100ms),
      step::send("HTTP/1.1 100 Continue\r\n\r\n"),
      step::read_bytes(5),
      step::send(with_length("done")),
      step::expect_close(),
  });
  std::chrono::milliseconds waited{};
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.expect_continue_timeout = 2s;
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("127.0.0.1", server.port());
    const auto start = steady::now();
    const httpc::Headers fields10 = {{"Expect", "100-continue"}};
    co_await c.async_request("PUT", "/up", "hello", fields10);
    waited = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
    auto r = co_await c.async_getresponse();
    CHECK(r.status() == 200);
    const auto body = co_await r.async_read_all();
    CHECK(body == "done");
    CHECK(c.is_idle());
  });
  check_server(server, 1);
  const auto reads = server.reads();
  REQUIRE(reads.size() == 2);
  CHECK(reads[0] == "PUT /up HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                        "\r\nAccept-Encoding: identity\r\nContent-Length: 5\r\n"
                        "Expect: 100-continue\r\n\r\n");
  CHECK(reads[1] == "hello");
  CHECK(waited >= 90ms);
}

TEST_CASE("request: Expect: 100-continue sends the body anyway after the wait") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("late")),
                        step::expect_close()});
  std::chrono::milliseconds waited{};
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.expect_continue_timeout = 200ms;
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("127.0.0.1", server.port());
    const auto start = steady::now();
    const httpc::Headers fields11 = {{"Expect", "100-continue"}};
    co_await c.async_request("PUT", "/up", "hello", fields11);
    waited = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
    auto r = co_await c.async_getresponse();
    const auto body = co_await r.async_read_all();
    CHECK(body == "late");
  });
  check_server(server, 1);
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].ends_with("\r\n\r\nhello"));
  CHECK(waited >= 190ms);
  CHECK(waited < 2s);
}

TEST_CASE("request: a final response instead of 100 Continue: no body, and the connection ends") {
  script_server server;
  server.on_connection({step::read_until("\r\n\r\n"),
                        step::send("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n"),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.expect_continue_timeout = 2s;
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("127.0.0.1", server.port());
    const httpc::Headers fields12 = {{"Expect", "100-continue"}};
    co_await c.async_request("PUT", "/up", "hello", fields12);
    auto r = co_await c.async_getresponse();
    CHECK(r.status() == 417);
    const auto body = co_await r.async_read_all();
    CHECK(body == "");
    // The server may still wait for the body it did not get: the connection
    // cannot carry another request (RFC 9112 §9.3; the core's own comment).
    CHECK_FALSE(c.is_open());
    co_await sleep_for(50ms);
  });
  check_server(server, 1);  // expect_close: no body bytes, and a close
}

// ============================================================================
// Response framing
// ============================================================================

TEST_CASE("framing: chunked with extensions and trailers, then the connection is reused") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "5;name=value\r\nhello\r\n7;x;y=\"q\"\r\n, world\r\n"
                                   "0;last=1\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"),
                        step::read_request(), step::send(with_length("next")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/chunked");
    auto r = co_await c.async_getresponse();
    const httpc::response_head kept = r.owned_head();  // outlives the next request
    CHECK(r.framing() == httpc::body_framing::chunked);
    CHECK(r.content_length() == std::nullopt);
    const auto body1 = co_await r.async_read_all();
    CHECK(body1 == "hello, world");
    CHECK(r.done());
    CHECK(r.trailers().size() == 2);
    CHECK(r.trailers().find("x-checksum") == "abc");
    CHECK(r.trailers().find("X-OTHER") == "1");
    CHECK(c.is_idle());
    co_await c.async_request("GET", "/next");
    auto r2 = co_await c.async_getresponse();
    const auto body2 = co_await r2.async_read_all();
    CHECK(body2 == "next");
    CHECK(kept.status() == 200);
    CHECK(kept.reason() == "OK");
    CHECK(kept.header("transfer-encoding") == std::optional<std::string_view>("chunked"));
    CHECK(kept.fields().size() == 1);
  });
  check_server(server, 1);
}

TEST_CASE("framing: until close, over HTTP/1.1 and HTTP/1.0") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send_pieces("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                                          "the body runs until the close",
                                          {20, 45, 50}, 5ms),
                        step::close()});
  server.on_connection({step::read_request(), step::send("HTTP/1.0 200 OK\r\n\r\nold server"),
                        step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/until-close");
    auto r = co_await c.async_getresponse();
    CHECK(r.framing() == httpc::body_framing::until_close);
    CHECK_FALSE(r.keep_alive());
    const auto body1 = co_await r.async_read_all();
    CHECK(body1 == "the body runs until the close");
    CHECK(r.done());
    CHECK_FALSE(c.is_open());
    const auto ec = co_await error_of(c.async_request("GET", "/"));
    CHECK(ec == httpc::error::not_connected);

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/old");
    auto r2 = co_await c.async_getresponse();
    CHECK(r2.version() == 10);
    const auto body2 = co_await read_in_pieces(r2, 4);
    CHECK(body2 == "old server");
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 2);
}

TEST_CASE("framing: HEAD, 204 and 304 have no body whatever their fields say") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
                        step::read_request(), step::send("HTTP/1.1 204 No Content\r\n\r\n"),
                        step::read_request(),
                        step::send("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n"),
                        step::read_request(), step::send(with_length("body")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("HEAD", "/file");
    auto r1 = co_await c.async_getresponse();
    CHECK(r1.status() == 200);
    CHECK(r1.header("Content-Length") == "1234");
    CHECK(r1.framing() == httpc::body_framing::none);
    // Nothing to read: the connection is ready for the next request at once.
    CHECK(r1.done());
    CHECK(c.is_idle());
    const auto body1 = co_await r1.async_read_all();
    CHECK(body1 == "");
    CHECK(c.is_idle());
    co_await c.async_request("DELETE", "/x");
    auto r2 = co_await c.async_getresponse();
    CHECK(r2.status() == 204);
    CHECK(c.is_idle());
    const auto body2 = co_await read_in_pieces(r2, 16);
    CHECK(body2 == "");
    co_await c.async_request("GET", "/cached");
    auto r3 = co_await c.async_getresponse();
    CHECK(r3.status() == 304);
    const auto body3 = co_await read_views(r3);
    CHECK(body3 == "");
    co_await c.async_request("GET", "/body");
    auto r4 = co_await c.async_getresponse();
    const auto body4 = co_await r4.async_read_all();
    CHECK(body4 == "body");
  });
  check_server(server, 1);
}

TEST_CASE("framing: 1xx interim responses are skipped; 101 is final") {
  script_server server;
  const std::string interim =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 102 Processing\r\n\r\n" +
      with_length("final", "X-Final: yes\r\n");
  server.on_connection({step::read_request(),
                        step::send_pieces(interim, {3, 24, 25, 26, 40, 77, 90, 101}, 3ms),
                        step::read_request(),
                        step::send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\n\r\n"),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/hints");
    auto r = co_await c.async_getresponse();
    CHECK(r.status() == 200);
    CHECK(r.header("X-Final") == "yes");
    CHECK(r.header("Link") == std::nullopt);
    const auto body = co_await r.async_read_all();
    CHECK(body == "final");
    const httpc::Headers fields13 = {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}};
    co_await c.async_request("GET", "/ws", {}, fields13);
    auto r2 = co_await c.async_getresponse();
    CHECK(r2.status() == 101);
    CHECK(r2.reason() == "Switching Protocols");
    CHECK(r2.header("upgrade") == "websocket");
  });
  check_server(server, 1);
}

// ============================================================================
// Body readers
// ============================================================================

TEST_CASE("body: async_read_some with a small buffer, over every framing") {
  script_server server;
  const std::string body = pattern(100, 3);
  const std::string cl = with_length(body);
  const std::string ch = with_chunks(body, 7);
  server.on_connection({step::read_request(), step::send_pieces(cl, {1, 40, 41, 77, 99}, 2ms),
                        step::read_request(), step::send_pieces(ch, {2, 50, 51, 52, 130}, 2ms),
                        step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body),
                        step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    const std::array<const char*, 3> targets = {"/length", "/chunked", "/close"};
    for (const char* target : targets) {
      CAPTURE(target);
      co_await c.async_request("GET", target);
      auto r = co_await c.async_getresponse();
      const auto body = co_await read_in_pieces(r, 3);
      CHECK(body == body);
      std::array<char, 1> empty{};
      const auto n = co_await r.async_read_some(asio::buffer(empty.data(), 0));
      CHECK(n == 0);
    }
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 1);
}

TEST_CASE("body: 1 MiB bodies, larger than the receive buffer, read byte-exact") {
  script_server server;
  const std::string body = pattern(1024 * 1024, 5);
  server.on_connection({step::read_request(), step::send(with_length(body)),
                        step::read_request(), step::send(with_length(body)),
                        step::read_request(), step::send(with_chunks(body, 100000)),
                        step::read_request(), step::send(with_length(body)),
                        step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body),
                        step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    {
      co_await c.async_request("GET", "/large-buffer");  // a direct read into the caller's buffer
      auto r = co_await c.async_getresponse();
      const bool same = co_await read_in_pieces(r, 1024 * 1024 + 10) == body;
      CHECK(same);
    }
    {
      co_await c.async_request("GET", "/64k-buffer");
      auto r = co_await c.async_getresponse();
      const bool same = co_await read_in_pieces(r, 65536) == body;
      CHECK(same);
    }
    {
      co_await c.async_request("GET", "/chunked");
      auto r = co_await c.async_getresponse();
      const bool same = co_await read_in_pieces(r, 300000) == body;
      CHECK(same);
    }
    {
      co_await c.async_request("GET", "/read-all");
      auto r = co_await c.async_getresponse();
      const bool same = co_await r.async_read_all() == body;
      CHECK(same);
    }
    {
      co_await c.async_request("GET", "/until-close");
      auto r = co_await c.async_getresponse();
      const bool same = co_await read_in_pieces(r, 200000) == body;
      CHECK(same);
    }
  });
  check_server(server, 1);
}

TEST_CASE("body: async_read_all with a limit") {
  script_server server;
  const std::string body = pattern(100, 9);
  server.on_connection({step::read_request(), step::send(with_length(body)),
                        step::read_request(), step::send(with_length(body)),
                        step::expect_close()});
  server.on_connection({step::read_request(), step::send(with_chunks(body, 30)),
                        step::expect_close()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/exact");
    auto r1 = co_await c.async_getresponse();
    const auto body = co_await r1.async_read_all(100);
    CHECK(body == body);  // the limit itself is allowed
    co_await c.async_request("GET", "/over");
    auto r2 = co_await c.async_getresponse();
    const auto ec1 = co_await error_of(r2.async_read_all(99));
    CHECK(ec1 == httpc::error::body_too_large);
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/chunked-over");
    auto r3 = co_await c.async_getresponse();
    const auto ec2 = co_await error_of(r3.async_read_all(50));
    CHECK(ec2 == httpc::error::body_too_large);
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/close-over");
    auto r4 = co_await c.async_getresponse();
    const auto ec3 = co_await error_of(r4.async_read_all(10));
    CHECK(ec3 == httpc::error::body_too_large);
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 3);
}

TEST_CASE("body: async_next hands out views of the whole body, then an empty one") {
  script_server server;
  const std::string body = pattern(50000, 11);
  server.on_connection({step::read_request(), step::send_pieces_of(with_chunks(body, 4000), 9000, 1ms),
                        step::read_request(), step::send_pieces_of(with_length(body), 7000, 1ms),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/chunked");
    auto r1 = co_await c.async_getresponse();
    const auto body1 = co_await read_views(r1);
    CHECK(body1 == body);
    const std::string_view after = co_await r1.async_next();
    CHECK(after.empty());
    co_await c.async_request("GET", "/length");
    auto r2 = co_await c.async_getresponse();
    const auto body2 = co_await read_views(r2);
    CHECK(body2 == body);
    CHECK(c.is_idle());
  });
  check_server(server, 1);
}

TEST_CASE("body: async_discard, then the next request on the same connection") {
  script_server server;
  const std::string big = pattern(200000, 13);
  server.on_connection({step::read_request(), step::send(with_length(big)),
                        step::read_request(), step::send(with_chunks(big, 3000, "T: 1\r\n")),
                        step::read_request(), step::send(with_length("after")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/1");
    auto r1 = co_await c.async_getresponse();
    std::array<char, 10> first{};
    const auto n = co_await r1.async_read_some(asio::buffer(first));
    CHECK(n > 0);
    co_await r1.async_discard();
    CHECK(r1.done());
    CHECK(c.is_idle());
    co_await c.async_request("GET", "/2");
    auto r2 = co_await c.async_getresponse();
    co_await r2.async_discard();  // untouched
    CHECK(r2.trailers().find("t") == "1");
    co_await c.async_request("GET", "/3");
    auto r3 = co_await c.async_getresponse();
    const auto body = co_await r3.async_read_all();
    CHECK(body == "after");
  });
  check_server(server, 1);
  CHECK(server.requests().size() == 3);
}

// ============================================================================
// Keep-alive, pipelined bytes
// ============================================================================

TEST_CASE("keep-alive: several requests on one connection") {
  script_server server;
  script s;
  for (int i = 0; i < 6; ++i) {
    s.push_back(step::read_request());
    const std::string body = "response " + std::to_string(i);
    s.push_back(step::send(i % 2 == 0 ? with_length(body) : with_chunks(body, 4)));
  }
  s.push_back(step::expect_close());
  server.on_connection(s);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    const auto local = c.socket().local_endpoint();
    for (int i = 0; i < 6; ++i) {
      co_await c.async_request("GET", "/" + std::to_string(i));
      auto r = co_await c.async_getresponse();
      const auto body = co_await r.async_read_all();
      CHECK(body == "response " + std::to_string(i));
      CHECK(c.is_idle());
      CHECK(c.socket().local_endpoint() == local);
    }
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 6);
  for (int i = 0; i < 6; ++i)
    CHECK(requests[static_cast<std::size_t>(i)] ==
          plain_request(server.port(), "/" + std::to_string(i)));
}

TEST_CASE("keep-alive: responses split at odd places") {
  script_server server;
  const std::string r1 = with_length("first");
  const std::string r2 = with_chunks("second body, chunked", 6, "X-T: t\r\n");
  const std::string r3 = with_length(pattern(40, 2), "X-Long-Header: " + std::string(30, 'v') + "\r\n");
  // Splits inside the status line, inside CRLF pairs, inside chunk-size
  // lines and chunk data.
  std::vector<std::size_t> odd;
  for (std::size_t at = 1; at < r2.size(); at += 3) odd.push_back(at);
  server.on_connection({step::read_request(), step::send(r1),
                        step::read_request(), step::send_pieces(r2, odd, 1ms),
                        step::read_request(), step::send_pieces_of(r3, 1, 0ms),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/1");
    auto a = co_await c.async_getresponse();
    const auto body1 = co_await a.async_read_all();
    CHECK(body1 == "first");
    co_await c.async_request("GET", "/2");
    auto b = co_await c.async_getresponse();
    const auto body2 = co_await read_in_pieces(b, 5);
    CHECK(body2 == "second body, chunked");
    CHECK(b.trailers().find("X-T") == "t");
    co_await c.async_request("GET", "/3");
    auto d = co_await c.async_getresponse();
    CHECK(d.header("x-long-header") == std::string(30, 'v'));
    const auto body3 = co_await d.async_read_all();
    CHECK(body3 == pattern(40, 2));
  }, 10s);
  check_server(server, 1);
}

TEST_CASE("keep-alive: bytes past a response are kept for the next request's response") {
  script_server server;
  // Three responses in one write, before the client sent its second and
  // third requests: a Content-Length body, a HEAD response whose
  // Content-Length announces no body here, and a chunked body.
  const std::string all = with_length("one") +
                          "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" +
                          with_chunks("three", 2);
  server.on_connection({step::read_request(), step::send(all),
                        step::read_request(), step::read_request(),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/1");
    auto r1 = co_await c.async_getresponse();
    co_await sleep_for(50ms);  // let all the bytes arrive in one read
    const auto body1 = co_await r1.async_read_all();
    CHECK(body1 == "one");
    co_await c.async_request("HEAD", "/2");
    auto r2 = co_await c.async_getresponse();
    CHECK(r2.header("Content-Length") == "5");
    const auto body2 = co_await r2.async_read_all();
    CHECK(body2 == "");
    co_await c.async_request("GET", "/3");
    auto r3 = co_await c.async_getresponse();
    const auto body3 = co_await r3.async_read_all();
    CHECK(body3 == "three");
    CHECK(c.is_idle());
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1] == plain_request(server.port(), "/2", "HEAD"));
}

TEST_CASE("keep-alive: a request while the response is unread is refused") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("unread body")),
                        step::read_request(), step::send(with_length("next")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/1");
    // The response head is not read yet.
    const auto ec1 = co_await error_of(c.async_request("GET", "/x"));
    CHECK(ec1 == httpc::error::cannot_send_request);
    auto r = co_await c.async_getresponse();
    const auto ec2 = co_await error_of(c.async_getresponse());
    CHECK(ec2 == httpc::error::response_not_ready);
    // The body is not read yet.
    const auto ec3 = co_await error_of(c.async_request("GET", "/x"));
    CHECK(ec3 == httpc::error::cannot_send_request);
    CHECK(c.is_open());
    // Nothing was sent; the response is still there to read.
    const auto body1 = co_await r.async_read_all();
    CHECK(body1 == "unread body");
    co_await c.async_request("GET", "/2");
    auto r2 = co_await c.async_getresponse();
    const auto body2 = co_await r2.async_read_all();
    CHECK(body2 == "next");
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1] == plain_request(server.port(), "/2"));
}

// ============================================================================
// Errors
// ============================================================================

TEST_CASE("errors: closed before a status line, or inside the head") {
  script_server server;
  server.on_connection({step::read_request(), step::close()});
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Le"),
                        step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    const auto ec1 = co_await error_of(c.async_getresponse());
    CHECK(ec1 == httpc::error::remote_disconnected);
    CHECK_FALSE(c.is_open());
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    const auto ec2 = co_await error_of(c.async_getresponse());
    CHECK(ec2 == httpc::error::incomplete_head);
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 2);
}

TEST_CASE("errors: a reset inside the body is connection_reset") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" +
                                   pattern(100, 1)),
                        step::delay(100ms), step::reset()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const std::error_code ec = co_await error_of(r.async_read_all());
    CHECK(ec == std::errc::connection_reset);
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 1);
}

TEST_CASE("errors: a close inside a Content-Length body is incomplete_body, never a short body") {
  script_server server;
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  server.on_connection({step::read_request(), step::send(head + pattern(50, 1)), step::close()});
  server.on_connection({step::read_request(), step::send(head + pattern(50, 1)), step::close()});
  server.on_connection({step::read_request(), step::send(head + pattern(50, 1)), step::close()});
  server.on_connection({step::read_request(), step::send(head), step::delay(50ms),
                        step::send(pattern(50, 1)), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const auto ec1 = co_await error_of(r.async_read_all());
    CHECK(ec1 == httpc::error::incomplete_body);
    CHECK_FALSE(c.is_open());
    CHECK_FALSE(r.done());

    // Read in pieces: the bytes come, then the error; never a 0.
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r2 = co_await c.async_getresponse();
    std::size_t got = 0;
    std::error_code ec;
    std::array<char, 16> buffer{};
    for (int i = 0; i < 100 && !ec; ++i) {
      try {
        const std::size_t n = co_await r2.async_read_some(asio::buffer(buffer));
        CHECK(n != 0);
        if (n == 0) break;
        got += n;
      } catch (const std::system_error& e) {
        ec = e.code();
      }
    }
    CHECK(ec == httpc::error::incomplete_body);
    CHECK(got <= 50);
    CHECK_FALSE(c.is_open());

    // Views: the same.
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r3 = co_await c.async_getresponse();
    const auto ec2 = co_await error_of(read_views(r3));
    CHECK(ec2 == httpc::error::incomplete_body);

    // A buffer large enough for a direct read: the same.
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r4 = co_await c.async_getresponse();
    const auto direct = co_await error_of(read_in_pieces(r4, 65536));
    CHECK(direct == httpc::error::incomplete_body);
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 4);
}

TEST_CASE("errors: a close inside a chunked body is incomplete_body") {
  script_server server;
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  server.on_connection({step::read_request(), step::send(head + "a\r\n01234"), step::close()});
  server.on_connection({step::read_request(), step::send(head + "a\r\n0123456789\r\n"),
                        step::close()});
  server.on_connection({step::read_request(), step::send(head + "a\r\n0123456789\r\n0\r\nX: 1\r\n"),
                        step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    const std::array<const char*, 3> places = {"in chunk data", "between chunks", "in the trailers"};
    for (const char* where : places) {
      CAPTURE(where);
      co_await c.async_connect("127.0.0.1", server.port());
      co_await c.async_request("GET", "/");
      auto r = co_await c.async_getresponse();
      const auto ec = co_await error_of(r.async_read_all());
      CHECK(ec == httpc::error::incomplete_body);
      CHECK_FALSE(c.is_open());
    }
  });
  check_server(server, 3);
}

TEST_CASE("errors: a malformed status line: bad_status_line by default (strict), HTTP/0.9 when asked") {
  script_server server;
  server.on_connection({step::read_request(), step::send("garbage line\r\nmore bytes"),
                        step::close()});
  server.on_connection({step::read_request(), step::send("garbage line\r\nmore bytes"),
                        step::close()});
  server.on_connection({step::read_request(), step::send("HTTP/1.1 abc OK\r\n\r\n"),
                        step::close()});
  server.on_connection({step::read_request(), step::send("no line ending"), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::connection_options lenient;
    lenient.parser.strict = false;
    {
      httpc::connection c(executor);
      co_await c.async_connect("127.0.0.1", server.port());
      co_await c.async_request("GET", "/");
      const auto ec1 = co_await error_of(c.async_getresponse());
      CHECK(ec1 == httpc::error::bad_status_line);
      CHECK_FALSE(c.is_open());
    }
    {
      httpc::connection c(executor, lenient);
      co_await c.async_connect("127.0.0.1", server.port());
      co_await c.async_request("GET", "/");
      auto r = co_await c.async_getresponse();
      CHECK(r.version() == 9);
      CHECK(r.status() == 200);
      CHECK(r.reason() == "");
      CHECK(r.fields().empty());
      const auto body = co_await r.async_read_all();
      CHECK(body == "garbage line\r\nmore bytes");
      CHECK_FALSE(c.is_open());
    }
    {
      httpc::connection c(executor, lenient);  // an HTTP/ line still needs a status
      co_await c.async_connect("127.0.0.1", server.port());
      co_await c.async_request("GET", "/");
      const auto ec2 = co_await error_of(c.async_getresponse());
      CHECK(ec2 == httpc::error::bad_status_line);
    }
    {
      // A first line without its line ending, ended by the close: still the
      // first line of an HTTP/0.9 response.
      httpc::connection c(executor, lenient);
      co_await c.async_connect("127.0.0.1", server.port());
      co_await c.async_request("GET", "/");
      auto r = co_await c.async_getresponse();
      CHECK(r.version() == 9);
      const std::string body = co_await r.async_read_all();
      CHECK(body == "no line ending");
    }
  });
  check_server(server, 4);
}

TEST_CASE("errors: framing errors carry httpc::error codes and close the connection") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n"),
                        step::expect_close()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
                                   "hello!"),
                        step::expect_close()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx"),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const auto bad_chunk = co_await error_of(r.async_read_all());
    CHECK(bad_chunk == httpc::error::bad_chunk);
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    const auto bad_length = co_await error_of(c.async_getresponse());
    CHECK(bad_length == httpc::error::bad_content_length);
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    const auto coding = co_await error_of(c.async_getresponse());
    CHECK(coding == httpc::error::unknown_transfer_encoding);
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 3);
}

TEST_CASE("framing: chunked and Content-Length together: chunked wins, then the connection ends") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n" + chunked("chunked wins", 5)),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    CHECK(r.framing() == httpc::body_framing::chunked);
    const std::string body = co_await r.async_read_all();
    CHECK(body == "chunked wins");
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 1);
}

TEST_CASE("errors: connection refused") {
  const std::uint16_t port = httpc::test::refused_port();
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    const std::error_code ec = co_await error_of(c.async_connect("127.0.0.1", port));
    CHECK(ec == std::errc::connection_refused);
    CHECK_FALSE(c.is_open());
    const auto after = co_await error_of(c.async_request("GET", "/"));
    CHECK(after == httpc::error::not_connected);
  });
}

TEST_CASE("errors: a response whose connection closed before its end never reads as complete") {
  script_server server;
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  server.on_connection({step::read_request(), step::send(head + "0123456789"), step::stall(3s)});
  server.on_connection({step::read_request(), step::send(head + "0123456789"), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    std::array<char, 64> buffer{};

    // The caller closes the connection between two reads of the body.
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const std::size_t first = co_await r.async_read_some(asio::buffer(buffer));
    CHECK(first == 10);
    c.close();
    std::size_t n = 0;
    const auto after_close = co_await error_of([&]() -> asio::awaitable<void> {
      n = co_await r.async_read_some(asio::buffer(buffer));
    }());
    CHECK_MESSAGE(after_close, "async_read_some returned " << n << " (the end of the body) "
                               "after close(); 90 body bytes were never received");
    const auto read_all_after_close = co_await error_of(r.async_read_all());
    CHECK(read_all_after_close);
    CHECK_FALSE(r.done());

    // After incomplete_body, a later read does not report the end either.
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r2 = co_await c.async_getresponse();
    const auto failed = co_await error_of(r2.async_read_all());
    CHECK(failed == httpc::error::incomplete_body);
    const auto again = co_await error_of([&]() -> asio::awaitable<void> {
      n = co_await r2.async_read_some(asio::buffer(buffer));
    }());
    CHECK_MESSAGE(again, "async_read_some returned " << n << " after incomplete_body");
  });
}

TEST_CASE("errors: an absurd Content-Length is an error code, not an allocation failure") {
  script_server server;
  // 9e18 bytes: more than std::string can hold. The server sends 3 bytes.
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 9000000000000000000\r\n\r\nabc"),
                        step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    CHECK(r.content_length() == 9000000000000000000ULL);
    std::error_code ec;
    std::string other;
    try {
      co_await r.async_read_all();
    } catch (const std::system_error& e) {
      ec = e.code();
    } catch (const std::exception& e) {
      other = e.what();
    }
    CHECK_MESSAGE(other.empty(), "async_read_all threw a non-system_error: " << other);
    CHECK(ec == httpc::error::incomplete_body);
  });
}

TEST_CASE("timeouts: connect_timeout bounds the TLS handshake") {
  script_server server;  // plain TCP: it never answers the ClientHello
  server.on_connection({step::stall(3s)});
  asio::ssl::context context(asio::ssl::context::tls_client);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.connect_timeout = 300ms;
    httpc::tls_connection c(co_await asio::this_coro::executor, context, options);
    const auto start = steady::now();
    const auto ec = co_await error_of(c.async_connect("localhost", server.port()));
    const auto elapsed = steady::now() - start;
    CHECK(ec == std::errc::timed_out);
    CHECK(elapsed >= 290ms);
    CHECK(elapsed < 2s);
    CHECK_FALSE(c.is_open());
  });
}

// ============================================================================
// Timeouts
// ============================================================================

TEST_CASE("timeouts: read_timeout, waiting for the head and inside the body") {
  script_server server;
  server.on_connection({step::read_request(), step::stall(3s)});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"),
                        step::stall(3s)});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"),
                        step::stall(3s)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.read_timeout = 200ms;
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto start = steady::now();
    const auto ec1 = co_await error_of(c.async_getresponse());
    CHECK(ec1 == std::errc::timed_out);
    auto elapsed = steady::now() - start;
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 2s);
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    start = steady::now();
    const auto ec2 = co_await error_of(r.async_read_all());
    CHECK(ec2 == std::errc::timed_out);
    elapsed = steady::now() - start;
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 2s);
    CHECK_FALSE(c.is_open());

    // Inside the body, with a buffer large enough for a direct read.
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r2 = co_await c.async_getresponse();
    std::vector<char> large(65536);
    start = steady::now();
    const auto direct = co_await error_of(r2.async_read_some(asio::buffer(large)));
    CHECK(direct == std::errc::timed_out);
    elapsed = steady::now() - start;
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 2s);
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("timeouts: a timer that expires as the read completes does not outlive its connection") {
  // The read completes and the connection is destroyed in the same turn of
  // the io_context as the one that finds the read timer expired: the timer's
  // handler, already queued, must not touch the connection. The io_context
  // is held up by a sleeping handler while the data arrives and the timer
  // expires, so both complete in one poll: the read first. (A use after
  // free here shows under the asan preset.)
  script_server server;
  for (int i = 0; i < 3; ++i)
    server.on_connection({step::read_request(), step::delay(20ms), step::send(with_length("hi")),
                          step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    for (int i = 0; i < 3; ++i) {
      httpc::connection_options options;
      options.read_timeout = 50ms;
      auto c = std::make_unique<httpc::connection>(executor, options);
      co_await c->async_connect("127.0.0.1", server.port());
      co_await c->async_request("GET", "/");
      asio::post(executor, [] { std::this_thread::sleep_for(150ms); });
      auto r = co_await c->async_getresponse();
      const std::string body = co_await r.async_read_all();
      CHECK(body == "hi");
      c.reset();
      co_await sleep_for(20ms);  // the timer's handler runs meanwhile
    }
  });
  check_server(server, 3);
}

TEST_CASE("timeouts: read_timeout is an idle time: a slow but steady body is fine") {
  script_server server;
  const std::string body(20, 'x');
  server.on_connection({step::read_request(), step::send_pieces_of(with_length(body), 10, 60ms),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.read_timeout = 200ms;  // the whole response takes longer
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const auto body = co_await r.async_read_all();
    CHECK(body == body);
  });
  check_server(server, 1);
}

TEST_CASE("timeouts: request_timeout bounds the whole head, however steady") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send_pieces_of(with_length("late"), 2, 40ms),  // ~0.9 s in all
                        step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.read_timeout = 1s;
    options.request_timeout = 300ms;
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("127.0.0.1", server.port());
    const auto start = steady::now();
    co_await c.async_request("GET", "/");
    const auto ec = co_await error_of(c.async_getresponse());
    CHECK(ec == std::errc::timed_out);
    const auto elapsed = steady::now() - start;
    CHECK(elapsed >= 290ms);
    CHECK(elapsed < 2s);
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("timeouts: write_timeout when the server reads nothing") {
  script_server server;
  server.on_connection({step::stall(3s)});
  const std::string huge(64 * 1024 * 1024, 'x');  // more than the socket buffers hold
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.write_timeout = 300ms;
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("127.0.0.1", server.port());
    const auto start = steady::now();
    const auto ec = co_await error_of(c.async_request("POST", "/", huge));
    CHECK(ec == std::errc::timed_out);
    const auto elapsed = steady::now() - start;
    CHECK(elapsed >= 290ms);
    CHECK(elapsed < 3s);
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("timeouts: connect_timeout against a listener whose backlog is full") {
  const httpc::test::unanswered_port unanswered;
  const std::uint16_t port = unanswered.port();
  asio::io_context io;
  bool finished = false;
  std::exception_ptr failure;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        httpc::connection_options options;
        options.connect_timeout = 300ms;
        httpc::connection c(co_await asio::this_coro::executor, options);
        const auto start = steady::now();
        const std::error_code ec = co_await error_of(c.async_connect("127.0.0.1", port));
        const auto elapsed = steady::now() - start;
        CHECK(ec == std::errc::timed_out);
        CHECK(elapsed >= 290ms);
        CHECK(elapsed < 2s);
        CHECK_FALSE(c.is_open());
      },
      [&](std::exception_ptr e) {
        finished = true;
        failure = e;
      });
  io.run_for(5s);
  REQUIRE(finished);
  if (failure) std::rethrow_exception(failure);
}

// ============================================================================
// Cancellation
// ============================================================================

TEST_CASE("cancellation: || with a timer, inside the body and waiting for the head") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"),
                        step::stall(1s)});
  server.on_connection({step::read_request(), step::stall(1s)});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\nabc"),
                        step::stall(1s)});
  server.on_connection({step::read_request(), step::send(with_length("again")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::connection c(executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    std::array<char, 64> buffer{};
    const auto n = co_await r.async_read_some(asio::buffer(buffer));
    CHECK(n == 3);

    std::error_code seen;
    auto read = [&]() -> asio::awaitable<std::size_t> {
      try {
        co_return co_await r.async_read_some(asio::buffer(buffer));
      } catch (const std::system_error& e) {
        seen = e.code();
        throw;
      }
    };
    asio::steady_timer timer(executor, 100ms);
    auto start = steady::now();
    auto result = co_await (read() || timer.async_wait(asio::use_awaitable));
    CHECK(result.index() == 1);
    CHECK(steady::now() - start < 1s);
    CHECK(seen == asio::error::operation_aborted);
    CHECK_FALSE(c.is_open());
    const auto ec = co_await error_of(c.async_request("GET", "/"));
    CHECK(ec == httpc::error::not_connected);

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    seen.clear();
    auto head = [&]() -> asio::awaitable<httpc::response> {
      try {
        co_return co_await c.async_getresponse();
      } catch (const std::system_error& e) {
        seen = e.code();
        throw;
      }
    };
    timer.expires_after(100ms);
    start = steady::now();
    auto result2 = co_await (head() || timer.async_wait(asio::use_awaitable));
    CHECK(result2.index() == 1);
    CHECK(steady::now() - start < 1s);
    CHECK(seen == asio::error::operation_aborted);
    CHECK_FALSE(c.is_open());

    // Inside a large body, with a buffer large enough for a direct read.
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r3 = co_await c.async_getresponse();
    std::vector<char> large(65536);
    const auto got_first = co_await r3.async_read_some(asio::buffer(large));
    CHECK(got_first == 3);
    seen.clear();
    auto read_large = [&]() -> asio::awaitable<std::size_t> {
      try {
        co_return co_await r3.async_read_some(asio::buffer(large));
      } catch (const std::system_error& e) {
        seen = e.code();
        throw;
      }
    };
    timer.expires_after(100ms);
    start = steady::now();
    auto result3 = co_await (read_large() || timer.async_wait(asio::use_awaitable));
    CHECK(result3.index() == 1);
    CHECK(steady::now() - start < 1s);
    CHECK(seen == asio::error::operation_aborted);
    CHECK_FALSE(c.is_open());

    // The connection object works again after a new connect.
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/again");
    auto r4 = co_await c.async_getresponse();
    const std::string again = co_await r4.async_read_all();
    CHECK(again == "again");
  });
  check_server(server, 4);
}

TEST_CASE("cancellation: a write that cannot finish") {
  script_server server;
  server.on_connection({step::stall(3s)});
  const std::string huge(64 * 1024 * 1024, 'x');
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::connection c(executor);
    co_await c.async_connect("127.0.0.1", server.port());
    std::error_code seen;
    auto send = [&]() -> asio::awaitable<void> {
      try {
        co_await c.async_request("POST", "/", huge);
      } catch (const std::system_error& e) {
        seen = e.code();
        throw;
      }
    };
    asio::steady_timer timer(executor, 200ms);
    const auto start = steady::now();
    auto result = co_await (send() || timer.async_wait(asio::use_awaitable));
    CHECK(result.index() == 1);
    CHECK(steady::now() - start < 2s);
    CHECK(seen == asio::error::operation_aborted);
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("cancellation: a cancellation slot on a callback gets operation_aborted") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
                        step::stall(3s)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    asio::cancellation_signal signal;
    std::optional<std::error_code> result;
    std::string got;
    r.async_read_all(asio::bind_cancellation_slot(
        signal.slot(), [&](std::error_code ec, std::string body) {
          result = ec;
          got = std::move(body);
        }));
    co_await sleep_for(100ms);
    CHECK_FALSE(result.has_value());
    signal.emit(asio::cancellation_type::terminal);
    for (int i = 0; i < 200 && !result; ++i) co_await sleep_for(5ms);
    REQUIRE(result.has_value());
    CHECK(*result == asio::error::operation_aborted);
    CHECK(got.empty());
    CHECK_FALSE(c.is_open());
  });
}

// ============================================================================
// Completion tokens
// ============================================================================

TEST_CASE("tokens: callbacks") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_chunks("by callback", 3)),
                        step::expect_close()});
  asio::io_context io;
  httpc::connection c(io.get_executor());
  httpc::response response;
  std::vector<std::string> steps;
  std::string body;
  c.async_connect("127.0.0.1", server.port(), [&](std::error_code ec) {
    steps.push_back("connect " + ec.message());
    c.async_request("GET", "/cb", [&](std::error_code ec2) {
      steps.push_back("request " + ec2.message());
      c.async_getresponse([&](std::error_code ec3, httpc::response r) {
        steps.push_back("getresponse " + ec3.message() + " " + std::to_string(r.status()));
        response = std::move(r);
        response.async_read_all([&](std::error_code ec4, std::string b) {
          steps.push_back("read_all " + ec4.message());
          body = std::move(b);
          c.close();
        });
      });
    });
  });
  io.run_for(5s);
  CHECK(steps == std::vector<std::string>{"connect Success", "request Success",
                                          "getresponse Success 200", "read_all Success"});
  CHECK(body == "by callback");
  // An error reaches the callback as its error_code.
  std::optional<std::error_code> refused;
  httpc::connection c2(io.get_executor());
  c2.async_connect("127.0.0.1", httpc::test::refused_port(),
                   [&](std::error_code ec) { refused = ec; });
  io.restart();
  io.run_for(5s);
  REQUIRE(refused.has_value());
  CHECK(*refused == std::errc::connection_refused);
  check_server(server, 1);
}

TEST_CASE("tokens: asio::use_future") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("by future")),
                        step::expect_close()});
  asio::io_context io;
  // Runs the io_context on this thread until the future is ready (bounded).
  auto wait = [&io](auto& future) {
    const auto until = steady::now() + 5s;
    while (future.wait_for(0s) != std::future_status::ready && steady::now() < until) {
      io.restart();
      io.run_one_for(10ms);
    }
    REQUIRE(future.wait_for(0s) == std::future_status::ready);
  };
  httpc::connection c(io.get_executor());
  std::future<void> connected = c.async_connect("127.0.0.1", server.port(), asio::use_future);
  wait(connected);
  connected.get();
  std::future<void> sent = c.async_request("GET", "/future", asio::use_future);
  wait(sent);
  sent.get();
  std::future<httpc::response> head = c.async_getresponse(asio::use_future);
  wait(head);
  httpc::response r = head.get();
  CHECK(r.status() == 200);
  std::future<std::string> body = r.async_read_all(asio::use_future);
  wait(body);
  CHECK(body.get() == "by future");
  // An error is the future's exception.
  std::array<char, 4> scratch{};
  std::future<std::size_t> after = r.async_read_some(asio::buffer(scratch), asio::use_future);
  wait(after);
  CHECK(after.get() == 0);
  c.close();
  httpc::connection c2(io.get_executor());
  std::future<void> refused =
      c2.async_connect("127.0.0.1", httpc::test::refused_port(), asio::use_future);
  wait(refused);
  std::error_code ec;
  try {
    refused.get();
  } catch (const std::system_error& e) {
    ec = e.code();
  }
  CHECK(ec == std::errc::connection_refused);
  io.restart();
  io.run_for(100ms);
  check_server(server, 1);
}

TEST_CASE("tokens: detail::use_error_codes, for httpc's own layers: errors as values, no exception") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    using httpc::detail::use_error_codes;
    httpc::connection c(co_await asio::this_coro::executor);
    const std::error_code refused =
        co_await c.async_connect("127.0.0.1", httpc::test::refused_port(), use_error_codes);
    CHECK(refused == std::errc::connection_refused);
    CHECK(co_await c.async_connect("127.0.0.1", server.port(), use_error_codes) == std::error_code{});
    CHECK(co_await c.async_request("GET", "/", use_error_codes) == std::error_code{});
    auto [head_error, r] = co_await c.async_getresponse(use_error_codes);
    CHECK_FALSE(head_error);
    CHECK(r.status() == 200);
    std::array<char, 4> piece{};
    auto [read_error, n] = co_await r.async_read_some(asio::buffer(piece), use_error_codes);
    CHECK_FALSE(read_error);
    CHECK(std::string_view(piece.data(), n) == std::string_view("short").substr(0, n));
    auto [body_error, rest] = co_await r.async_read_all(1024, use_error_codes);
    CHECK(body_error == httpc::error::incomplete_body);
    CHECK(rest.empty());
  });
  check_server(server, 1);
}

TEST_CASE("tokens: asio::experimental::deferred") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("deferred")),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    auto connect = c.async_connect("127.0.0.1", server.port(), asio::experimental::deferred);
    CHECK_FALSE(c.is_open());  // not started yet
    co_await std::move(connect)(asio::use_awaitable);
    CHECK(c.is_open());
    auto request = c.async_request("GET", "/deferred", asio::experimental::deferred);
    co_await sleep_for(50ms);
    CHECK(server.requests().empty());  // not sent before it is launched
    co_await std::move(request)(asio::use_awaitable);
    auto [ec, r] = co_await c.async_getresponse(asio::experimental::deferred)(
        asio::experimental::as_tuple(asio::use_awaitable));
    CHECK_FALSE(ec);
    CHECK(r.status() == 200);
    std::optional<std::string> body;
    r.async_read_all(asio::experimental::deferred)([&](std::error_code e, std::string b) {
      CHECK_FALSE(e);
      body = std::move(b);
    });
    for (int i = 0; i < 200 && !body; ++i) co_await sleep_for(5ms);
    CHECK(body == "deferred");
  });
  check_server(server, 1);
}

// ============================================================================
// The receive buffer, limits, addresses
// ============================================================================

namespace {

/// A head of `count` fields "X-Field-<i>: <size letters>", as field lines.
std::string many_fields(int count, std::size_t size) {
  std::string lines;
  for (int i = 0; i < count; ++i) {
    lines += "X-Field-" + std::to_string(i) + ": ";
    for (std::size_t j = 0; j < size; ++j)
      lines += static_cast<char>('a' + (static_cast<std::size_t>(i) + j) % 26);
    lines += "\r\n";
  }
  return lines;
}

std::string field_value(int i, std::size_t size) {
  std::string value;
  for (std::size_t j = 0; j < size; ++j)
    value += static_cast<char>('a' + (static_cast<std::size_t>(i) + j) % 26);
  return value;
}

}  // namespace

TEST_CASE("buffer: heads and trailers larger than the receive buffer, and a tiny buffer") {
  script_server server;
  // A 19 KB head (the buffer starts at 16 KiB), a chunked body whose 6 KB of
  // trailers arrive while the head still sits in the buffer.
  const std::string body = pattern(30000, 21);
  const std::string big = "HTTP/1.1 200 OK\r\n" + many_fields(60, 300) +
                          "Transfer-Encoding: chunked\r\n\r\n" +
                          chunked(body, 1000, many_fields(20, 300));
  const std::string small = with_length("small");
  for (int i = 0; i < 2; ++i) {
    server.on_connection({step::read_request(), step::send_pieces_of(big, 4000, 1ms),
                          step::read_request(), step::send(small),
                          step::read_request(), step::send(big + small),
                          step::read_request(),
                          step::expect_close()});
  }
  run_bounded([&]() -> asio::awaitable<void> {
    for (const std::size_t buffer_size : {std::size_t{16 * 1024}, std::size_t{16}}) {
      CAPTURE(buffer_size);
      httpc::connection_options options;
      options.receive_buffer_size = buffer_size;
      httpc::connection c(co_await asio::this_coro::executor, options);
      co_await c.async_connect("127.0.0.1", server.port());
      for (int round = 0; round < 2; ++round) {
        CAPTURE(round);
        co_await c.async_request("GET", "/big");
        auto r = co_await c.async_getresponse();
        CHECK(r.fields().size() == 61);
        const std::string got = co_await read_in_pieces(r, 700);
        const bool same = got == body;
        CHECK(same);
        // The head's views survive the body's reading (and any growth).
        int wrong = 0;
        for (int i = 0; i < 60; ++i) {
          if (r.header("x-field-" + std::to_string(i)) != field_value(i, 300)) ++wrong;
        }
        CHECK(wrong == 0);
        CHECK(r.trailers().size() == 20);
        CHECK(r.trailers().find("X-Field-19") == field_value(19, 300));
        co_await c.async_request("GET", "/small");
        auto r2 = co_await c.async_getresponse();
        const std::string got_small = co_await r2.async_read_all();
        CHECK(got_small == "small");
      }
      c.close();
    }
  }, 10s);
  check_server(server, 2);
}

TEST_CASE("limits: a too long line and too many fields are errors; 100 fields are fine") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send(with_length("ok", many_fields(99, 5))),  // and Content-Length
                        step::read_request(),
                        step::send(with_length("no", many_fields(100, 5))),
                        step::expect_close()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nX-Long: " + std::string(70000, 'x') +
                                   "\r\nContent-Length: 0\r\n\r\n"),
                        step::expect_close()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                   std::string(70000, '0') + "1\r\nx\r\n0\r\n\r\n"),
                        step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/100");
    auto r = co_await c.async_getresponse();
    CHECK(r.fields().size() == 100);
    const std::string ok = co_await r.async_read_all();
    CHECK(ok == "ok");
    co_await c.async_request("GET", "/101");
    const auto too_many = co_await error_of(c.async_getresponse());
    CHECK(too_many == httpc::error::too_many_headers);
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/long");
    const auto too_long = co_await error_of(c.async_getresponse());
    CHECK(too_long == httpc::error::line_too_long);
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/long-chunk-size");
    auto r3 = co_await c.async_getresponse();
    const auto chunk_line = co_await error_of(r3.async_read_all());
    CHECK(chunk_line == httpc::error::line_too_long);
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 3);
}

TEST_CASE("keep-alive: the start of the next response arrives with the previous one") {
  script_server server;
  const std::string second = with_chunks("second", 4, "X-T: 2\r\n");
  const std::string large = pattern(1024 * 1024, 23);
  // The first response and 10 bytes of the second in one write; the rest
  // after the second request.
  server.on_connection({step::read_request(), step::send(with_length("first") + second.substr(0, 10)),
                        step::read_request(), step::send(second.substr(10)),
                        step::expect_close()});
  // A large body and the whole next response in one write.
  server.on_connection({step::read_request(), step::send(with_length(large) + with_length("next")),
                        step::read_request(), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/1");
    auto r1 = co_await c.async_getresponse();
    co_await sleep_for(30ms);
    const std::string first = co_await r1.async_read_all();
    CHECK(first == "first");
    co_await c.async_request("GET", "/2");
    auto r2 = co_await c.async_getresponse();
    const std::string got2 = co_await r2.async_read_all();
    CHECK(got2 == "second");
    CHECK(r2.trailers().find("X-T") == "2");
    c.close();

    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/large");
    auto r3 = co_await c.async_getresponse();
    const bool same = co_await read_in_pieces(r3, 65536) == large;
    CHECK(same);
    co_await c.async_request("GET", "/next");
    auto r4 = co_await c.async_getresponse();
    const std::string next = co_await r4.async_read_all();
    CHECK(next == "next");
  });
  check_server(server, 2);
}

TEST_CASE("keep-alive: Connection: close ends the connection after a framed body") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send(with_length("bye", "Connection: close\r\n")), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    CHECK_FALSE(r.keep_alive());
    const std::string body = co_await r.async_read_all();
    CHECK(body == "bye");
    CHECK_FALSE(c.is_open());
    const auto after = co_await error_of(c.async_request("GET", "/"));
    CHECK(after == httpc::error::not_connected);
  });
  check_server(server, 1);
}

TEST_CASE("addresses: IPv6 loopback, with the Host field in brackets") {
  std::optional<script_server> server;
  try {
    httpc::test::server_options options;
    options.ipv6 = true;
    server.emplace(options);
  } catch (const std::system_error& e) {
    MESSAGE("no IPv6 loopback here (" << e.what() << "): test skipped");
    return;
  }
  server->on_connection({step::read_request(), step::send(with_length("v6")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("::1", server->port());
    CHECK(c.socket().remote_endpoint().address().is_v6());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const std::string body = co_await r.async_read_all();
    CHECK(body == "v6");
  });
  check_server(*server, 1);
  REQUIRE(server->requests().size() == 1);
  CHECK(server->requests()[0] == "GET / HTTP/1.1\r\nHost: [::1]:" + std::to_string(server->port()) +
                                     "\r\nAccept-Encoding: identity\r\n\r\n");
}

TEST_CASE("addresses: source_address binds the local end") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("bound")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.source_address = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("localhost", server.port());
    CHECK(c.socket().local_endpoint().address() == asio::ip::make_address("127.0.0.1"));
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const std::string body = co_await r.async_read_all();
    CHECK(body == "bound");
  });
  check_server(server, 1);
}

// ============================================================================
// TLS against the scripted server
// ============================================================================

namespace {

asio::ssl::context trusting(const std::string& cert_pem) {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.add_certificate_authority(asio::buffer(cert_pem));
  context.set_verify_mode(asio::ssl::verify_peer);
  return context;
}

bool is_verify_failure(const std::error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() &&
         ec.message().find("certificate verify failed") != std::string::npos;
}

}  // namespace

TEST_CASE("tls: a verified exchange, SNI and ALPN sent for a name") {
  const auto cert = httpc::test::make_self_signed("localhost");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  const std::string big = pattern(300000, 17);
  server.on_connection({step::read_request(), step::send(with_length("over tls")),
                        step::read_request(), step::send(with_chunks(big, 70000)),
                        step::expect_close()});
  auto context = trusting(cert.cert_pem);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    co_await c.async_connect("localhost", server.port());
    co_await c.async_request("GET", "/tls");
    auto r = co_await c.async_getresponse();
    const auto body = co_await r.async_read_all();
    CHECK(body == "over tls");
    co_await c.async_request("GET", "/big");
    httpc::tls_response r2 = co_await c.async_getresponse();
    const bool same = co_await read_in_pieces(r2, 65536) == big;
    CHECK(same);
  });
  check_server(server, 1);
  const auto handshakes = server.handshakes();
  REQUIRE(handshakes.size() == 1);
  CHECK(handshakes[0].server_name == "localhost");
  CHECK(handshakes[0].alpn == "http/1.1");
  REQUIRE(server.requests().size() == 2);
  CHECK(server.requests()[0] == "GET /tls HTTP/1.1\r\nHost: localhost:" +
                                    std::to_string(server.port()) +
                                    "\r\nAccept-Encoding: identity\r\n\r\n");
}

TEST_CASE("tls: an address literal is verified against the IP entry, without SNI") {
  const auto cert = httpc::test::make_self_signed("127.0.0.1");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  server.on_connection({step::read_request(), step::send(with_length("ip")), step::expect_close()});
  auto context = trusting(cert.cert_pem);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const auto body = co_await r.async_read_all();
    CHECK(body == "ip");
  });
  check_server(server, 1);
  REQUIRE(server.handshakes().size() == 1);
  CHECK(server.handshakes()[0].server_name.empty());
}

TEST_CASE("tls: a certificate for another name fails verification") {
  const auto cert = httpc::test::make_self_signed("wrong.example");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  auto context = trusting(cert.cert_pem);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    const std::error_code ec = co_await error_of(c.async_connect("localhost", server.port()));
    CHECK_MESSAGE(is_verify_failure(ec), ec.category().name() << ": " << ec.message());
    CHECK_FALSE(c.is_open());
  });
  CHECK(server.wait_for_finished(1, 3s));
}

TEST_CASE("tls: an until-close body ended without close_notify is incomplete_body") {
  const auto cert = httpc::test::make_self_signed("localhost");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  const std::string head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
  server.on_connection({step::read_request(), step::send(head + "complete"), step::close()});
  server.on_connection({step::read_request(), step::send(head + "truncated"), step::truncate()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"),
                        step::truncate()});
  server.on_connection({step::read_request(), step::send(head), step::delay(50ms),
                        step::send("truncated, read directly"), step::truncate()});
  auto context = trusting(cert.cert_pem);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    co_await c.async_connect("localhost", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const auto body = co_await r.async_read_all();
    CHECK(body == "complete");  // close_notify: the body is whole
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("localhost", server.port());
    co_await c.async_request("GET", "/");
    auto r2 = co_await c.async_getresponse();
    const auto ec1 = co_await error_of(r2.async_read_all());
    CHECK(ec1 == httpc::error::incomplete_body);
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("localhost", server.port());
    co_await c.async_request("GET", "/");
    auto r3 = co_await c.async_getresponse();
    const auto ec2 = co_await error_of(read_in_pieces(r3, 1000));
    CHECK(ec2 == httpc::error::incomplete_body);

    co_await c.async_connect("localhost", server.port());
    co_await c.async_request("GET", "/");
    auto r4 = co_await c.async_getresponse();
    const auto direct = co_await error_of(read_in_pieces(r4, 65536));
    CHECK(direct == httpc::error::incomplete_body);
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 4);
}

TEST_CASE("tls: timeouts, cancellation and Expect: 100-continue over TLS") {
  const auto cert = httpc::test::make_self_signed("localhost");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  // No 100 Continue: the body goes after the wait, on a stream whose read was
  // cancelled by the wait's timer.
  server.on_connection({step::read_request(), step::send(with_length("continued")),
                        step::read_request(), step::send(with_length("again")),
                        step::expect_close()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"),
                        step::stall(1s)});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"),
                        step::stall(1s)});
  auto context = trusting(cert.cert_pem);
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::connection_options options;
    options.expect_continue_timeout = 150ms;
    options.read_timeout = 200ms;
    httpc::tls_connection c(executor, context, options);
    co_await c.async_connect("localhost", server.port());
    const httpc::Headers expect = {{"Expect", "100-continue"}};
    co_await c.async_request("PUT", "/up", "hello", expect);
    auto r1 = co_await c.async_getresponse();
    const std::string continued = co_await r1.async_read_all();
    CHECK(continued == "continued");
    co_await c.async_request("GET", "/again");
    auto r2 = co_await c.async_getresponse();
    const std::string again = co_await r2.async_read_all();
    CHECK(again == "again");

    co_await c.async_connect("localhost", server.port());
    co_await c.async_request("GET", "/");
    auto r3 = co_await c.async_getresponse();
    auto start = steady::now();
    const auto timed_out = co_await error_of(r3.async_read_all());
    CHECK(timed_out == std::errc::timed_out);
    CHECK(steady::now() - start < 2s);
    CHECK_FALSE(c.is_open());

    co_await c.async_connect("localhost", server.port());
    co_await c.async_request("GET", "/");
    auto r4 = co_await c.async_getresponse();
    std::array<char, 2> two{};
    const std::size_t first = co_await r4.async_read_some(asio::buffer(two));
    CHECK(first == 2);
    std::error_code seen;
    auto read = [&]() -> asio::awaitable<std::size_t> {
      try {
        co_return co_await r4.async_read_some(asio::buffer(two));
      } catch (const std::system_error& e) {
        seen = e.code();
        throw;
      }
    };
    asio::steady_timer timer(executor, 50ms);
    auto result = co_await (read() || timer.async_wait(asio::use_awaitable));
    CHECK(result.index() == 1);
    CHECK(seen == asio::error::operation_aborted);
    CHECK_FALSE(c.is_open());
  });
  CHECK(server.wait_for_finished(3, 3s));
  const auto requests = server.requests();
  REQUIRE(requests.size() >= 2);
  CHECK(requests[0].ends_with("Expect: 100-continue\r\n\r\nhello"));
  CHECK(requests[1] == "GET /again HTTP/1.1\r\nHost: localhost:" + std::to_string(server.port()) +
                           "\r\nAccept-Encoding: identity\r\n\r\n");
}

TEST_CASE("tls: a large body each way, in records of many sizes, byte-exact") {
  const auto cert = httpc::test::make_self_signed("localhost");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  // More than one encryption slice (64 KiB) and than a socket's send buffer
  // takes at once, so records wait for the socket; the answer comes in
  // records of 7000, then 1 byte each.
  const std::string upload = pattern(3 * 1024 * 1024, 5);
  const std::string download = pattern(1024 * 1024, 6);
  server.on_connection({step::read_request(), step::send_pieces_of(with_length(download), 7000, 0ms),
                        step::read_request(), step::send_pieces_of(with_length("tiny records"), 1, 0ms),
                        step::expect_close()});
  auto context = trusting(cert.cert_pem);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    co_await c.async_connect("localhost", server.port());
    co_await c.async_request("PUT", "/upload", httpc::request_body(upload));
    auto r = co_await c.async_getresponse();
    const bool same = co_await read_in_pieces(r, 65536) == download;  // straight into the caller's buffer
    CHECK(same);
    co_await c.async_request("GET", "/small");
    auto r2 = co_await c.async_getresponse();
    CHECK(co_await r2.async_read_all() == "tiny records");
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  const std::string& received = requests[0];
  const bool body_intact = received.size() > upload.size() &&
                           received.compare(received.size() - upload.size(), upload.size(), upload) == 0;
  CHECK(body_intact);
}

namespace {

// Counts TLS 1.3 KeyUpdate messages a context's connections send and receive.
struct key_updates {
  int sent = 0;
  int received = 0;

  void watch(asio::ssl::context& context) {
    SSL_CTX_set_msg_callback_arg(context.native_handle(), this);
    SSL_CTX_set_msg_callback(context.native_handle(), [](int write_p, int, int content_type,
                                                         const void* message, std::size_t size,
                                                         SSL*, void* self) {
      if (content_type != SSL3_RT_HANDSHAKE || size == 0 ||
          *static_cast<const unsigned char*>(message) != SSL3_MT_KEY_UPDATE)
        return;
      auto& counts = *static_cast<key_updates*>(self);
      ++(write_p != 0 ? counts.sent : counts.received);
    });
  }
};

}  // namespace

TEST_CASE("tls: a server's key update is answered, and requests go on") {
  const auto cert = httpc::test::make_self_signed("localhost");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  server.on_connection({step::read_request(), step::key_update(), step::send(with_length("one")),
                        step::read_request(), step::key_update(), step::send(with_length("two")),
                        step::read_request(), step::send(with_length("three")), step::expect_close()});
  auto context = trusting(cert.cert_pem);
  key_updates updates;
  updates.watch(context);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    co_await c.async_connect("localhost", server.port());
    for (const std::string_view expected : {"one", "two", "three"}) {
      co_await c.async_request("GET", "/");
      auto r = co_await c.async_getresponse();
      CHECK(co_await r.async_read_all() == expected);
    }
  });
  check_server(server, 1);
  CHECK(updates.received == 2);
  CHECK(updates.sent == 2);  // each answered, as RFC 8446 §4.6.3 asks
  CHECK(server.requests().size() == 3);
}

TEST_CASE("tls: a server that does not speak TLS fails the handshake") {
  script_server server;  // plain TCP
  server.on_connection({step::read_bytes(1), step::close()});
  server.on_connection({step::read_bytes(1), step::send(with_length("not tls")), step::close()});
  const auto cert = httpc::test::make_self_signed("localhost");
  auto context = trusting(cert.cert_pem);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    const std::error_code closed = co_await error_of(c.async_connect("localhost", server.port()));
    CHECK(closed == asio::ssl::error::stream_truncated);
    CHECK_FALSE(c.is_open());
    const std::error_code http = co_await error_of(c.async_connect("localhost", server.port()));
    CHECK_MESSAGE(http.category() == asio::error::get_ssl_category(), http.message());
    CHECK_FALSE(c.is_open());
  });
  REQUIRE(server.wait_for_finished(2, 3s));
}

// ============================================================================
// nginx
// ============================================================================

namespace {

struct expected_body {
  std::string path;
  const std::string* body;
};

}  // namespace

TEST_CASE("nginx: 2000 requests over 4 keep-alive connections, byte-exact bodies") {
  namespace nginx = httpc::test;
  const std::uint16_t port = nginx::nginx_http_port();
  const std::string small(nginx::nginx_small_body);
  const std::string k64 = nginx::nginx_file("64k");
  const std::string m16 = nginx::nginx_file("16m");
  const std::string chunked_body = nginx::nginx_chunked_body();
  const std::vector<expected_body> common = {
      {"/small", &small}, {"/64k", &k64}, {"/chunked", &chunked_body},
      {"/chunked/64k", &k64}, {"/small", &small},
  };
  constexpr int workers = 4;
  constexpr int per_worker = 500;
  int completed = 0;
  int mismatches = 0;
  int reconnects = 0;
  auto worker = [&](int id) -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", port);
    const auto local = c.socket().local_endpoint();
    for (int i = 0; i < per_worker; ++i) {
      expected_body e = common[static_cast<std::size_t>(i) % common.size()];
      if (i == 100 + id) e = {"/16m", &m16};
      if (i == 300 + id) e = {"/chunked/16m", &m16};
      co_await c.async_request("GET", e.path);
      auto r = co_await c.async_getresponse();
      if (r.status() != 200) ++mismatches;
      std::string body;
      switch ((i / static_cast<int>(common.size())) % 3) {
        case 0: body = co_await r.async_read_all(); break;
        case 1: body = co_await read_in_pieces(r, 16384); break;
        default: body = co_await read_views(r); break;
      }
      if (body != *e.body) {
        ++mismatches;
        MESSAGE("worker " << id << " request " << i << " " << e.path << ": " << body.size()
                          << " bytes, expected " << e.body->size());
      }
      if (!c.is_idle() || c.socket().local_endpoint() != local) ++reconnects;
      ++completed;
    }
  };
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    int running = workers;
    std::exception_ptr first_failure;
    for (int id = 0; id < workers; ++id) {
      asio::co_spawn(executor, worker(id), [&](std::exception_ptr e) {
        if (e && !first_failure) first_failure = e;
        --running;
      });
    }
    while (running > 0) co_await sleep_for(5ms);
    if (first_failure) std::rethrow_exception(first_failure);
  }, 25s);
  CHECK(completed == workers * per_worker);
  CHECK(mismatches == 0);
  CHECK(reconnects == 0);
}

TEST_CASE("nginx: request bodies echoed, HEAD, the request head as received") {
  namespace nginx = httpc::test;
  const std::uint16_t port = nginx::nginx_http_port();
  const std::string mib = pattern(1024 * 1024, 29);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", port);
    const auto local = c.socket().local_endpoint();

    co_await c.async_request("POST", "/echo", mib);
    auto r1 = co_await c.async_getresponse();
    bool same = co_await r1.async_read_all() == mib;
    CHECK(same);

    auto at = std::make_shared<std::size_t>(0);
    httpc::request_body::source pieces = [&mib, at]() -> asio::awaitable<std::optional<std::string>> {
      if (*at == mib.size()) co_return std::nullopt;
      const std::size_t n = std::min<std::size_t>(100000, mib.size() - *at);
      std::string piece = mib.substr(*at, n);
      *at += n;
      co_return piece;
    };
    co_await c.async_request("POST", "/echo", std::move(pieces));
    auto r2 = co_await c.async_getresponse();
    same = co_await read_in_pieces(r2, 65536) == mib;
    CHECK(same);

    const httpc::Headers expect = {{"Expect", "100-continue"}};
    co_await c.async_request("POST", "/echo", "with expect", expect);
    auto r3 = co_await c.async_getresponse();
    CHECK(r3.status() == 200);
    const std::string expected = co_await r3.async_read_all();
    CHECK(expected == "with expect");

    co_await c.async_request("HEAD", "/16m");
    auto r4 = co_await c.async_getresponse();
    CHECK(r4.header("Content-Length") == "16777216");
    const std::string nothing = co_await r4.async_read_all();
    CHECK(nothing.empty());

    co_await c.async_request("GET", "/status/204");
    auto r5 = co_await c.async_getresponse();
    CHECK(r5.status() == 204);
    co_await r5.async_discard();

    co_await c.async_request("GET", "/headers");
    auto r6 = co_await c.async_getresponse();
    const std::string head = co_await r6.async_read_all();
    CHECK(head.find("GET /headers HTTP/1.1\r\n") == 0);
    CHECK(head.find("Host: 127.0.0.1:" + std::to_string(port) + "\r\n") != std::string::npos);
    CHECK(head.find("Accept-Encoding: identity\r\n") != std::string::npos);
    CHECK(c.socket().local_endpoint() == local);

    co_await c.async_request("GET", "/close");
    auto r7 = co_await c.async_getresponse();
    const std::string closing = co_await r7.async_read_all();
    CHECK(closing == nginx::nginx_small_body);
    CHECK_FALSE(c.is_open());
  }, 10s);
}

TEST_CASE("nginx: HTTPS with verification, keep-alive, every framing") {
  namespace nginx = httpc::test;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(nginx::test_ca());
  context.set_verify_mode(asio::ssl::verify_peer);
  const std::string k64 = nginx::nginx_file("64k");
  const std::string m16 = nginx::nginx_file("16m");
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    co_await c.async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    const auto local = c.socket().local_endpoint();
    co_await c.async_request("GET", "/small");
    auto r1 = co_await c.async_getresponse();
    const auto body1 = co_await r1.async_read_all();
    CHECK(body1 == nginx::nginx_small_body);
    co_await c.async_request("GET", "/chunked");
    auto r2 = co_await c.async_getresponse();
    const auto body2 = co_await read_views(r2);
    CHECK(body2 == nginx::nginx_chunked_body());
    co_await c.async_request("GET", "/64k");
    auto r3 = co_await c.async_getresponse();
    bool same = co_await read_in_pieces(r3, 10000) == k64;
    CHECK(same);
    co_await c.async_request("GET", "/16m");
    auto r4 = co_await c.async_getresponse();
    same = co_await r4.async_read_all() == m16;
    CHECK(same);
    co_await c.async_request("POST", "/echo", "echo over tls");
    auto r5 = co_await c.async_getresponse();
    const auto body3 = co_await r5.async_read_all();
    CHECK(body3 == "echo over tls");
    co_await c.async_request("GET", "/status/404");
    auto r6 = co_await c.async_getresponse();
    CHECK(r6.status() == 404);
    co_await r6.async_discard();
    CHECK(c.socket().local_endpoint() == local);
    co_await c.async_request("GET", "/until-close");
    auto r7 = co_await c.async_getresponse();
    const auto body4 = co_await r7.async_read_all();
    CHECK(body4 == nginx::nginx_until_close_body);
    CHECK_FALSE(c.is_open());
  }, 10s);
}

TEST_CASE("nginx: a host name not in the certificate fails verification") {
  namespace nginx = httpc::test;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(nginx::test_ca());
  context.set_verify_mode(asio::ssl::verify_peer);
  // "127.1" resolves to 127.0.0.1 (inet_aton's short form) but is no
  // address literal to asio, so the core verifies it as a DNS name, which
  // the certificate (localhost, 127.0.0.1, ::1) does not hold.
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    const std::error_code ec = co_await error_of(c.async_connect("127.1", nginx::nginx_https_port()));
    CHECK_MESSAGE(is_verify_failure(ec), ec.category().name() << ": " << ec.message());
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("nginx: a certificate from an untrusted CA fails verification") {
  namespace nginx = httpc::test;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(nginx::test_ca());
  context.set_verify_mode(asio::ssl::verify_peer);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    const std::error_code ec =
        co_await error_of(c.async_connect(nginx::nginx_tls_host, nginx::nginx_untrusted_port()));
    CHECK_MESSAGE(is_verify_failure(ec), ec.category().name() << ": " << ec.message());
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("nginx: a client certificate on the mTLS port") {
  namespace nginx = httpc::test;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(nginx::test_ca());
  context.set_verify_mode(asio::ssl::verify_peer);
  context.use_certificate_chain_file(nginx::test_client_cert());
  context.use_private_key_file(nginx::test_client_key(), asio::ssl::context::pem);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    co_await c.async_connect(nginx::nginx_tls_host, nginx::nginx_mtls_port());
    co_await c.async_request("GET", "/client-cert");
    auto r = co_await c.async_getresponse();
    CHECK(r.status() == 200);
    const std::string body = co_await r.async_read_all();
    CHECK(body.starts_with("SUCCESS "));
  });
}

// ============================================================================
// TLS session resumption against nginx (tickets; session IDs from its cache)
// ============================================================================

namespace {

asio::ssl::context nginx_context() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(httpc::test::test_ca());
  context.set_verify_mode(asio::ssl::verify_peer);
  return context;
}

// One GET of /small on `c`, its body read: a TLS 1.3 ticket comes before it.
asio::awaitable<std::string> get_small(httpc::tls_connection& c) {
  co_await c.async_request("GET", "/small");
  auto r = co_await c.async_getresponse();
  co_return co_await r.async_read_all();
}

}  // namespace

TEST_CASE("tls sessions: a TLS 1.3 ticket, there once a response was read, resumes the next connection") {
  namespace nginx = httpc::test;
  auto context = nginx_context();
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::tls_connection first(executor, context);
    CHECK_FALSE(first.tls_session());
    co_await first.async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    CHECK(SSL_version(first.stream().native_handle()) == TLS1_3_VERSION);
    CHECK_FALSE(first.tls_session_reused());
    CHECK_FALSE(first.tls_session());  // the ticket comes after the handshake
    CHECK(co_await get_small(first) == nginx::nginx_small_body);
    const httpc::tls_session session = first.tls_session();
    REQUIRE(session);
    CHECK(SSL_SESSION_has_ticket(session.native_handle()) == 1);

    httpc::tls_connection second(executor, context);
    second.set_tls_session(session);
    co_await second.async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    CHECK(second.tls_session_reused());
    CHECK(co_await get_small(second) == nginx::nginx_small_body);
    // Offered to one connect only.
    co_await second.async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    CHECK_FALSE(second.tls_session_reused());
  });
}

TEST_CASE("tls sessions: a TLS 1.2 session ID, there after the handshake, resumes the next connection") {
  namespace nginx = httpc::test;
  auto context = nginx_context();
  SSL_CTX_set_max_proto_version(context.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(context.native_handle(), SSL_OP_NO_TICKET);  // nginx's session cache instead
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    auto first = std::make_unique<httpc::tls_connection>(executor, context);
    co_await first->async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    CHECK(SSL_version(first->stream().native_handle()) == TLS1_2_VERSION);
    CHECK_FALSE(first->tls_session_reused());
    const httpc::tls_session session = first->tls_session();
    REQUIRE(session);
    unsigned int id_length = 0;
    SSL_SESSION_get_id(session.native_handle(), &id_length);
    CHECK(id_length > 0);
    CHECK(SSL_SESSION_has_ticket(session.native_handle()) == 0);
    // Gone without a close_notify: the session still resumes (RFC 5246
    // §7.2.1), though OpenSSL's default is TLS 1.0's rule.
    first.reset();
    CHECK(SSL_SESSION_is_resumable(session.native_handle()) == 1);

    httpc::tls_connection second(executor, context);
    second.set_tls_session(session);
    co_await second.async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    CHECK(second.tls_session_reused());
    CHECK(co_await get_small(second) == nginx::nginx_small_body);
  });
}

TEST_CASE("tls sessions: a session offered for a name its certificate lacks fails verification") {
  namespace nginx = httpc::test;
  auto context = nginx_context();
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::tls_connection first(executor, context);
    co_await first.async_connect(nginx::nginx_tls_host, nginx::nginx_https_port());
    (void)co_await get_small(first);
    const httpc::tls_session session = first.tls_session();
    REQUIRE(session);
    // "127.1" reaches the same nginx under a name its certificate does not
    // hold (see "a host name not in the certificate fails verification").
    // The server resumes the session, whose stored verify result is good:
    // only the core's own check of the name refuses it.
    httpc::tls_connection second(executor, context);
    second.set_tls_session(session);
    const std::error_code ec = co_await error_of(second.async_connect("127.1", nginx::nginx_https_port()));
    CHECK(second.tls_session_reused());
    CHECK_MESSAGE(is_verify_failure(ec), ec.category().name() << ": " << ec.message());
    CHECK_FALSE(second.is_open());
  });
}

namespace {

constexpr auto tunnel_result = asio::experimental::as_tuple(asio::use_awaitable);

// Bytes from one socket to the other until the end of `from`, then the end
// passed on.
asio::awaitable<void> pump(asio::ip::tcp::socket& from, asio::ip::tcp::socket& to) {
  std::array<char, 16384> buffer;
  for (;;) {
    auto [read_error, n] = co_await from.async_read_some(asio::buffer(buffer), tunnel_result);
    if (read_error) break;
    auto [write_error, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), n), tunnel_result);
    if (write_error) break;
  }
  std::error_code ignored;
  to.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

// A CONNECT proxy for `connections` connections, one after another, each a
// tunnel to 127.0.0.1:`port` whatever it asks for.
asio::awaitable<void> relay_to(asio::ip::tcp::acceptor& acceptor, std::uint16_t port, int connections) {
  for (int i = 0; i < connections; ++i) {
    auto client = co_await acceptor.async_accept(asio::use_awaitable);
    std::string request;
    co_await asio::async_read_until(client, asio::dynamic_buffer(request), "\r\n\r\n", asio::use_awaitable);
    asio::ip::tcp::socket server(acceptor.get_executor());
    co_await server.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    co_await asio::async_write(client, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\n\r\n")),
                               asio::use_awaitable);
    co_await (pump(client, server) && pump(server, client));
  }
}

}  // namespace

TEST_CASE("tls sessions: offered and resumed through a proxy's tunnel too") {
  namespace nginx = httpc::test;
  auto context = nginx_context();
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::acceptor acceptor(executor, {asio::ip::make_address("127.0.0.1"), 0});
    const std::uint16_t proxy_port = acceptor.local_endpoint().port();
    asio::co_spawn(executor, relay_to(acceptor, nginx::nginx_https_port(), 2), asio::detached);
    httpc::tls_connection first(executor, context);
    co_await first.async_connect_tunnel("127.0.0.1", proxy_port, nginx::nginx_tls_host, 443);
    CHECK(co_await get_small(first) == nginx::nginx_small_body);
    CHECK_FALSE(first.tls_session_reused());
    const httpc::tls_session session = first.tls_session();
    REQUIRE(session);
    first.close();
    httpc::tls_connection second(executor, context);
    second.set_tls_session(session);
    co_await second.async_connect_tunnel("127.0.0.1", proxy_port, nginx::nginx_tls_host, 443);
    CHECK(second.tls_session_reused());
    CHECK(co_await get_small(second) == nginx::nginx_small_body);
  });
}

// ============================================================================
// Tunnels, caller-serialized heads, reuse checks
// ============================================================================

TEST_CASE("async_connect_tunnel: CONNECT, then requests to the target through the proxy") {
  script_server proxy;  // plays the proxy, then the target behind it
  proxy.on_connection({step::read_until("\r\n\r\n"),
                       step::send("HTTP/1.1 200 Connection established\r\n\r\n"),
                       step::read_request(),
                       step::send("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ntarget"), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    const httpc::Headers proxy_headers = {{"Proxy-Authorization", "Basic eDp5"}};
    co_await c.async_connect_tunnel("127.0.0.1", proxy.port(), "target.test", 8080, proxy_headers);
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const std::string body = co_await r.async_read_all();
    CHECK(body == "target");
  });
  REQUIRE(proxy.wait_for_requests(1, 2s));
  CHECK(proxy.reads()[0] == "CONNECT target.test:8080 HTTP/1.0\r\nProxy-Authorization: Basic eDp5\r\n\r\n");
  CHECK(proxy.requests()[0] == "GET / HTTP/1.1\r\nHost: target.test:8080\r\nAccept-Encoding: identity\r\n\r\n");
}

TEST_CASE("async_connect_tunnel: a refusal is tunnel_failed, with the proxy's status") {
  script_server proxy;
  proxy.on_connection({step::read_until("\r\n\r\n"),
                       step::send("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    const std::error_code ec = co_await error_of(c.async_connect_tunnel("127.0.0.1", proxy.port(), "x.test", 443));
    CHECK(ec == httpc::error::tunnel_failed);
    CHECK(c.tunnel_refusal() == "403 Forbidden");
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("async_send_head and async_send: a head the caller serialized, then its body") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    const std::string head = "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n";
    co_await c.async_send_head("PUT", head);
    const std::error_code twice = co_await error_of(c.async_send_head("PUT", head));
    CHECK(twice == httpc::error::cannot_send_request);
    co_await c.async_send("da");
    co_await c.async_send("ta");
    auto r = co_await c.async_getresponse();
    CHECK(r.status() == 201);
    CHECK(r.head() == "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
  });
  REQUIRE(server.wait_for_requests(1, 2s));
  CHECK(server.requests()[0] == "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\ndata");
}

TEST_CASE("is_reusable: an idle connection the server closed, or sent bytes on, is not") {
  script_server server;
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  server.on_connection({step::read_request(), step::send(ok), step::delay(300ms), step::close()});
  server.on_connection({step::read_request(), step::send(ok + "garbage"), step::delay(300ms), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    CHECK_FALSE(c.is_reusable());  // closed
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    (void)co_await r.async_read_all();
    CHECK(c.is_reusable());  // idle, and the server still holds it open
    co_await sleep_for(500ms);
    CHECK_FALSE(c.is_reusable());  // the server closed it meanwhile

    httpc::connection d(co_await asio::this_coro::executor);
    co_await d.async_connect("127.0.0.1", server.port());
    co_await d.async_request("GET", "/");
    auto r2 = co_await d.async_getresponse();
    (void)co_await r2.async_read_all();
    CHECK_FALSE(d.is_reusable());  // bytes nobody asked for are buffered
  });
}

TEST_CASE("is_reusable over TLS: the session tickets a TLS 1.3 server sends do not count") {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(httpc::test::test_ca());
  context.set_verify_mode(asio::ssl::verify_peer);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    co_await c.async_connect(httpc::test::nginx_tls_host, httpc::test::nginx_https_port());
    co_await c.async_request("GET", "/small");
    auto r = co_await c.async_getresponse();
    (void)co_await r.async_read_all();
    co_await sleep_for(100ms);  // the tickets have arrived by now
    CHECK(c.is_reusable());
    co_await c.async_request("GET", "/close");
    auto closing = co_await c.async_getresponse();
    (void)co_await closing.async_read_all();
    CHECK_FALSE(c.is_reusable());
  });
}

TEST_CASE("a Content-Length body is done with its last byte, buffered or read directly") {
  script_server server;
  const std::string big(8192, 'b');
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
                        step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 8192\r\n\r\n"),
                        step::delay(50ms), step::send(big), step::read_request(),
                        step::send("HTTP/1.1 204 No Content\r\n\r\n"), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/buffered");
    auto r1 = co_await c.async_getresponse();
    std::array<char, 5> small{};
    CHECK(co_await r1.async_read_some(asio::buffer(small)) == 5);
    CHECK(r1.done());
    CHECK(c.is_idle());  // ready for the next request without another read
    co_await c.async_request("GET", "/direct");
    auto r2 = co_await c.async_getresponse();
    std::string body(8192, '\0');
    std::size_t got = 0;
    while (!r2.done()) got += co_await r2.async_read_some(asio::buffer(body.data() + got, body.size() - got));
    CHECK(got == 8192);
    CHECK(body == big);
    CHECK(c.is_idle());
    co_await c.async_request("GET", "/last");
    auto r3 = co_await c.async_getresponse();
    CHECK(r3.status() == 204);
  });
}

// ============================================================================
// Safe defaults: what a hostile server or careless caller input cannot do
// ============================================================================

TEST_CASE("defaults: strict parsing, bounded connect and handshake, five interim responses") {
  const httpc::connection_options o;
  CHECK(o.parser.strict);
  CHECK(o.connect_timeout == 30s);
  CHECK(o.handshake_timeout == 10s);
  CHECK(o.max_interim_responses == 5);
  CHECK(o.verify_peer);
  CHECK(o.verify_host_name);
}

TEST_CASE("hostile: an SSH banner is bad_status_line, not an HTTP/0.9 body") {
  script_server server;
  server.on_connection({step::read_request(), step::send("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
                        step::stall(2s)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    const auto ec = co_await error_of(c.async_getresponse());
    CHECK(ec == httpc::error::bad_status_line);
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("hostile: interim responses past the limit are too_many_interim_responses") {
  const std::string processing = "HTTP/1.1 102 Processing\r\n\r\n";
  std::string five, six;
  for (int i = 0; i < 5; ++i) five += processing;
  six = five + processing;
  script_server server;
  server.on_connection({step::read_request(), step::send(five + with_length("done")),
                        step::read_request(), step::send(six), step::stall(2s)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/five");
    auto r = co_await c.async_getresponse();
    const std::string body = co_await r.async_read_all();
    CHECK(body == "done");
    co_await c.async_request("GET", "/six");
    const auto ec = co_await error_of(c.async_getresponse());
    CHECK(ec == httpc::error::too_many_interim_responses);
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("hostile: a server that never speaks TLS is cut off at handshake_timeout") {
  script_server server;  // plain TCP: the ClientHello goes unanswered
  server.on_connection({step::stall(3s)});
  asio::ssl::context context(asio::ssl::context::tls_client);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.handshake_timeout = 300ms;  // connect_timeout keeps its 30 s
    httpc::tls_connection c(co_await asio::this_coro::executor, context, options);
    const auto start = steady::now();
    const auto ec = co_await error_of(c.async_connect("localhost", server.port()));
    const auto elapsed = steady::now() - start;
    CHECK(ec == std::errc::timed_out);
    CHECK(elapsed < 2s);
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("hostile: views of the head stay valid while the body outgrows the receive buffer") {
  // A long chunk extension, or a long trailer section, makes the receive
  // buffer grow in the middle of the body. Under AddressSanitizer a view
  // into a buffer that moved is a heap-use-after-free.
  const std::string long_value(700, 'v');
  const std::string head = "HTTP/1.1 200 Fine Indeed\r\nX-Long: " + long_value +
                           "\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string extension = ";ext=" + std::string(20000, 'e');
  const std::string by_extension = head + "4" + extension + "\r\nbody\r\n0\r\n\r\n";
  const std::string by_trailers = head + "4\r\nbody\r\n0\r\nT: " + std::string(30000, 't') + "\r\n\r\n";
  script_server server;
  server.on_connection({step::read_request(), step::send(by_extension),
                        step::read_request(), step::send(by_trailers), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.receive_buffer_size = 1024;
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("127.0.0.1", server.port());
    for (const std::string& response : {by_extension, by_trailers}) {
      co_await c.async_request("GET", "/");
      auto r = co_await c.async_getresponse();
      const std::string_view reason = r.reason();
      const std::optional<std::string_view> value = r.header("X-Long");
      const std::string_view first_name = r.fields()[0].name;
      const std::string_view whole_head = r.head();
      const std::string body = co_await r.async_read_all();
      CHECK(body == "body");
      CHECK(reason == "Fine Indeed");
      CHECK(value == long_value);
      CHECK(first_name == "X-Long");
      CHECK(whole_head == head);
      CHECK(r.header("Transfer-Encoding") == "chunked");
      if (&response == &by_trailers) CHECK(r.trailers().find("T")->size() == 30000);
    }
  });
  check_server(server, 1);
}

TEST_CASE("hostile: an announced Content-Length is not allocated before the bytes come") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 62914560\r\n\r\n0123456789"),
                        step::stall(2s)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.read_timeout = 200ms;
    httpc::connection c(co_await asio::this_coro::executor, options);
    co_await c.async_connect("127.0.0.1", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const std::size_t before = allocation_counter::held;
    allocation_counter::reset_peak();
    const auto ec = co_await error_of(r.async_read_all());
    CHECK(ec == std::errc::timed_out);
    CHECK(allocation_counter::peak_since(before) < 1024 * 1024);
  });
}

TEST_CASE("hostile: a TLS record past the response keeps the connection from being reused") {
  const auto cert = httpc::test::make_self_signed("localhost");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  server.on_connection({step::read_request(), step::send(with_length("ok")),
                        step::send(with_length("EVIL")), step::stall(2s)});
  auto context = trusting(cert.cert_pem);
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context);
    co_await c.async_connect("localhost", server.port());
    co_await c.async_request("GET", "/");
    auto r = co_await c.async_getresponse();
    const std::string body = co_await r.async_read_all();
    CHECK(body == "ok");
    CHECK(c.is_idle());
    // The second record may still be on its way: it must be seen once it is here.
    bool reusable = true;
    for (int i = 0; i < 100 && reusable; ++i) {
      reusable = c.is_reusable();
      if (reusable) co_await sleep_for(10ms);
    }
    CHECK_FALSE(reusable);
  });
}

TEST_CASE("hostile: a CONNECT answered without a status line opens no tunnel, even when lenient") {
  script_server proxy;
  proxy.on_connection({step::read_until("\r\n\r\n"), step::send("garbage\r\n\r\n"), step::stall(2s)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options lenient;
    lenient.parser.strict = false;
    httpc::connection c(co_await asio::this_coro::executor, lenient);
    const auto ec = co_await error_of(c.async_connect_tunnel("127.0.0.1", proxy.port(), "x.test", 80));
    CHECK(ec == httpc::error::bad_status_line);
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("hostile: bytes sent along with a plain tunnel's 2xx are refused") {
  script_server proxy;
  proxy.on_connection({step::read_until("\r\n\r\n"),
                       step::send("HTTP/1.1 200 Connection established\r\n\r\n" + with_length("EVIL")),
                       step::stall(2s)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    const auto ec = co_await error_of(c.async_connect_tunnel("127.0.0.1", proxy.port(), "x.test", 80));
    CHECK(ec == httpc::error::tunnel_failed);
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("requests: caller framing that disagrees with the body is refused before a byte is sent") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("ok")),
                        step::read_request(), step::send(with_length("ok")), step::expect_close()});
  const std::string smuggling = "abcdGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    co_await c.async_connect("127.0.0.1", server.port());
    struct refused_case {
      const char* what;
      const char* method;
      std::optional<std::string> body;
      httpc::Headers headers;
    };
    const std::vector<refused_case> cases = {
        {"a length shorter than the body", "POST", smuggling, {{"Content-Length", "4"}}},
        {"a length longer than the body", "POST", "abcd", {{"Content-Length", "5"}}},
        {"a length beside Transfer-Encoding", "POST", "abcd",
         {{"Content-Length", "4"}, {"Transfer-Encoding", "chunked"}}},
        {"a coding other than chunked", "POST", "abcd", {{"Transfer-Encoding", "gzip, chunked"}}},
        {"chunked without a body", "GET", std::nullopt, {{"Transfer-Encoding", "chunked"}}},
        {"a length without a body", "GET", std::nullopt, {{"Content-Length", "5"}}},
        {"lengths that differ", "POST", "abcd", {{"Content-Length", "4"}, {"Content-Length", "5"}}},
        {"a length that is no number", "POST", "abcd", {{"Content-Length", "+4"}}},
    };
    for (const auto& one : cases) {
      CAPTURE(one.what);
      const httpc::request_body body = one.body ? httpc::request_body(*one.body) : httpc::request_body();
      const auto ec = co_await error_of(c.async_request(one.method, "/", body, one.headers));
      CHECK(ec == httpc::error::invalid_request_framing);
      CHECK(c.is_idle());
    }
    // What agrees goes out: the body's own length, and a caller's chunked,
    // which the core then encodes itself.
    const httpc::Headers equal = {{"Content-Length", "4"}};
    co_await c.async_request("POST", "/equal", "abcd", equal);
    auto r1 = co_await c.async_getresponse();
    co_await r1.async_discard();
    const httpc::Headers chunked_field = {{"Transfer-Encoding", "chunked"}};
    co_await c.async_request("POST", "/chunked", "hello", chunked_field);
    auto r2 = co_await c.async_getresponse();
    co_await r2.async_discard();
  });
  check_server(server, 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  const std::string host = "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n";
  CHECK(requests[0] == "POST /equal HTTP/1.1\r\n" + host +
                           "Accept-Encoding: identity\r\nContent-Length: 4\r\n\r\nabcd");
  CHECK(requests[1] == "POST /chunked HTTP/1.1\r\n" + host +
                           "Accept-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5\r\nhello\r\n0\r\n\r\n");
}

TEST_CASE("requests: a stream under the caller's Content-Length neither overruns nor falls short") {
  script_server server;
  server.on_connection({step::read_until("\r\n\r\n"), step::read_bytes(4), step::expect_close()});
  server.on_connection({step::read_until("\r\n\r\n"), step::read_bytes(3), step::expect_close()});
  auto make_source = [](std::vector<std::string> pieces) {
    auto state = std::make_shared<std::pair<std::vector<std::string>, std::size_t>>(std::move(pieces), 0);
    return httpc::request_body::source([state]() -> asio::awaitable<std::optional<std::string>> {
      if (state->second == state->first.size()) co_return std::nullopt;
      co_return state->first[state->second++];
    });
  };
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    const httpc::Headers six = {{"Content-Length", "6"}};
    co_await c.async_connect("127.0.0.1", server.port());
    auto longer = make_source(std::vector<std::string>{"abcd", "efgh"});
    const auto over = co_await error_of(c.async_request("PUT", "/", std::move(longer), six));
    CHECK(over == httpc::error::invalid_request_framing);
    CHECK_FALSE(c.is_open());
    co_await c.async_connect("127.0.0.1", server.port());
    auto shorter = make_source(std::vector<std::string>{"abc"});
    const auto under = co_await error_of(c.async_request("PUT", "/", std::move(shorter), six));
    CHECK(under == httpc::error::invalid_request_framing);
    CHECK_FALSE(c.is_open());
  });
  check_server(server, 2);
  const auto reads = server.reads();
  REQUIRE(reads.size() == 4);
  CHECK(reads[1] == "abcd");  // nothing of the piece that would overrun
  CHECK(reads[3] == "abc");
}
