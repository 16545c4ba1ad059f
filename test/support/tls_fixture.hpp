// Where the servers of CTest's `tls_matrix` fixture listen, and the files of
// its PKI. No Asio, no httpc. test/support/tls_fixture.sh (read it for the
// certificates) starts them and writes HTTPC_TLS_DIR/fixture.env; CTest sets
// HTTPC_TLS_DIR. Run the test by hand with
//   test/support/tls_fixture.sh start DIR
//   HTTPC_TLS_DIR=DIR SSL_CERT_FILE=DIR/pki/ca.pem build/dev/test/tls_matrix_test
// A missing value throws std::runtime_error that says what to do.
#pragma once

#include <cctype>     // toupper
#include <charconv>   // from_chars
#include <cstdint>    // uint16_t
#include <cstdlib>    // getenv
#include <fstream>    // fixture.env
#include <map>
#include <stdexcept>  // runtime_error
#include <string>
#include <string_view>
#include <system_error>  // errc

namespace httpc::test {

namespace detail {

[[noreturn]] inline void tls_fixture_missing(const std::string& what) {
  throw std::runtime_error("httpc test: " + what +
                           ". Run the test with ctest (fixture tls_matrix), or set HTTPC_TLS_DIR to "
                           "a directory where test/support/tls_fixture.sh has started the servers.");
}

inline const std::map<std::string, std::string>& tls_fixture_env() {
  static const std::map<std::string, std::string> values = [] {
    const char* dir = std::getenv("HTTPC_TLS_DIR");
    if (dir == nullptr || *dir == '\0') tls_fixture_missing("HTTPC_TLS_DIR is not set");
    const std::string path = std::string(dir) + "/fixture.env";
    std::ifstream file(path);
    if (!file) tls_fixture_missing(path + " does not exist: the servers are not running");
    std::map<std::string, std::string> result;
    for (std::string line; std::getline(file, line);) {
      if (const auto equals = line.find('='); equals != std::string::npos)
        result.emplace(line.substr(0, equals), line.substr(equals + 1));
    }
    return result;
  }();
  return values;
}

inline std::string tls_setting(const std::string& name) {
  const auto& values = tls_fixture_env();
  const auto found = values.find(name);
  if (found == values.end()) tls_fixture_missing(name + " is not in fixture.env");
  return found->second;
}

}  // namespace detail

/// The port of a server: an nginx server certificate's name ("valid",
/// "expired", "not-yet-valid", "self-signed", "untrusted", "wrong-name",
/// "partial-wildcard", "wildcard", "dns-only", "ip-only"), or "tls11" and
/// "mtls" for the two openssl s_server instances.
inline std::uint16_t tls_port(std::string_view server) {
  std::string name = "HTTPC_TLS_";
  for (const char c : server) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  name += "_PORT";
  const std::string text = detail::tls_setting(name);
  std::uint16_t port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() || port == 0)
    detail::tls_fixture_missing(name + "='" + text + "' is no port number");
  return port;
}

/// A file of the PKI: "ca.pem" (the trusted CA), "client.pem" and
/// "client.key" (a client certificate it signs), "valid.pem" and "valid.key"
/// (localhost, 127.0.0.1, ::1), ...
inline std::string tls_file(std::string_view name) {
  return detail::tls_setting("HTTPC_TLS_PKI") + "/" + std::string(name);
}

}  // namespace httpc::test
