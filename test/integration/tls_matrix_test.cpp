// TLS against real servers, through every layer: the core (tls_connection),
// the pool and the facade (HTTPSConnection). The servers of the CTest fixture
// `tls_matrix` (test/support/tls_fixture.sh): nginx with one certificate per
// port (expired, not yet valid, self-signed, from an untrusted CA, for another
// name, a partial wildcard, DNS or IP entries only), openssl s_server for TLS
// 1.1 and for a required client certificate (TLS 1.2 and 1.3); the scripted
// server for IPv6 and for a close without close_notify. Each case ends in the
// error docs/reference.md documents (Errors; TLS).
//
// SSL_CERT_FILE (set by CTest) makes the default contexts trust the fixture's
// CA, so the facade's and the pool's own contexts are tested too.
#include "httpc/async.hpp"
#include "httpc/client.hpp"

#include "support/coroutines.hpp"
#include "support/script_server.hpp"
#include "support/tls_fixture.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace {

using namespace std::chrono_literals;
using httpc::test::run_bounded;
using httpc::test::script_server;
using httpc::test::step;
using httpc::test::tls_file;
using httpc::test::tls_port;

constexpr std::string_view nginx_body = "hello, tls\n";

/// How one request ended, in any layer.
struct outcome {
  std::error_code code;       // the std::system_error's, or the pool's error
  std::string exception;      // the facade's HTTPException class, if one was thrown
  std::string body;           // on success
  std::string partial;        // IncompleteRead
  std::optional<std::size_t> expected;
};

std::ostream& operator<<(std::ostream& out, const outcome& o) {
  out << "code " << o.code.category().name() << ":" << o.code.value() << " (" << o.code.message()
      << ")";
  if (!o.exception.empty()) out << ", exception " << o.exception;
  return out << ", body \"" << o.body.substr(0, 40) << "\"";
}

bool succeeded(const outcome& o) { return !o.code && o.exception.empty(); }

bool is_ssl(const outcome& o) { return o.code.category() == asio::error::get_ssl_category(); }

bool verify_failed(const outcome& o) {
  return is_ssl(o) && o.code.message().find("certificate verify failed") != std::string::npos;
}

/// A default context of ours that trusts the fixture's CA.
std::unique_ptr<asio::ssl::context> ours(bool client_certificate = false) {
  auto context = std::make_unique<asio::ssl::context>(httpc::make_tls_context());
  context->load_verify_file(tls_file("ca.pem"));
  if (client_certificate) {
    context->use_certificate_chain_file(tls_file("client.pem"));
    context->use_private_key_file(tls_file("client.key"), asio::ssl::context::pem);
  }
  return context;
}

outcome through_core(asio::ssl::context& context, const std::string& host, std::uint16_t port,
                     httpc::connection_options options = {}) {
  options.connect_timeout = options.read_timeout = options.write_timeout = 3s;
  outcome o;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::tls_connection c(co_await asio::this_coro::executor, context, options);
    try {
      co_await c.async_connect(host, port);
      co_await c.async_request("GET", "/");
      auto r = co_await c.async_getresponse();
      o.body = co_await r.async_read_all();
    } catch (const std::system_error& e) {
      o.code = e.code();
    }
  });
  return o;
}

/// Through a pool with that context, or with its own when null.
outcome through_pool(asio::ssl::context* context, const std::string& host, std::uint16_t port) {
  httpc::pool_options options;
  options.tls_context = context;
  httpc::request_options request;
  request.total_timeout = 3s;
  const bool v6 = host.find(':') != std::string::npos;
  const std::string target = "https://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/";
  outcome o;
  run_bounded([&]() -> asio::awaitable<void> {
    httpc::pool pool(co_await asio::this_coro::executor, options);
    try {
      const auto response = co_await pool.async_request("GET", target, {}, {}, request);
      o.body = response.body;
    } catch (const std::system_error& e) {
      o.code = e.code();
    }
  });
  return o;
}

outcome through_facade(const std::string& host, std::uint16_t port, httpc::TLSOptions tls) {
  httpc::ConnectionOptions options;
  options.timeout = 3s;
  outcome o;
  try {
    httpc::HTTPSConnection conn(host, port, options, std::move(tls));
    conn.request("GET", "/");
    auto response = conn.getresponse();
    o.body = response.read();
  } catch (const httpc::RemoteDisconnected&) {
    o.exception = "RemoteDisconnected";
  } catch (const httpc::BadStatusLine&) {
    o.exception = "BadStatusLine";
  } catch (const httpc::IncompleteRead& e) {
    o.exception = "IncompleteRead";
    o.partial = e.partial;
    o.expected = e.expected;
  } catch (const httpc::HTTPException&) {
    o.exception = "HTTPException";
  } catch (const std::system_error& e) {
    o.code = e.code();
  }
  return o;
}

httpc::TLSOptions with_context(std::shared_ptr<asio::ssl::context> context,
                               bool check_hostname = true) {
  httpc::TLSOptions tls;
  tls.context = std::move(context);
  tls.check_hostname = check_hostname;
  return tls;
}

/// A scripted TLS server with a certificate of the fixture's (by default for
/// localhost, 127.0.0.1 and ::1); every connection reads the request, sends
/// `bytes` and closes as `closing` says.
struct scripted_server {
  script_server server;
  scripted_server(std::string bytes, step closing, std::string certificate = "valid",
                  httpc::test::server_options options = {})
      : server(httpc::test::tls_options::from_files(tls_file(certificate + ".pem"),
                                                    tls_file(certificate + ".key")),
               options) {
    server.on_every_connection({step::read_request(), step::send(std::move(bytes)), closing});
  }
  std::uint16_t port() const { return server.port(); }
};

// --- The certificate matrix ---------------------------------------------------

struct matrix_row {
  const char* certificate;  // the nginx port serving it
  const char* host;         // what the client connects to
  bool accepted;            // else: "certificate verify failed"
};

// "127.0.1" is 127.0.0.1 to the resolver, a DNS name to the name check.
constexpr matrix_row matrix[] = {
    {"valid", "localhost", true},
    {"valid", "127.0.0.1", true},
    {"expired", "localhost", false},
    {"not-yet-valid", "localhost", false},
    {"self-signed", "localhost", false},
    {"untrusted", "localhost", false},
    {"wrong-name", "localhost", false},
    {"wrong-name", "127.0.0.1", false},
    {"partial-wildcard", "127.0.1", false},
    {"wildcard", "127.0.1", true},
    {"dns-only", "localhost", true},
    {"dns-only", "127.0.0.1", false},
    {"ip-only", "127.0.0.1", true},
    {"ip-only", "localhost", false},
};

void check_row(const matrix_row& row, const outcome& o) {
  INFO((std::string(row.certificate) + " as " + row.host) << ": " << o);
  if (row.accepted) {
    CHECK(succeeded(o));
    CHECK(o.body == nginx_body);
  } else {
    CHECK(verify_failed(o));
  }
}

TEST_CASE("matrix: the core with a default context of ours") {
  const auto context = ours();
  for (const auto& row : matrix)
    check_row(row, through_core(*context, row.host, tls_port(row.certificate)));
}

TEST_CASE("matrix: the pool, with a context of the caller's and with its own") {
  const auto context = ours();
  for (const auto& row : matrix) {
    check_row(row, through_pool(context.get(), row.host, tls_port(row.certificate)));
    check_row(row, through_pool(nullptr, row.host, tls_port(row.certificate)));
  }
}

TEST_CASE("matrix: the facade, with a context of the caller's and with its own") {
  const std::shared_ptr<asio::ssl::context> context = ours();
  for (const auto& row : matrix) {
    check_row(row, through_facade(row.host, tls_port(row.certificate), with_context(context)));
    check_row(row, through_facade(row.host, tls_port(row.certificate), {}));
  }
}

// --- Verification that the caller's context cannot switch off -------------------

/// Trusts the CA and sets no verify mode (OpenSSL's default: verify_none).
std::shared_ptr<asio::ssl::context> without_verify_mode() {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->load_verify_file(tls_file("ca.pem"));
  return context;
}

TEST_CASE("facade: check_hostname verifies the chain whatever the context's verify mode") {
  const auto context = without_verify_mode();
  for (const char* certificate : {"self-signed", "untrusted", "expired", "wrong-name"}) {
    INFO(std::string(certificate));
    const auto o = through_facade("localhost", tls_port(certificate), with_context(context));
    CHECK_MESSAGE(verify_failed(o), o);
  }
  // A partial wildcard fails with a caller's context as well.
  const auto partial = through_facade("127.0.1", tls_port("partial-wildcard"), with_context(context));
  CHECK_MESSAGE(verify_failed(partial), partial);
  const auto valid = through_facade("localhost", tls_port("valid"), with_context(context));
  CHECK_MESSAGE(succeeded(valid), valid);
}

TEST_CASE("facade: without check_hostname, a caller's context decides alone") {
  auto none = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  none->set_verify_mode(asio::ssl::verify_none);
  for (const char* certificate : {"self-signed", "untrusted", "expired", "wrong-name"}) {
    INFO(std::string(certificate));
    const auto o = through_facade("localhost", tls_port(certificate), with_context(none, false));
    CHECK_MESSAGE(succeeded(o), o);
    CHECK(o.body == nginx_body);
  }
  // A context that verifies still verifies the chain, not the name.
  auto verifying = without_verify_mode();
  verifying->set_verify_mode(asio::ssl::verify_peer);
  const auto untrusted =
      through_facade("localhost", tls_port("untrusted"), with_context(verifying, false));
  CHECK_MESSAGE(verify_failed(untrusted), untrusted);
  const auto wrong_name =
      through_facade("localhost", tls_port("wrong-name"), with_context(verifying, false));
  CHECK_MESSAGE(succeeded(wrong_name), wrong_name);
  // So does the default context.
  httpc::TLSOptions unchecked;
  unchecked.check_hostname = false;
  const auto default_untrusted = through_facade("localhost", tls_port("untrusted"), unchecked);
  CHECK_MESSAGE(verify_failed(default_untrusted), default_untrusted);
  const auto default_wrong_name = through_facade("localhost", tls_port("wrong-name"), unchecked);
  CHECK_MESSAGE(succeeded(default_wrong_name), default_wrong_name);
}

TEST_CASE("core: verify_host_name verifies the chain even with verify_peer off") {
  const auto context = without_verify_mode();
  context->set_verify_mode(asio::ssl::verify_none);
  httpc::connection_options options;
  options.verify_peer = false;
  for (const char* certificate : {"self-signed", "untrusted", "wrong-name"}) {
    INFO(std::string(certificate));
    const auto o = through_core(*context, "localhost", tls_port(certificate), options);
    CHECK_MESSAGE(verify_failed(o), o);
  }
  // Both off: the context's verify_none decides.
  options.verify_host_name = false;
  const auto o = through_core(*context, "localhost", tls_port("self-signed"), options);
  CHECK_MESSAGE(succeeded(o), o);
}

TEST_CASE("core: a verify callback of the context's cannot accept a failed check") {
  const auto context = without_verify_mode();
  context->set_verify_mode(asio::ssl::verify_peer);
  context->set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
  for (const char* certificate : {"self-signed", "wrong-name"}) {
    INFO(std::string(certificate));
    const auto o = through_core(*context, "localhost", tls_port(certificate));
    CHECK_MESSAGE(verify_failed(o), o);
  }
  const auto valid = through_core(*context, "localhost", tls_port("valid"));
  CHECK_MESSAGE(succeeded(valid), valid);
}

TEST_CASE("an IPv6 literal is checked against the certificate's IP entries") {
  const auto context = ours();
  const std::shared_ptr<asio::ssl::context> shared = ours();
  httpc::test::server_options options;
  options.ipv6 = true;
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  scripted_server valid(ok, step::close(), "valid", options);  // IP:::1
  for (const outcome& o : {through_core(*context, "::1", valid.port()),
                           through_pool(context.get(), "::1", valid.port()),
                           through_facade("::1", valid.port(), with_context(shared))}) {
    CHECK_MESSAGE(succeeded(o), o);
    CHECK(o.body == "hello");
  }
  scripted_server dns_only(ok, step::close(), "dns-only", options);  // DNS:localhost
  for (const outcome& o : {through_core(*context, "::1", dns_only.port()),
                           through_pool(context.get(), "::1", dns_only.port()),
                           through_facade("::1", dns_only.port(), with_context(shared))}) {
    CHECK_MESSAGE(verify_failed(o), o);
  }
}

// --- Protocol version and client certificates ----------------------------------

TEST_CASE("a server limited to TLS 1.1 is refused by default contexts") {
  const std::uint16_t port = tls_port("tls11");
  const auto context = ours();
  const std::shared_ptr<asio::ssl::context> shared = ours();
  for (const outcome& o : {through_core(*context, "localhost", port),
                           through_pool(context.get(), "localhost", port),
                           through_pool(nullptr, "localhost", port),
                           through_facade("localhost", port, with_context(shared)),
                           through_facade("localhost", port, {})}) {
    CHECK_MESSAGE(is_ssl(o), o);
    CHECK_FALSE(verify_failed(o));  // refused before any certificate
  }
}

TEST_CASE("a required client certificate: missing is a handshake failure, given succeeds") {
  const auto without = ours();
  const auto with = ours(true);
  const std::shared_ptr<asio::ssl::context> shared_without = ours();
  const std::shared_ptr<asio::ssl::context> shared_with = ours(true);
  httpc::TLSOptions files;
  files.cert_file = tls_file("client.pem");
  files.key_file = tls_file("client.key");
  // TLS 1.3 reports the missing certificate only after the client's side of
  // the handshake: the alert comes with the response.
  for (const char* server : {"mtls", "mtls13"}) {
    INFO(std::string(server));
    const std::uint16_t port = tls_port(server);
    for (const outcome& o : {through_core(*without, "localhost", port),
                             through_pool(without.get(), "localhost", port),
                             through_pool(nullptr, "localhost", port),
                             through_facade("localhost", port, with_context(shared_without)),
                             through_facade("localhost", port, {})}) {
      CHECK_MESSAGE(is_ssl(o), o);
      CHECK_FALSE(verify_failed(o));
    }
    for (const outcome& o : {through_core(*with, "localhost", port),
                             through_pool(with.get(), "localhost", port),
                             through_facade("localhost", port, with_context(shared_with)),
                             through_facade("localhost", port, files)}) {
      CHECK_MESSAGE(succeeded(o), o);
      CHECK(o.body.find("s_server") != std::string::npos);  // s_server -www's page
    }
  }
}

// --- A close without close_notify ------------------------------------------------


struct truncation_case {
  const char* what;
  std::string bytes;
  httpc::error core;       // the core's and the pool's error
  const char* exception;   // the facade's
};

TEST_CASE("a TLS close without close_notify, inside a head and inside a body") {
  const std::string ok = "HTTP/1.1 200 OK\r\n";
  const truncation_case cases[] = {
      {"before the status line", "", httpc::error::remote_disconnected, "RemoteDisconnected"},
      {"inside the status line", "HTTP/1.1 20", httpc::error::bad_status_line, "BadStatusLine"},
      {"inside the fields", ok + "Content-Length: 5\r\nX-A", httpc::error::incomplete_head,
       "HTTPException"},
      {"inside a Content-Length body", ok + "Content-Length: 10\r\n\r\nhello",
       httpc::error::incomplete_body, "IncompleteRead"},
      {"inside a chunked body", ok + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
       httpc::error::incomplete_body, "IncompleteRead"},
      {"at the end of an until-close body", ok + "Connection: close\r\n\r\nhello",
       httpc::error::incomplete_body, "IncompleteRead"},
  };
  const auto context = ours();
  const std::shared_ptr<asio::ssl::context> shared = ours();
  for (const auto& c : cases) {
    INFO(std::string(c.what));
    scripted_server server(c.bytes, step::truncate());
    for (const outcome& o : {through_core(*context, "localhost", server.port()),
                             through_pool(context.get(), "localhost", server.port())}) {
      CHECK_MESSAGE(o.code == c.core, o);
    }
    const auto facade = through_facade("localhost", server.port(), with_context(shared));
    CHECK_MESSAGE(facade.exception == c.exception, facade);
    if (facade.exception == std::string_view("IncompleteRead")) {
      CHECK(facade.partial == "hello");
      if (c.bytes.find("Content-Length: 10") != std::string::npos) {
        CHECK(facade.expected == 5u);
      } else {
        CHECK_FALSE(facade.expected.has_value());
      }
    }
  }
}

TEST_CASE("an until-close body ended with close_notify is whole") {
  scripted_server server("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello", step::close());
  const auto context = ours();
  for (const outcome& o : {through_core(*context, "localhost", server.port()),
                           through_pool(context.get(), "localhost", server.port()),
                           through_facade("localhost", server.port(),
                                          with_context(std::shared_ptr<asio::ssl::context>(ours())))}) {
    CHECK_MESSAGE(succeeded(o), o);
    CHECK(o.body == "hello");
  }
}

}  // namespace
