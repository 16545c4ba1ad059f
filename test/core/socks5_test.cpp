// Tests of the core's SOCKS5 connect (async_connect_socks5, RFC 1928 and
// RFC 1929): the bytes on the wire and every way a proxy's answer can go
// wrong, with the scripted loopback server playing the proxy and then the
// target behind it; then a real microsocks (test/support/microsocks.hpp) to
// the nginx fixture, plain and TLS, with and without credentials.
//
// As in connection_test: no co_await inside doctest's macros (g++ 12).
#include "httpc/any_connection.hpp"
#include "httpc/connection.hpp"

#include "support/coroutines.hpp"
#include "support/microsocks.hpp"
#include "support/nginx.hpp"
#include "support/script_server.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <asio/ssl/context.hpp>
#include <asio/this_coro.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <system_error>

namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using httpc::test::error_of;
using httpc::test::microsocks;
using httpc::test::run_bounded;
using httpc::test::script_server;
using httpc::test::step;

const std::string no_auth_greeting = "\x05\x01\x00"s;
const std::string chose_no_auth = "\x05\x00"s;
// Succeeded, bound to 127.0.0.1:4660.
const std::string succeeded_v4 = "\x05\x00\x00\x01\x7f\x00\x00\x01\x12\x34"s;
const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ntarget";

// CONNECT to a name (ATYP 3), as the client writes it.
std::string connect_to_name(std::string_view name, std::uint16_t port) {
  return "\x05\x01\x00\x03"s + static_cast<char>(name.size()) + std::string(name) +
         static_cast<char>(port >> 8) + static_cast<char>(port & 0xff);
}

// A GET of /small (nginx's small file) through a connection made by
// `connect`: its body, or the connect's error.
template <class Connect>
asio::awaitable<std::string> get_through(httpc::connection& c, Connect connect, std::error_code& ec) {
  ec = co_await error_of(connect());
  if (ec) co_return std::string();
  co_await c.async_request("GET", "/small");
  auto r = co_await c.async_getresponse();
  co_return co_await r.async_read_all();
}

std::string nginx_small() { return std::string(httpc::test::nginx_small_body); }

}  // namespace

// ============================================================================
// The bytes, against the scripted server
// ============================================================================

TEST_CASE("socks5: the name goes to the proxy; the reply is read to its last byte and no further") {
  script_server proxy;
  // The reply and the target's response in one write: a reader that took
  // more than the reply would swallow the response.
  proxy.on_connection({step::read_bytes(3), step::send(chose_no_auth), step::read_bytes(18),
                       step::send(succeeded_v4 + response), step::read_request(), step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    std::error_code ec;
    const std::string body = co_await get_through(c, [&] {
      return c.async_connect_socks5("127.0.0.1", proxy.port(), "target.test", 8080);
    }, ec);
    CHECK_FALSE(ec);
    CHECK(body == "target");
  });
  REQUIRE(proxy.wait_for_requests(1, 2s));
  const auto reads = proxy.reads();
  REQUIRE(reads.size() == 3);
  CHECK(reads[0] == no_auth_greeting);
  CHECK(reads[1] == connect_to_name("target.test", 8080));
  // Requests name the target, not the proxy.
  CHECK(reads[2] == "GET /small HTTP/1.1\r\nHost: target.test:8080\r\nAccept-Encoding: identity\r\n\r\n");
}

TEST_CASE("socks5: user and password offered and sent when given (RFC 1929)") {
  script_server proxy;
  proxy.on_connection({step::read_bytes(4), step::send("\x05\x02"s), step::read_bytes(14), step::send("\x01\x00"s),
                       step::read_bytes(18), step::send(succeeded_v4), step::read_request(), step::send(response),
                       step::close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    httpc::socks5_options options;
    options.credentials = httpc::socks5_credentials{"alice", "s3cret"};
    std::error_code ec;
    const std::string body = co_await get_through(c, [&] {
      return c.async_connect_socks5("127.0.0.1", proxy.port(), "target.test", 8080, options);
    }, ec);
    CHECK_FALSE(ec);
    CHECK(body == "target");
  });
  REQUIRE(proxy.wait_for_requests(1, 2s));
  const auto reads = proxy.reads();
  REQUIRE(reads.size() == 4);
  CHECK(reads[0] == "\x05\x02\x00\x02"s);
  CHECK(reads[1] == "\x01\x05" "alice" "\x06" "s3cret"s);
}

TEST_CASE("socks5: resolved here, the address goes; an address literal goes as one either way") {
  struct sent_case {
    const char* host;
    bool resolve_locally;
    std::string request;
  };
  const sent_case cases[] = {
      {"localhost", true, "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50"s},
      {"127.0.0.1", false, "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50"s},
      {"::1", false, "\x05\x01\x00\x04"s + std::string(15, '\0') + "\x01\x00\x50"s},
  };
  for (const auto& sent : cases) {
    CAPTURE(sent.host);
    script_server proxy;
    proxy.on_connection({step::read_bytes(3), step::send(chose_no_auth), step::read_bytes(sent.request.size()),
                         step::send(succeeded_v4), step::expect_close()});
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::connection c(co_await asio::this_coro::executor);
      httpc::socks5_options options;
      options.resolve_locally = sent.resolve_locally;
      const auto ec = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), sent.host, 80, options));
      CHECK_FALSE(ec);
      CHECK(c.is_open());
    });
    REQUIRE(proxy.wait_for_reads(2, 2s));
    CHECK(proxy.reads()[1] == sent.request);
  }
}

TEST_CASE("socks5: a bound address of any type is read whole") {
  for (const std::string& bound : {"\x01\x0a\x00\x00\x01"s, "\x04"s + std::string(16, '\x01'),
                                  "\x03\x0dproxy.example"s, "\x03\x00"s}) {
    CAPTURE(bound.size());
    script_server proxy;
    proxy.on_connection({step::read_bytes(3), step::send(chose_no_auth), step::read_bytes(18),
                         step::send("\x05\x00\x00"s + bound + "\x01\xbb"s + response), step::read_request(),
                         step::close()});
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::connection c(co_await asio::this_coro::executor);
      std::error_code ec;
      const std::string body = co_await get_through(c, [&] {
        return c.async_connect_socks5("127.0.0.1", proxy.port(), "target.test", 8080);
      }, ec);
      CHECK_FALSE(ec);
      CHECK(body == "target");
    });
  }
}

TEST_CASE("socks5: a failure reply is socks_failed, with the proxy's code") {
  script_server proxy;
  proxy.on_connection({step::read_bytes(3), step::send(chose_no_auth), step::read_bytes(18),
                       step::send("\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"s), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    const auto ec = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), "target.test", 8080));
    CHECK(ec == httpc::error::socks_failed);
    CHECK(c.socks_reply() == 5);
    CHECK(httpc::socks5_reply_text(c.socks_reply()) == "connection refused");
    CHECK_FALSE(c.is_open());
  });
  CHECK(httpc::socks5_reply_text(1) == "general SOCKS server failure");
  CHECK(httpc::socks5_reply_text(8) == "address type not supported");
  CHECK(httpc::socks5_reply_text(9) == "unassigned");
}

TEST_CASE("socks5: the proxy's refusals of authentication are socks_auth_failed") {
  SUBCASE("no method acceptable") {
    script_server proxy;
    proxy.on_connection({step::read_bytes(3), step::send("\x05\xff"s), step::expect_close()});
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::connection c(co_await asio::this_coro::executor);
      const auto ec = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), "target.test", 80));
      CHECK(ec == httpc::error::socks_auth_failed);
    });
  }
  SUBCASE("credentials refused") {
    script_server proxy;
    proxy.on_connection(
        {step::read_bytes(4), step::send("\x05\x02"s), step::read_bytes(8), step::send("\x01\x01"s), step::expect_close()});
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::connection c(co_await asio::this_coro::executor);
      httpc::socks5_options options;
      options.credentials = httpc::socks5_credentials{"bob", "pw"};
      const auto ec = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), "target.test", 80, options));
      CHECK(ec == httpc::error::socks_auth_failed);
    });
  }
}

TEST_CASE("hostile: a malformed or cut SOCKS5 answer is bad_socks_reply, never a hang") {
  struct bad_case {
    const char* what;
    httpc::test::script steps;
  };
  const bad_case cases[] = {
      {"another version in the method's answer", {step::read_bytes(3), step::send("\x04\x00"s), step::stall(2s)}},
      {"a method not offered", {step::read_bytes(3), step::send("\x05\x02"s), step::stall(2s)}},
      {"cut inside the method's answer", {step::read_bytes(3), step::send("\x05"s), step::close()}},
      {"an HTTP proxy's answer", {step::read_bytes(3), step::send("HTTP/1.1 400 Bad Request\r\n\r\n"), step::stall(2s)}},
      {"another version in the reply",
       {step::read_bytes(3), step::send(chose_no_auth), step::read_bytes(18),
        step::send("\x04\x00\x00\x01\x00\x00\x00\x00\x00\x00"s), step::stall(2s)}},
      {"an unknown address type",
       {step::read_bytes(3), step::send(chose_no_auth), step::read_bytes(18),
        step::send("\x05\x00\x00\x07\x00\x00\x00\x00\x00\x00"s), step::stall(2s)}},
      {"cut inside the bound address",
       {step::read_bytes(3), step::send(chose_no_auth), step::read_bytes(18), step::send("\x05\x00\x00\x01\x7f\x00"s),
        step::close()}},
      {"cut inside a bound name",
       {step::read_bytes(3), step::send(chose_no_auth), step::read_bytes(18), step::send("\x05\x00\x00\x03\x09pro"s),
        step::close()}},
  };
  for (const auto& bad : cases) {
    CAPTURE(bad.what);
    script_server proxy;
    proxy.on_connection(bad.steps);
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::connection c(co_await asio::this_coro::executor);
      const auto ec = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), "target.test", 80));
      CHECK(ec == httpc::error::bad_socks_reply);
      CHECK_FALSE(c.is_open());
    });
  }
}

TEST_CASE("hostile: a proxy that never answers is held by connect_timeout") {
  script_server proxy;
  proxy.on_connection({step::read_bytes(3), step::stall(3s)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection_options options;
    options.connect_timeout = 200ms;
    httpc::connection c(co_await asio::this_coro::executor, options);
    const auto start = std::chrono::steady_clock::now();
    const auto ec = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), "target.test", 80));
    CHECK(ec == std::errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - start < 2s);
  });
}

TEST_CASE("socks5: a name or credentials SOCKS5 cannot carry are refused before a byte is sent") {
  script_server proxy;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::connection c(co_await asio::this_coro::executor);
    const std::string long_name(256, 'a');
    const auto name = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), long_name, 80));
    CHECK(name == httpc::error::invalid_url);
    httpc::socks5_options options;
    options.credentials = httpc::socks5_credentials{"", "pw"};
    const auto empty_user = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), "x.test", 80, options));
    CHECK(empty_user == httpc::error::invalid_url);
    options.credentials = httpc::socks5_credentials{"bob", std::string(256, 'p')};
    const auto long_password =
        co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), "x.test", 80, options));
    CHECK(long_password == httpc::error::invalid_url);
  });
  CHECK(proxy.connections() == 0);
}

// ============================================================================
// microsocks to nginx
// ============================================================================

TEST_CASE("socks5: microsocks to nginx, plain and TLS, the name resolved by either side") {
  microsocks proxy;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(httpc::test::test_ca());
  for (const bool resolve_locally : {false, true}) {
    CAPTURE(resolve_locally);
    run_bounded([&]() -> asio::awaitable<void> {
      const auto executor = co_await asio::this_coro::executor;
      httpc::socks5_options options;
      options.resolve_locally = resolve_locally;
      httpc::connection plain(executor);
      std::error_code ec;
      const std::string body = co_await get_through(plain, [&] {
        return plain.async_connect_socks5("127.0.0.1", proxy.port(), "localhost", httpc::test::nginx_http_port(),
                                          options);
      }, ec);
      CHECK_FALSE(ec);
      CHECK(body == nginx_small());
      // Through the proxy, the certificate is checked for the target's name
      // (the handle forwards to the core's).
      httpc::any_connection tls(executor, &context);
      co_await tls.async_connect_socks5("127.0.0.1", proxy.port(), httpc::test::nginx_tls_host,
                                        httpc::test::nginx_https_port(), options);
      co_await tls.async_request("GET", "/64k");
      auto r = co_await tls.async_getresponse();
      const std::string k64 = co_await r.async_read_all();
      CHECK(r.status() == 200);
      CHECK(k64 == httpc::test::nginx_file("64k"));
    }, 10s);
  }
}

TEST_CASE("socks5: microsocks asking for credentials; a refused port is socks_failed with its code") {
  microsocks proxy("alice", "s3cret");
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    const std::uint16_t nginx = httpc::test::nginx_http_port();
    httpc::connection c(executor);
    const auto without = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), "127.0.0.1", nginx));
    CHECK(without == httpc::error::socks_auth_failed);
    httpc::socks5_options options;
    options.credentials = httpc::socks5_credentials{"alice", "wrong"};
    const auto wrong = co_await error_of(c.async_connect_socks5("127.0.0.1", proxy.port(), "127.0.0.1", nginx, options));
    CHECK(wrong == httpc::error::socks_auth_failed);
    options.credentials = httpc::socks5_credentials{"alice", "s3cret"};
    std::error_code ec;
    const std::string body = co_await get_through(c, [&] {
      return c.async_connect_socks5("127.0.0.1", proxy.port(), "127.0.0.1", nginx, options);
    }, ec);
    CHECK_FALSE(ec);
    CHECK(body == nginx_small());
    const auto refused = co_await error_of(
        c.async_connect_socks5("127.0.0.1", proxy.port(), "127.0.0.1", httpc::test::refused_port(), options));
    CHECK(refused == httpc::error::socks_failed);
    CHECK(c.socks_reply() == 5);  // connection refused
  }, 10s);
}
