// The blocking facade (httpc/client.hpp): each connection owns an io_context
// and a core connection on it, and runs each blocking step to its end on the
// calling thread. Protocol work stays in the core; this file copies the head
// out, counts body bytes, and turns error codes into exceptions.

#include "httpc/client.hpp"

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "httpc/connection.hpp"

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
      case error::invalid_request_framing:
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
      case error::too_many_interim_responses:
      case error::insecure_redirect:
        throw HTTPException(message);
    }
  }
  throw std::system_error(ec);
}

// --- One core connection, driven one blocking step at a time ------------------

namespace detail {

/// What getresponse copies out of the core's response.
struct response_head {
  int status = 0;
  std::string reason;
  int version = 0;
  Headers fields;
  std::string status_line;
  std::optional<std::uint64_t> content_length;
  bool keep_alive = false;
};

}  // namespace detail

/// A core connection, plain or TLS, with an io_context of its own that
/// each call runs until its one operation is done.
class detail::channel {
 public:
  virtual ~channel() = default;
  virtual std::error_code connect(const std::string& host, std::uint16_t port) = 0;
  virtual std::error_code connect_tunnel(const std::string& proxy_host, std::uint16_t proxy_port,
                                         const std::string& host, std::uint16_t port,
                                         const Headers& proxy_headers) = 0;
  virtual std::error_code send_head(std::string_view method, std::string_view head) = 0;
  virtual std::error_code send(std::string_view bytes) = 0;
  virtual std::error_code getresponse(detail::response_head& head) = 0;
  virtual std::error_code read_some(char* data, std::size_t size, std::size_t& got) = 0;
  virtual bool body_done() = 0;
  virtual bool is_open() = 0;
  virtual bool is_idle() = 0;
  virtual bool is_reusable() = 0;
  virtual void close() = 0;
  virtual std::string_view received() = 0;
  virtual std::string tunnel_refusal() = 0;
};

namespace {

template <class Connection>
class channel_impl final : public detail::channel {
 public:
  explicit channel_impl(const connection_options& options)
    requires(!Connection::is_tls)
      : core_(io_.get_executor(), options) {}
  channel_impl(const connection_options& options, std::shared_ptr<asio::ssl::context> context)
    requires(Connection::is_tls)
      : tls_context_(std::move(context)), core_(io_.get_executor(), *tls_context_, options) {}

  std::error_code connect(const std::string& host, std::uint16_t port) override {
    std::error_code ec;
    run([&] { core_.async_connect(host, port, [&](std::error_code e) { ec = e; }); });
    return ec;
  }
  std::error_code connect_tunnel(const std::string& proxy_host, std::uint16_t proxy_port,
                                 const std::string& host, std::uint16_t port,
                                 const Headers& proxy_headers) override {
    std::error_code ec;
    run([&] {
      core_.async_connect_tunnel(proxy_host, proxy_port, host, port, proxy_headers,
                                 [&](std::error_code e) { ec = e; });
    });
    return ec;
  }
  std::error_code send_head(std::string_view method, std::string_view head) override {
    std::error_code ec;
    run([&] { core_.async_send_head(method, head, [&](std::error_code e) { ec = e; }); });
    return ec;
  }
  std::error_code send(std::string_view bytes) override {
    std::error_code ec;
    run([&] { core_.async_send(bytes, [&](std::error_code e) { ec = e; }); });
    return ec;
  }
  std::error_code getresponse(detail::response_head& head) override {
    std::error_code ec;
    run([&] {
      core_.async_getresponse([&](std::error_code e, typename Connection::response_type r) {
        ec = e;
        response_ = std::move(r);
      });
    });
    if (ec) return ec;
    head.status = response_.status();
    head.reason = std::string(response_.reason());
    head.version = response_.version();
    for (const auto field : response_.fields())
      head.fields.emplace_back(std::string(field.name), std::string(field.value));
    const std::string_view raw = response_.head();
    head.status_line = std::string(raw.substr(0, raw.find('\n') + 1));
    if (response_.framing() == body_framing::content_length)
      head.content_length = response_.content_length();
    head.keep_alive = response_.keep_alive();
    return ec;
  }
  std::error_code read_some(char* data, std::size_t size, std::size_t& got) override {
    std::error_code ec;
    run([&] {
      response_.async_read_some(asio::buffer(data, size), [&](std::error_code e, std::size_t n) {
        ec = e;
        got = n;
      });
    });
    return ec;
  }
  bool body_done() override { return response_.done(); }
  bool is_open() override { return core_.is_open(); }
  bool is_idle() override { return core_.is_idle(); }
  bool is_reusable() override { return core_.is_reusable(); }
  void close() override { core_.close(); }
  std::string_view received() override { return core_.received(); }
  std::string tunnel_refusal() override { return core_.tunnel_refusal(); }

 private:
  // The io_context is ours alone and runs only inside these calls, so a
  // caller on any thread, in any event loop or coroutine, cannot deadlock it.
  template <class Start>
  void run(Start start) {
    io_.restart();
    start();
    io_.run();
  }

  asio::io_context io_{1};
  std::shared_ptr<asio::ssl::context> tls_context_;  // outlives core_
  Connection core_;
  typename Connection::response_type response_;
};

}  // namespace

/// What a response and its connection share: where the body comes from,
/// and what was read ahead of the reader.
struct detail::response_state {
  std::shared_ptr<channel> source;  // null once nothing more can come from it
  std::string ahead;                // read before a new request went out
  std::size_t ahead_read = 0;
  std::error_code failure;          // met while reading ahead
  std::optional<std::uint64_t> content_length;
  std::uint64_t body_read = 0;
  bool closed = false;

  /// Reads the rest of the body into `ahead`, so the connection is free.
  void read_ahead() {
    if (closed || !source) return;
    for (;;) {
      const std::size_t old_size = ahead.size();
      ahead.resize(old_size + 16 * 1024);
      std::size_t n = 0;
      failure = source->read_some(ahead.data() + old_size, ahead.size() - old_size, n);
      ahead.resize(old_size + n);
      if (failure || n == 0) break;
    }
    source.reset();
  }

  void close() {
    if (closed) return;
    closed = true;
    ahead.clear();
    // A body not read to its end leaves the connection unusable.
    if (source && !source->body_done()) source->close();
    source.reset();
  }
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

HTTPResponse::HTTPResponse(std::shared_ptr<detail::response_state> state) noexcept
    : state_(std::move(state)) {}

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

bool HTTPResponse::isclosed() const noexcept { return !state_ || state_->closed; }

std::size_t HTTPResponse::fill(char* data, std::size_t size, std::string* grow) {
  if (isclosed()) return 0;
  detail::response_state& s = *state_;
  std::size_t got = 0;
  // Ends the body with an exception. A chunked body cut off or spoilt by a
  // bad chunk size is IncompleteRead, as CPython raises it.
  const auto fail = [&](std::error_code ec) {
    s.close();
    if (ec != error::incomplete_body && ec != error::bad_chunk && ec != error::chunk_size_overflow)
      detail::throw_error(ec);
    detail::failure_context context;
    context.partial = grow != nullptr ? grow->substr(0, got) : std::string(data, got);
    if (s.content_length) context.expected = static_cast<std::size_t>(*s.content_length - s.body_read);
    detail::throw_error(error::incomplete_body, std::move(context));
  };
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
    std::size_t n = 0;
    if (s.ahead_read < s.ahead.size()) {
      n = std::min(room, s.ahead.size() - s.ahead_read);
      std::memcpy(destination, s.ahead.data() + s.ahead_read, n);
      s.ahead_read += n;
    } else if (s.failure) {
      fail(s.failure);
    } else if (s.source) {
      if (const std::error_code ec = s.source->read_some(destination, room, n)) fail(ec);
    }
    if (n == 0) {
      s.close();
      break;
    }
    got += n;
    s.body_read += n;
  }
  if (grow != nullptr) grow->resize(got);
  // A Content-Length body read to its last byte: let the core see its end
  // (it needs no input for that), so the connection is ready for a request.
  if (!s.closed && s.source && s.content_length && s.body_read == *s.content_length) {
    char spare = 0;
    std::size_t n = 0;
    if (const std::error_code ec = s.source->read_some(&spare, 1, n)) fail(ec);
    if (n == 0) s.close();
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
  if (state_) state_->close();
}

// --- HTTPConnection -------------------------------------------------------------

namespace {

bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

/// Python 3's _get_hostport, with a stricter port (docs/reference.md, "Host"): ASCII digits only
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
  // CPython's _validate_host: no control byte and no space in a host.
  for (const char c : host) {
    if (is_control(c) || c == ' ') throw InvalidURL("control character or space in host: '" + host + "'");
  }
  return port;
}

connection_options core_options(const ConnectionOptions& options, const std::optional<TLSOptions>& tls) {
  connection_options o;
  o.parser.strict = options.strict;
  // Python's timeout is each blocking step's, and none without one.
  o.connect_timeout = options.timeout;
  o.handshake_timeout = options.timeout;
  o.read_timeout = options.timeout;
  o.write_timeout = options.timeout;
  if (options.source_address) {
    o.source_address = asio::ip::tcp::endpoint(asio::ip::make_address(options.source_address->first),
                                               options.source_address->second);
  }
  if (tls) {
    // check_hostname verifies the chain too (the core's verify_host_name does),
    // whatever a caller's context says; without it, a caller's context decides.
    o.verify_peer = tls->context == nullptr || tls->check_hostname;
    o.verify_host_name = tls->check_hostname;
  }
  return o;
}

std::shared_ptr<asio::ssl::context> resolve_tls_context(const TLSOptions& tls) {
  if (tls.context) return tls.context;
  auto context = std::make_shared<asio::ssl::context>(make_tls_context());
  if (!tls.cert_file.empty()) {
    context->use_certificate_chain_file(tls.cert_file);
    // Without key_file, the key is in cert_file, as Python's load_cert_chain takes it.
    context->use_private_key_file(tls.key_file.empty() ? tls.cert_file : tls.key_file,
                                  asio::ssl::context::pem);
  }
  return context;
}

/// Python's repr() of bytes (b'...') or of a str decoded from Latin-1.
std::string python_repr(std::string_view text, bool bytes) {
  const bool double_quotes =
      text.find('\'') != std::string_view::npos && text.find('"') == std::string_view::npos;
  const char quote = double_quotes ? '"' : '\'';
  std::string out = bytes ? "b" : "";
  out += quote;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u >= 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  out += quote;
  return out;
}

const char* state_name(bool sent) { return sent ? "Request-sent" : "Idle"; }

/// The errors after which CPython closes the connection (ConnectionError).
bool is_connection_error(std::error_code ec) {
  return ec == error::remote_disconnected || ec == std::errc::connection_reset ||
         ec == std::errc::connection_aborted || ec == std::errc::broken_pipe ||
         ec == std::errc::connection_refused;
}

}  // namespace

HTTPConnection::HTTPConnection(std::string host, std::optional<std::uint16_t> port,
                               ConnectionOptions options)
    : HTTPConnection(std::move(host), port, std::move(options), std::nullopt) {}

HTTPConnection::HTTPConnection(std::string host, std::optional<std::uint16_t> port,
                               ConnectionOptions options, std::optional<TLSOptions> tls)
    : host_(std::move(host)), options_(std::move(options)), tls_(std::move(tls)) {
  port_ = split_host_port(host_, port, tls_ ? HTTPS_PORT : HTTP_PORT);
  if (tls_) tls_context_ = resolve_tls_context(*tls_);
}

HTTPSConnection::HTTPSConnection(std::string host, std::optional<std::uint16_t> port,
                                 ConnectionOptions options, TLSOptions tls)
    : HTTPConnection(std::move(host), port, std::move(options), std::move(tls)) {}

HTTPConnection::HTTPConnection(HTTPConnection&&) noexcept = default;
HTTPConnection& HTTPConnection::operator=(HTTPConnection&&) noexcept = default;
HTTPConnection::~HTTPConnection() = default;

void HTTPConnection::set_debuglevel(int level) { debuglevel_ = level; }

void HTTPConnection::set_debug_sink(debug_sink sink) { debug_sink_ = std::move(sink); }

void HTTPConnection::trace(std::string_view prefix, std::string_view text) const {
  if (debuglevel_ <= 0) return;
  std::string line(prefix);
  if (!text.empty()) {
    line += ' ';
    line += text;
  }
  if (debug_sink_)
    debug_sink_(line);
  else
    std::fprintf(stderr, "%s\n", line.c_str());
}

void HTTPConnection::trace_repr(std::string_view prefix, std::string_view bytes) const {
  if (debuglevel_ > 0) trace(prefix, python_repr(bytes, true));
}

void HTTPConnection::set_tunnel(std::string host, std::optional<std::uint16_t> port, Headers headers) {
  if (channel_ && channel_->is_open())
    throw std::logic_error("Can't set up tunnel for established connection");
  const std::uint16_t tunnel_port = split_host_port(host, port, tls_ ? HTTPS_PORT : HTTP_PORT);
  tunnel_.emplace(std::move(host), tunnel_port);
  tunnel_headers_ = std::move(headers);
}

void HTTPConnection::connect() {
  // A response still reading from the old connection keeps it.
  if (!channel_ || channel_.use_count() > 1) {
    const connection_options options = core_options(options_, tls_);
    if (tls_)
      channel_ = std::make_shared<channel_impl<tls_connection>>(options, tls_context_);
    else
      channel_ = std::make_shared<channel_impl<connection>>(options);
  }
  const std::error_code ec =
      tunnel_ ? channel_->connect_tunnel(host_, port_, tunnel_->first, tunnel_->second, tunnel_headers_)
              : channel_->connect(host_, port_);
  if (ec == error::tunnel_failed && !channel_->tunnel_refusal().empty())
    throw HTTPException("Tunnel connection failed: " + channel_->tunnel_refusal());
  if (ec) detail::throw_error(ec);
}

void HTTPConnection::close() {
  state_ = request_state::idle;
  if (channel_) channel_->close();
  if (response_) response_->close();
  response_.reset();
}

// As CPython's putrequest: a response read to its end is forgotten, and a
// request starts only when the previous one got its response.
request_head HTTPConnection::begin_request(std::string_view method, std::string_view url) {
  if (response_ && response_->closed) response_.reset();
  if (state_ != request_state::idle) throw CannotSendRequest(state_name(state_ == request_state::sent));
  request_head head;
  head.method = method;
  head.target = url;
  // Through a tunnel, Host names the tunnel's end.
  head.host = tunnel_ ? tunnel_->first : host_;
  head.port = tunnel_ ? tunnel_->second : port_;
  head.tls = tls_.has_value();
  return head;
}

void HTTPConnection::putrequest(std::string_view method, std::string_view url, bool skip_host,
                                bool skip_accept_encoding) {
  request_head head = begin_request(method, url);
  head.skip_host = skip_host;
  head.skip_accept_encoding = skip_accept_encoding;
  std::string start;
  std::error_code ec;
  write_request_start(start, head, ec);
  if (ec) detail::throw_error(ec);
  head_ = std::move(start);
  method_ = std::string(method);
  state_ = request_state::started;
}

void HTTPConnection::putheader_values(std::string_view header,
                                      std::span<const std::string_view> values) {
  if (state_ != request_state::started) throw CannotSendHeader("");
  std::error_code ec;
  write_field(head_, header, values, ec);
  if (ec) detail::throw_error(ec);
}

void HTTPConnection::endheaders(Body message_body, bool encode_chunked) {
  if (state_ != request_state::started) throw CannotSendHeader("");
  state_ = request_state::sent;
  write_head_end(head_);
  send_output(message_body, encode_chunked);
}

void HTTPConnection::request(std::string_view method, std::string_view url, Body body,
                             const Headers& headers) {
  request(method, url, std::move(body), headers, false);
}

void HTTPConnection::request(std::string_view method, std::string_view url, Body body,
                             const Headers& headers, bool encode_chunked) {
  request_head head = begin_request(method, url);
  head.encode_chunked = encode_chunked;
  switch (body.type()) {
    case Body::kind::none:
      head.body = body_kind::none;
      break;
    case Body::kind::bytes:
      head.body = body_kind::sized;
      head.content_length = body.bytes().size();
      break;
    case Body::kind::stream:
    case Body::kind::chunks:
      head.body = body_kind::streaming;
      break;
  }
  std::string serialized;
  std::error_code ec;
  const body_encoding encoding = write_request(serialized, head, headers, ec);
  if (ec) detail::throw_error(ec);  // nothing was sent
  head_ = std::move(serialized);
  method_ = std::string(method);
  state_ = request_state::sent;
  send_output(body, encoding == body_encoding::chunked);
}

// Makes the connection ready for a request: opened when closed, replaced
// when the server closed it while idle, free of an unread response body.
void HTTPConnection::prepare_to_send() {
  if (response_ && response_->source == channel_) response_->read_ahead();
  if (channel_ && channel_->is_open() && channel_->is_idle() && !channel_->is_reusable())
    channel_->close();
  if (!channel_ || !channel_->is_open()) connect();
}

void HTTPConnection::write(std::string_view data) {
  trace_repr("send:", data);
  if (const std::error_code ec = channel_->send(data)) detail::throw_error(ec);
}

// CPython's _send_output: the head, then each non-empty piece of the body,
// chunk-framed when asked.
void HTTPConnection::send_output(Body& body, bool encode_chunked) {
  prepare_to_send();
  trace_repr("send:", head_);
  if (const std::error_code ec = channel_->send_head(method_, head_)) detail::throw_error(ec);
  std::string framed;
  const auto send_piece = [&](std::string_view piece) {
    if (piece.empty()) {
      trace("Zero length chunk ignored", "");
      return;
    }
    if (!encode_chunked) return write(piece);
    framed.assign(chunk_header(piece.size()).view());
    framed += piece;
    framed += chunk_end;
    write(framed);
  };
  switch (body.type()) {
    case Body::kind::none:
      return;
    case Body::kind::bytes:
      send_piece(body.bytes());
      break;
    case Body::kind::stream: {
      trace("sendIng a read()able", "");
      std::string block(options_.blocksize, '\0');
      while (body.stream()->read(block.data(), static_cast<std::streamsize>(block.size())),
             body.stream()->gcount() > 0)
        send_piece(std::string_view(block.data(), static_cast<std::size_t>(body.stream()->gcount())));
      break;
    }
    case Body::kind::chunks:
      while (std::optional<std::string> piece = body.chunks()()) send_piece(*piece);
      break;
  }
  if (encode_chunked) write(last_chunk);
}

void HTTPConnection::send(std::string_view data) {
  if (!channel_ || !channel_->is_open()) connect();
  write(data);
}

void HTTPConnection::send(std::istream& data) {
  if (!channel_ || !channel_->is_open()) connect();
  trace("sendIng a read()able", "");
  std::string block(options_.blocksize, '\0');
  while (data.read(block.data(), static_cast<std::streamsize>(block.size())), data.gcount() > 0) {
    const std::string_view piece(block.data(), static_cast<std::size_t>(data.gcount()));
    if (const std::error_code ec = channel_->send(piece)) detail::throw_error(ec);
  }
}

HTTPResponse HTTPConnection::getresponse() {
  if (response_ && response_->closed) response_.reset();
  if (state_ != request_state::sent || response_)
    throw ResponseNotReady(state_name(state_ == request_state::sent));
  if (!channel_) throw NotConnected("not connected");
  detail::response_head head;
  if (const std::error_code ec = channel_->getresponse(head)) {
    detail::failure_context context;
    if (ec == error::bad_status_line) context.received = channel_->received();
    std::string received(context.received);
    context.received = received;
    if (is_connection_error(ec)) close();
    detail::throw_error(ec, std::move(context));
  }
  trace("reply:", debuglevel_ > 0 ? python_repr(head.status_line, false) : "");
  for (const auto& [name, value] : head.fields) trace("header:", name + ": " + value);

  state_ = request_state::idle;
  auto state = std::make_shared<detail::response_state>();
  state->source = channel_;
  state->content_length = head.content_length;
  if (head.keep_alive) {
    response_ = state;
  } else {
    // The response takes the connection with it; the next request opens a new one.
    channel_.reset();
  }
  HTTPResponse out(std::move(state));
  out.status_ = head.status;
  out.reason_ = std::move(head.reason);
  out.version_ = head.version;
  out.msg_ = HTTPMessage(std::move(head.fields));
  return out;
}

}  // namespace httpc
