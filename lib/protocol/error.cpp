#include "httpc/error.hpp"

namespace httpc {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "httpc"; }

  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
      case error::remote_disconnected: return "remote end closed connection without response";
      case error::bad_status_line: return "bad status line";
      case error::unknown_protocol: return "unknown protocol version";
      case error::line_too_long: return "line too long";
      case error::too_many_headers: return "too many header lines";
      case error::head_too_large: return "response head too large";
      case error::bad_header: return "malformed header line";
      case error::incomplete_head: return "connection closed inside the response head";
      case error::bad_content_length: return "invalid Content-Length";
      case error::unknown_transfer_encoding: return "unknown transfer encoding";
      case error::bad_transfer_encoding: return "invalid Transfer-Encoding";
      case error::bad_chunk: return "malformed chunk";
      case error::chunk_size_overflow: return "chunk size too large";
      case error::incomplete_body: return "connection closed inside the response body";
      case error::body_too_large: return "response body over the limit";
      case error::not_connected: return "not connected";
      case error::invalid_url: return "invalid URL";
      case error::unimplemented_file_mode: return "unimplemented file mode";
      case error::improper_connection_state: return "improper connection state";
      case error::cannot_send_request: return "cannot send request";
      case error::cannot_send_header: return "cannot send header";
      case error::response_not_ready: return "response not ready";
      case error::tunnel_failed: return "tunnel connection failed";
      case error::invalid_method: return "invalid method";
      case error::invalid_header_name: return "invalid header name";
      case error::invalid_header_value: return "invalid header value";
      case error::invalid_target: return "invalid request target";
      case error::invalid_request_framing:
        return "Content-Length that disagrees with the body, or beside Transfer-Encoding";
      case error::too_many_interim_responses: return "too many interim (1xx) responses";
      case error::insecure_redirect: return "redirect from https to http refused";
      case error::unsupported_content_encoding: return "unsupported content encoding";
      case error::bad_content_encoding: return "corrupt or truncated content encoding";
      case error::socks_failed: return "the SOCKS5 proxy could not connect to the target";
      case error::socks_auth_failed: return "the SOCKS5 proxy refused the authentication";
      case error::bad_socks_reply: return "malformed SOCKS5 reply";
    }
    return "unknown httpc error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace httpc
