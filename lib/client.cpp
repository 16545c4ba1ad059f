// The blocking facade (httpc/client.hpp): each connection owns an io_context
// and a core connection on it, and runs each blocking step to its end on the
// calling thread. Protocol work stays in the core; this file copies the head
// out, counts body bytes, and turns error codes into exceptions.

#include "httpc/client.hpp"

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <string>
#include <utility>

#include "httpc/async.hpp"

namespace httpc {

// --- Exceptions -------------------------------------------------------------

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
        throw std::invalid_argument(message);
      case error::too_many_headers:
      case error::head_too_large:
      case error::bad_header:
      case error::incomplete_head:
      case error::bad_content_length:
      case error::bad_transfer_encoding:
      case error::bad_chunk:
      case error::chunk_size_overflow:
      case error::body_too_large:
      case error::tunnel_failed:
        throw HTTPException(message);
    }
  }
  throw std::system_error(ec);
}

// --- The state a connection and its responses share --------------------------

struct detail::client_state {
  explicit client_state(connection_options options)
      : core(io.get_executor(), std::move(options)) {}

  /// Starts one core operation, whose callback stores its result, and runs
  /// the io_context until nothing is left to do.
  template <class Start>
  void run(Start start) {
    io.restart();
    start();
    io.run();
  }

  asio::io_context io{1};
  connection core;
  response current;             // the core's view of the latest response
  std::uint64_t generation = 0;  // bumped by each request and close: older responses end
};

// --- HTTPMessage ----------------------------------------------------------------

// Names compare with httpc::iequals (httpc/parser.hpp), as the core's do.

std::optional<std::string> HTTPMessage::get(std::string_view name) const {
  for (const auto& [field, value] : fields_) {
    if (iequals(field, name)) return value;
  }
  return std::nullopt;
}

std::vector<std::string> HTTPMessage::get_all(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [field, value] : fields_) {
    if (iequals(field, name)) values.push_back(value);
  }
  return values;
}

bool HTTPMessage::contains(std::string_view name) const { return get(name).has_value(); }

// --- HTTPResponse ---------------------------------------------------------------

HTTPResponse::~HTTPResponse() = default;

std::optional<std::string> HTTPResponse::getheader(std::string_view name) const {
  const std::vector<std::string> values = msg_.get_all(name);
  if (values.empty()) return std::nullopt;
  std::string joined = values.front();
  for (std::size_t i = 1; i < values.size(); ++i) joined += ", " + values[i];
  return joined;
}

std::string HTTPResponse::getheader(std::string_view name, std::string_view default_value) const {
  return getheader(name).value_or(std::string(default_value));
}

bool HTTPResponse::current() const noexcept {
  return state_ && state_->generation == generation_;
}

std::size_t HTTPResponse::fill(char* data, std::size_t size, std::string* grow) {
  if (closed_ || !current()) {
    closed_ = true;
    return 0;
  }
  detail::client_state& s = *state_;
  std::size_t got = 0;
  for (;;) {
    char* destination = nullptr;
    std::size_t room = 0;
    if (grow != nullptr) {
      if (grow->size() - got < 4096) grow->resize(got + 16 * 1024);
      destination = grow->data() + got;
      room = grow->size() - got;
    } else {
      if (got == size) break;
      destination = data + got;
      room = size - got;
    }
    std::error_code ec;
    std::size_t n = 0;
    s.run([&] {
      s.current.async_read_some(asio::buffer(destination, room), [&](std::error_code e, std::size_t k) {
        ec = e;
        n = k;
      });
    });
    if (ec) {
      closed_ = true;
      if (ec == error::incomplete_body) {
        detail::failure_context context;
        context.partial = grow != nullptr ? grow->substr(0, got) : std::string(data, got);
        if (content_length_) context.expected = static_cast<std::size_t>(*content_length_ - body_read_);
        detail::throw_error(ec, std::move(context));
      }
      detail::throw_error(ec);
    }
    if (n == 0) {
      closed_ = true;
      break;
    }
    got += n;
    body_read_ += n;
  }
  if (grow != nullptr) grow->resize(got);
  // A Content-Length body read to its last byte: let the core see its end
  // (it needs no input for that), so the connection is ready for a request.
  if (!closed_ && content_length_ && body_read_ == *content_length_) {
    char spare = 0;
    std::error_code ec;
    std::size_t n = 0;
    s.run([&] {
      s.current.async_read_some(asio::buffer(&spare, 1), [&](std::error_code e, std::size_t k) {
        ec = e;
        n = k;
      });
    });
    if (ec) detail::throw_error(ec);
    if (n == 0) closed_ = true;
  }
  return got;
}

std::string HTTPResponse::read() {
  std::string body;
  fill(nullptr, 0, &body);
  return body;
}

std::string HTTPResponse::read(std::size_t amt) {
  std::string body(amt, '\0');
  body.resize(fill(body.data(), body.size(), nullptr));
  return body;
}

std::size_t HTTPResponse::readinto(std::span<char> buffer) {
  return fill(buffer.data(), buffer.size(), nullptr);
}

void HTTPResponse::close() {
  // A body not read to its end leaves the connection unusable: close it.
  if (!closed_ && current() && !state_->core.is_idle()) state_->core.close();
  closed_ = true;
}

// --- HTTPConnection -------------------------------------------------------------

namespace {

bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

/// Python 3's _get_hostport, with API.md's stricter port: ASCII digits only
/// (leading zeros allowed), 0-65535; an empty port is the default.
std::uint16_t split_host_port(std::string& host, std::optional<std::uint16_t> given,
                              std::uint16_t default_port) {
  std::uint16_t port = default_port;
  if (given) {
    port = *given;
  } else {
    const std::size_t colon = host.rfind(':');
    const std::size_t bracket = host.rfind(']');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
      const std::string digits = host.substr(colon + 1);
      if (!digits.empty()) {
        std::uint32_t value = 0;
        for (const char c : digits) {
          if (c < '0' || c > '9') throw InvalidURL("nonnumeric port: '" + digits + "'");
          value = value * 10 + static_cast<std::uint32_t>(c - '0');
          if (value > 65535) throw InvalidURL("port out of range: '" + digits + "'");
        }
        port = static_cast<std::uint16_t>(value);
      }
      host.erase(colon);
    }
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  for (const char c : host) {
    if (is_control(c)) throw InvalidURL("control character in host");
  }
  return port;
}

connection_options core_options(const ConnectionOptions& options) {
  connection_options o;
  o.parser.strict = options.strict;
  o.connect_timeout = options.timeout;
  o.read_timeout = options.timeout;
  o.write_timeout = options.timeout;
  if (options.source_address) {
    o.source_address = asio::ip::tcp::endpoint(asio::ip::make_address(options.source_address->first),
                                               options.source_address->second);
  }
  return o;
}

}  // namespace

HTTPConnection::HTTPConnection(std::string host, std::optional<std::uint16_t> port,
                               ConnectionOptions options)
    : host_(std::move(host)), options_(std::move(options)) {
  port_ = split_host_port(host_, port, HTTP_PORT);
  state_ = std::make_shared<detail::client_state>(core_options(options_));
}

HTTPConnection::HTTPConnection(HTTPConnection&&) noexcept = default;
HTTPConnection& HTTPConnection::operator=(HTTPConnection&&) noexcept = default;
HTTPConnection::~HTTPConnection() = default;

void HTTPConnection::connect() {
  detail::client_state& s = *state_;
  ++s.generation;
  s.current = {};
  std::error_code ec;
  s.run([&] { s.core.async_connect(host_, port_, [&](std::error_code e) { ec = e; }); });
  if (ec) detail::throw_error(ec);
}

void HTTPConnection::close() {
  detail::client_state& s = *state_;
  s.core.close();
  ++s.generation;
  s.current = {};
}

void HTTPConnection::request(std::string_view method, std::string_view url, Body body,
                             const Headers& headers) {
  detail::client_state& s = *state_;
  if (!s.core.is_open()) connect();
  const request_body core_body = body.has_bytes() ? request_body(body.bytes()) : request_body();
  std::error_code ec;
  s.run([&] {
    s.core.async_request(method, url, core_body, headers, [&](std::error_code e) { ec = e; });
  });
  if (ec) detail::throw_error(ec);
  ++s.generation;
  s.current = {};
}

HTTPResponse HTTPConnection::getresponse() {
  detail::client_state& s = *state_;
  std::error_code ec;
  response r;
  s.run([&] {
    s.core.async_getresponse([&](std::error_code e, response got) {
      ec = e;
      r = std::move(got);
    });
  });
  if (ec) {
    detail::failure_context context;
    if (ec == error::bad_status_line) context.received = s.core.received();
    detail::throw_error(ec, std::move(context));
  }
  HTTPResponse out;
  out.state_ = state_;
  out.generation_ = s.generation;
  out.status_ = r.status();
  out.reason_ = std::string(r.reason());
  out.version_ = r.version();
  Headers fields;
  for (const auto field : r.fields()) fields.emplace_back(std::string(field.name), std::string(field.value));
  out.msg_ = HTTPMessage(std::move(fields));
  if (r.framing() == body_framing::content_length) out.content_length_ = r.content_length();
  s.current = std::move(r);
  return out;
}

}  // namespace httpc
