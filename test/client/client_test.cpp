// Tests of the blocking facade (httpc/client.hpp) against the scripted
// loopback server (test/support/script_server.hpp): exact bytes in and out,
// faults on cue.
#include "httpc/client.hpp"

#include "support/nginx.hpp"
#include "support/script_server.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/ssl/context.hpp>
#include <asio/write.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using httpc::test::script_server;
using httpc::test::step;

std::string host_field(const script_server& server) {
  return "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n";
}

/// A CONNECT proxy on loopback, on a thread of its own: records each
/// CONNECT head, answers 200, then relays bytes both ways to the target.
class connect_proxy {
 public:
  connect_proxy() : acceptor_(io_, {asio::ip::address_v4::loopback(), 0}) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~connect_proxy() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<std::string> heads() const {
    const std::lock_guard lock(mutex_);
    return heads_;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> serve(asio::ip::tcp::socket client) {
    constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);
    std::string head;
    auto [read_error, n] = co_await asio::async_read_until(client, asio::dynamic_buffer(head), "\r\n\r\n", token);
    if (read_error) co_return;
    {
      const std::lock_guard lock(mutex_);
      heads_.push_back(head.substr(0, n));
    }
    // "CONNECT host:port HTTP/1.0"
    const std::string target = head.substr(8, head.find(' ', 8) - 8);
    const std::size_t colon = target.rfind(':');
    asio::ip::tcp::resolver resolver(io_);
    auto [resolve_error, endpoints] =
        co_await resolver.async_resolve(target.substr(0, colon), target.substr(colon + 1), token);
    asio::ip::tcp::socket upstream(io_);
    if (!resolve_error) {
      auto [connect_error, endpoint] = co_await asio::async_connect(upstream, endpoints, token);
      if (connect_error) co_return;
    }
    co_await asio::async_write(client, asio::buffer(std::string_view("HTTP/1.0 200 Connection established\r\n\r\n")), token);
    using namespace asio::experimental::awaitable_operators;
    co_await (pump(client, upstream) && pump(upstream, client));
  }
  static asio::awaitable<void> pump(asio::ip::tcp::socket& from, asio::ip::tcp::socket& to) {
    constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);
    std::array<char, 16384> buffer;
    for (;;) {
      auto [ec, n] = co_await from.async_read_some(asio::buffer(buffer), token);
      if (n != 0) {
        auto [write_error, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), n), token);
        if (write_error) break;
      }
      if (ec) break;
    }
    std::error_code ignored;
    to.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::string> heads_;
};

/// A TLS context that trusts the nginx fixture's CA.
std::shared_ptr<asio::ssl::context> test_ca_context() {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->load_verify_file(httpc::test::test_ca());
  context->set_verify_mode(asio::ssl::verify_peer);
  return context;
}

// --- The reference's example -------------------------------------------------

TEST_CASE("the README example: GET, a second GET kept alive, POST with headers") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
                        step::read_request(),
                        step::send("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"),
                        step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                        step::close()});

  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/index.html");
  auto r1 = conn.getresponse();
  CHECK(r1.status() == httpc::OK);
  CHECK(r1.reason() == "OK");
  CHECK(r1.version() == 11);
  CHECK(r1.read() == "hello");
  CHECK(r1.isclosed());

  conn.request("GET", "/parrot.spam");
  auto r2 = conn.getresponse();
  CHECK(r2.status() == httpc::NOT_FOUND);
  CHECK(r2.reason() == "Not Found");
  CHECK(r2.reason() == httpc::responses.at(httpc::NOT_FOUND));
  CHECK(r2.read() == "not found");

  conn.request("POST", "/cgi-bin/query", "spam=1&eggs=2",
               {{"Content-type", "application/x-www-form-urlencoded"}, {"Accept", "text/plain"}});
  auto r3 = conn.getresponse();
  CHECK(r3.status() == 200);
  CHECK(r3.read() == "ok");

  REQUIRE(server.wait_for_requests(3, 2s));
  const auto requests = server.requests();
  CHECK(server.connections() == 1);
  CHECK(requests[0] == "GET /index.html HTTP/1.1\r\n" + host_field(server) +
                           "Accept-Encoding: identity\r\n\r\n");
  CHECK(requests[1] == "GET /parrot.spam HTTP/1.1\r\n" + host_field(server) +
                           "Accept-Encoding: identity\r\n\r\n");
  CHECK(requests[2] == "POST /cgi-bin/query HTTP/1.1\r\n" + host_field(server) +
                           "Accept-Encoding: identity\r\n"
                           "Content-Length: 13\r\n"  // before the caller's fields, as CPython
                           "Content-type: application/x-www-form-urlencoded\r\n"
                           "Accept: text/plain\r\n\r\nspam=1&eggs=2");
  CHECK(server.errors().empty());
}

TEST_CASE("no body and an empty body frame differently") {
  script_server server;
  const std::string reply = "HTTP/1.1 204 No Content\r\n\r\n";
  server.on_connection({step::read_request(), step::send(reply), step::read_request(),
                        step::send(reply), step::read_request(), step::send(reply),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  // Each response is read, even one without a body, as CPython requires
  // before the next getresponse.
  const auto status_read = [&] {
    auto response = conn.getresponse();
    CHECK(response.read().empty());
    return response.status();
  };
  conn.request("POST", "/none");  // no body: Content-Length: 0 for POST
  CHECK(status_read() == httpc::NO_CONTENT);
  conn.request("GET", "/none");   // no body: nothing for GET
  CHECK(status_read() == httpc::NO_CONTENT);
  conn.request("GET", "/empty", "");  // an empty body: Content-Length: 0
  CHECK(status_read() == httpc::NO_CONTENT);

  REQUIRE(server.wait_for_requests(3, 2s));
  const auto requests = server.requests();
  const std::string common = host_field(server) + "Accept-Encoding: identity\r\n";
  CHECK(requests[0] == "POST /none HTTP/1.1\r\n" + common + "Content-Length: 0\r\n\r\n");
  CHECK(requests[1] == "GET /none HTTP/1.1\r\n" + common + "\r\n");
  CHECK(requests[2] == "GET /empty HTTP/1.1\r\n" + common + "Content-Length: 0\r\n\r\n");
}

// --- host[:port] ----------------------------------------------------------------

TEST_CASE("host and port parsing") {
  const auto check = [](std::string host, std::optional<std::uint16_t> port,
                        std::string want_host, std::uint16_t want_port) {
    CAPTURE(host);
    httpc::HTTPConnection conn(host, port);
    CHECK(conn.host() == want_host);
    CHECK(conn.port() == want_port);
  };
  check("example.org", {}, "example.org", httpc::HTTP_PORT);
  check("example.org:8080", {}, "example.org", 8080);
  check("1.2.3.4:81", {}, "1.2.3.4", 81);
  check("[::1]:8080", {}, "::1", 8080);
  check("[::1]", {}, "::1", 80);
  check("example.org:", {}, "example.org", 80);
  check("example.org:0080", {}, "example.org", 80);
  check("example.org:0", {}, "example.org", 0);
  check("example.org:65535", {}, "example.org", 65535);
  check("example.org", 8000, "example.org", 8000);
  check("example.org:1234", 8000, "example.org:1234", 8000);  // an explicit port wins

  for (const char* bad : {"example.org:http", "example.org:+80", "example.org: 80",
                          "example.org:80 ", "example.org:65536", "example.org:99999999999999",
                          "example.org:-1", "[::1]:x"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS((void)httpc::HTTPConnection(std::string(bad)), httpc::InvalidURL);
  }
  CHECK_THROWS_AS((void)httpc::HTTPConnection("exa\nmple.org"), httpc::InvalidURL);
  CHECK_THROWS_AS((void)httpc::HTTPConnection("exa\x7fmple.org", 80), httpc::InvalidURL);
  // CPython's _validate_host: a space is refused too, and so is every byte up to it.
  CHECK_THROWS_AS((void)httpc::HTTPConnection("127.0.0.1 x"), httpc::InvalidURL);
  CHECK_THROWS_AS((void)httpc::HTTPConnection("127.0.0.1 x", 80), httpc::InvalidURL);
  for (int c = 0; c <= 0x20; ++c) {
    CAPTURE(c);
    CHECK_THROWS_AS((void)httpc::HTTPConnection("a" + std::string(1, static_cast<char>(c)) + "b", 80),
                    httpc::InvalidURL);
  }
}

// --- Reading ------------------------------------------------------------------------

TEST_CASE("read(amt) and readinto return exactly the size asked unless the body ends") {
  script_server server;
  const std::string body = "0123456789abcdefghij";  // 20 bytes, sent in pieces
  server.on_connection({step::read_request(),
                        step::send_pieces_of("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" + body,
                                             7, 5ms),
                        step::read_request(),
                        step::send_pieces_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                             "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n",
                                             5, 5ms),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  auto r = conn.getresponse();
  CHECK(r.read(3) == "012");
  std::array<char, 8> buffer{};
  CHECK(r.readinto(buffer) == 8);
  CHECK(std::string(buffer.data(), 8) == "3456789a");
  CHECK_FALSE(r.isclosed());
  CHECK(r.read(9) == "bcdefghij");
  CHECK(r.isclosed());  // the last byte of a Content-Length body
  CHECK(r.read(5).empty());
  CHECK(r.readinto(buffer) == 0);

  conn.request("GET", "/chunked");
  auto c = conn.getresponse();
  CHECK(c.read(5) == "abcde");
  CHECK(c.readinto(buffer) == 2);  // the body ends first
  CHECK(std::string(buffer.data(), 2) == "fg");
  CHECK(c.isclosed());
  CHECK(c.read().empty());
  CHECK(server.errors().empty());
}

TEST_CASE("headers: getheader joins repeats, HTTPMessage keeps order") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.0 200 Fine\r\nSet-Cookie: a=1\r\nX-One:  one \r\n"
                                   "set-cookie: b=2\r\nContent-Length: 0\r\n\r\n"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  auto r = conn.getresponse();
  CHECK(r.version() == 10);
  CHECK(r.reason() == "Fine");
  CHECK(r.getheader("SET-COOKIE") == "a=1, b=2");
  CHECK(r.getheader("x-one") == "one");
  CHECK(r.getheader("missing") == std::nullopt);
  CHECK(r.getheader("missing", "dflt") == "dflt");
  CHECK(r.getheader("X-One", "dflt") == "one");
  const httpc::Headers all = {{"Set-Cookie", "a=1"}, {"X-One", "one"}, {"set-cookie", "b=2"},
                              {"Content-Length", "0"}};
  CHECK(r.getheaders() == all);
  CHECK(r.msg().items() == all);
  CHECK(r.msg().get("set-cookie") == "a=1");
  CHECK(r.msg().get_all("Set-Cookie") == std::vector<std::string>{"a=1", "b=2"});
  CHECK(r.msg().get_all("nope").empty());
  CHECK(r.msg().contains("content-length"));
  CHECK_FALSE(r.msg().contains("content-type"));
  const httpc::HTTPMessage copy = r.msg();  // owns its head: copies keep working
  CHECK(copy.get_all("set-cookie") == std::vector<std::string>{"a=1", "b=2"});
  CHECK(r.read().empty());
  CHECK(r.isclosed());
}

TEST_CASE("HTTPMessage made from Headers, and an empty one") {
  const httpc::Headers fields{{"A", "1"}, {"b", "2"}, {"a", "3"}};
  const httpc::HTTPMessage m(fields);
  CHECK(m.items() == fields);
  CHECK(m.get("a") == "1");
  CHECK(m.get_all("A") == std::vector<std::string>{"1", "3"});
  CHECK(m.contains("B"));
  CHECK_FALSE(m.contains("c"));
  const httpc::HTTPMessage none;
  CHECK(none.items().empty());
  CHECK(none.get("a") == std::nullopt);
  CHECK(none.get_all("a").empty());
}

TEST_CASE("Connection: close: the response closes, the next request reopens") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nConnection: close\r\n"
                                   "Content-Length: 3\r\n\r\none"),
                        step::close()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/1");
  auto r1 = conn.getresponse();
  CHECK_FALSE(r1.isclosed());
  CHECK(r1.read() == "one");
  CHECK(r1.isclosed());
  conn.request("GET", "/2");
  auto r2 = conn.getresponse();
  CHECK(r2.read() == "two");
  CHECK(server.connections() == 2);

  // After close(), too.
  conn.close();
  CHECK(r2.isclosed());
  CHECK(server.errors().empty());
}

TEST_CASE("a body until close ends with the close") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.0 200 OK\r\n\r\nall of it"), step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  auto r = conn.getresponse();
  CHECK(r.read() == "all of it");
  CHECK(r.isclosed());
}

TEST_CASE("HTTPResponse::close drops an unread body; the next request reopens") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"),
                        step::stall(2s)});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  auto r = conn.getresponse();
  CHECK(r.read(2) == "01");
  r.close();
  CHECK(r.isclosed());
  CHECK(r.read().empty());
  conn.request("GET", "/again");
  CHECK(conn.getresponse().read() == "x");
  CHECK(server.connections() == 2);
}

// --- Errors -------------------------------------------------------------------------

TEST_CASE("RemoteDisconnected when the server closes before a status line") {
  script_server server;
  server.on_connection({step::read_request(), step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  try {
    (void)conn.getresponse();
    FAIL("no exception");
  } catch (const httpc::RemoteDisconnected& e) {
    CHECK(std::string(e.what()) == "Remote end closed connection without response");
    CHECK(e.line.empty());
  }
  // It is a BadStatusLine, an HTTPException and a std::runtime_error.
  static_assert(std::is_base_of_v<httpc::BadStatusLine, httpc::RemoteDisconnected>);
  static_assert(std::is_base_of_v<httpc::HTTPException, httpc::BadStatusLine>);
  static_assert(std::is_base_of_v<std::runtime_error, httpc::HTTPException>);
}

TEST_CASE("strict: BadStatusLine carries the line as received") {
  script_server server;
  server.on_connection({step::read_request(), step::send("garbage here\r\nmore\r\n"),
                        step::close()});
  httpc::ConnectionOptions options;
  options.strict = true;
  httpc::HTTPConnection conn("127.0.0.1", server.port(), options);
  conn.request("GET", "/");
  try {
    (void)conn.getresponse();
    FAIL("no exception");
  } catch (const httpc::RemoteDisconnected&) {
    FAIL("RemoteDisconnected");
  } catch (const httpc::BadStatusLine& e) {
    CHECK(e.line == "garbage here\r\n");
  }
}

TEST_CASE("not strict: a line that is no status line starts an HTTP/0.9 response") {
  script_server server;
  server.on_connection({step::read_request(), step::send("garbage here\r\nmore\r\n"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  auto r = conn.getresponse();
  CHECK(r.status() == 200);
  CHECK(r.version() == 9);
  CHECK(r.reason().empty());
  CHECK(r.getheaders().empty());
  CHECK(r.read() == "garbage here\r\nmore\r\n");
}

TEST_CASE("BadStatusLine for an HTTP/ line without a valid status, in either mode") {
  script_server server;
  server.on_connection({step::read_request(), step::send("HTTP/1.1 abc OK\r\n\r\n"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  try {
    (void)conn.getresponse();
    FAIL("no exception");
  } catch (const httpc::BadStatusLine& e) {
    CHECK(e.line == "HTTP/1.1 abc OK\r\n");
  }
}

TEST_CASE("UnknownProtocol for an HTTP version other than 0.9 and 1.x") {
  script_server server;
  server.on_connection({step::read_request(), step::send("HTTP/2.0 200 OK\r\n\r\n"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  CHECK_THROWS_AS((void)conn.getresponse(), httpc::UnknownProtocol);
}

TEST_CASE("IncompleteRead from the read that meets a close inside a Content-Length body") {
  SUBCASE("read()") {
    script_server server;
    server.on_connection({step::read_request(),
                          step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
                          step::close()});
    httpc::HTTPConnection conn("127.0.0.1", server.port());
    conn.request("GET", "/");
    auto r = conn.getresponse();
    try {
      (void)r.read();
      FAIL("no exception");
    } catch (const httpc::IncompleteRead& e) {
      CHECK(e.partial == "abc");
      CHECK(e.expected == std::optional<std::size_t>(7));
      CHECK(std::string(e.what()) == "IncompleteRead(3 bytes read, 7 more expected)");
    }
    CHECK(r.isclosed());
    CHECK(r.read().empty());
  }
  SUBCASE("read() of a body larger than the receive buffer, cut off") {
    // Past the first piece, read() goes from the socket into its string:
    // the partial bytes are all of them, in order, none zero-filled.
    std::string sent;
    for (int i = 0; sent.size() < 40000; ++i) sent += std::to_string(i) + ',';
    script_server server;
    server.on_connection({step::read_request(),
                          step::send("HTTP/1.1 200 OK\r\nContent-Length: 50000\r\n\r\n" + sent),
                          step::close()});
    httpc::HTTPConnection conn("127.0.0.1", server.port());
    conn.request("GET", "/");
    auto r = conn.getresponse();
    try {
      (void)r.read();
      FAIL("no exception");
    } catch (const httpc::IncompleteRead& e) {
      CHECK(e.partial == sent);
      CHECK(e.expected == std::optional<std::size_t>(50000 - sent.size()));
    }
    CHECK(r.isclosed());
  }
  SUBCASE("read(amt) after an earlier read") {
    script_server server;
    server.on_connection({step::read_request(),
                          step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcde"),
                          step::close()});
    httpc::HTTPConnection conn("127.0.0.1", server.port());
    conn.request("GET", "/");
    auto r = conn.getresponse();
    CHECK(r.read(2) == "ab");
    try {
      (void)r.read(6);
      FAIL("no exception");
    } catch (const httpc::IncompleteRead& e) {
      CHECK(e.partial == "cde");
      CHECK(e.expected == std::optional<std::size_t>(5));
    }
    CHECK(r.isclosed());
  }
  SUBCASE("chunked: expected is nullopt") {
    script_server server;
    server.on_connection({step::read_request(),
                          step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     "5\r\nhello\r\n8\r\nwor"),
                          step::close()});
    httpc::HTTPConnection conn("127.0.0.1", server.port());
    conn.request("GET", "/");
    auto r = conn.getresponse();
    std::array<char, 64> buffer{};
    try {
      (void)r.readinto(buffer);
      FAIL("no exception");
    } catch (const httpc::IncompleteRead& e) {
      CHECK(e.partial == "hellowor");
      CHECK(e.expected == std::nullopt);
    }
    CHECK(r.isclosed());
  }
}

TEST_CASE("LineTooLong for a header line over 65536 bytes") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nX-Long: " + std::string(70000, 'a') +
                                   "\r\n\r\n"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  CHECK_THROWS_AS((void)conn.getresponse(), httpc::LineTooLong);
}

TEST_CASE("a refused connection is std::system_error == connection_refused") {
  httpc::HTTPConnection conn("127.0.0.1", httpc::test::refused_port());
  try {
    conn.request("GET", "/");
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::connection_refused);
  }
  // As in CPython, the failed request leaves the connection "Request-sent"
  // until close().
  CHECK_THROWS_WITH_AS(conn.request("GET", "/"), "Request-sent", httpc::CannotSendRequest);
  conn.close();
  CHECK_THROWS_AS(conn.request("GET", "/"), std::system_error);
  httpc::HTTPConnection again("127.0.0.1", httpc::test::refused_port());
  CHECK_THROWS_AS(again.connect(), std::system_error);
}

TEST_CASE("timeout: a silent server is std::system_error == timed_out") {
  script_server server;
  server.on_connection({step::read_request(), step::stall(3s)});
  httpc::ConnectionOptions options;
  options.timeout = 200ms;
  httpc::HTTPConnection conn("127.0.0.1", server.port(), options);
  conn.request("GET", "/");
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)conn.getresponse();
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::timed_out);
  }
  CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE("timeout applies to a body read too") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"),
                        step::stall(3s)});
  httpc::ConnectionOptions options;
  options.timeout = 200ms;
  httpc::HTTPConnection conn("127.0.0.1", server.port(), options);
  conn.request("GET", "/");
  auto r = conn.getresponse();
  try {
    (void)r.read();
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::timed_out);
  }
}

TEST_CASE("an illegal method or header is std::invalid_argument, an illegal URL InvalidURL; "
          "nothing is sent") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  CHECK_THROWS_AS(conn.request("GE T", "/"), std::invalid_argument);
  CHECK_THROWS_AS(conn.request("GET", "/", {}, {{"Bad Name", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(conn.request("GET", "/", {}, {{"X", "a\r\nInjected: 1"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(conn.request("GET", "/a b"), httpc::InvalidURL);
  CHECK_THROWS_AS(conn.request("GET", "/\x01"), httpc::InvalidURL);
  conn.request("GET", "/ok");
  CHECK(conn.getresponse().status() == 200);
  REQUIRE(server.wait_for_requests(1, 2s));
  CHECK(server.requests()[0].starts_with("GET /ok HTTP/1.1\r\n"));
}

TEST_CASE("getresponse without a request is ResponseNotReady, as in CPython") {
  httpc::HTTPConnection conn("127.0.0.1", httpc::test::refused_port());
  CHECK_THROWS_WITH_AS((void)conn.getresponse(), "Idle", httpc::ResponseNotReady);
}

TEST_CASE("every httpc::error maps to its exception") {
  using httpc::error;
  const auto thrown = [](error e) -> std::string {
    try {
      httpc::detail::throw_error(e);
    } catch (const httpc::RemoteDisconnected&) {
      return "RemoteDisconnected";
    } catch (const httpc::BadStatusLine&) {
      return "BadStatusLine";
    } catch (const httpc::CannotSendRequest&) {
      return "CannotSendRequest";
    } catch (const httpc::CannotSendHeader&) {
      return "CannotSendHeader";
    } catch (const httpc::ResponseNotReady&) {
      return "ResponseNotReady";
    } catch (const httpc::ImproperConnectionState&) {
      return "ImproperConnectionState";
    } catch (const httpc::NotConnected&) {
      return "NotConnected";
    } catch (const httpc::InvalidURL&) {
      return "InvalidURL";
    } catch (const httpc::UnknownProtocol&) {
      return "UnknownProtocol";
    } catch (const httpc::UnknownTransferEncoding&) {
      return "UnknownTransferEncoding";
    } catch (const httpc::UnimplementedFileMode&) {
      return "UnimplementedFileMode";
    } catch (const httpc::IncompleteRead&) {
      return "IncompleteRead";
    } catch (const httpc::LineTooLong&) {
      return "LineTooLong";
    } catch (const httpc::HTTPException&) {
      return "HTTPException";
    } catch (const std::invalid_argument&) {
      return "invalid_argument";
    } catch (const std::system_error&) {
      return "system_error";
    }
    return "nothing";
  };
  CHECK(thrown(error::remote_disconnected) == "RemoteDisconnected");
  CHECK(thrown(error::bad_status_line) == "BadStatusLine");
  CHECK(thrown(error::unknown_protocol) == "UnknownProtocol");
  CHECK(thrown(error::line_too_long) == "LineTooLong");
  CHECK(thrown(error::too_many_headers) == "HTTPException");
  CHECK(thrown(error::head_too_large) == "HTTPException");
  CHECK(thrown(error::bad_header) == "HTTPException");
  CHECK(thrown(error::incomplete_head) == "HTTPException");
  CHECK(thrown(error::bad_content_length) == "HTTPException");
  CHECK(thrown(error::unknown_transfer_encoding) == "UnknownTransferEncoding");
  CHECK(thrown(error::bad_transfer_encoding) == "HTTPException");
  CHECK(thrown(error::bad_chunk) == "HTTPException");
  CHECK(thrown(error::chunk_size_overflow) == "HTTPException");
  CHECK(thrown(error::incomplete_body) == "IncompleteRead");
  CHECK(thrown(error::body_too_large) == "HTTPException");
  CHECK(thrown(error::not_connected) == "NotConnected");
  CHECK(thrown(error::invalid_url) == "InvalidURL");
  CHECK(thrown(error::unimplemented_file_mode) == "UnimplementedFileMode");
  CHECK(thrown(error::improper_connection_state) == "ImproperConnectionState");
  CHECK(thrown(error::cannot_send_request) == "CannotSendRequest");
  CHECK(thrown(error::cannot_send_header) == "CannotSendHeader");
  CHECK(thrown(error::response_not_ready) == "ResponseNotReady");
  CHECK(thrown(error::tunnel_failed) == "HTTPException");
  CHECK(thrown(error::invalid_method) == "invalid_argument");
  CHECK(thrown(error::invalid_header_name) == "invalid_argument");
  CHECK(thrown(error::invalid_header_value) == "invalid_argument");
  CHECK(thrown(error::invalid_target) == "InvalidURL");
  CHECK(thrown(error::invalid_request_framing) == "invalid_argument");
  CHECK(thrown(error::too_many_interim_responses) == "HTTPException");
  CHECK(thrown(error::insecure_redirect) == "HTTPException");
  CHECK(thrown(error::unsupported_content_encoding) == "HTTPException");
  CHECK(thrown(error::bad_content_encoding) == "HTTPException");

  // Other categories keep their code.
  try {
    httpc::detail::throw_error(std::make_error_code(std::errc::connection_reset));
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::connection_reset);
  }

  // The context's details reach the exception.
  httpc::detail::failure_context context;
  context.received = "XTTP nonsense\r\nrest";
  try {
    httpc::detail::throw_error(error::bad_status_line, context);
  } catch (const httpc::BadStatusLine& e) {
    CHECK(e.line == "XTTP nonsense\r\n");
  }
  httpc::detail::failure_context partial;
  partial.partial = "abc";
  partial.expected = 4;
  try {
    httpc::detail::throw_error(error::incomplete_body, partial);
  } catch (const httpc::IncompleteRead& e) {
    CHECK(e.partial == "abc");
    CHECK(e.expected == std::optional<std::size_t>(4));
  }
  // A bad chunk inside a body spoils it: IncompleteRead with what was read.
  httpc::detail::failure_context chunked;
  chunked.in_body = true;
  chunked.partial = "ab";
  CHECK_THROWS_AS(httpc::detail::throw_error(error::bad_chunk, chunked), httpc::IncompleteRead);
  CHECK_THROWS_WITH_AS(httpc::detail::throw_error(error::chunk_size_overflow, chunked),
                       "IncompleteRead(2 bytes read)", httpc::IncompleteRead);
  // A tunnel the proxy refused names its answer.
  httpc::detail::failure_context refused;
  refused.refusal = "403 Forbidden";
  CHECK_THROWS_WITH_AS(httpc::detail::throw_error(error::tunnel_failed, refused),
                       "Tunnel connection failed: 403 Forbidden", httpc::HTTPException);
}

// --- putrequest / putheader / endheaders / send -----------------------------------

TEST_CASE("putrequest, putheader, endheaders and send: the bytes CPython sends") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                        step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.putrequest("POST", "/form");
  conn.putheader("Content-Length", 5);
  conn.putheader("X-Multi", "one", std::string("two"), std::string_view("three"));
  conn.endheaders();
  conn.send("hello");
  auto r1 = conn.getresponse();
  CHECK(r1.read() == "ok");

  conn.putrequest("GET", "/bare", true, true);  // skip_host, skip_accept_encoding
  conn.putheader("Host", "example.test");
  conn.endheaders();
  auto r2 = conn.getresponse();
  CHECK(r2.read().empty());

  REQUIRE(server.wait_for_requests(2, 2s));
  CHECK(server.requests()[0] == "POST /form HTTP/1.1\r\n" + host_field(server) +
                                    "Accept-Encoding: identity\r\nContent-Length: 5\r\n"
                                    "X-Multi: one\r\n\ttwo\r\n\tthree\r\n\r\nhello");
  CHECK(server.requests()[1] == "GET /bare HTTP/1.1\r\nHost: example.test\r\n\r\n");
  CHECK(server.connections() == 1);
}

TEST_CASE("endheaders sends the body given, chunk-framed with encode_chunked") {
  script_server server;
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  server.on_connection({step::read_request(), step::send(ok), step::read_request(), step::send(ok),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.putrequest("PUT", "/raw");
  conn.putheader("Content-Length", "3");
  conn.endheaders("abc");
  conn.getresponse().read();
  conn.putrequest("PUT", "/chunked");
  conn.putheader("Transfer-Encoding", "chunked");
  std::vector<std::string> pieces{"first", "", "second piece"};
  std::size_t next = 0;
  conn.endheaders(httpc::Body([&]() -> std::optional<std::string> {
                    if (next == pieces.size()) return std::nullopt;
                    return pieces[next++];
                  }),
                  true);
  conn.getresponse().read();
  REQUIRE(server.wait_for_requests(2, 2s));
  const std::string common = host_field(server) + "Accept-Encoding: identity\r\n";
  CHECK(server.requests()[0] == "PUT /raw HTTP/1.1\r\n" + common + "Content-Length: 3\r\n\r\nabc");
  // The empty piece is skipped: it would end the body.
  CHECK(server.requests()[1] == "PUT /chunked HTTP/1.1\r\n" + common +
                                    "Transfer-Encoding: chunked\r\n\r\n"
                                    "5\r\nfirst\r\nC\r\nsecond piece\r\n0\r\n\r\n");
}

TEST_CASE("the request state machine: CannotSendRequest, CannotSendHeader, ResponseNotReady") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  CHECK_THROWS_AS(conn.putheader("X", "y"), httpc::CannotSendHeader);
  CHECK_THROWS_AS(conn.endheaders(), httpc::CannotSendHeader);
  conn.putrequest("GET", "/");
  CHECK_THROWS_AS(conn.putrequest("GET", "/again"), httpc::CannotSendRequest);
  CHECK_THROWS_AS(conn.request("GET", "/again"), httpc::CannotSendRequest);
  CHECK_THROWS_WITH_AS((void)conn.getresponse(), "Idle", httpc::ResponseNotReady);
  conn.endheaders();
  CHECK_THROWS_AS(conn.endheaders(), httpc::CannotSendHeader);
  CHECK_THROWS_AS(conn.putheader("X", "y"), httpc::CannotSendHeader);
  CHECK_THROWS_WITH_AS(conn.request("GET", "/again"), "Request-sent", httpc::CannotSendRequest);
  auto response = conn.getresponse();
  CHECK(response.read() == "ok");
  // close() makes any state idle again.
  conn.putrequest("GET", "/");
  conn.close();
  CHECK_NOTHROW(conn.putrequest("GET", "/"));
  CHECK(server.wait_for_requests(1, 2s));
  CHECK(server.requests().size() == 1);
}

TEST_CASE("illegal input is refused before anything is sent, and the state stays idle") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  CHECK_THROWS_AS(conn.putrequest("GE T", "/"), std::invalid_argument);
  CHECK_THROWS_AS(conn.putrequest("GET", "/a b"), httpc::InvalidURL);
  CHECK_THROWS_AS(conn.putrequest("GET", "/\x7f"), httpc::InvalidURL);
  CHECK_THROWS_AS(conn.putrequest("GET", "/caf\xc3\xa9"), httpc::InvalidURL);
  conn.putrequest("GET", "/");
  CHECK_THROWS_AS(conn.putheader("Bad Name", "v"), std::invalid_argument);
  CHECK_THROWS_AS(conn.putheader("X", "a\r\nInjected: 1"), std::invalid_argument);
  CHECK_THROWS_AS(conn.putheader("X", std::string_view("a\0b", 3)), std::invalid_argument);
  conn.endheaders();
  CHECK(conn.getresponse().status() == httpc::OK);
  REQUIRE(server.wait_for_requests(1, 2s));
  CHECK(server.requests()[0] ==
        "GET / HTTP/1.1\r\n" + host_field(server) + "Accept-Encoding: identity\r\n\r\n");
}

// --- Bodies -----------------------------------------------------------------------

TEST_CASE("a stream body goes chunked in blocksize pieces, or raw with the caller's length") {
  script_server server;
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  server.on_connection({step::read_request(), step::send(ok), step::read_request(), step::send(ok),
                        step::close()});
  httpc::ConnectionOptions options;
  options.blocksize = 4;
  httpc::HTTPConnection conn("127.0.0.1", server.port(), options);
  std::istringstream chunked_file("0123456789");
  conn.request("POST", "/chunked", chunked_file);
  conn.getresponse().read();
  std::istringstream sized_file("0123456789");
  conn.request("POST", "/sized", sized_file, {{"Content-Length", "10"}});
  conn.getresponse().read();
  REQUIRE(server.wait_for_requests(2, 2s));
  const std::string common = host_field(server) + "Accept-Encoding: identity\r\n";
  CHECK(server.requests()[0] == "POST /chunked HTTP/1.1\r\n" + common +
                                    "Transfer-Encoding: chunked\r\n\r\n"
                                    "4\r\n0123\r\n4\r\n4567\r\n2\r\n89\r\n0\r\n\r\n");
  CHECK(server.requests()[1] ==
        "POST /sized HTTP/1.1\r\n" + common + "Content-Length: 10\r\n\r\n0123456789");
}

TEST_CASE("a chunk source is sent chunked; encode_chunked frames a body the caller declared chunked") {
  script_server server;
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  server.on_connection({step::read_request(), step::send(ok), step::read_request(), step::send(ok),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  int calls = 0;
  conn.request("POST", "/source", [&]() -> std::optional<std::string> {
    if (++calls > 2) return std::nullopt;
    return std::string(static_cast<std::size_t>(calls) * 3, 'x');
  });
  conn.getresponse().read();
  conn.request("POST", "/declared", "payload", {{"Transfer-Encoding", "chunked"}}, true);
  conn.getresponse().read();
  REQUIRE(server.wait_for_requests(2, 2s));
  const std::string common = host_field(server) + "Accept-Encoding: identity\r\n";
  CHECK(server.requests()[0] == "POST /source HTTP/1.1\r\n" + common +
                                    "Transfer-Encoding: chunked\r\n\r\n"
                                    "3\r\nxxx\r\n6\r\nxxxxxx\r\n0\r\n\r\n");
  CHECK(server.requests()[1] == "POST /declared HTTP/1.1\r\n" + common +
                                    "Transfer-Encoding: chunked\r\n\r\n7\r\npayload\r\n0\r\n\r\n");
}

// --- Connection reuse -----------------------------------------------------------

TEST_CASE("a kept-alive connection the server closed while idle is replaced before the request") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
                        step::close()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/1");
  CHECK(conn.getresponse().read() == "one");
  REQUIRE(server.wait_for_finished(1, 2s));
  conn.request("GET", "/2");
  CHECK(conn.getresponse().read() == "two");
  REQUIRE(server.wait_for_requests(2, 2s));
  CHECK(server.connections() == 2);
  CHECK(server.requests().size() == 2);  // the second request went out once
  CHECK(server.errors().empty());
}

TEST_CASE("a request while a response is unread is sent; getresponse waits for that response") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"),
                        step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "6\r\nsecond\r\n0\r\n\r\n"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/1");
  auto r1 = conn.getresponse();
  conn.request("GET", "/2");
  REQUIRE(server.wait_for_requests(2, 2s));
  CHECK_THROWS_WITH_AS((void)conn.getresponse(), "Request-sent", httpc::ResponseNotReady);
  CHECK(r1.read(2) == "fi");
  CHECK_THROWS_AS((void)conn.getresponse(), httpc::ResponseNotReady);
  CHECK(r1.read() == "rst");
  CHECK(r1.isclosed());
  auto r2 = conn.getresponse();
  CHECK(r2.read() == "second");
  CHECK(server.connections() == 1);
}

TEST_CASE("a response that will close takes the connection; the next request opens another") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.0 200 OK\r\n\r\nuntil the close"), step::close()});
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"),
                        step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/1");
  auto r1 = conn.getresponse();
  conn.request("GET", "/2");  // while r1 still reads from the first connection
  CHECK(r1.read() == "until the close");
  CHECK(conn.getresponse().read() == "next");
  CHECK(server.connections() == 2);
}

TEST_CASE("close() ends the last response too") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
                        step::expect_close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  auto response = conn.getresponse();
  conn.close();
  CHECK(response.isclosed());
  CHECK(response.read().empty());
  CHECK(server.wait_for_finished(1, 2s));
  CHECK(server.errors().empty());
}

// --- Debug trace ------------------------------------------------------------------

TEST_CASE("set_debuglevel prints http.client's send/reply/header trace") {
  script_server server;
  const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Y: 'q'\r\n\r\nok";
  server.on_connection({step::read_request(), step::send(reply), step::read_request(),
                        step::send(reply), step::close()});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  std::vector<std::string> lines;
  conn.set_debug_sink([&](std::string_view line) { lines.emplace_back(line); });
  conn.request("GET", "/quiet");
  conn.getresponse().read();
  CHECK(lines.empty());  // level 0: silent

  conn.set_debuglevel(1);
  conn.request("POST", "/t", "a'b");
  conn.getresponse().read();
  const std::string port = std::to_string(server.port());
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "send: b'POST /t HTTP/1.1\\r\\nHost: 127.0.0.1:" + port +
                        "\\r\\nAccept-Encoding: identity\\r\\nContent-Length: 3\\r\\n\\r\\n'");
  CHECK(lines[1] == "send: b\"a'b\"");
  CHECK(lines[2] == "reply: 'HTTP/1.1 200 OK\\r\\n'");
  CHECK(lines[3] == "header: Content-Length: 2");
  CHECK(lines[4] == "header: X-Y: 'q'");
}

// --- HTTPS --------------------------------------------------------------------------

TEST_CASE("HTTPSConnection against nginx: verified, kept alive, bodies byte-exact") {
  httpc::TLSOptions tls;
  tls.context = test_ca_context();
  httpc::HTTPSConnection conn(std::string(httpc::test::nginx_tls_host), httpc::test::nginx_https_port(), {}, tls);
  CHECK(conn.port() == httpc::test::nginx_https_port());
  for (int i = 0; i < 3; ++i) {
    conn.request("GET", "/small");
    auto response = conn.getresponse();
    CHECK(response.status() == httpc::OK);
    CHECK(response.read() == httpc::test::nginx_small_body);
  }
  conn.request("GET", "/64k");
  CHECK(conn.getresponse().read() == httpc::test::nginx_file("64k"));
  conn.request("GET", "/chunked");
  CHECK(conn.getresponse().read() == httpc::test::nginx_chunked_body());
  conn.request("POST", "/echo", "posted over TLS");
  CHECK(conn.getresponse().read() == "posted over TLS");
}

TEST_CASE("HTTPS default port is 443") {
  CHECK(httpc::HTTPSConnection("example.test").port() == httpc::HTTPS_PORT);
  CHECK(httpc::HTTPSConnection("example.test:8443").port() == 8443);
  CHECK(httpc::HTTPConnection("example.test").port() == httpc::HTTP_PORT);
}

TEST_CASE("the default context verifies against the system trust store") {
  // nginx's certificate comes from the tests' own CA, which the system does
  // not trust.
  httpc::HTTPSConnection conn("localhost", httpc::test::nginx_https_port());
  try {
    conn.request("GET", "/small");
    FAIL("the handshake should fail");
  } catch (const std::system_error& e) {
    CHECK(e.code().category() == asio::error::get_ssl_category());
    CHECK(std::string(e.what()).find("certificate verify failed") != std::string::npos);
  }
}

TEST_CASE("an untrusted server certificate fails even with the test CA") {
  httpc::TLSOptions tls;
  tls.context = test_ca_context();
  httpc::HTTPSConnection conn("localhost", httpc::test::nginx_untrusted_port(), {}, tls);
  CHECK_THROWS_AS(conn.request("GET", "/small"), std::system_error);
}

TEST_CASE("check_hostname: a certificate for another name fails, unless it is off") {
  const auto certificate = httpc::test::make_self_signed("other.example");
  httpc::test::script_server server(httpc::test::tls_options::from_pem(certificate.cert_pem, certificate.key_pem));
  server.on_every_connection({step::read_request(),
                              step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), step::close()});
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->add_certificate_authority(asio::buffer(certificate.cert_pem));
  context->set_verify_mode(asio::ssl::verify_peer);
  httpc::TLSOptions tls;
  tls.context = context;
  httpc::HTTPSConnection checked("127.0.0.1", server.port(), {}, tls);
  CHECK_THROWS_AS(checked.request("GET", "/"), std::system_error);
  tls.check_hostname = false;
  httpc::HTTPSConnection unchecked("127.0.0.1", server.port(), {}, tls);
  unchecked.request("GET", "/");
  CHECK(unchecked.getresponse().read() == "ok");
}

TEST_CASE("key_file / cert_file: the default context presents a client certificate") {
  // OpenSSL's default verify paths honour SSL_CERT_FILE: the default
  // context then trusts the tests' CA.
  ::setenv("SSL_CERT_FILE", httpc::test::test_ca().c_str(), 1);
  httpc::TLSOptions tls;
  tls.cert_file = httpc::test::test_client_cert();
  tls.key_file = httpc::test::test_client_key();
  httpc::HTTPSConnection with_certificate("localhost", httpc::test::nginx_mtls_port(), {}, tls);
  with_certificate.request("GET", "/client-cert");
  auto response = with_certificate.getresponse();
  CHECK(response.status() == httpc::OK);
  response.read();

  httpc::HTTPSConnection without("localhost", httpc::test::nginx_mtls_port());
  without.request("GET", "/client-cert");
  CHECK(without.getresponse().status() != httpc::OK);  // nginx: 400, no certificate sent
  ::unsetenv("SSL_CERT_FILE");

  tls.cert_file = "/nonexistent/cert.pem";
  CHECK_THROWS_AS(httpc::HTTPSConnection("localhost", 443, {}, tls), std::system_error);

  tls.cert_file.clear();
  CHECK_THROWS_AS(httpc::HTTPSConnection("localhost", 443, {}, tls), std::invalid_argument);
}

// --- Tunnels ----------------------------------------------------------------------

TEST_CASE("set_tunnel: CONNECT through a proxy, then HTTP to the target") {
  connect_proxy proxy;
  httpc::HTTPConnection conn("127.0.0.1", proxy.port());
  conn.set_tunnel("127.0.0.1", httpc::test::nginx_http_port(), {{"Proxy-Authorization", "Basic dXNlcjpwYXNz"}});
  conn.request("GET", "/headers");
  const std::string echoed = conn.getresponse().read();
  conn.request("GET", "/small");
  CHECK(conn.getresponse().read() == httpc::test::nginx_small_body);
  const std::string port = std::to_string(httpc::test::nginx_http_port());
  // Host names the target, not the proxy.
  CHECK(echoed.find("Host: 127.0.0.1:" + port + "\r\n") != std::string::npos);
  REQUIRE(proxy.heads().size() == 1);
  CHECK(proxy.heads()[0] == "CONNECT 127.0.0.1:" + port +
                                " HTTP/1.0\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n");
  CHECK_THROWS_AS(conn.set_tunnel("elsewhere"), std::logic_error);
}

TEST_CASE("set_tunnel over HTTPS: the TLS handshake goes through the tunnel, with the target's name") {
  connect_proxy proxy;
  httpc::TLSOptions tls;
  tls.context = test_ca_context();
  httpc::HTTPSConnection conn("127.0.0.1", proxy.port(), {}, tls);
  conn.set_tunnel("localhost", httpc::test::nginx_https_port());
  conn.request("GET", "/small");
  CHECK(conn.getresponse().read() == httpc::test::nginx_small_body);
  REQUIRE(proxy.heads().size() == 1);
  CHECK(proxy.heads()[0] ==
        "CONNECT localhost:" + std::to_string(httpc::test::nginx_https_port()) + " HTTP/1.0\r\n\r\n");
}

TEST_CASE("a CONNECT the proxy refuses: HTTPException \"Tunnel connection failed: ...\"") {
  script_server proxy;
  proxy.on_connection({step::read_until("\r\n\r\n"),
                       step::send("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"),
                       step::close()});
  httpc::HTTPConnection conn("127.0.0.1", proxy.port());
  conn.set_tunnel("example.test", 80);
  CHECK_THROWS_WITH_AS(conn.request("GET", "/"), "Tunnel connection failed: 407 Proxy Authentication Required",
                       httpc::HTTPException);
}

TEST_CASE("a proxy's bytes after its 200 to CONNECT are refused, not taken as the first response") {
  script_server proxy;
  proxy.on_connection({step::read_until("\r\n\r\n"),
                       step::send("HTTP/1.1 200 Connection established\r\n\r\n"
                                  "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL"),
                       step::stall(2s)});
  httpc::HTTPConnection conn("127.0.0.1", proxy.port());
  conn.set_tunnel("example.test", 80);
  CHECK_THROWS_WITH_AS(conn.request("GET", "/"), doctest::Contains("tunnel"), httpc::HTTPException);
}

TEST_CASE("a proxy that answers CONNECT without a status line opens no tunnel, though not strict") {
  script_server proxy;
  proxy.on_connection({step::read_until("\r\n\r\n"), step::send("garbage\r\n\r\n"), step::stall(2s)});
  httpc::HTTPConnection conn("127.0.0.1", proxy.port());
  conn.set_tunnel("example.test", 80);
  CHECK_THROWS_AS(conn.request("GET", "/"), httpc::BadStatusLine);
}

TEST_CASE("endless 102 Processing: HTTPException after five interim responses") {
  script_server server;
  std::string processing;
  for (int i = 0; i < 6; ++i) processing += "HTTP/1.1 102 Processing\r\n\r\n";
  server.on_connection({step::read_request(), step::send(processing), step::stall(2s)});
  httpc::HTTPConnection conn("127.0.0.1", server.port());
  conn.request("GET", "/");
  CHECK_THROWS_WITH_AS(conn.getresponse(), "too many interim (1xx) responses", httpc::HTTPException);
}

// --- nginx ------------------------------------------------------------------------

TEST_CASE("nginx: many requests on one kept-alive connection, every body form") {
  httpc::HTTPConnection conn("127.0.0.1", httpc::test::nginx_http_port());
  const std::string big = httpc::test::nginx_file("16m");
  for (int i = 0; i < 50; ++i) {
    conn.request("GET", "/small");
    CHECK(conn.getresponse().read() == httpc::test::nginx_small_body);
  }
  conn.request("GET", "/16m");
  auto response = conn.getresponse();
  std::string body;
  std::array<char, 65536> buffer;
  while (const std::size_t n = response.readinto(buffer)) body.append(buffer.data(), n);
  CHECK(body == big);
  conn.request("HEAD", "/64k");
  auto head = conn.getresponse();
  CHECK(head.getheader("Content-Length") == "65536");
  CHECK(head.read().empty());
  std::istringstream file(std::string(100000, 'f'));
  conn.request("POST", "/echo", file);
  CHECK(conn.getresponse().read() == std::string(100000, 'f'));
  conn.request("GET", "/until-close");
  CHECK(conn.getresponse().read() == httpc::test::nginx_until_close_body);
  conn.request("GET", "/status/404");
  auto not_found = conn.getresponse();
  CHECK(not_found.status() == httpc::NOT_FOUND);
  CHECK(not_found.reason() == "Not Found");
}

// --- Threads and event loops ------------------------------------------------------

TEST_CASE("many connections in many threads at once") {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&good] {
      httpc::HTTPConnection conn("127.0.0.1", httpc::test::nginx_http_port());
      for (int i = 0; i < 50; ++i) {
        conn.request("GET", "/small");
        if (conn.getresponse().read() == httpc::test::nginx_small_body) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(good == 200);
}

TEST_CASE("the facade works from inside a coroutine of another io_context") {
  script_server server;
  server.on_connection({step::read_request(),
                        step::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), step::close()});
  asio::io_context io;
  std::string body;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        httpc::HTTPConnection conn("127.0.0.1", server.port());
        conn.request("GET", "/");
        body = conn.getresponse().read();
        co_return;
      },
      asio::detached);
  io.run_for(5s);
  CHECK(body == "ok");
}

// --- Timeouts ---------------------------------------------------------------------

TEST_CASE("timeout: connect to a listener whose backlog is full") {
  const httpc::test::unanswered_port unanswered;
  httpc::ConnectionOptions options;
  options.timeout = 300ms;
  httpc::HTTPConnection conn("127.0.0.1", unanswered.port(), options);
  const auto start = std::chrono::steady_clock::now();
  try {
    conn.connect();
    FAIL("connect should time out");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::timed_out);
  }
  CHECK(std::chrono::steady_clock::now() - start < 3s);
}

// --- Responses end to end ---------------------------------------------------------

/// What the facade makes of one response: "STATUS REASON|body", or the
/// name of the exception it throws.
std::string outcome(std::string reply, std::string_view method = "GET", bool strict = false) {
  script_server server;
  server.on_connection({step::read_request(), step::send(std::move(reply)), step::close()});
  httpc::ConnectionOptions options;
  options.strict = strict;
  httpc::HTTPConnection conn("127.0.0.1", server.port(), options);
  try {
    conn.request(method, "/");
    auto response = conn.getresponse();
    const std::string body = response.read();
    return std::to_string(response.status()) + " " + response.reason() + "|" + body;
  } catch (const httpc::RemoteDisconnected&) {
    return "RemoteDisconnected";
  } catch (const httpc::BadStatusLine&) {
    return "BadStatusLine";
  } catch (const httpc::LineTooLong&) {
    return "LineTooLong";
  } catch (const httpc::UnknownProtocol&) {
    return "UnknownProtocol";
  } catch (const httpc::UnknownTransferEncoding&) {
    return "UnknownTransferEncoding";
  } catch (const httpc::IncompleteRead&) {
    return "IncompleteRead";
  } catch (const httpc::HTTPException&) {
    return "HTTPException";
  }
}

std::string with_fields(std::size_t count) {
  std::string reply = "HTTP/1.1 200 OK\r\n";
  for (std::size_t i = 0; i < count - 1; ++i) reply += "X-" + std::to_string(i) + ": v\r\n";
  return reply + "Content-Length: 2\r\n\r\nok";
}

TEST_CASE("responses end to end: interim responses, limits, framing errors") {
  // Every 1xx but 101 is skipped; 101 is the response.
  CHECK(outcome("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") == "200 OK|ok");
  CHECK(outcome("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n").starts_with("101 Switching Protocols|"));
  // 100 header lines are accepted, 101 are not.
  CHECK(outcome(with_fields(100)) == "200 OK|ok");
  CHECK(outcome(with_fields(101)) == "HTTPException");
  CHECK(outcome("HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'x') + "\r\n\r\n") == "LineTooLong");
  // Framing.
  CHECK(outcome("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz") == "UnknownTransferEncoding");
  CHECK(outcome("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok") == "HTTPException");
  CHECK(outcome("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok") == "200 OK|ok");
  CHECK(outcome("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok") == "HTTPException");
  CHECK(outcome("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n"
                "2\r\nok\r\n0\r\n\r\n") == "200 OK|ok");
  // A bad chunk size spoils the body: IncompleteRead, as in CPython.
  CHECK(outcome("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n") == "IncompleteRead");
  CHECK(outcome("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nok") == "IncompleteRead");
  // No body for HEAD, 204 and 304, whatever their fields say.
  CHECK(outcome("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD") == "200 OK|");
  CHECK(outcome("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n") == "304 Not Modified|");
  // Status lines.
  CHECK(outcome("") == "RemoteDisconnected");
  CHECK(outcome("HTTP/1.1 abc OK\r\n\r\n") == "BadStatusLine");
  CHECK(outcome("HTTP/2.0 200 OK\r\n\r\n") == "UnknownProtocol");
  CHECK(outcome("ICY 200 OK\r\n\r\nstream") == "200 |ICY 200 OK\r\n\r\nstream");
  CHECK(outcome("ICY 200 OK\r\n\r\nstream", "GET", true) == "BadStatusLine");
  CHECK(outcome("HTTP/1.0 200 OK\r\n\r\nto the close") == "200 OK|to the close");
}

TEST_CASE("timeout: a server that stops reading a large body") {
  script_server server;
  server.on_connection({step::stall(3s), step::close()});
  httpc::ConnectionOptions options;
  options.timeout = 300ms;
  httpc::HTTPConnection conn("127.0.0.1", server.port(), options);
  const std::string body(64 * 1024 * 1024, 'b');  // more than the socket buffers hold
  const auto start = std::chrono::steady_clock::now();
  try {
    conn.request("POST", "/", body);
    FAIL("the write should time out");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::timed_out);
  }
  CHECK(std::chrono::steady_clock::now() - start < 3s);
}

}  // namespace
