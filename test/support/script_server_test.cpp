// Tests of the scripted loopback server (test/support/script_server.hpp),
// driven by plain Asio client sockets: no httpc code is involved.
#include "support/script_server.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>  // getpid

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using httpc::test::script_server;
using httpc::test::step;
using tcp = asio::ip::tcp;
using tls_stream = asio::ssl::stream<tcp::socket>;
using steady = std::chrono::steady_clock;

/// How one bounded client operation ended.
struct outcome {
  std::error_code ec;
  std::size_t n = 0;
  bool timed_out = false;
};

/// A client connection over Stream (a TCP socket or a TLS stream): blocking
/// connect and writes; reads and handshakes bounded by a timeout of the
/// client's own, on the client's own io_context.
template <class Stream>
class client {
 public:
  template <class... Context>
  explicit client(std::uint16_t port, Context&... context)
      : client(asio::ip::address_v4::loopback(), port, context...) {}

  template <class... Context>
  client(const asio::ip::address& address, std::uint16_t port, Context&... context)
      : stream_(io_, context...) {
    lowest().connect({address, port});
  }

  Stream& stream() { return stream_; }
  tcp::socket& lowest() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      return stream_;
    } else {
      return stream_.next_layer();
    }
  }

  void write(std::string_view data) { asio::write(stream_, asio::buffer(data)); }

  outcome handshake(std::chrono::milliseconds timeout = 2s) {
    return bounded(timeout, [this](auto done) {
      stream_.async_handshake(asio::ssl::stream_base::client,
                              [done](std::error_code ec) mutable { done(ec, 0); });
    });
  }

  /// One read, appended to `into`.
  outcome read_some(std::string& into, std::chrono::milliseconds timeout = 2s) {
    const outcome o = bounded(timeout, [this](auto done) {
      stream_.async_read_some(asio::buffer(buffer_), done);
    });
    into.append(buffer_.data(), o.n);
    return o;
  }

  /// Reads until an error (the end of the stream included) or the timeout;
  /// `pieces` counts the reads that returned bytes.
  std::string read_to_end(outcome& last, std::chrono::milliseconds timeout = 2s,
                          std::vector<std::string>* pieces = nullptr) {
    const auto deadline = steady::now() + timeout;
    std::string all;
    for (;;) {
      std::string piece;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - steady::now());
      last = read_some(piece, std::max(left, 1ms));
      all += piece;
      if (pieces != nullptr && !piece.empty()) pieces->push_back(piece);
      if (last.ec) return all;
    }
  }

  /// Reads until `all` ends with the delimiter (or an error).
  outcome read_until(std::string& all, std::string_view delimiter,
                     std::chrono::milliseconds timeout = 2s) {
    outcome o;
    while (all.find(delimiter) == std::string::npos) {
      o = read_some(all, timeout);
      if (o.ec) break;
    }
    return o;
  }

  void close() {
    std::error_code ignored;
    lowest().close(ignored);
  }

 private:
  /// Starts an operation with a completion handler void(error_code, size_t)
  /// and runs the io_context until it completes; at the timeout the socket is
  /// cancelled, and the operation ends with operation_aborted.
  template <class Start>
  outcome bounded(std::chrono::milliseconds timeout, Start start) {
    outcome o;
    bool done = false;
    start([&o, &done](std::error_code ec, std::size_t n) {
      o.ec = ec;
      o.n = n;
      done = true;
    });
    io_.restart();
    io_.run_for(timeout);
    if (!done) {
      o.timed_out = true;
      std::error_code ignored;
      lowest().cancel(ignored);
      io_.restart();
      io_.run();
    }
    return o;
  }

  asio::io_context io_;
  Stream stream_;
  std::array<char, 4096> buffer_{};
};

using tcp_client = client<tcp::socket>;
using tls_client = client<tls_stream>;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::chrono::milliseconds since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
}

const std::string ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

}  // namespace

TEST_CASE("read_request records a Content-Length request byte-exact, then the script runs") {
  script_server server;
  server.on_connection({step::read_request(), step::send(ok_response), step::close()});

  const std::string request =
      "POST /submit?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-LENGTH:  11 \r\n\r\nhello world";
  tcp_client c(server.port());
  c.write(request);
  outcome end;
  CHECK(c.read_to_end(end) == ok_response);
  CHECK(end.ec == asio::error::eof);
  c.close();

  REQUIRE(server.wait_for_requests(1, 2s));
  CHECK(server.requests() == std::vector<std::string>{request});
  CHECK(server.reads() == std::vector<std::string>{request});
  REQUIRE(server.wait_for_finished(1, 2s));
  CHECK(server.connections() == 1);
  CHECK(server.errors().empty());
}

TEST_CASE("chunked and pipelined requests are each recorded, split where they end") {
  script_server server;
  server.on_connection({step::read_request(), step::read_request(), step::read_request(),
                        step::send(ok_response + ok_response + ok_response), step::close()});

  const std::string chunked =
      "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: t\r\n\r\n";
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string empty_chunked =
      "PUT /e HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  tcp_client c(server.port());
  c.write(chunked + get);  // one write: the server must split them
  c.write(empty_chunked.substr(0, 10));
  c.write(empty_chunked.substr(10));
  outcome end;
  CHECK(c.read_to_end(end) == ok_response + ok_response + ok_response);
  c.close();

  REQUIRE(server.wait_for_requests(3, 2s));
  CHECK(server.requests() == std::vector<std::string>{chunked, get, empty_chunked});
  REQUIRE(server.wait_for_finished(1, 2s));
  CHECK(server.errors().empty());
}

TEST_CASE("connections run their scripts in order; extra ones get the default") {
  script_server server;
  server.on_connection({step::send("first")});
  server.on_connection({step::send("second")});
  {
    outcome end;
    tcp_client a(server.port());
    CHECK(a.read_to_end(end) == "first");
    CHECK(end.ec == asio::error::eof);
    tcp_client b(server.port());
    CHECK(b.read_to_end(end) == "second");
    tcp_client extra(server.port());  // default: close at once
    CHECK(extra.read_to_end(end).empty());
    CHECK(end.ec == asio::error::eof);
  }
  server.on_every_connection({step::send("again")});
  for (int i = 0; i < 2; ++i) {
    outcome end;
    tcp_client more(server.port());
    CHECK(more.read_to_end(end) == "again");
  }
  CHECK(server.wait_for_finished(5, 2s));
  CHECK(server.connections() == 5);
  CHECK(server.errors().empty());
}

TEST_CASE("read_until and read_bytes carry an Expect: 100-continue exchange") {
  script_server server;
  server.on_connection({step::read_until("\r\n\r\n"), step::send("HTTP/1.1 100 Continue\r\n\r\n"),
                        step::read_bytes(5), step::send(ok_response), step::close()});

  const std::string head =
      "PUT /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  tcp_client c(server.port());
  c.write(head);
  std::string interim;
  CHECK_FALSE(c.read_until(interim, "\r\n\r\n").ec);
  CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
  c.write("ab");
  c.write("cde");
  outcome end;
  CHECK(c.read_to_end(end) == ok_response);
  c.close();

  REQUIRE(server.wait_for_reads(2, 2s));
  CHECK(server.reads() == std::vector<std::string>{head, "abcde"});
  CHECK(server.requests().empty());
  REQUIRE(server.wait_for_finished(1, 2s));
  CHECK(server.errors().empty());
}

TEST_CASE("send_pieces sends every piece, in order, with the delays between") {
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
  script_server server;
  server.on_connection({step::send_pieces(response, {1, 5, 17, 30}, 40ms), step::close()});
  server.on_connection({step::send_pieces_of(response, 7, 0ms), step::close()});

  tcp_client c(server.port());
  const auto start = steady::now();
  outcome end;
  std::vector<std::string> pieces;
  CHECK(c.read_to_end(end, 2s, &pieces) == response);
  CHECK(end.ec == asio::error::eof);
  CHECK(since(start) >= 150ms);  // four gaps of 40 ms
  CHECK(pieces.size() >= 2);     // the gaps separate the writes
  MESSAGE("pieces read: ", pieces.size());

  tcp_client d(server.port());
  CHECK(d.read_to_end(end) == response);
  c.close();
  d.close();
  REQUIRE(server.wait_for_finished(2, 2s));
  CHECK(server.errors().empty());

  CHECK_THROWS_AS(step::send_pieces("abc", {2, 1}, 0ms), std::invalid_argument);
  CHECK_THROWS_AS(step::send_pieces("abc", {4}, 0ms), std::invalid_argument);
  CHECK_THROWS_AS(step::send_pieces_of("abc", 0, 0ms), std::invalid_argument);
}

TEST_CASE("delay holds the next step back") {
  script_server server;
  server.on_connection({step::delay(150ms), step::send("late")});
  tcp_client c(server.port());
  const auto start = steady::now();
  outcome end;
  CHECK(c.read_to_end(end) == "late");
  CHECK(since(start) >= 140ms);
}

// The client here compares with asio::error values: Asio 1.22's own system
// category ("asio.system") maps no code to std::errc, so asio.system:104 is
// not equal to std::errc::connection_reset.
TEST_CASE("reset makes the client's read fail with connection_reset") {
  script_server server;
  server.on_connection({step::read_request(), step::reset()});
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\n"), step::reset()});

  tcp_client c(server.port());
  c.write("GET / HTTP/1.1\r\n\r\n");
  outcome end;
  CHECK(c.read_to_end(end).empty());
  CHECK(end.ec == asio::error::connection_reset);
  CHECK_FALSE(end.timed_out);

  // Bytes sent before the reset may or may not be delivered; the reset is.
  tcp_client d(server.port());
  d.write("GET / HTTP/1.1\r\n\r\n");
  const std::string partial = d.read_to_end(end);
  CHECK(std::string_view("HTTP/1.1 200 OK\r\n").starts_with(partial));
  CHECK(end.ec == asio::error::connection_reset);
  REQUIRE(server.wait_for_finished(2, 2s));
  CHECK(server.errors().empty());
}

TEST_CASE("stall keeps the client's read pending until its own timeout, then closes") {
  script_server server;
  server.on_connection({step::read_request(), step::stall(500ms)});
  tcp_client c(server.port());
  const auto start = steady::now();
  c.write("GET / HTTP/1.1\r\n\r\n");
  std::string got;
  const outcome first = c.read_some(got, 150ms);
  CHECK(first.timed_out);
  CHECK(first.ec == asio::error::operation_aborted);
  CHECK(got.empty());

  outcome end;
  CHECK(c.read_to_end(end, 2s).empty());
  CHECK(end.ec == asio::error::eof);
  CHECK(since(start) >= 450ms);
  c.close();
  REQUIRE(server.wait_for_finished(1, 2s));
  CHECK(server.errors().empty());
}

TEST_CASE("expect_close passes when the client closes and fails when it does not") {
  script_server server(httpc::test::server_options{.linger = 200ms});
  server.on_connection({step::send("bye"), step::expect_close()});
  server.on_connection({step::expect_close(100ms)});
  server.on_connection({step::expect_close(1s)});

  {
    tcp_client c(server.port());
    std::string got;
    CHECK_FALSE(c.read_until(got, "bye").ec);
    c.close();
    REQUIRE(server.wait_for_finished(1, 2s));
    CHECK(server.errors().empty());
  }
  {
    tcp_client c(server.port());  // stays open: the server gives up and closes
    outcome end;
    CHECK(c.read_to_end(end).empty());
    CHECK(end.ec == asio::error::eof);
    REQUIRE(server.wait_for_finished(2, 2s));
    REQUIRE(server.errors().size() == 1);
    CHECK(contains(server.errors()[0], "connection 1, step 0 (expect_close)"));
    CHECK(contains(server.errors()[0], "did not close within 100 ms"));
  }
  {
    tcp_client c(server.port());  // sends bytes instead of closing
    c.write("GET /more HTTP/1.1\r\n\r\n");
    REQUIRE(server.wait_for_finished(3, 2s));
    REQUIRE(server.errors().size() == 2);
    CHECK(contains(server.errors()[1], "received \"GET /more HTTP/1.1\\r\\n"));
  }
}

TEST_CASE("a step that fails is reported, and the connection closed") {
  script_server server;
  server.on_connection({step::read_request(100ms), step::send(ok_response)});
  server.on_connection({step::read_request(), step::send(ok_response)});
  server.on_connection({step::read_request(), step::send(ok_response)});

  {
    tcp_client c(server.port());
    c.write("GET / HTTP/1.1\r\nHost:");  // an unfinished head
    outcome end;
    CHECK(c.read_to_end(end).empty());
    CHECK(end.ec == asio::error::eof);
    REQUIRE(server.wait_for_finished(1, 2s));
  }
  {
    tcp_client c(server.port());
    c.write("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort");
    c.close();  // inside the body
    REQUIRE(server.wait_for_finished(2, 2s));
  }
  {
    tcp_client c(server.port());
    c.write("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    REQUIRE(server.wait_for_finished(3, 2s));
  }
  const auto errors = server.errors();
  REQUIRE(errors.size() == 3);
  CHECK(contains(errors[0], "connection 0, step 0 (read_request)"));
  CHECK(contains(errors[0], "timed out"));
  CHECK(contains(errors[1], "the client closed the connection after \"short\""));
  CHECK(contains(errors[2], "bad chunk-size line: zz\\r\\n"));
  CHECK(server.requests().empty());
}

TEST_CASE("wait_for_* time out when nothing arrives") {
  script_server server;
  const auto start = steady::now();
  CHECK_FALSE(server.wait_for_requests(1, 50ms));
  CHECK_FALSE(server.wait_for_connections(1, 50ms));
  CHECK(since(start) >= 90ms);
  CHECK(since(start) < 1s);
}

TEST_CASE("refused_port gives connection_refused") {
  asio::io_context io;
  tcp::socket socket(io);
  std::error_code ec;
  socket.connect({asio::ip::address_v4::loopback(), httpc::test::refused_port()}, ec);
  CHECK(ec == asio::error::connection_refused);
}

TEST_CASE("the destructor is bounded with connections stalled and reads pending") {
  std::optional<script_server> server(std::in_place);
  server->on_connection({step::stall(30s)});
  server->on_connection({step::read_request()});
  server->on_connection({step::delay(30s)});
  tcp_client a(server->port());
  tcp_client b(server->port());
  tcp_client c(server->port());
  REQUIRE(server->wait_for_connections(3, 2s));

  const auto start = steady::now();
  server.reset();
  CHECK(since(start) < 1s);
  for (tcp_client* each : {&a, &b, &c}) {
    outcome end;
    each->read_to_end(end, 1s);
    CHECK_FALSE(end.timed_out);  // the server's side is closed
    CHECK(end.ec);
  }
}

TEST_CASE("with ipv6 the server listens on [::1] and 127.0.0.1, same port") {
  script_server server(httpc::test::server_options{.ipv6 = true});
  server.on_every_connection({step::read_request(), step::send(ok_response)});
  tcp_client v6(asio::ip::address_v6::loopback(), server.port());
  tcp_client v4(asio::ip::address_v4::loopback(), server.port());
  for (tcp_client* each : {&v6, &v4}) {
    each->write("GET / HTTP/1.1\r\n\r\n");
    outcome end;
    CHECK(each->read_to_end(end) == ok_response);
    each->close();
  }
  REQUIRE(server.wait_for_finished(2, 2s));
  CHECK(server.requests().size() == 2);
  CHECK(server.errors().empty());
}

TEST_CASE("make_self_signed gives a certificate and key that OpenSSL accepts") {
  const auto cert = httpc::test::make_self_signed("localhost");
  CHECK(cert.cert_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
  CHECK(cert.key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.use_certificate_chain(asio::buffer(cert.cert_pem));
  context.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
  CHECK(SSL_CTX_check_private_key(context.native_handle()) == 1);
  CHECK(httpc::test::make_self_signed("localhost").cert_pem != cert.cert_pem);  // fresh key
  CHECK_NOTHROW(httpc::test::make_self_signed("127.0.0.1"));
  CHECK_NOTHROW(httpc::test::make_self_signed("::1"));
}

TEST_CASE("TLS: handshake, request and response, close_notify at the end") {
  const auto cert = httpc::test::make_self_signed("localhost");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  CHECK(server.is_tls());
  server.on_connection({step::read_request(), step::send_pieces_of(ok_response, 3, 5ms),
                        step::close()});

  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_verify_mode(asio::ssl::verify_none);
  tls_client c(server.port(), context);
  SSL_set_tlsext_host_name(c.stream().native_handle(), "localhost");
  static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  REQUIRE(SSL_set_alpn_protos(c.stream().native_handle(), alpn, sizeof alpn) == 0);
  REQUIRE_FALSE(c.handshake().ec);

  const std::string request = "GET /secure HTTP/1.1\r\nHost: localhost\r\n\r\n";
  c.write(request);
  outcome end;
  CHECK(c.read_to_end(end) == ok_response);
  CHECK(end.ec == asio::error::eof);  // close_notify: a clean end
  c.close();

  REQUIRE(server.wait_for_finished(1, 2s));
  CHECK(server.requests() == std::vector<std::string>{request});
  REQUIRE(server.handshakes().size() == 1);
  CHECK(server.handshakes()[0].server_name == "localhost");
  CHECK(server.handshakes()[0].alpn == "http/1.1");
  CHECK(server.errors().empty());
}

TEST_CASE("TLS: truncate closes without close_notify; reset and stall work as over TCP") {
  const auto cert = httpc::test::make_self_signed("localhost");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\n\r\npartial"),
                        step::truncate()});
  server.on_connection({step::read_request(), step::reset()});
  server.on_connection({step::stall(300ms)});

  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_verify_mode(asio::ssl::verify_none);
  {
    tls_client c(server.port(), context);
    REQUIRE_FALSE(c.handshake().ec);
    c.write("GET / HTTP/1.1\r\n\r\n");
    outcome end;
    CHECK(c.read_to_end(end) == "HTTP/1.1 200 OK\r\n\r\npartial");
    CHECK(end.ec == asio::ssl::error::stream_truncated);
    CHECK(server.handshakes().at(0).server_name.empty());  // no SNI sent
    CHECK(server.handshakes().at(0).alpn.empty());         // no ALPN offered
  }
  {
    tls_client c(server.port(), context);
    REQUIRE_FALSE(c.handshake().ec);
    c.write("GET / HTTP/1.1\r\n\r\n");
    outcome end;
    c.read_to_end(end);
    CHECK(end.ec == asio::error::connection_reset);
  }
  {
    tls_client c(server.port(), context);
    REQUIRE_FALSE(c.handshake().ec);
    std::string got;
    CHECK(c.read_some(got, 100ms).timed_out);
  }
  REQUIRE(server.wait_for_finished(3, 2s));
  CHECK(server.errors().empty());
}

TEST_CASE("TLS: the certificate and key can come from PEM files") {
  const auto cert = httpc::test::make_self_signed("localhost");
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("script_server_test." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "cert.pem") << cert.cert_pem;
  std::ofstream(dir / "key.pem") << cert.key_pem;
  {
    script_server server(httpc::test::tls_options::from_files((dir / "cert.pem").string(),
                                                              (dir / "key.pem").string()));
    server.on_connection({step::send("hi")});
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.add_certificate_authority(asio::buffer(cert.cert_pem));
    context.set_verify_mode(asio::ssl::verify_peer);
    tls_client c(server.port(), context);
    REQUIRE_FALSE(c.handshake().ec);
    outcome end;
    CHECK(c.read_to_end(end) == "hi");
  }
  std::filesystem::remove_all(dir);
  CHECK_THROWS_AS(script_server(httpc::test::tls_options::from_files((dir / "none.pem").string(),
                                                                     (dir / "none.pem").string())),
                  std::system_error);
}

TEST_CASE("TLS: a client that trusts the certificate verifies it, host name included") {
  const auto cert = httpc::test::make_self_signed("localhost");
  script_server server(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  server.on_every_connection({step::send("hi")});

  asio::ssl::context context(asio::ssl::context::tls_client);
  context.add_certificate_authority(asio::buffer(cert.cert_pem));
  context.set_verify_mode(asio::ssl::verify_peer);
  {
    tls_client c(server.port(), context);
    c.stream().set_verify_callback(asio::ssl::host_name_verification("localhost"));
    REQUIRE_FALSE(c.handshake().ec);
    outcome end;
    CHECK(c.read_to_end(end) == "hi");
  }
  {
    tls_client c(server.port(), context);
    c.stream().set_verify_callback(asio::ssl::host_name_verification("example.com"));
    const outcome o = c.handshake();
    CHECK(o.ec.category() == asio::error::get_ssl_category());
    CHECK(ERR_GET_REASON(static_cast<unsigned long>(o.ec.value())) ==
          SSL_R_CERTIFICATE_VERIFY_FAILED);
  }
  {
    asio::ssl::context untrusting(asio::ssl::context::tls_client);
    untrusting.set_verify_mode(asio::ssl::verify_peer);
    tls_client c(server.port(), untrusting);
    const outcome o = c.handshake();
    CHECK(ERR_GET_REASON(static_cast<unsigned long>(o.ec.value())) ==
          SSL_R_CERTIFICATE_VERIFY_FAILED);
  }
  REQUIRE(server.wait_for_finished(3, 2s));
  // The server saw the two refused handshakes fail.
  CHECK(server.errors().size() == 2);
}

TEST_CASE("TLS: client_ca_pem requires a client certificate") {
  const auto server_cert = httpc::test::make_self_signed("localhost");
  const auto client_cert = httpc::test::make_self_signed("client");
  auto tls = httpc::test::tls_options::from_pem(server_cert.cert_pem, server_cert.key_pem);
  tls.client_ca_pem = client_cert.cert_pem;
  script_server server(tls);
  server.on_every_connection({step::read_request(), step::send(ok_response)});
  {
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_verify_mode(asio::ssl::verify_none);
    context.use_certificate_chain(asio::buffer(client_cert.cert_pem));
    context.use_private_key(asio::buffer(client_cert.key_pem), asio::ssl::context::pem);
    tls_client c(server.port(), context);
    REQUIRE_FALSE(c.handshake().ec);
    c.write("GET / HTTP/1.1\r\n\r\n");
    outcome end;
    CHECK(c.read_to_end(end) == ok_response);
  }
  {
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_verify_mode(asio::ssl::verify_none);
    tls_client c(server.port(), context);
    // TLS 1.3: the client's handshake may complete before the server refuses;
    // then the refusal (an alert) ends the first read.
    outcome o = c.handshake();
    if (!o.ec) {
      std::error_code ignored;
      asio::write(c.stream(), asio::buffer(std::string_view("GET / HTTP/1.1\r\n\r\n")), ignored);
      std::string got;
      o = c.read_some(got);
      CHECK(got.empty());
    }
    CHECK(o.ec.category() == asio::error::get_ssl_category());
  }
  REQUIRE(server.wait_for_finished(2, 2s));
  REQUIRE(server.errors().size() == 1);
  CHECK(contains(server.errors()[0], "connection 1, TLS handshake"));
}
