#pragma once
// Out-of-line bodies of basic_connection and basic_response. Both stream
// types are instantiated once, in lib/core/connection.cpp.

#include <asio/ip/address.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <openssl/x509v3.h>
#include <poll.h>
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace httpc {
namespace detail {

// Standalone Asio 1.22 reports OS errors in a category of its own that maps
// to no std::errc; the OS's own category does. A cancellation stays Asio's
// operation_aborted, as Asio code tests for it.
inline std::error_code os_error(std::error_code ec) noexcept {
  if (ec.category() == asio::error::get_system_category() && ec != asio::error::operation_aborted)
    return {ec.value(), std::system_category()};
  return ec;
}

inline bool is_end_of_stream(const std::error_code& ec) noexcept {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

// RFC 9110 §10.1.1: the client waits for 100 (Continue) before the body.
inline bool expects_continue(const Headers& headers) noexcept {
  for (const auto& [name, value] : headers) {
    if (iequals(name, "Expect") && iequals(trim_ows(value), "100-continue")) return true;
  }
  return false;
}

// Whether `certificate` is for `host`, a name or an address literal, as
// chain verification checks it (`flags`: the verify parameters' host flags).
inline bool certifies_host(X509* certificate, const std::string& host, unsigned int flags) noexcept {
  if (certificate == nullptr) return false;
  std::error_code not_literal;
  const asio::ip::address literal = asio::ip::make_address(host, not_literal);
  if (not_literal) return X509_check_host(certificate, host.data(), host.size(), flags, nullptr) == 1;
  if (literal.is_v4()) {
    const auto bytes = literal.to_v4().to_bytes();
    return X509_check_ip(certificate, bytes.data(), bytes.size(), 0) == 1;
  }
  const auto bytes = literal.to_v6().to_bytes();
  return X509_check_ip(certificate, bytes.data(), bytes.size(), 0) == 1;
}

}  // namespace detail

template <class Stream>
basic_connection<Stream>::~basic_connection() {
  close();
}

template <class Stream>
asio::ip::tcp::socket& basic_connection<Stream>::socket() noexcept {
  if constexpr (is_tls)
    return stream_->next_layer();
  else
    return *stream_;
}

template <class Stream>
bool basic_connection<Stream>::is_open() const noexcept {
  return state_ != state::closed;
}

template <class Stream>
void basic_connection<Stream>::close() noexcept {
  state_ = state::closed;
  pending_ = {};
  ++timer_state_->generation;
  timer_.cancel();
  if (stream_) {
    if constexpr (is_tls) {
      // No close_notify goes out. Since TLS 1.1 a session survives a close
      // without one (RFC 5246 §7.2.1); OpenSSL, as TLS 1.0 asked, spoils it
      // when the SSL object goes, unless told one was sent. A fatal alert
      // spoils it all the same, when it is sent or received.
      SSL* ssl = stream_->native_handle();
      SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_SENT_SHUTDOWN);
    }
    std::error_code ignored;
    socket().close(ignored);
  }
}

template <class Stream>
std::error_code basic_connection<Stream>::fail(std::error_code ec) noexcept {
  close();
  return ec;
}

// One timer serves every operation: armed before it with the tighter of the
// operation's timeout and the request's deadline; on expiry it cancels the
// socket, and the operation's operation_aborted becomes timed_out.
template <class Stream>
void basic_connection<Stream>::arm(std::optional<std::chrono::milliseconds> timeout) {
  timer_state_->timed_out = false;
  std::optional<clock::time_point> expiry = deadline_;
  if (timeout) {
    const auto limit = clock::now() + *timeout;
    if (!expiry || limit < *expiry) expiry = limit;
  }
  if (!expiry) return;
  timer_.expires_at(*expiry);
  timer_state_->socket = &socket();
  timer_.async_wait([state = std::weak_ptr<timer_state>(timer_state_),
                     generation = ++timer_state_->generation](std::error_code ec) {
    const auto alive = state.lock();
    if (ec || !alive || generation != alive->generation) return;
    alive->timed_out = true;
    std::error_code ignored;
    alive->socket->cancel(ignored);
  });
}

template <class Stream>
std::error_code basic_connection<Stream>::disarm(std::error_code ec) noexcept {
  if (timer_.expiry() != clock::time_point{}) {
    ++timer_state_->generation;
    timer_.cancel();
    timer_.expires_at(clock::time_point{});
  }
  if (timer_state_->timed_out && ec == asio::error::operation_aborted)
    return make_error_code(std::errc::timed_out);
  return detail::os_error(ec);
}

template <class Stream>
template <class CompletionToken>
auto basic_connection<Stream>::async_connect(std::string_view host, std::uint16_t port,
                                             CompletionToken&& token) {
  return detail::complete(executor_, connect_op(std::string(host), port, std::nullopt),
                          std::forward<CompletionToken>(token));
}

template <class Stream>
template <class CompletionToken>
auto basic_connection<Stream>::async_connect_unix(std::string_view path, std::string_view host, std::uint16_t port,
                                                  CompletionToken&& token) {
  return detail::complete(executor_, connect_op(std::string(host), port, std::nullopt, std::string(path)),
                          std::forward<CompletionToken>(token));
}

template <class Stream>
template <class CompletionToken>
auto basic_connection<Stream>::async_connect_tunnel(std::string_view proxy_host,
                                                    std::uint16_t proxy_port, std::string_view host,
                                                    std::uint16_t port, const Headers& proxy_headers,
                                                    CompletionToken&& token) {
  detail::tunnel_plan tunnel;
  tunnel.host = host;
  tunnel.port = port;
  write_connect(tunnel.request, host, port, proxy_headers, tunnel.refused);
  return detail::complete(executor_, connect_op(std::string(proxy_host), proxy_port, std::move(tunnel)),
                          std::forward<CompletionToken>(token));
}

template <class Stream>
template <class CompletionToken>
auto basic_connection<Stream>::async_connect_socks5(std::string_view proxy_host, std::uint16_t proxy_port,
                                                    std::string_view host, std::uint16_t port,
                                                    const socks5_options& options, CompletionToken&& token) {
  detail::tunnel_plan tunnel;
  tunnel.how = detail::tunnel_plan::way::socks5;
  tunnel.host = host;
  tunnel.port = port;
  tunnel.resolve_locally = options.resolve_locally;
  std::error_code not_literal;
  asio::ip::make_address(tunnel.host, not_literal);
  // A name goes in one length byte (RFC 1928 §5), as each credential does
  // (RFC 1929 §2): one that does not fit is refused before a byte goes out.
  const bool name_fits = !not_literal || options.resolve_locally || (!host.empty() && host.size() <= 255);
  const auto& credentials = options.credentials;
  if (!name_fits ||
      (credentials && !detail::write_socks5_auth(tunnel.request, credentials->user, credentials->password)))
    tunnel.refused = error::invalid_url;
  return detail::complete(executor_, connect_op(std::string(proxy_host), proxy_port, std::move(tunnel)),
                          std::forward<CompletionToken>(token));
}

template <class Stream>
asio::awaitable<std::error_code> basic_connection<Stream>::connect_op(
    std::string host, std::uint16_t port, std::optional<detail::tunnel_plan> tunnel, std::string unix_path) {
  if (tunnel && tunnel->refused) co_return tunnel->refused;  // nothing was sent
  close();
  // Offered on this connect only, whatever its outcome: a later connect
  // may be to another host.
  const httpc::tls_session offered = std::move(session_to_offer_);
  tunnel_refusal_.clear();
  socks_reply_ = 0;
  host_ = std::move(host);
  port_ = port;
  reader_.clear();
  pending_ = {};
  head_ready_ = false;
  if constexpr (is_tls)
    stream_.emplace(executor_, *tls_context_);
  else
    stream_.emplace(executor_);
  deadline_.reset();
  auto phase_start = clock::now();
  if (options_.timings) *options_.timings = {};
  // Each phase's time, into the caller's record when there is one.
  const auto end_phase = [&](std::chrono::nanoseconds connect_timings::*phase) {
    const auto now = clock::now();
    if (options_.timings) options_.timings->*phase = now - phase_start;
    phase_start = now;
  };
  if (options_.connect_timeout) deadline_ = clock::now() + *options_.connect_timeout;

  std::error_code ec;
  if (!unix_path.empty()) {
    // A Unix socket is a stream as a TCP one is: the socket object takes its
    // descriptor, and the layers above see no difference.
    const int fd = detail::connect_unix(unix_path, ec);
    if (fd >= 0) socket().assign(asio::ip::tcp::v4(), fd, ec);
    if (ec) co_return fail(detail::os_error(ec));
    end_phase(&connect_timings::connect);
  } else {
    // An address literal needs no resolver: no lookup, no hop to the
    // resolver and back.
    std::error_code not_literal;
    const asio::ip::address literal = asio::ip::make_address(host_, not_literal);
    std::vector<asio::ip::tcp::endpoint> endpoints;
    if (not_literal) {
      resolution found = co_await detail::resolve_within(executor_, options_.resolver, host_, port, deadline_);
      if (found.error) co_return fail(found.error);
      endpoints = std::move(found.endpoints);
    }
    end_phase(&connect_timings::resolve);

    // One address (the literal, or a name's only one) takes one attempt;
    // several race, IPv6 and IPv4 alternating (Happy Eyeballs).
    ec = make_error_code(asio::error::host_not_found);
    if (!not_literal || endpoints.size() == 1) {
      const asio::ip::tcp::endpoint endpoint = not_literal ? endpoints.front() : asio::ip::tcp::endpoint(literal, port_);
      auto& sock = socket();
      sock.open(endpoint.protocol(), ec);
      if (!ec && options_.source_address) sock.bind(*options_.source_address, ec);
      if (options_.timings) options_.timings->remote = endpoint;
      if (options_.on_connecting) options_.on_connecting(endpoint);
      ec = detail::os_error(ec);
      if (!ec) {
        arm(std::nullopt);
        auto [connect_error] = co_await sock.async_connect(endpoint, detail::as_result);
        ec = disarm(connect_error);
      }
    } else if (!endpoints.empty()) {
      detail::racing_options racing;
      racing.attempt_delay = options_.happy_eyeballs_delay;
      racing.deadline = deadline_;
      racing.source_address = &options_.source_address;
      racing.on_connecting = &options_.on_connecting;
      asio::ip::tcp::endpoint connected;
      const auto order = detail::interleaved(endpoints);
      ec = detail::os_error(co_await detail::connect_first(order, racing, socket(), connected));
      if (options_.timings) options_.timings->remote = connected;
    }
    if (ec) co_return fail(ec);
    end_phase(&connect_timings::connect);
    socket().set_option(asio::ip::tcp::no_delay(true), ec);
  }
  if (tunnel) {
    if ((ec = co_await open_tunnel(*tunnel))) co_return fail(ec);
    host_ = std::move(tunnel->host);
    port_ = tunnel->port;
  }

  if (is_tls && options_.handshake_timeout) {
    const auto limit = clock::now() + *options_.handshake_timeout;
    if (!deadline_ || limit < *deadline_) deadline_ = limit;
  }
  if constexpr (is_tls) {
    SSL* ssl = stream_->native_handle();
    // OpenSSL's queued error; a call that failed without one, an internal error.
    const auto ssl_error = [] {
      const unsigned long queued = ERR_get_error();
      return std::error_code(
          static_cast<int>(queued ? queued : ERR_PACK(ERR_LIB_SSL, 0, ERR_R_INTERNAL_ERROR)),
          asio::error::get_ssl_category());
    };
    std::error_code not_literal;
    const asio::ip::address literal = asio::ip::make_address(host_, not_literal);
    // RFC 6066 §3: no SNI for address literals.
    if (not_literal && SSL_set_tlsext_host_name(ssl, host_.c_str()) != 1)
      co_return fail(ssl_error());
    static constexpr unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_set_alpn_protos(ssl, alpn, sizeof alpn);
    if (offered && SSL_set_session(ssl, offered.native_handle()) != 1) co_return fail(ssl_error());
    // A name means nothing on an unverified chain: checking it verifies the
    // chain too, whatever the context's mode (CPython's check_hostname
    // forces CERT_REQUIRED). OpenSSL checks the name during chain
    // verification, so a wrong one fails the handshake as "certificate
    // verify failed"; partial wildcards ("f*.example.com") never match
    // (RFC 9525 §6.3, as CPython).
    const bool verify = options_.verify_peer || options_.verify_host_name;
    if (verify)  // the context's other mode bits (post-handshake auth) stay
      SSL_set_verify(ssl, SSL_get_verify_mode(ssl) | SSL_VERIFY_PEER, SSL_get_verify_callback(ssl));
    if (options_.verify_host_name) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      X509_VERIFY_PARAM_set_hostflags(
          param, X509_VERIFY_PARAM_get_hostflags(param) | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      int set = 0;
      if (not_literal) {
        set = X509_VERIFY_PARAM_set1_host(param, host_.data(), host_.size());
      } else if (literal.is_v4()) {
        const auto bytes = literal.to_v4().to_bytes();
        set = X509_VERIFY_PARAM_set1_ip(param, bytes.data(), bytes.size());
      } else {
        // The bytes, without a zone ("fe80::1%eth0"), which no certificate holds.
        const auto bytes = literal.to_v6().to_bytes();
        set = X509_VERIFY_PARAM_set1_ip(param, bytes.data(), bytes.size());
      }
      if (set != 1) co_return fail(ssl_error());
    }
    tls_.attach(ssl);
    arm(std::nullopt);
    if ((ec = disarm(co_await tls_.async_handshake(socket(), timer_state_->timed_out)))) co_return fail(ec);
    // A verify callback of the context's may have waved a failure through.
    // A resumed session was verified when it was made: OpenSSL restores
    // that result, for the name checked then. The name is checked again on
    // the session's certificate, in case the session came from another host.
    const bool host_unproven =
        options_.verify_host_name && SSL_session_reused(ssl) == 1 &&
        !detail::certifies_host(SSL_get0_peer_certificate(ssl), host_,
                                X509_VERIFY_PARAM_get_hostflags(SSL_get0_param(ssl)));
    if ((verify && SSL_get_verify_result(ssl) != X509_V_OK) || host_unproven)
      co_return fail(std::error_code(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED),
                                     asio::error::get_ssl_category()));
    end_phase(&connect_timings::handshake);
  }
  deadline_.reset();
  state_ = state::idle;
  co_return std::error_code{};
}

// The step after the TCP connect to a proxy, on the bare socket: TLS, if
// any, starts after it.
template <class Stream>
asio::awaitable<std::error_code> basic_connection<Stream>::open_tunnel(
    const detail::tunnel_plan& tunnel) {
  if (tunnel.how == detail::tunnel_plan::way::socks5) co_return co_await open_socks5(tunnel);
  co_return co_await open_http_tunnel(tunnel);
}

// Writes `out`, then reads exactly as many bytes as `in` holds: no byte
// past a SOCKS5 message is taken, so what follows it is the target's. A
// close before the last one cuts the message.
template <class Stream>
asio::awaitable<std::error_code> basic_connection<Stream>::socks_round(std::string_view out,
                                                                       std::span<unsigned char> in) {
  if (!out.empty()) {
    arm(std::nullopt);
    auto [write_error, written] = co_await asio::async_write(socket(), asio::buffer(out), detail::as_result);
    if (const std::error_code ec = disarm(write_error)) co_return ec;
  }
  arm(std::nullopt);
  auto [read_error, n] =
      co_await asio::async_read(socket(), asio::buffer(in.data(), in.size()), detail::as_result);
  const std::error_code ec = disarm(read_error);
  if (ec == asio::error::eof) co_return error::bad_socks_reply;
  co_return ec;
}

// RFC 1928: the method (§3), RFC 1929's sub-negotiation when the proxy
// picks it, then CONNECT (§4) and the proxy's reply (§6).
template <class Stream>
asio::awaitable<std::error_code> basic_connection<Stream>::open_socks5(const detail::tunnel_plan& tunnel) {
  const bool with_credentials = !tunnel.request.empty();
  const std::string greeting = detail::socks5_greeting(with_credentials);
  std::array<unsigned char, 2> chosen{};
  if (auto ec = co_await socks_round(greeting, chosen)) co_return ec;
  if (chosen[0] != 5) co_return error::bad_socks_reply;
  if (chosen[1] == 0xff) co_return error::socks_auth_failed;  // no method offered is acceptable
  if (chosen[1] == 2 && with_credentials) {
    std::array<unsigned char, 2> status{};
    if (auto ec = co_await socks_round(tunnel.request, status)) co_return ec;
    // RFC 1929 §2: version 1; a status other than 0 is a refusal.
    if (status[0] != 1) co_return error::bad_socks_reply;
    if (status[1] != 0) co_return error::socks_auth_failed;
  } else if (chosen[1] != 0) {
    co_return error::bad_socks_reply;  // a method not offered
  }

  std::string request;
  std::error_code not_literal;
  const asio::ip::address literal = asio::ip::make_address(tunnel.host, not_literal);
  if (!not_literal) {
    detail::write_socks5_connect(request, literal, tunnel.port);
  } else if (tunnel.resolve_locally) {
    resolution found =
        co_await detail::resolve_within(executor_, options_.resolver, tunnel.host, tunnel.port, deadline_);
    if (found.error) co_return found.error;
    if (found.endpoints.empty()) co_return make_error_code(asio::error::host_not_found);
    detail::write_socks5_connect(request, found.endpoints.front().address(), tunnel.port);
  } else {
    detail::write_socks5_connect(request, tunnel.host, tunnel.port);  // fits: checked at the start
  }
  // VER, REP, RSV, ATYP; then BND.ADDR and BND.PORT, which say nothing a
  // client needs but must be read, to the last byte.
  std::array<unsigned char, 4> reply{};
  if (auto ec = co_await socks_round(request, reply)) co_return ec;
  if (reply[0] != 5) co_return error::bad_socks_reply;
  if (reply[1] != 0) {
    socks_reply_ = reply[1];
    co_return error::socks_failed;
  }
  std::array<unsigned char, 255 + 2> bound{};
  std::size_t rest = 2;
  if (reply[3] == 1) {
    rest += 4;
  } else if (reply[3] == 4) {
    rest += 16;
  } else if (reply[3] == 3) {
    if (auto ec = co_await socks_round({}, std::span(bound.data(), 1))) co_return ec;
    rest += bound[0];
  } else {
    co_return error::bad_socks_reply;
  }
  co_return co_await socks_round({}, std::span(bound.data(), rest));
}

// The CONNECT exchange.
template <class Stream>
asio::awaitable<std::error_code> basic_connection<Stream>::open_http_tunnel(
    const detail::tunnel_plan& tunnel) {
  interim_count_ = 0;
  arm(std::nullopt);
  auto [write_error, written] =
      co_await asio::async_write(socket(), asio::buffer(tunnel.request), detail::as_result);
  if (const std::error_code ec = disarm(write_error)) co_return ec;
  reader_.reset("CONNECT");
  for (;;) {
    std::error_code ec;
    const auto result = reader_.parse(ec);
    if (ec) co_return ec;
    if (result.event == parse_event::head) break;
    if (result.event == parse_event::interim) {
      if ((ec = skip_interim())) co_return ec;
      continue;
    }
    const std::span<char> room = reader_.prepare();
    arm(std::nullopt);
    auto [read_error, n] =
        co_await socket().async_read_some(asio::buffer(room.data(), room.size()), detail::as_result);
    reader_.commit(n);
    if ((ec = disarm(read_error))) {
      ec = end_of_input(ec);
      co_return ec ? ec : make_error_code(error::incomplete_head);
    }
  }
  if (reader_.parser().status() / 100 != 2) {
    tunnel_refusal_ = std::to_string(reader_.parser().status()) + ' ';
    tunnel_refusal_ += reader_.parser().reason();
    co_return error::tunnel_failed;
  }
  // The tunnel's first bytes are the target's, and the target has not been
  // asked anything yet: bytes the proxy sent along with its answer would be
  // taken as the first response (or the TLS handshake's).
  if (!reader_.unparsed().empty()) co_return error::tunnel_failed;
  co_return std::error_code{};
}

template <class Stream>
template <class CompletionToken>
auto basic_connection<Stream>::async_send_head(std::string_view method, std::string_view head,
                                               CompletionToken&& token) {
  std::error_code refused;
  if (state_ == state::closed) {
    refused = error::not_connected;
  } else if (state_ != state::idle) {
    refused = error::cannot_send_request;
  } else {
    request_head_.assign(head);
    reader_.reset(method);
    interim_count_ = 0;
    tunnel_request_ = method == "CONNECT";
    state_ = state::awaiting_response;
  }
  return detail::complete_op(executor_, std::forward<CompletionToken>(token), [&]<class Policy>() {
    return this->template request_op<Policy>(request_body{}, body_encoding::none, false,
                                             std::nullopt, refused);
  });
}

template <class Stream>
template <class CompletionToken>
auto basic_connection<Stream>::async_send(std::string_view bytes, CompletionToken&& token) {
  return detail::complete(executor_, send_op(bytes), std::forward<CompletionToken>(token));
}

template <class Stream>
asio::awaitable<std::error_code> basic_connection<Stream>::send_op(std::string_view bytes) {
  if (state_ == state::closed) co_return error::not_connected;
  detail::write_buffers out{bytes};
  std::error_code ec;
  if (!send_now(out, ec)) ec = written(co_await start_write(out));
  if (ec) co_return fail(ec);
  co_return std::error_code{};
}

// No byte past the last response may be taken as the next one's: any
// unread input, or a socket with anything to read, ends the connection.
// Over TLS, what the socket holds is let through OpenSSL first: session
// tickets are fine, records read but not decrypted are not.
template <class Stream>
bool basic_connection<Stream>::is_reusable() noexcept {
  if (state_ != state::idle || !reader_.unparsed().empty()) return false;
  if constexpr (is_tls) {
    return tls_.settle_idle(socket());
  } else {
    pollfd polled{};
    polled.fd = socket().native_handle();
    polled.events = POLLIN | POLLRDHUP;
    return ::poll(&polled, 1, 0) == 0;
  }
}

template <class Stream>
template <class CompletionToken>
auto basic_connection<Stream>::async_request(std::string_view method, std::string_view target,
                                             request_body body, const Headers& headers,
                                             CompletionToken&& token) {
  // The head is checked and serialized now, so the caller's method, target
  // and fields need not outlive this call; only the body bytes must.
  std::error_code refused;
  body_encoding encoding = body_encoding::none;
  bool expect_continue = false;
  std::optional<std::uint64_t> declared_length;
  if (state_ == state::closed) {
    refused = error::not_connected;
  } else if (state_ != state::idle) {
    refused = error::cannot_send_request;
  } else {
    request_head_.clear();
    request_head head{method, target, host_, port_, is_tls, body.kind(), body.bytes().size()};
    head.strict_framing = true;
    encoding = write_request(request_head_, head, headers, refused);
    // A stream of the caller's length is counted as it goes out.
    if (!refused && body.kind() == body_kind::streaming && encoding == body_encoding::raw)
      declared_length = content_length_field(headers, refused);
    if (!refused) {
      reader_.reset(method);
      interim_count_ = 0;
      tunnel_request_ = method == "CONNECT";
      expect_continue = body.kind() != body_kind::none && detail::expects_continue(headers);
      state_ = state::awaiting_response;
    }
  }
  return detail::complete_op(executor_, std::forward<CompletionToken>(token), [&]<class Policy>() {
    return this->template request_op<Policy>(std::move(body), encoding, expect_continue,
                                             declared_length, refused);
  });
}

// Hands `out` (over TLS, its records) to the kernel at once, as far as the
// socket takes it: a write that needs no wait costs no round through the
// scheduler (at one connection, an epoll_wait less per request). True when
// nothing is left to write (or the send failed: `ec`); else the caller
// awaits start_write(out) for the rest.
template <class Stream>
bool basic_connection<Stream>::send_now(detail::write_buffers& out, std::error_code& ec) {
  const std::size_t before = asio::buffer_size(out);
  bool done = false;
  if constexpr (is_tls)
    done = tls_.send_now(socket(), out, ec);
  else
    done = detail::send_direct(socket().native_handle(), out, ec);
  if (asio::buffer_size(out) != before) wrote_request_ = true;
  return done;
}

// A read into [data, data + size) as the stream's read_some: for TLS, of
// the records' bytes.
template <class Stream>
asio::awaitable<std::tuple<std::error_code, std::size_t>> basic_connection<Stream>::start_read(
    char* data, std::size_t size) {
  if constexpr (is_tls)
    return tls_.async_read_some(socket(), data, size, timer_state_->timed_out);
  else
    return stream_->async_read_some(asio::buffer(data, size), detail::as_result);
}

// Starts a write with its timeout; the caller awaits it and passes the
// result to written(). Not a coroutine of its own: a frame less per write,
// which a thousand waiting connections notice.
template <class Stream>
asio::awaitable<std::tuple<std::error_code, std::size_t>> basic_connection<Stream>::start_write(
    detail::write_buffers& out) {
  wrote_request_ = true;  // may reach the socket: only the write knows
  arm(options_.write_timeout);
  if constexpr (is_tls)
    return tls_.async_write(socket(), out, timer_state_->timed_out);
  else
    return asio::async_write(*stream_, out, detail::as_result);
}

template <class Stream>
std::error_code basic_connection<Stream>::written(
    const std::tuple<std::error_code, std::size_t>& result) noexcept {
  return disarm(std::get<0>(result));
}

template <class Stream>
template <class Policy>
asio::awaitable<typename Policy::status_type> basic_connection<Stream>::request_op(
    request_body body, body_encoding encoding, bool expect_continue,
    std::optional<std::uint64_t> declared_length, std::error_code refused) {
  if (refused) co_return Policy::status(refused);  // nothing was sent; the connection is as it was
  wrote_request_ = false;
  deadline_.reset();
  if (options_.request_timeout) deadline_ = clock::now() + *options_.request_timeout;
  head_ready_ = false;
  close_after_ = false;

  const std::string_view bytes = body.bytes();
  std::error_code ec;
  if (body.kind() == body_kind::sized && encoding == body_encoding::raw && !expect_continue) {
    detail::write_buffers out{request_head_, bytes};  // one write
    if (!send_now(out, ec)) ec = written(co_await start_write(out));
  } else {
    detail::write_buffers out{request_head_};
    if (!send_now(out, ec)) ec = written(co_await start_write(out));
    if (!ec && expect_continue) {
      ec = co_await wait_for_continue();
      // A final response came instead: the body is not sent, and the server
      // may take what follows as its rest, so the connection ends with it.
      if (!ec && head_ready_) co_return Policy::status({});
    }
    if (!ec && body.kind() == body_kind::sized && encoding == body_encoding::raw) {
      detail::write_buffers rest{bytes};
      if (!send_now(rest, ec)) ec = written(co_await start_write(rest));
    } else if (!ec && body.kind() == body_kind::sized && encoding == body_encoding::chunked) {
      const chunk_header size(bytes.size());
      detail::write_buffers rest = bytes.empty()
                                       ? detail::write_buffers{last_chunk}
                                       : detail::write_buffers{size.view(), bytes, chunk_end, last_chunk};
      if (!send_now(rest, ec)) ec = written(co_await start_write(rest));
    } else if (!ec && body.kind() == body_kind::streaming) {
      ec = co_await write_streaming_body(body.producer(), encoding == body_encoding::chunked,
                                         declared_length);
    }
  }
  if (ec) co_return Policy::status(fail(ec));
  co_return Policy::status({});
}

// A stream sent raw under the caller's Content-Length never goes past it,
// nor ends short of it: else the server would take the excess as another
// request, or the next request as the rest of this body.
template <class Stream>
asio::awaitable<std::error_code> basic_connection<Stream>::write_streaming_body(
    request_body::source& source, bool chunked, std::optional<std::uint64_t> declared_length) {
  for (;;) {
    std::optional<std::string> piece = co_await source();
    if (!piece) break;
    if (piece->empty()) continue;  // an empty chunk would end the body
    if (declared_length) {
      if (piece->size() > *declared_length) co_return error::invalid_request_framing;
      *declared_length -= piece->size();
    }
    const chunk_header size(piece->size());
    detail::write_buffers out = chunked ? detail::write_buffers{size.view(), *piece, chunk_end}
                                        : detail::write_buffers{*piece};
    std::error_code ec;
    if (!send_now(out, ec)) ec = written(co_await start_write(out));
    if (ec) co_return ec;
  }
  if (declared_length.value_or(0) != 0) co_return error::invalid_request_framing;
  if (!chunked) co_return std::error_code{};
  detail::write_buffers out{last_chunk};
  std::error_code ec;
  if (!send_now(out, ec)) ec = written(co_await start_write(out));
  co_return ec;
}

// Reads until the server's 100 (Continue), a final response, or the wait's
// end; the body is sent in the first and last cases.
template <class Stream>
asio::awaitable<std::error_code> basic_connection<Stream>::wait_for_continue() {
  const auto until = clock::now() + options_.expect_continue_timeout;
  for (;;) {
    std::error_code ec;
    const auto result = reader_.parse(ec);
    if (ec) co_return ec;
    if (result.event == parse_event::interim) {
      if ((ec = skip_interim())) co_return ec;
      if (reader_.parser().status() == 100) co_return std::error_code{};
      continue;
    }
    if (result.event == parse_event::head) {
      head_ready_ = true;
      close_after_ = true;
      co_return std::error_code{};
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
    if (left.count() <= 0) co_return std::error_code{};
    const std::span<char> room = reader_.prepare();
    const auto saved_deadline = deadline_;
    arm(left);
    auto [read_error, n] = co_await start_read(room.data(), room.size());
    reader_.commit(n);
    deadline_ = saved_deadline;
    ec = disarm(read_error);
    if (ec == std::errc::timed_out) co_return std::error_code{};
    if (ec) {
      ec = end_of_input(ec);
      co_return ec ? ec : make_error_code(error::incomplete_head);
    }
  }
}

// Starts a read into the receive buffer with its timeout; the caller awaits
// it and passes the result to filled(). Not a coroutine of its own, as
// start_write.
template <class Stream>
asio::awaitable<std::tuple<std::error_code, std::size_t>> basic_connection<Stream>::start_fill() {
  const std::span<char> room = reader_.prepare();
  arm(options_.read_timeout);
  return start_read(room.data(), room.size());
}

template <class Stream>
std::error_code basic_connection<Stream>::filled(
    const std::tuple<std::error_code, std::size_t>& result) noexcept {
  reader_.commit(std::get<1>(result));
  return disarm(std::get<0>(result));
}

// The peer closed (or the read failed): what that means for the message.
template <class Stream>
std::error_code basic_connection<Stream>::end_of_input(std::error_code read_error) noexcept {
  if (!detail::is_end_of_stream(read_error)) return read_error;
  // A TLS close without close_notify cannot end a body that runs until
  // close: it may be a truncation attack.
  if (read_error == asio::ssl::error::stream_truncated &&
      reader_.parser().framing() == body_framing::until_close && reader_.parser().head_done())
    return error::incomplete_body;
  std::error_code ec;
  reader_.parser().finish(ec);
  return ec;
}

template <class Stream>
template <class CompletionToken>
auto basic_connection<Stream>::async_getresponse(CompletionToken&& token) {
  return detail::complete_op(executor_, std::forward<CompletionToken>(token), [this]<class Policy>() {
    return this->template getresponse_op<Policy>();
  });
}

template <class Stream>
template <class Policy, class Result>
asio::awaitable<typename Policy::template value_type<Result>>
basic_connection<Stream>::getresponse_op() {
  if (state_ != state::awaiting_response)
    co_return Policy::value(make_error_code(state_ == state::closed ? error::not_connected
                                                                    : error::response_not_ready),
                            Result{});
  while (!head_ready_) {
    std::error_code ec;
    const auto result = reader_.parse(ec);
    if (ec) co_return Policy::value(fail(ec), Result{});
    if (result.event == parse_event::interim) {
      if ((ec = skip_interim())) co_return Policy::value(fail(ec), Result{});
      continue;
    }
    if (result.event == parse_event::head) break;
    if ((ec = filled(co_await start_fill()))) {
      ec = end_of_input(ec);
      co_return Policy::value(fail(ec ? ec : make_error_code(error::incomplete_head)), Result{});
    }
  }
  head_ready_ = false;
  deadline_.reset();
  state_ = state::reading_body;
  // A response that has no body (HEAD, 204, 304) is read already; not so one
  // after which the connection speaks another protocol (101, CONNECT).
  const response_parser& parser = reader_.parser();
  if (parser.framing() == body_framing::none && parser.status() != 101 && !tunnel_request_) {
    std::error_code ignored;
    reader_.parse(ignored);
    finish_response();
    reader_.shrink();
  }
  co_return Policy::value(std::error_code{}, Result(response_type(this)));
}

// RFC 9110 §15.2: interim responses come before the final one, each
// skipped; a bounded number of them, so that a server cannot hold a request
// with them forever.
template <class Stream>
std::error_code basic_connection<Stream>::skip_interim() noexcept {
  if (++interim_count_ > options_.max_interim_responses) return error::too_many_interim_responses;
  return {};
}

// The last byte of a Content-Length body was handed out: the response ends
// now, needing no more input, so done() says so at once and the connection
// is ready for the next request without another read call.
template <class Stream>
void basic_connection<Stream>::finish_if_complete() noexcept {
  const response_parser& parser = reader_.parser();
  if (parser.framing() != body_framing::content_length ||
      parser.body_received() != parser.content_length())
    return;
  std::error_code ec;
  if (reader_.parse(ec).event == parse_event::done && !ec) finish_response();
}

template <class Stream>
void basic_connection<Stream>::finish_response() noexcept {
  pending_ = {};
  if (reader_.parser().keep_alive() && !close_after_)
    state_ = state::idle;
  else
    close();
}

// The next body bytes: pending ones from the buffer (at most `max`), or,
// with nothing buffered and `direct` given, read straight into `direct`.
// Empty at the end of the body, when the receive buffer, its bytes handed
// out, goes back to its start size.
template <class Stream>
asio::awaitable<std::tuple<std::error_code, std::string_view>>
basic_connection<Stream>::next_body_op(char* direct, std::size_t max) {
  using result = std::tuple<std::error_code, std::string_view>;
  for (;;) {
    if (!pending_.empty()) {
      const std::string_view piece = pending_.substr(0, max);
      pending_.remove_prefix(piece.size());
      if (pending_.empty()) finish_if_complete();
      co_return result{std::error_code{}, piece};
    }
    if (state_ != state::reading_body) {
      // Ended with the body, or cut off before: never a short body as whole.
      if (!reader_.parser().done()) co_return result{make_error_code(error::incomplete_body), {}};
      reader_.shrink();
      co_return result{};
    }
    std::error_code ec;
    const auto parsed = reader_.parse(ec);
    if (ec) co_return result{fail(ec), {}};
    if (parsed.event == parse_event::body) {
      pending_ = reader_.parser().body();
      continue;
    }
    if (parsed.event == parse_event::done) {
      finish_response();
      reader_.shrink();
      co_return result{};
    }
    // A read goes straight to the caller when nothing is buffered and the
    // caller has room for as much as the buffer would take at first.
    const std::uint64_t direct_limit = reader_.parser().direct_body_limit();
    if (direct != nullptr && reader_.unparsed().empty() && max >= reader_.start_size() &&
        direct_limit != 0) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(max, direct_limit));
      arm(options_.read_timeout);
      auto [read_error, got] = co_await start_read(direct, n);
      ec = disarm(read_error);
      if (got != 0) {
        reader_.parser().advance_body(got);
        finish_if_complete();
        co_return result{std::error_code{}, std::string_view(direct, got)};
      }
    } else {
      ec = filled(co_await start_fill());
    }
    if (ec) {
      if ((ec = end_of_input(ec))) co_return result{fail(ec), {}};
      if (reader_.parser().done()) {
        finish_response();
        reader_.shrink();
        co_return result{};
      }
    }
  }
}

template <class Stream>
template <class Policy>
asio::awaitable<typename Policy::template value_type<std::size_t>>
basic_connection<Stream>::read_some_op(asio::mutable_buffer buffer) {
  if (buffer.size() == 0) co_return Policy::value(std::error_code{}, std::size_t{0});
  auto* destination = static_cast<char*>(buffer.data());
  auto [ec, piece] = co_await next_body_op(destination, buffer.size());
  if (!ec && piece.data() != destination && !piece.empty())
    std::memcpy(destination, piece.data(), piece.size());
  // The last bytes are copied: the receive buffer may go back to its start size.
  if (state_ != state::reading_body) reader_.shrink();
  co_return Policy::value(ec, piece.size());
}

template <class Stream>
asio::awaitable<std::tuple<std::error_code, std::string>> basic_connection<Stream>::read_all_op(
    std::size_t limit) {
  using result = std::tuple<std::error_code, std::string>;
  std::string body;
  // A known length is read into place, straight from the socket once the
  // buffered part is copied. The server's number is not trusted with
  // memory: the string grows with the bytes that came, at most doubling.
  std::optional<std::uint64_t> left;
  if (const auto length = reader_.parser().content_length(); length && state_ == state::reading_body)
    left = *length - reader_.parser().body_received() + pending_.size();
  if (left && *left > limit) co_return result{fail(error::body_too_large), {}};
  if (left) {
    constexpr std::size_t first_step = 64 * 1024;
    std::size_t got = 0;
    while (got < *left) {
      if (got == body.size())
        body.resize(static_cast<std::size_t>(std::min<std::uint64_t>(*left, std::max(first_step, got * 2))));
      auto [ec, n] = co_await read_some_op<detail::return_errors>(
          asio::buffer(body.data() + got, body.size() - got));
      if (ec) co_return result{ec, {}};
      if (n == 0) break;
      got += n;
    }
    body.resize(got);
  }
  for (;;) {
    auto [ec, piece] = co_await next_body_op(nullptr, std::numeric_limits<std::size_t>::max());
    if (ec) co_return result{ec, {}};
    if (piece.empty()) co_return result{std::error_code{}, std::move(body)};
    if (piece.size() > limit - body.size()) co_return result{fail(error::body_too_large), {}};
    body.append(piece);
  }
}

template <class Stream>
template <class CompletionToken>
auto basic_response<Stream>::async_read_some(asio::mutable_buffer buffer, CompletionToken&& token) {
  return detail::complete_op(connection_->executor_, std::forward<CompletionToken>(token),
                             [this, buffer]<class Policy>() {
                               return connection_->template read_some_op<Policy>(buffer);
                             });
}

template <class Stream>
template <class CompletionToken>
auto basic_response<Stream>::async_next(CompletionToken&& token) {
  return detail::complete(connection_->executor_,
                          connection_->next_body_op(nullptr, std::numeric_limits<std::size_t>::max()),
                          std::forward<CompletionToken>(token));
}

template <class Stream>
template <class CompletionToken>
auto basic_response<Stream>::async_read_all(std::size_t limit, CompletionToken&& token) {
  return detail::complete(connection_->executor_, connection_->read_all_op(limit),
                          std::forward<CompletionToken>(token));
}

template <class Stream>
template <class CompletionToken>
auto basic_response<Stream>::async_discard(CompletionToken&& token) {
  auto discard = [](basic_connection<Stream>* connection) -> asio::awaitable<std::error_code> {
    for (;;) {
      auto [ec, piece] =
          co_await connection->next_body_op(nullptr, std::numeric_limits<std::size_t>::max());
      if (ec || piece.empty()) co_return ec;
    }
  };
  return detail::complete(connection_->executor_, discard(connection_),
                          std::forward<CompletionToken>(token));
}

}  // namespace httpc
