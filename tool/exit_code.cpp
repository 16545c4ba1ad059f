// One table from error codes to curl's exit codes: transport errors by their
// std::errc meaning, TLS by OpenSSL's reason, the protocol by httpc::error.

#include "exit_code.hpp"

#include <asio/error.hpp>
#include <asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "httpc/error.hpp"

namespace httpc::tool {

exit_code exit_code_for(const std::error_code& ec) noexcept {
  if (!ec) return ok;
  if (ec.category() == httpc::error_category()) {
    switch (static_cast<httpc::error>(ec.value())) {
      case error::invalid_url:
        return malformed_url;
      case error::remote_disconnected:
        return empty_reply;
      case error::tunnel_failed:  // curl: "CONNECT tunnel failed"
        return receive_error;
      case error::socks_failed:
      case error::socks_auth_failed:
      case error::bad_socks_reply:
        return proxy_failed;
      case error::incomplete_body:
      case error::bad_chunk:
      case error::chunk_size_overflow:
        return partial_file;
      case error::unknown_transfer_encoding:
      case error::unsupported_content_encoding:
      case error::bad_content_encoding:
        return bad_content_encoding;
      default:
        return weird_reply;
    }
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    return ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED
               ? peer_failed_verification
               : tls_connect_failed;
  }
  if (ec == asio::ssl::error::stream_truncated) return receive_error;
  if (ec.category() == asio::error::get_netdb_category() ||
      ec.category() == asio::error::get_addrinfo_category())
    return resolve_failed;
  if (ec == std::errc::timed_out) return timed_out;
  if (ec == std::errc::connection_refused || ec == std::errc::network_unreachable ||
      ec == std::errc::host_unreachable || ec == std::errc::address_not_available ||
      ec == std::errc::no_such_file_or_directory || ec == std::errc::filename_too_long)  // --unix-socket
    return connect_failed;
  if (ec == std::errc::broken_pipe) return send_error;
  return receive_error;  // a reset, an end of stream, or another failure on the socket
}

}  // namespace httpc::tool
