#pragma once
/// \file
/// The blocking facade: Python's `http.client` / `httplib` API in C++
/// (../shared/API.md §1), on top of the coroutine core (httpc/async.hpp).
///
///     httpc::HTTPConnection conn("127.0.0.1", 8080);
///     conn.request("GET", "/index.html");
///     auto r1 = conn.getresponse();
///     std::string data1 = r1.read();
///
/// Each connection runs its own io_context on the calling thread, one
/// blocking step at a time. One connection is used by one thread at a time.
///
/// Implemented so far: HTTPConnection (plain HTTP) with host[:port] parsing,
/// ConnectionOptions, connect/close, request with no body or a bytes body,
/// auto-open; getresponse and HTTPResponse; HTTPMessage; the exception
/// hierarchy and the mapping of error codes onto it.

#include <chrono>        // ConnectionOptions::timeout
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint16_t, std::uint64_t
#include <memory>        // std::shared_ptr, the connection's state
#include <optional>      // optional settings and lookups
#include <span>          // readinto's buffer
#include <stdexcept>     // std::runtime_error, the root of the hierarchy
#include <string>        // std::string
#include <string_view>   // std::string_view
#include <system_error>  // std::error_code
#include <utility>       // std::pair
#include <vector>        // std::vector

#include "httpc/error.hpp"   // httpc::error, the codes throw_error maps
#include "httpc/fields.hpp"  // Headers
#include "httpc/status.hpp"  // HTTP_PORT, HTTPS_PORT, the status constants, responses

namespace httpc {

// --- Exceptions -------------------------------------------------------------

/// The root of the facade's own exceptions.
class HTTPException : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class NotConnected : public HTTPException {
 public:
  using HTTPException::HTTPException;
};

class InvalidURL : public HTTPException {
 public:
  using HTTPException::HTTPException;
};

class UnknownProtocol : public HTTPException {
 public:
  using HTTPException::HTTPException;
};

class UnknownTransferEncoding : public HTTPException {
 public:
  using HTTPException::HTTPException;
};

class UnimplementedFileMode : public HTTPException {
 public:
  using HTTPException::HTTPException;
};

/// The body ended before its end: `partial` holds the bytes the failing read
/// received, `expected` the body bytes still missing (nullopt when unknown,
/// as for a chunked body).
class IncompleteRead : public HTTPException {
 public:
  IncompleteRead(std::string partial_bytes, std::optional<std::size_t> expected_bytes);
  std::string partial;
  std::optional<std::size_t> expected;
};

class ImproperConnectionState : public HTTPException {
 public:
  using HTTPException::HTTPException;
};

class CannotSendRequest : public ImproperConnectionState {
 public:
  using ImproperConnectionState::ImproperConnectionState;
};

class CannotSendHeader : public ImproperConnectionState {
 public:
  using ImproperConnectionState::ImproperConnectionState;
};

class ResponseNotReady : public ImproperConnectionState {
 public:
  using ImproperConnectionState::ImproperConnectionState;
};

/// A first line that is no valid status line; `line` is the line as
/// received, line ending included.
class BadStatusLine : public HTTPException {
 public:
  explicit BadStatusLine(std::string received_line);
  BadStatusLine(std::string received_line, const std::string& message);
  std::string line;
};

class LineTooLong : public HTTPException {
 public:
  using HTTPException::HTTPException;
};

/// The server closed the connection before any byte of a status line.
class RemoteDisconnected : public BadStatusLine {
 public:
  explicit RemoteDisconnected(const std::string& message);
};

namespace detail {

/// What an exception needs beyond the error code.
struct failure_context {
  std::string_view received;               ///< bad_status_line: the bytes received (first line used)
  std::string partial;                     ///< incomplete_body: the failing read's bytes
  std::optional<std::size_t> expected;     ///< incomplete_body: bytes still missing
};

/// The one mapping from an error code to the facade's exceptions:
/// httpc::error values as httpc/error.hpp documents them (illegal method,
/// field name or value: std::invalid_argument); any other code (the OS's,
/// OpenSSL's, std::errc::timed_out): std::system_error.
[[noreturn]] void throw_error(std::error_code ec, failure_context context = {});

struct client_state;

}  // namespace detail

// --- Options and bodies -----------------------------------------------------

struct ConnectionOptions {
  bool strict = false;                               ///< no HTTP/0.9: BadStatusLine instead
  std::optional<std::chrono::milliseconds> timeout;  ///< each blocking step
  std::optional<std::pair<std::string, std::uint16_t>> source_address;  ///< bind before connect
  std::size_t blocksize = 8192;                      ///< send size for file bodies
};

/// A request body: none (the default) or bytes, which are not copied and
/// must stay valid during the call. No body sends Content-Length: 0 only for
/// POST, PUT and PATCH; an empty body always sends Content-Length: 0.
class Body {
 public:
  Body() noexcept = default;
  Body(std::string_view bytes) noexcept : has_bytes_(true), bytes_(bytes) {}
  Body(const std::string& bytes) noexcept : Body(std::string_view(bytes)) {}
  Body(const char* bytes) noexcept : Body(std::string_view(bytes)) {}

  bool has_bytes() const noexcept { return has_bytes_; }
  std::string_view bytes() const noexcept { return bytes_; }

 private:
  bool has_bytes_ = false;
  std::string_view bytes_;
};

// --- Responses ----------------------------------------------------------------

/// The header fields of a response, in arrival order.
class HTTPMessage {
 public:
  HTTPMessage() = default;
  explicit HTTPMessage(Headers fields) : fields_(std::move(fields)) {}
  /// The first field of that name, case-insensitive.
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> get_all(std::string_view name) const;
  bool contains(std::string_view name) const;
  Headers items() const { return fields_; }

 private:
  Headers fields_;
};

/// A response: its head, copied, and its body, read from the connection.
/// Movable; valid until the next request on its connection.
class HTTPResponse {
 public:
  HTTPResponse(HTTPResponse&&) noexcept = default;
  HTTPResponse& operator=(HTTPResponse&&) noexcept = default;
  ~HTTPResponse();

  int status() const noexcept { return status_; }
  const std::string& reason() const noexcept { return reason_; }
  int version() const noexcept { return version_; }  ///< 9, 10 or 11
  const HTTPMessage& msg() const noexcept { return msg_; }
  /// Every field of that name, case-insensitive, joined with ", ".
  std::optional<std::string> getheader(std::string_view name) const;
  std::string getheader(std::string_view name, std::string_view default_value) const;
  Headers getheaders() const { return msg_.items(); }

  /// The rest of the body.
  std::string read();
  /// Up to amt bytes: amt unless the body ends first; "" at the end.
  std::string read(std::size_t amt);
  /// Fills the buffer unless the body ends first; the count read.
  std::size_t readinto(std::span<char> buffer);
  /// The body was read to its end, or the response was closed.
  bool isclosed() const noexcept { return closed_; }
  /// Drops the rest of the body; an unread body closes the connection.
  void close();

 private:
  friend class HTTPConnection;
  HTTPResponse() = default;
  /// Reads until the buffer is full or the body ends; IncompleteRead when
  /// the body is cut off.
  std::size_t fill(char* data, std::size_t size, std::string* grow);
  bool current() const noexcept;

  std::shared_ptr<detail::client_state> state_;
  std::uint64_t generation_ = 0;
  int status_ = 0;
  std::string reason_;
  int version_ = 0;
  HTTPMessage msg_;
  std::optional<std::uint64_t> content_length_;
  std::uint64_t body_read_ = 0;
  bool closed_ = false;
};

// --- Connections --------------------------------------------------------------

class HTTPConnection {
 public:
  /// host may be "name", "name:port", "1.2.3.4:port" or "[::1]:port"; an
  /// empty port is the default port; a port that is not digits or over
  /// 65535, or a host with a control character, throws InvalidURL. An
  /// explicit port wins: host is then taken as it is.
  explicit HTTPConnection(std::string host, std::optional<std::uint16_t> port = {},
                          ConnectionOptions options = {});
  HTTPConnection(HTTPConnection&&) noexcept;
  HTTPConnection& operator=(HTTPConnection&&) noexcept;
  ~HTTPConnection();

  /// Sends a request, connecting first when the connection is closed.
  void request(std::string_view method, std::string_view url, Body body = {},
               const Headers& headers = {});
  /// The response to the last request.
  HTTPResponse getresponse();
  void connect();
  void close();
  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }

 private:
  std::string host_;
  std::uint16_t port_ = HTTP_PORT;
  ConnectionOptions options_;
  std::shared_ptr<detail::client_state> state_;
};

}  // namespace httpc
