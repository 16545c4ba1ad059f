// Where the nginx of CTest's `nginx` fixture listens, and with which files
// and certificates. No Asio, no httpc: any test can include it.
//
// A test gets the fixture with httpc_use_nginx(<test>) in test/CMakeLists.txt
// (cmake/NginxFixture.cmake). test/support/nginx_fixture.sh starts nginx
// with one worker on 127.0.0.1 (and [::1] when nginx_has_ipv6()), four ports:
//   nginx_http_port()       plain HTTP (also on the Unix socket nginx_http_socket())
//   nginx_https_port()      TLS, certificate for localhost, 127.0.0.1 and ::1
//                           (also on the Unix socket nginx_https_socket())
//                           signed by test_ca()
//   nginx_mtls_port()       the same, and a client certificate signed by
//                           test_ca() is required (test_client_cert/key());
//                           without one nginx answers 400
//   nginx_untrusted_port()  TLS, certificate for the same names signed by
//                           test_untrusted_ca(): verification against
//                           test_ca() fails ("unable to get local issuer")
// Each port serves:
//   GET /small              "hello, httpc\n" (nginx_small_body), Content-Length
//   GET /64k, /16m          the files of nginx_root(), 65536 and 16777216 bytes
//   GET /chunked            nginx_chunked_body(), Transfer-Encoding: chunked,
//                           in several chunks
//   GET /chunked/64k, /chunked/16m          the files, chunked
//   GET /until-close        nginx_until_close_body, framed by the close
//                           (neither Content-Length nor chunked)
//   GET /until-close/64k, /until-close/16m  the files, framed by the close
//   POST /echo              the request body back (Content-Length or chunked
//                           request, any size), chunked
//   GET /headers            the request head as nginx received it
//   GET /close              "hello, httpc\n" with Connection: close
//   GET /status/204, /status/404, /status/500
// and nginx_mtls_port() also GET /client-cert: "SUCCESS <subject DN>\n".
// Keep-alive connections take 100000 requests. HEAD works on the files.
// TLS sessions resume: by ticket, or by TLS 1.2 session ID (a session cache).
//
// Each value comes from the environment variable of its name if set (CTest
// sets the paths), else from HTTPC_NGINX_DIR/fixture.env, which the fixture
// writes at start with the ports it chose. Run a test binary by hand with
//   HTTPC_NGINX_DIR=build/dev/test/nginx build/dev/test/<module>_test
// while nginx runs (test/support/nginx_fixture.sh start|stop DIR).
// A missing value throws std::runtime_error that says what to do.
#pragma once

#include <charconv>      // from_chars: the ports
#include <cstddef>       // size_t
#include <cstdint>       // uint16_t
#include <cstdlib>       // getenv
#include <fstream>       // fixture.env, the served files
#include <ios>           // streamoff
#include <map>           // fixture.env's values
#include <stdexcept>     // runtime_error
#include <string>
#include <string_view>
#include <system_error>  // errc

namespace httpc::test {

/// The body of /small and of /close.
inline constexpr std::string_view nginx_small_body = "hello, httpc\n";
/// The body of /until-close.
inline constexpr std::string_view nginx_until_close_body = "hello, httpc until close\n";
/// The host name the servers' certificates are for (also 127.0.0.1 and ::1).
inline constexpr std::string_view nginx_tls_host = "localhost";

/// The body of /chunked: "hello, chunked httpc\n", 4096 times
/// "0123456789abcdef", "the end\n" (65565 bytes).
inline std::string nginx_chunked_body() {
  std::string body = "hello, chunked httpc\n";
  for (int i = 0; i < 4096; ++i) {
    body += "0123456789abcdef";
  }
  body += "the end\n";
  return body;
}

namespace detail {

[[noreturn]] inline void nginx_missing(std::string_view what) {
  throw std::runtime_error(
      std::string("httpc test: ").append(what) +
      ". This test needs the nginx fixture: run it with ctest (httpc_use_nginx() in "
      "test/CMakeLists.txt), or set HTTPC_NGINX_DIR to a directory where "
      "test/support/nginx_fixture.sh has started nginx.");
}

// fixture.env's NAME=VALUE lines, read once.
inline const std::map<std::string, std::string>& nginx_fixture_env() {
  static const std::map<std::string, std::string> values = [] {
    const char* dir = std::getenv("HTTPC_NGINX_DIR");
    if (dir == nullptr || *dir == '\0') {
      nginx_missing("HTTPC_NGINX_DIR is not set");
    }
    const std::string path = std::string(dir) + "/fixture.env";
    std::ifstream file(path);
    if (!file) {
      nginx_missing(path + " does not exist: nginx is not running");
    }
    std::map<std::string, std::string> result;
    for (std::string line; std::getline(file, line);) {
      if (const auto equals = line.find('='); equals != std::string::npos) {
        result.emplace(line.substr(0, equals), line.substr(equals + 1));
      }
    }
    return result;
  }();
  return values;
}

inline std::string nginx_setting(const char* name) {
  if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
    return value;
  }
  const auto& values = nginx_fixture_env();
  if (const auto found = values.find(name); found != values.end()) {
    return found->second;
  }
  nginx_missing(std::string(name) + " is set neither in the environment nor in fixture.env");
}

inline std::uint16_t nginx_port(const char* name) {
  const std::string text = nginx_setting(name);
  std::uint16_t port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() || port == 0) {
    nginx_missing(std::string(name) + "='" + text + "' is no port number");
  }
  return port;
}

}  // namespace detail

/// Plain HTTP.
inline std::uint16_t nginx_http_port() { return detail::nginx_port("HTTPC_NGINX_HTTP_PORT"); }
/// TLS with a certificate signed by test_ca().
inline std::uint16_t nginx_https_port() { return detail::nginx_port("HTTPC_NGINX_HTTPS_PORT"); }
/// TLS that requires a client certificate signed by test_ca().
inline std::uint16_t nginx_mtls_port() { return detail::nginx_port("HTTPC_NGINX_MTLS_PORT"); }
/// TLS with a certificate signed by test_untrusted_ca().
inline std::uint16_t nginx_untrusted_port() {
  return detail::nginx_port("HTTPC_NGINX_UNTRUSTED_PORT");
}
/// The Unix socket paths where nginx serves what nginx_http_port() and
/// nginx_https_port() serve.
inline std::string nginx_http_socket() { return detail::nginx_setting("HTTPC_NGINX_HTTP_SOCKET"); }
inline std::string nginx_https_socket() { return detail::nginx_setting("HTTPC_NGINX_HTTPS_SOCKET"); }
/// Whether nginx listens on [::1] too (on the same ports).
inline bool nginx_has_ipv6() { return detail::nginx_setting("HTTPC_NGINX_IPV6") == "1"; }

/// The directory of the served files small, 64k and 16m.
inline std::string nginx_root() { return detail::nginx_setting("HTTPC_NGINX_ROOT"); }
/// The CA certificate (PEM) that signs the servers' and the client's certificates.
inline std::string test_ca() { return detail::nginx_setting("HTTPC_TEST_CA"); }
/// An unrelated CA certificate (PEM), which signs nginx_untrusted_port()'s.
inline std::string test_untrusted_ca() { return detail::nginx_setting("HTTPC_TEST_UNTRUSTED_CA"); }
/// A client certificate (PEM) signed by test_ca(), for nginx_mtls_port().
inline std::string test_client_cert() { return detail::nginx_setting("HTTPC_TEST_CLIENT_CERT"); }
/// The key (PEM) of test_client_cert().
inline std::string test_client_key() { return detail::nginx_setting("HTTPC_TEST_CLIENT_KEY"); }

/// Whether nginx loaded the brotli filter module: /br/<file> is then
/// brotli-coded for a client that accepts br.
inline bool nginx_has_brotli() { return detail::nginx_setting("HTTPC_NGINX_BROTLI") == "1"; }

/// The bytes of a served file: nginx_file("64k") is the body of /64k.
inline std::string nginx_file(std::string_view name) {
  const std::string path = nginx_root() + "/" + std::string(name);
  // One read of the known size: byte iterators take seconds for 16 MiB in
  // a Debug build.
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = file ? static_cast<std::streamoff>(file.tellg()) : -1;
  if (size < 0) {
    detail::nginx_missing("cannot read " + path);
  }
  std::string bytes(static_cast<std::size_t>(size), '\0');
  file.seekg(0);
  if (!file.read(bytes.data(), size)) {
    detail::nginx_missing("cannot read " + path);
  }
  return bytes;
}

}  // namespace httpc::test
