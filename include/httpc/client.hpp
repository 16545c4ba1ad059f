#pragma once
/// \file
/// The blocking facade: Python's `http.client` / `httplib` API in C++
/// (docs/reference.md, "Blocking facade"), on top of the coroutine core (httpc/connection.hpp).
///
///     httpc::HTTPConnection conn("127.0.0.1", 8080);
///     conn.request("GET", "/index.html");
///     auto r1 = conn.getresponse();
///     std::string data1 = r1.read();
///
/// Each connection runs its own io_context on the calling thread, one
/// blocking step at a time, so it works from any thread, coroutine or event
/// loop. One connection is used by one thread at a time.
///
/// Where docs/reference.md and CPython 3.11 differ, docs/reference.md wins;
/// test/client/client_diff_test.cpp lists each difference with its reason.

#include <asio/ssl/context.hpp>  // TLSOptions::context

#include <array>         // putheader's values
#include <chrono>        // ConnectionOptions::timeout
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint16_t
#include <functional>    // chunk sources, the debug sink
#include <istream>       // file bodies
#include <memory>        // std::shared_ptr, the connection's state
#include <optional>      // optional settings and lookups
#include <span>          // readinto's buffer, putheader's values
#include <stdexcept>     // std::runtime_error, the root of the hierarchy
#include <string>        // std::string
#include <string_view>   // std::string_view
#include <system_error>  // std::error_code
#include <type_traits>   // chunk sources, integer header values
#include <utility>       // std::pair
#include <vector>        // std::vector

#include "httpc/error.hpp"       // httpc::error, the codes throw_error maps
#include "httpc/fields.hpp"      // Headers
#include "httpc/response_head.hpp"  // what HTTPMessage holds
#include "httpc/serializer.hpp"  // request_head, what a request starts with
#include "httpc/status.hpp"      // HTTP_PORT, HTTPS_PORT, the status constants, responses

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
  bool in_body = false;                    ///< met reading a body: a bad chunk is IncompleteRead
  std::string_view refusal;                ///< tunnel_failed: the proxy's status and reason
};

/// The one mapping from an error code to the facade's exceptions:
/// httpc::error values as httpc/error.hpp documents them (illegal method,
/// field name or value: std::invalid_argument; a refused tunnel:
/// HTTPException "Tunnel connection failed: ..."); any other code (the OS's,
/// OpenSSL's, std::errc::timed_out): std::system_error.
[[noreturn]] void throw_error(std::error_code ec, failure_context context = {});

struct response_state;
class blocking_connection;

}  // namespace detail

// --- Options and bodies -----------------------------------------------------

struct ConnectionOptions {
  bool strict = false;                               ///< no HTTP/0.9: BadStatusLine instead
  std::optional<std::chrono::milliseconds> timeout;  ///< each blocking step
  std::optional<std::pair<std::string, std::uint16_t>> source_address;  ///< bind before connect
  std::size_t blocksize = 8192;                      ///< send size for file bodies
};

/// HTTPS settings. Without a context, a default one verifies the server
/// against the system trust store and loads key_file / cert_file, if given,
/// as the client certificate (key_file without cert_file is
/// std::invalid_argument). A context of the caller's is used as it is.
struct TLSOptions {
  std::string key_file, cert_file;              ///< client certificate, PEM (optional)
  std::shared_ptr<asio::ssl::context> context;  ///< null: the default context
  bool check_hostname = true;                   ///< the certificate must name the host
};

/// A request body: none (the default), bytes, a `std::istream` read in
/// `blocksize` pieces, or a chunk source called until it returns nullopt.
/// Bytes and streams are not copied and must stay valid during the call.
/// No body sends Content-Length: 0 only for POST, PUT and PATCH; an empty
/// body always sends Content-Length: 0; a stream or chunk source is sent
/// chunked unless the caller gives Content-Length.
class Body {
 public:
  using chunk_source = std::function<std::optional<std::string>()>;
  enum class kind : unsigned char { none, bytes, stream, chunks };

  Body() noexcept = default;
  Body(std::string_view bytes) noexcept : kind_(kind::bytes), bytes_(bytes) {}
  Body(const std::string& bytes) noexcept : Body(std::string_view(bytes)) {}
  Body(const char* bytes) noexcept : Body(std::string_view(bytes)) {}
  Body(std::istream& stream) noexcept : kind_(kind::stream), stream_(&stream) {}
  template <class Source>
    requires std::is_invocable_r_v<std::optional<std::string>, Source&>
  Body(Source source) : kind_(kind::chunks), chunks_(std::move(source)) {}

  kind type() const noexcept { return kind_; }
  std::string_view bytes() const noexcept { return bytes_; }
  std::istream* stream() const noexcept { return stream_; }
  chunk_source& chunks() noexcept { return chunks_; }

 private:
  kind kind_ = kind::none;
  std::string_view bytes_;
  std::istream* stream_ = nullptr;
  chunk_source chunks_;
};

// --- Responses ----------------------------------------------------------------

/// The header fields of a response, in arrival order. Holds the response's
/// head (httpc/response_head.hpp): lookups copy only what they return.
class HTTPMessage {
 public:
  HTTPMessage() = default;
  explicit HTTPMessage(const Headers& fields) : head_(0, {}, 0, fields) {}
  /// The first field of that name, case-insensitive.
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> get_all(std::string_view name) const;
  bool contains(std::string_view name) const { return head_.header(name).has_value(); }
  Headers items() const { return head_.headers(); }

 private:
  friend class HTTPConnection;
  explicit HTTPMessage(response_head head) noexcept : head_(std::move(head)) {}

  response_head head_;
};

/// A response: its head, owned, and its body, read from the connection.
/// Movable. A new request on its connection first reads an unread body into
/// memory, so the response stays readable.
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
  bool isclosed() const noexcept;
  /// Drops the rest of the body; an unread body closes the connection.
  void close();

 private:
  friend class HTTPConnection;
  explicit HTTPResponse(std::shared_ptr<detail::response_state> state) noexcept;

  std::shared_ptr<detail::response_state> state_;
  int status_ = 0;
  std::string reason_;
  int version_ = 0;
  HTTPMessage msg_;
};

// --- Connections --------------------------------------------------------------

/// One HTTP connection to one server, blocking, as Python's
/// http.client.HTTPConnection: request() or putrequest() ... endheaders(),
/// then getresponse(). A closed connection is opened again by the next
/// request; a kept-alive one that the server closed meanwhile is replaced
/// before the request goes out. Nothing is ever sent twice.
class HTTPConnection {
 public:
  /// Where the trace of set_debuglevel goes: one line, without its "\n".
  using debug_sink = std::function<void(std::string_view line)>;

  /// host may be "name", "name:port", "1.2.3.4:port" or "[::1]:port"; an
  /// empty port is the default port; a port that is not digits or over
  /// 65535, or a host with a control character, throws InvalidURL. An
  /// explicit port wins: host is then taken as it is.
  explicit HTTPConnection(std::string host, std::optional<std::uint16_t> port = {},
                          ConnectionOptions options = {});
  HTTPConnection(HTTPConnection&&) noexcept;
  HTTPConnection& operator=(HTTPConnection&&) noexcept;
  virtual ~HTTPConnection();

  /// Sends a whole request: putrequest (Host and Accept-Encoding unless
  /// `headers` has them), the body's framing field unless `headers` has
  /// Content-Length or Transfer-Encoding, `headers`, endheaders(body).
  void request(std::string_view method, std::string_view url, Body body = {},
               const Headers& headers = {});
  /// As above; `encode_chunked` as in endheaders, when `headers` frame the body.
  void request(std::string_view method, std::string_view url, Body body, const Headers& headers,
               bool encode_chunked);
  /// The response to the last request. ResponseNotReady when no request
  /// was sent, or the previous response is neither read nor closed.
  HTTPResponse getresponse();
  /// With level > 0, prints what is sent and received, as http.client does
  /// ("send: b'...'", "reply: '...'", "header: ..."), to stderr or the sink.
  void set_debuglevel(int level);
  void set_debug_sink(debug_sink sink);
  /// Connects through the proxy this connection names: CONNECT host:port
  /// (default port: this connection's), with `headers`, then requests go to
  /// host. Only before the connection is opened (std::logic_error).
  void set_tunnel(std::string host, std::optional<std::uint16_t> port = {}, Headers headers = {});
  void connect();
  void close();

  /// Starts a request: the request line, then Host and Accept-Encoding
  /// unless skipped. CannotSendRequest unless the previous one got its
  /// response.
  void putrequest(std::string_view method, std::string_view url, bool skip_host = false,
                  bool skip_accept_encoding = false);
  /// One header field; several values go as continuation lines ("\r\n\t").
  /// Values: anything convertible to std::string_view, or integers.
  template <class... Values>
  void putheader(std::string_view header, const Values&... values) {
    const std::array<std::string, sizeof...(Values)> texts{field_text(values)...};
    std::array<std::string_view, sizeof...(Values)> views{};
    for (std::size_t i = 0; i < texts.size(); ++i) views[i] = texts[i];
    putheader_values(header, views);
  }
  /// Ends the head and sends it, then `message_body` (chunked when
  /// `encode_chunked`). CannotSendHeader unless a request was started.
  void endheaders(Body message_body = {}, bool encode_chunked = false);
  /// Sends bytes as they are (e.g. a body after endheaders).
  void send(std::string_view data);
  /// Sends a stream's bytes, read in blocksize pieces.
  void send(std::istream& data);

  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }

 protected:
  HTTPConnection(std::string host, std::optional<std::uint16_t> port, ConnectionOptions options,
                 std::optional<TLSOptions> tls);

 private:
  enum class request_state : unsigned char { idle, started, sent };

  template <class Value>
  static std::string field_text(const Value& value) {
    if constexpr (std::is_integral_v<Value>)
      return std::to_string(value);
    else
      return std::string(std::string_view(value));
  }
  void putheader_values(std::string_view header, std::span<const std::string_view> values);
  request_head begin_request(std::string_view method, std::string_view url);
  void prepare_to_send();
  void send_output(Body& body, bool encode_chunked);
  void write(std::string_view data);
  void trace(std::string_view prefix, std::string_view text) const;
  void trace_repr(std::string_view prefix, std::string_view bytes) const;

  std::string host_;
  std::uint16_t port_ = HTTP_PORT;
  ConnectionOptions options_;
  std::optional<TLSOptions> tls_;
  std::shared_ptr<asio::ssl::context> tls_context_;  // what tls_ resolves to
  std::shared_ptr<detail::blocking_connection> core_;
  std::shared_ptr<detail::response_state> response_;  // the last one, while not closed
  request_state state_ = request_state::idle;
  std::string method_;
  std::string head_;
  int debuglevel_ = 0;
  debug_sink debug_sink_;
  std::optional<std::pair<std::string, std::uint16_t>> tunnel_;
  Headers tunnel_headers_;
};

/// An HTTPConnection over TLS; default port HTTPS_PORT.
class HTTPSConnection : public HTTPConnection {
 public:
  explicit HTTPSConnection(std::string host, std::optional<std::uint16_t> port = {},
                           ConnectionOptions options = {}, TLSOptions tls = {});
};

}  // namespace httpc
