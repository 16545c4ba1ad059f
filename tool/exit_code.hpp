#pragma once
// curl's exit codes for the failures httpc can meet, from the error codes
// of the pool and the core, and the tool's own.

#include <system_error>

namespace httpc::tool {

/// curl's numbers (its man page, "EXIT CODES").
enum exit_code : int {
  ok = 0,
  usage = 2,
  malformed_url = 3,
  proxy_resolve_failed = 5,
  resolve_failed = 6,
  connect_failed = 7,
  weird_reply = 8,
  partial_file = 18,
  http_error = 22,
  write_error = 23,
  read_error = 26,
  timed_out = 28,
  tls_connect_failed = 35,
  too_many_redirects = 47,
  empty_reply = 52,
  send_error = 55,
  receive_error = 56,
  client_cert_failed = 58,
  peer_failed_verification = 60,
  bad_content_encoding = 61,
  ca_cert_failed = 77,
  proxy_failed = 97,  // CURLE_PROXY: a SOCKS proxy's handshake failed
};

/// The exit code for a transfer that failed with `ec`.
exit_code exit_code_for(const std::error_code& ec) noexcept;

}  // namespace httpc::tool
