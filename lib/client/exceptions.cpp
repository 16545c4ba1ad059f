// The facade's exceptions, and the one mapping from error codes to them.

#include <string>
#include <utility>

#include "httpc/client.hpp"

namespace httpc {

namespace {

std::string incomplete_read_message(std::size_t got, std::optional<std::size_t> expected) {
  std::string message = "IncompleteRead(" + std::to_string(got) + " bytes read";
  if (expected) message += ", " + std::to_string(*expected) + " more expected";
  return message + ")";
}

/// The first line of `received`, line ending included; all of it when it
/// holds no line feed.
std::string first_line(std::string_view received) {
  const std::size_t end = received.find('\n');
  return std::string(end == std::string_view::npos ? received : received.substr(0, end + 1));
}

}  // namespace

IncompleteRead::IncompleteRead(std::string partial_bytes, std::optional<std::size_t> expected_bytes)
    : HTTPException(incomplete_read_message(partial_bytes.size(), expected_bytes)),
      partial(std::move(partial_bytes)),
      expected(expected_bytes) {}

BadStatusLine::BadStatusLine(std::string received_line)
    : BadStatusLine(received_line, "bad status line: " + received_line) {}

BadStatusLine::BadStatusLine(std::string received_line, const std::string& message)
    : HTTPException(message), line(std::move(received_line)) {}

RemoteDisconnected::RemoteDisconnected(const std::string& message) : BadStatusLine("", message) {}

void detail::throw_error(std::error_code ec, failure_context context) {
  if (ec.category() == error_category()) {
    const std::string message = ec.message();
    switch (static_cast<error>(ec.value())) {
      case error::remote_disconnected:
        throw RemoteDisconnected("Remote end closed connection without response");
      case error::bad_status_line:
        throw BadStatusLine(first_line(context.received));
      case error::unknown_protocol:
        throw UnknownProtocol(message);
      case error::line_too_long:
        throw LineTooLong(message);
      case error::unknown_transfer_encoding:
        throw UnknownTransferEncoding(message);
      case error::bad_chunk:
      case error::chunk_size_overflow:
        // A chunked body spoilt by a bad chunk size: CPython raises IncompleteRead.
        if (context.in_body) throw IncompleteRead(std::move(context.partial), context.expected);
        throw HTTPException(message);
      case error::incomplete_body:
        throw IncompleteRead(std::move(context.partial), context.expected);
      case error::not_connected:
        throw NotConnected(message);
      case error::invalid_url:
      case error::invalid_target:
        throw InvalidURL(message);
      case error::unimplemented_file_mode:
        throw UnimplementedFileMode(message);
      case error::improper_connection_state:
        throw ImproperConnectionState(message);
      case error::cannot_send_request:
        throw CannotSendRequest(message);
      case error::cannot_send_header:
        throw CannotSendHeader(message);
      case error::response_not_ready:
        throw ResponseNotReady(message);
      case error::invalid_method:
      case error::invalid_header_name:
      case error::invalid_header_value:
      case error::invalid_request_framing:
        throw std::invalid_argument(message);
      case error::too_many_headers:
      case error::head_too_large:
      case error::bad_header:
      case error::incomplete_head:
      case error::bad_content_length:
      case error::bad_transfer_encoding:
      case error::body_too_large:
      case error::tunnel_failed:
        if (!context.refusal.empty())
          throw HTTPException("Tunnel connection failed: " + std::string(context.refusal));
        throw HTTPException(message);
      case error::too_many_interim_responses:
      case error::insecure_redirect:
      case error::unsupported_content_encoding:
      case error::bad_content_encoding:
      case error::socks_failed:
      case error::socks_auth_failed:
      case error::bad_socks_reply:
        throw HTTPException(message);
    }
  }
  throw std::system_error(ec);
}

}  // namespace httpc
