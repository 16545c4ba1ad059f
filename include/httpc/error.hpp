#pragma once
/// \file
/// The one error category of httpc: protocol failures of the parser, the
/// connection layer and the facade. Transport failures keep their own
/// categories (the OS's, OpenSSL's); "need more input" is never an error.

#include <string>        // std::string, for error_category::message
#include <system_error>  // std::error_code, std::error_category

namespace httpc {

/// Protocol failures. The comment after each value names the facade exception
/// that it becomes (`httpc/client.hpp`).
enum class error {
  // Response head.
  remote_disconnected = 1,    ///< closed before any byte of a status line (RemoteDisconnected)
  bad_status_line,            ///< not a valid status line (BadStatusLine)
  unknown_protocol,           ///< an HTTP version other than 0.9 and 1.x (UnknownProtocol)
  line_too_long,              ///< a status, field, chunk-size or trailer line over the limit (LineTooLong)
  too_many_headers,           ///< more field lines than the limit (HTTPException)
  head_too_large,             ///< the head is larger than the limit (HTTPException)
  bad_header,                 ///< a malformed field line (HTTPException)
  incomplete_head,            ///< closed inside the head, after the status line (HTTPException)
  // Body framing.
  bad_content_length,         ///< Content-Length not digits, or values that disagree (HTTPException)
  unknown_transfer_encoding,  ///< a transfer coding other than chunked (UnknownTransferEncoding)
  bad_transfer_encoding,      ///< chunked not last, or applied twice (HTTPException)
  bad_chunk,                  ///< a malformed chunk-size line or chunk ending (IncompleteRead)
  chunk_size_overflow,        ///< a chunk size that does not fit 64 bits (IncompleteRead)
  incomplete_body,            ///< closed inside a framed body (IncompleteRead)
  // Connection and client state.
  body_too_large,             ///< a body over the caller's limit (HTTPException)
  not_connected,              ///< no connection to use (NotConnected)
  invalid_url,                ///< a malformed URL, host or port (InvalidURL)
  unimplemented_file_mode,    ///< a body source that cannot be read (UnimplementedFileMode)
  improper_connection_state,  ///< an operation out of order (ImproperConnectionState)
  cannot_send_request,        ///< a request while the previous one is unfinished (CannotSendRequest)
  cannot_send_header,         ///< a header after the head was sent (CannotSendHeader)
  response_not_ready,         ///< the previous response is not read yet (ResponseNotReady)
  tunnel_failed,              ///< the proxy refused CONNECT (HTTPException)
  // Requests refused before a byte is sent.
  invalid_method,             ///< a method that is no token (std::invalid_argument)
  invalid_header_name,        ///< a field name that is no token (std::invalid_argument)
  invalid_header_value,       ///< a field value with a control byte (std::invalid_argument)
  invalid_target,             ///< a target with a space, control byte or non-ASCII byte (InvalidURL)
  invalid_request_framing,    ///< a caller's Content-Length that disagrees with the body, or one
                              ///< beside Transfer-Encoding (std::invalid_argument)
  // Limits on what a server may make the client do.
  too_many_interim_responses, ///< more 1xx responses than the limit (HTTPException)
  insecure_redirect,          ///< a redirect from https to http, not allowed (HTTPException)
  // Content codings (the pool's decoding; the facade never decodes).
  unsupported_content_encoding, ///< a Content-Encoding unknown or not enabled (HTTPException)
  bad_content_encoding,       ///< a corrupt or truncated coded body, or bytes past its end (HTTPException)
  // SOCKS5 proxies (RFC 1928, RFC 1929).
  socks_failed,               ///< the proxy's reply to CONNECT was a failure code (HTTPException)
  socks_auth_failed,          ///< the proxy accepted no method offered, or refused the credentials
                              ///< (HTTPException)
  bad_socks_reply,            ///< a malformed or cut SOCKS5 answer, or a method not offered
                              ///< (HTTPException)
};

/// The category, named "httpc".
const std::error_category& error_category() noexcept;

/// Lets `std::error_code ec = httpc::error::bad_chunk;` work.
inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace httpc

template <>
struct std::is_error_code_enum<httpc::error> : std::true_type {};
