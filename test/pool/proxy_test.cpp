// Tests of the pool through HTTP and SOCKS5 proxies (pool_options::proxy,
// request_options::proxy): what goes on the wire, checked with the scripted
// loopback server as the proxy; plain requests and CONNECT tunnels through a
// real tinyproxy (test/support/tinyproxy.hpp), and both through a real
// microsocks (test/support/microsocks.hpp), to the nginx fixture.
//
// g++ 12 rejects a co_await inside doctest's macros: results go into
// locals first.

#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <asio/this_coro.hpp>

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "httpc/error.hpp"
#include "httpc/pool.hpp"
#include "support/coroutines.hpp"
#include "support/microsocks.hpp"
#include "support/nginx.hpp"
#include "support/script_server.hpp"
#include "support/tinyproxy.hpp"

namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using httpc::test::error_of;
using httpc::test::microsocks;
using httpc::test::run_bounded;
using httpc::test::script_server;
using httpc::test::step;
using httpc::test::tinyproxy;

std::string with_length(std::string_view body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string address_of(const script_server& server) { return "127.0.0.1:" + std::to_string(server.port()); }

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::string nginx_http(std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(httpc::test::nginx_http_port()) + std::string(path);
}

std::string nginx_https(std::string_view path) {
  return "https://" + std::string(httpc::test::nginx_tls_host) + ":" +
         std::to_string(httpc::test::nginx_https_port()) + std::string(path);
}

}  // namespace

TEST_CASE("proxy: a plain request goes whole to the proxy, with its credentials, on a kept-alive connection") {
  script_server proxy;
  proxy.on_connection({step::read_request(), step::send(with_length("one")), step::read_request(),
                       step::send(with_length("two")), step::expect_close()});
  script_server origin;  // reached directly by the request that says so
  origin.on_connection({step::read_request(), step::send(with_length("direct")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.proxy = "http://alice:s3cret@" + address_of(proxy);
    httpc::pool pool(co_await asio::this_coro::executor, options);
    // The name is the proxy's to resolve: never looked up here.
    const auto a = co_await pool.async_request("GET", "http://origin.invalid:8081/a?b=1");
    const auto b = co_await pool.async_request("GET", "http://origin.invalid:8081/c");
    httpc::request_options direct;
    direct.proxy = "";
    const auto c = co_await pool.async_request("GET", "http://" + address_of(origin) + "/d", {}, {}, direct);
    CHECK(a.body == "one");
    CHECK(b.body == "two");
    CHECK(c.body == "direct");
    CHECK(pool.stats().open == 2);
  });
  CHECK(proxy.wait_for_finished(1, 3s));
  CHECK(proxy.connections() == 1);
  const auto through = proxy.requests();
  REQUIRE(through.size() == 2);
  CHECK(through[0].starts_with("GET http://origin.invalid:8081/a?b=1 HTTP/1.1\r\nHost: origin.invalid:8081\r\n"));
  CHECK(contains(through[0], "\r\nProxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n"));
  CHECK(through[1].starts_with("GET http://origin.invalid:8081/c HTTP/1.1\r\n"));
  CHECK(origin.wait_for_finished(1, 3s));
  const auto plain = origin.requests();
  REQUIRE(plain.size() == 1);
  CHECK(plain[0].starts_with("GET /d HTTP/1.1\r\n"));
  CHECK_FALSE(contains(plain[0], "Proxy-Authorization"));
}

TEST_CASE("proxy: connections apart per proxy and from direct ones; the request's proxy before the pool's") {
  script_server first;
  first.on_connection({step::read_request(), step::send(with_length("first")), step::read_request(),
                       step::send(with_length("first again")), step::expect_close()});
  script_server second;
  second.on_connection({step::read_request(), step::send(with_length("second")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.proxy = address_of(first);  // no scheme: http
    httpc::pool pool(co_await asio::this_coro::executor, options);
    const std::string target = "http://origin.invalid/x";
    const auto a = co_await pool.async_request("GET", target);
    httpc::request_options other;
    other.proxy = "http://" + address_of(second);
    const auto b = co_await pool.async_request("GET", target, {}, {}, other);
    const auto c = co_await pool.async_request("GET", target);
    CHECK(a.body == "first");
    CHECK(b.body == "second");
    CHECK(c.body == "first again");
    CHECK(pool.stats().open == 2);
  });
  CHECK(first.wait_for_finished(1, 3s));
  CHECK(first.connections() == 1);
  CHECK(second.wait_for_finished(1, 3s));
  CHECK(second.connections() == 1);
  const auto requests = second.requests();
  REQUIRE(requests.size() == 1);
  CHECK_FALSE(contains(requests[0], "Proxy-Authorization"));  // none asked for
}

TEST_CASE("proxy: from the environment when asked, as it was when the pool was made; NO_PROXY per target") {
  script_server proxy;
  proxy.on_connection({step::read_request(), step::send(with_length("proxied")), step::expect_close()});
  script_server origin;
  origin.on_connection({step::read_request(), step::send(with_length("direct")), step::expect_close()});
  script_server other;
  other.on_connection({step::read_request(), step::send(with_length("not asked")), step::expect_close()});
  setenv("http_proxy", address_of(proxy).c_str(), 1);
  setenv("no_proxy", "127.0.0.1,.exempt.invalid", 1);
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool_options options;
    options.use_environment_proxy = true;
    httpc::pool from_environment(executor, options);
    unsetenv("http_proxy");  // read already
    const auto a = co_await from_environment.async_request("GET", "http://origin.invalid/a");
    const auto b = co_await from_environment.async_request("GET", "http://" + address_of(origin) + "/b");
    httpc::pool unasked(executor);
    setenv("http_proxy", address_of(proxy).c_str(), 1);
    const auto c = co_await unasked.async_request("GET", "http://" + address_of(other) + "/c");
    CHECK(a.body == "proxied");
    CHECK(b.body == "direct");
    CHECK(c.body == "not asked");
  });
  unsetenv("http_proxy");
  unsetenv("no_proxy");
  CHECK(proxy.wait_for_finished(1, 3s));
  const auto through = proxy.requests();
  REQUIRE(through.size() == 1);
  CHECK(through[0].starts_with("GET http://origin.invalid/a HTTP/1.1\r\n"));
}

TEST_CASE("proxy: a malformed proxy, or one of another scheme, is invalid_url") {
  for (const std::string bad : {"socks4://127.0.0.1:1080", "https://127.0.0.1:3128", "http://[::1", "http://:80",
                                "socks5h://:1080"}) {
    CAPTURE(bad);
    std::error_code from_pool;
    std::error_code from_request;
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::pool_options options;
      options.proxy = bad;
      httpc::pool pool(co_await asio::this_coro::executor, options);
      from_pool = co_await error_of(pool.async_request("GET", "http://127.0.0.1:1/"));
      httpc::pool direct(co_await asio::this_coro::executor);
      httpc::request_options request;
      request.proxy = bad;
      from_request = co_await error_of(direct.async_request("GET", "http://127.0.0.1:1/", {}, {}, request));
    });
    CHECK(from_pool == httpc::error::invalid_url);
    CHECK(from_request == httpc::error::invalid_url);
  }
}

TEST_CASE("proxy: tinyproxy carries plain requests and CONNECT tunnels to nginx") {
  tinyproxy proxy;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(httpc::test::test_ca());
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.proxy = proxy.url();
    options.tls_context = &context;
    unsigned short connected_to = 0;
    options.on_connect = [&](const httpc::connection_event& e) {
      if (e.connected) connected_to = e.remote.port();
    };
    httpc::pool pool(co_await asio::this_coro::executor, options);
    const auto plain = co_await pool.async_request("GET", nginx_http("/small"));
    CHECK(plain.status == 200);
    CHECK(plain.body == httpc::test::nginx_small_body);
    CHECK(plain.header("Via").value_or("").find("tinyproxy") != std::string_view::npos);
    CHECK(connected_to == proxy.port());
    connected_to = 0;
    // Through the tunnel, the origin's certificate is checked for its name.
    const auto tls = co_await pool.async_request("GET", nginx_https("/64k"));
    CHECK(tls.status == 200);
    CHECK(tls.body == httpc::test::nginx_file("64k"));
    CHECK_FALSE(tls.header("Via"));  // the proxy sees no byte of it
    CHECK(connected_to == proxy.port());
  }, 10s);
}

TEST_CASE("proxy: tinyproxy asking for credentials; 407 for a plain request, tunnel_failed for CONNECT") {
  tinyproxy proxy("alice", "s3cret");
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(httpc::test::test_ca());
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    httpc::pool_options options;
    options.tls_context = &context;
    // tinyproxy answers 407 without credentials, 401 to wrong ones.
    // No structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    for (const auto& attempt : {std::pair<std::string, int>{"", 407}, {"alice:wrong", 401}}) {
      const std::string& userinfo = attempt.first;
      const int status = attempt.second;
      CAPTURE(userinfo);
      options.proxy = proxy.url(userinfo);
      httpc::pool refused(executor, options);
      const auto plain = co_await refused.async_request("GET", nginx_http("/small"));
      CHECK(plain.status == status);
      const auto ec = co_await error_of(refused.async_request("GET", nginx_https("/small")));
      CHECK(ec == httpc::error::tunnel_failed);
    }
    options.proxy = proxy.url("alice:s3cret");
    httpc::pool allowed(executor, options);
    const auto plain = co_await allowed.async_request("GET", nginx_http("/small"));
    CHECK(plain.status == 200);
    // The credentials go to the proxy, never through the tunnel.
    const auto tls = co_await allowed.async_request("GET", nginx_https("/headers"));
    CHECK(tls.status == 200);
    CHECK(contains(tls.body, "GET /headers HTTP/1.1"));
    CHECK_FALSE(contains(tls.body, "Proxy-Authorization"));
  }, 10s);
}

TEST_CASE("proxy: socks5h sends the name, socks5 the address resolved here; the request is the origin's") {
  for (const bool by_proxy : {true, false}) {
    CAPTURE(by_proxy);
    script_server origin;  // answers once the proxy "connected" to it: the scripted SOCKS server is both
    script_server proxy;
    // socks5h: CONNECT to origin.invalid:8081 (ATYP 3). socks5: to 127.0.0.1:8081 (ATYP 1).
    const std::string request = by_proxy ? "\x05\x01\x00\x03\x0eorigin.invalid\x1f\x91"s
                                         : "\x05\x01\x00\x01\x7f\x00\x00\x01\x1f\x91"s;
    proxy.on_connection({step::read_bytes(4), step::send("\x05\x02"s), step::read_bytes(14), step::send("\x01\x00"s),
                         step::read_bytes(request.size()), step::send("\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00"s),
                         step::read_request(), step::send(with_length("one")), step::read_request(),
                         step::send(with_length("two")), step::expect_close()});
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::pool_options options;
      options.proxy = (by_proxy ? "socks5h://alice:s3cret@" : "socks5://alice:s3cret@") + address_of(proxy);
      httpc::pool pool(co_await asio::this_coro::executor, options);
      const std::string host = by_proxy ? "origin.invalid" : "localhost";
      const auto a = co_await pool.async_request("GET", "http://" + host + ":8081/a?b=1");
      const auto b = co_await pool.async_request("GET", "http://" + host + ":8081/c");
      CHECK(a.body == "one");
      CHECK(b.body == "two");
    });
    CHECK(proxy.wait_for_finished(1, 3s));
    CHECK(proxy.connections() == 1);
    const auto reads = proxy.reads();
    REQUIRE(reads.size() == 5);
    CHECK(reads[0] == "\x05\x02\x00\x02"s);
    CHECK(reads[1] == "\x01\x05" "alice" "\x06" "s3cret"s);
    CHECK(reads[2] == request);
    // Origin-form, and no credentials: the proxy sees no request.
    CHECK(reads[3].starts_with("GET /a?b=1 HTTP/1.1\r\n"));
    CHECK_FALSE(contains(reads[3], "Proxy-Authorization"));
    CHECK(reads[4].starts_with("GET /c HTTP/1.1\r\n"));
  }
}

TEST_CASE("proxy: a SOCKS proxy without a port is at 1080; connections apart per kind") {
  std::uint16_t tried = 0;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.proxy = "socks5h://127.0.0.1";
    options.on_connect = [&](const httpc::connection_event& e) { tried = e.remote.port(); };
    httpc::pool pool(co_await asio::this_coro::executor, options);
    co_await error_of(pool.async_request("GET", "http://origin.invalid/"));
  });
  CHECK(tried == 1080);

  script_server proxy;  // an HTTP proxy and a SOCKS one at the same address: two connections
  proxy.on_connection({step::read_request(), step::send(with_length("http")), step::expect_close()});
  proxy.on_connection({step::read_bytes(3), step::send("\x05\x00"s), step::read_bytes(10),
                       step::send("\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00"s), step::read_request(),
                       step::send(with_length("socks")), step::expect_close()});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor);
    httpc::request_options http;
    http.proxy = "http://" + address_of(proxy);
    const auto a = co_await pool.async_request("GET", "http://127.0.0.1:8081/", {}, {}, http);
    httpc::request_options socks;
    socks.proxy = "socks5://" + address_of(proxy);
    const auto b = co_await pool.async_request("GET", "http://127.0.0.1:8081/", {}, {}, socks);
    CHECK(a.body == "http");
    CHECK(b.body == "socks");
    CHECK(pool.stats().open == 2);
  });
  CHECK(proxy.wait_for_finished(2, 3s));
}

TEST_CASE("proxy: a malformed SOCKS reply is bad_socks_reply; no hang") {
  script_server proxy;
  proxy.on_connection({step::read_bytes(3), step::send("\x05\x00"s), step::read_bytes(18),
                       step::send("\x05\x00\x00\x09"s), step::stall(3s)});
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool_options options;
    options.proxy = "socks5h://" + address_of(proxy);
    httpc::pool pool(co_await asio::this_coro::executor, options);
    const auto ec = co_await error_of(pool.async_request("GET", "http://origin.invalid:8081/"));
    CHECK(ec == httpc::error::bad_socks_reply);
  });
}

TEST_CASE("proxy: microsocks carries plain and TLS requests to nginx, by either kind") {
  microsocks proxy;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(httpc::test::test_ca());
  for (const std::string scheme : {"socks5", "socks5h"}) {
    CAPTURE(scheme);
    run_bounded([&]() -> asio::awaitable<void> {
      httpc::pool_options options;
      options.proxy = proxy.url(scheme);
      options.tls_context = &context;
      unsigned short connected_to = 0;
      options.on_connect = [&](const httpc::connection_event& e) {
        if (e.connected) connected_to = e.remote.port();
      };
      httpc::pool pool(co_await asio::this_coro::executor, options);
      const auto plain = co_await pool.async_request(
          "GET", "http://localhost:" + std::to_string(httpc::test::nginx_http_port()) + "/headers");
      CHECK(plain.status == 200);
      CHECK(contains(plain.body, "GET /headers HTTP/1.1"));
      CHECK(connected_to == proxy.port());
      connected_to = 0;
      // Through the proxy, the origin's certificate is checked for its name.
      const auto tls = co_await pool.async_request("GET", nginx_https("/64k"));
      CHECK(tls.status == 200);
      CHECK(tls.body == httpc::test::nginx_file("64k"));
      CHECK(connected_to == proxy.port());
    }, 10s);
  }
}

TEST_CASE("proxy: microsocks asking for credentials; refusals end in socks_auth_failed and socks_failed") {
  microsocks proxy("alice", "s3cret");
  run_bounded([&]() -> asio::awaitable<void> {
    const auto executor = co_await asio::this_coro::executor;
    for (const std::string userinfo : {"", "alice:wrong"}) {
      CAPTURE(userinfo);
      httpc::request_options refused;
      refused.proxy = proxy.url("socks5h", userinfo);
      httpc::pool pool(executor);
      const auto ec = co_await error_of(pool.async_request("GET", nginx_http("/small"), {}, {}, refused));
      CHECK(ec == httpc::error::socks_auth_failed);
    }
    httpc::pool_options options;
    options.proxy = proxy.url("socks5h", "alice:s3cret");
    httpc::pool allowed(executor, options);
    const auto plain = co_await allowed.async_request("GET", nginx_http("/small"));
    CHECK(plain.status == 200);
    CHECK(plain.body == httpc::test::nginx_small_body);
    const auto ec = co_await error_of(
        allowed.async_request("GET", "http://127.0.0.1:" + std::to_string(httpc::test::refused_port()) + "/"));
    CHECK(ec == httpc::error::socks_failed);
  }, 10s);
}
