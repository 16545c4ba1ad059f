// HTTPConnection and HTTPSConnection: Python's request API mapped onto the
// core's operations, each run to its end by the blocking adapter.

#include <asio/ip/address.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

#include "blocking.hpp"
#include "httpc/client.hpp"
#include "response_state.hpp"

namespace httpc {

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
  // A key alone is a mistake: CPython's load_cert_chain refuses it too.
  if (tls.cert_file.empty() && !tls.key_file.empty())
    throw std::invalid_argument("key_file given without cert_file");
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

bool is_open(const std::shared_ptr<detail::blocking_connection>& core) {
  return core && core->connection().is_open();
}

std::error_code send_bytes(detail::blocking_connection& core, std::string_view bytes) {
  return core.run([&core, bytes](auto done) { core.connection().async_send(bytes, done); });
}

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
  if (is_open(core_))
    throw std::logic_error("Can't set up tunnel for established connection");
  const std::uint16_t tunnel_port = split_host_port(host, port, tls_ ? HTTPS_PORT : HTTP_PORT);
  tunnel_.emplace(std::move(host), tunnel_port);
  tunnel_headers_ = std::move(headers);
}

void HTTPConnection::connect() {
  // A response still reading from the old connection keeps it.
  if (!core_ || core_.use_count() > 1)
    core_ = std::make_shared<detail::blocking_connection>(core_options(options_, tls_), tls_context_);
  const std::error_code ec = core_->run([this](auto done) {
    if (tunnel_)
      core_->connection().async_connect_tunnel(host_, port_, tunnel_->first, tunnel_->second,
                                               tunnel_headers_, done);
    else
      core_->connection().async_connect(host_, port_, done);
  });
  if (!ec) return;
  detail::failure_context context;
  if (ec == error::tunnel_failed)
    context.refusal = core_->connection().tunnel_refusal();
  detail::throw_error(ec, std::move(context));
}

void HTTPConnection::close() {
  state_ = request_state::idle;
  if (core_) core_->connection().close();
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
  if (response_ && response_->source == core_) response_->read_ahead();
  if (core_) {
    any_connection& connection = core_->connection();
    if (connection.is_open() && connection.is_idle() && !connection.is_reusable()) connection.close();
  }
  if (!is_open(core_)) connect();
}

void HTTPConnection::write(std::string_view data) {
  trace_repr("send:", data);
  if (const std::error_code ec = send_bytes(*core_, data)) detail::throw_error(ec);
}

// CPython's _send_output: the head, then each non-empty piece of the body,
// chunk-framed when asked.
void HTTPConnection::send_output(Body& body, bool encode_chunked) {
  prepare_to_send();
  trace_repr("send:", head_);
  const std::error_code ec =
      core_->run([this](auto done) { core_->connection().async_send_head(method_, head_, done); });
  if (ec) detail::throw_error(ec);
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
  if (!is_open(core_)) connect();
  write(data);
}

void HTTPConnection::send(std::istream& data) {
  if (!is_open(core_)) connect();
  trace("sendIng a read()able", "");
  std::string block(options_.blocksize, '\0');
  while (data.read(block.data(), static_cast<std::streamsize>(block.size())), data.gcount() > 0) {
    const std::string_view piece(block.data(), static_cast<std::size_t>(data.gcount()));
    if (const std::error_code ec = send_bytes(*core_, piece)) detail::throw_error(ec);
  }
}

HTTPResponse HTTPConnection::getresponse() {
  if (response_ && response_->closed) response_.reset();
  if (state_ != request_state::sent || response_)
    throw ResponseNotReady(state_name(state_ == request_state::sent));
  if (!core_) throw NotConnected("not connected");
  const std::error_code ec = core_->run([this](auto done) {
    core_->connection().async_getresponse(
        done.keeping([this](any_response response) { core_->response() = std::move(response); }));
  });
  if (ec) {
    // Copied: close() below may let the core reuse its buffer.
    std::string received;
    if (ec == error::bad_status_line)
      received = std::string(core_->connection().received());
    if (is_connection_error(ec)) close();
    detail::failure_context context;
    context.received = received;
    detail::throw_error(ec, std::move(context));
  }

  auto state = std::make_shared<detail::response_state>();
  HTTPResponse out(state);
  const any_response& response = core_->response();
  out.status_ = response.status();
  out.reason_ = std::string(response.reason());
  out.version_ = response.version();
  if (debuglevel_ > 0) {
    const std::string_view head = response.head();
    trace("reply:", python_repr(head.substr(0, head.find('\n') + 1), false));
    for (const header_field field : response.fields())
      trace("header:", std::string(field.name) + ": " + std::string(field.value));
  }
  out.msg_ = HTTPMessage(response.owned_head());
  if (response.framing() == body_framing::content_length)
    state->content_length = response.content_length();
  const bool keep_alive = response.keep_alive();

  state_ = request_state::idle;
  state->source = core_;
  if (keep_alive) {
    response_ = std::move(state);
  } else {
    // The response takes the connection with it; the next request opens a new one.
    core_.reset();
  }
  return out;
}

}  // namespace httpc
