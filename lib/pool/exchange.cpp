// One exchange in a slot: the request sent on a leased connection, the head
// read, the response handed out whole (async_request) or as a stream
// (async_stream), whose body reads run on the connection's executor.

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>

#include <algorithm>
#include <limits>

#include "pool_internal.hpp"

namespace httpc::detail {
namespace {

// A redirect's or a retried response's body is read to keep its connection
// when it is small; a larger one closes the connection instead.
constexpr std::size_t redirect_body_limit = 64 * 1024;

template <class T>
std::optional<T> either(const std::optional<T>& wanted, const std::optional<T>& otherwise) {
  return wanted ? wanted : otherwise;
}

// The next coded piece, a view of the connection's receive buffer: the
// decoder reads it there, so no byte is copied before it is decoded.
asio::awaitable<std::error_code> next_coded(any_response& body, decoding_body& b) {
  auto [ec, piece] = co_await body.async_next(use_error_codes);
  b.undecoded = piece;
  b.ended = !ec && piece.empty();
  co_return ec;
}

// The rest of a coded body decoded into `out`, at most `limit` bytes of it:
// `out` grows with the decoded bytes, at most doubling, never past the
// limit, so a bomb ends in body_too_large with bounded memory.
asio::awaitable<std::error_code> decode_all(any_response& body, decoding_body& b, std::size_t limit,
                                            std::string& out) {
  constexpr std::size_t first_step = 16 * 1024;
  std::size_t got = 0;
  for (;;) {
    if (b.undecoded.empty() && !b.ended) {
      if (const std::error_code ec = co_await next_coded(body, b)) co_return ec;
    }
    if (got == out.size() && got < limit) out.resize(std::min(limit, std::max(first_step, got * 2)));
    // At the limit, one byte more says whether the body goes past it.
    char past_limit = 0;
    const bool full = got == out.size();
    const std::span<char> room = full ? std::span<char>(&past_limit, 1)
                                      : std::span<char>(out.data() + got, out.size() - got);
    std::error_code ec;
    const std::size_t n = b.decoder.decode(b.undecoded, room, b.ended, ec);
    if (ec) co_return ec;
    if (full && n != 0) co_return make_error_code(error::body_too_large);
    got += full ? 0 : n;
    // With the body's end, room left means the decoder is done.
    if (b.ended && n < room.size()) {
      out.resize(got);
      co_return std::error_code{};
    }
  }
}

// A whole body into `out`, decoded as its Content-Encoding says (or as it
// came, for none or identity): in a frame of its own, so that a request
// that does not decode pays nothing for it.
asio::awaitable<std::error_code> decode_whole(any_response& body, codings allowed, std::size_t limit,
                                              std::string& out) {
  std::error_code ec;
  decoding_body coded;
  coded.decoder = content_decoder(body.fields(), allowed, ec);
  if (ec) co_return ec;
  if (!coded.decoder.active()) {
    std::tie(ec, out) = co_await body.async_read_all(limit, use_error_codes);
    co_return ec;
  }
  ec = co_await decode_all(body, coded, limit, out);
  if (ec) out.clear();
  co_return ec;
}

// Decoded bytes into `buffer`: some, or none at the end of the body.
asio::awaitable<void> decode_some(any_response& body, decoding_body& b, asio::mutable_buffer buffer,
                                  std::size_t& n, std::error_code& ec) {
  for (;;) {
    if (b.undecoded.empty() && !b.ended) {
      ec = co_await next_coded(body, b);
      if (ec) co_return;
    }
    n = b.decoder.decode(b.undecoded, {static_cast<char*>(buffer.data()), buffer.size()}, b.ended, ec);
    if (ec || n != 0 || b.ended) co_return;
  }
}

asio::awaitable<void> decode_all_on(any_response& body, decoding_body& b, std::size_t limit,
                                    std::string& all, std::error_code& ec) {
  ec = co_await decode_all(body, b, limit, all);
}

// A new connection: to the origin; over a Unix socket; through a SOCKS5
// proxy; to an HTTP proxy, for a plain request; or through its CONNECT
// tunnel, for a TLS one (the proxy's credentials go in the CONNECT, never
// through the tunnel).
asio::awaitable<std::error_code> open(any_connection& c, const exchange& x) {
  const url& to = *x.target;
  if (!x.route) co_return co_await c.async_connect(to.host, to.port, use_error_codes);
  if (x.route->kind == route_kind::unix_socket)
    co_return co_await c.async_connect_unix(x.route->host, to.host, to.port, use_error_codes);
  if (x.route->kind != route_kind::http)
    co_return co_await c.async_connect_socks5(x.route->host, x.route->port, to.host, to.port, x.route->socks,
                                              use_error_codes);
  if (!to.is_tls()) co_return co_await c.async_connect(x.route->host, x.route->port, use_error_codes);
  // HTTP/1.1 asks for Host in every request, CONNECT included (RFC 9112 §3.2).
  const bool ipv6 = to.host.find(':') != std::string::npos;
  Headers connect_fields{
      {"Host", (ipv6 ? '[' + to.host + ']' : to.host) + ':' + std::to_string(to.port)}};
  if (!x.route->authorization.empty()) connect_fields.emplace_back("Proxy-Authorization", x.route->authorization);
  co_return co_await c.async_connect_tunnel(x.route->host, x.route->port, to.host, to.port, connect_fields,
                                            use_error_codes);
}

// A plain request through a proxy names its whole URL (absolute form, which
// also gives Host) and carries the proxy's credentials, unless the caller's
// fields have some.
asio::awaitable<std::error_code> send_to_proxy(any_connection& c, const exchange& x) {
  const std::string absolute = x.target->text();
  if (x.route->authorization.empty() || find_header(*x.headers, "Proxy-Authorization"))
    co_return co_await c.async_request(x.method, absolute, *x.body, *x.headers, use_error_codes);
  Headers fields = *x.headers;
  fields.emplace_back("Proxy-Authorization", x.route->authorization);
  co_return co_await c.async_request(x.method, absolute, *x.body, fields, use_error_codes);
}

}  // namespace

asio::awaitable<void> run_exchange(pooled_connection& slot, exchange& x) {
  any_connection& c = slot.link;
  // The connection keeps its settings between requests: each request sets
  // every timeout it may change, its own or the pool's.
  auto& settings = c.options();
  const request_options& wanted = *x.options;
  if (!c.is_open()) {
    settings.connect_timeout = either(wanted.connect_timeout, x.defaults->connect_timeout);
    settings.handshake_timeout = either(wanted.handshake_timeout, x.defaults->handshake_timeout);
    const bool reporting = x.on_connect && *x.on_connect;
    // Each address tried, reported while this exchange lives: the guard
    // takes the callback back however the connect ends (a cancellation too).
    struct forget_on_exit {
      connection_options& settings;
      ~forget_on_exit() { settings.on_connecting = nullptr; }
    } guard{settings};
    if (reporting) {
      settings.on_connecting = [&x](const asio::ip::tcp::endpoint& e) {
        (*x.on_connect)(connection_event{x.target, e, nullptr, false});
      };
    }
    x.ec = co_await open(c, x);
    if (x.ec) co_return;
    x.connected = true;
    if (reporting) (*x.on_connect)(connection_event{x.target, slot.timings.remote, c.tls_handle(), true});
  }
  settings.write_timeout = either(wanted.write_timeout, x.defaults->write_timeout);
  settings.read_timeout = either(wanted.read_timeout, x.defaults->read_timeout);
  // Through SOCKS, as through a tunnel, the request is the origin's own.
  if (x.route && x.route->kind == route_kind::http && !x.target->is_tls())
    x.ec = co_await send_to_proxy(c, x);
  else
    x.ec = co_await c.async_request(x.method, x.target->target, *x.body, *x.headers, use_error_codes);
  x.wrote = c.wrote_request();
  if (x.ec) {
    x.before_response = true;
    co_return;
  }
  auto [ec, r] = co_await c.async_getresponse(use_error_codes);
  if (ec) {
    x.ec = ec;
    x.before_response = c.received().empty();
    co_return;
  }
  if (x.timed) x.head_at = clock::now();
  x.status = r.status();

  // A status worth another attempt: its body read to keep the connection
  // (a large one closes it), unless the wait asked for is too long.
  if (x.retry) {
    if (const auto wait = retry_after_status(*x.retry, x.attempt, x.status, r.header("Retry-After"))) {
      x.retrying = true;
      x.retry_wait = *wait;
      co_await r.async_read_all(redirect_body_limit, use_error_codes);
      co_return;
    }
  }

  // A redirect that keeps the method repeats the body: not one that was
  // streamed already. Its head is kept: the redirect is followed once the
  // connection went back.
  const bool repeatable = becomes_get(x.status, x.method) || x.body->kind() != body_kind::streaming;
  if (x.may_redirect && is_redirect(x.status) && repeatable && r.header("Location")) {
    x.redirecting = true;
    x.head = r.owned_head();
    // Read to keep the connection; a large body closes it instead.
    co_await r.async_read_all(redirect_body_limit, use_error_codes);
    co_return;
  }
  // Decoding asked for, and a body to decode: a response without one
  // (HEAD, 204, 304) needs no decoder, whatever its Content-Encoding.
  const bool decode = x.decode != codings::none && !r.done();
  if (x.stream) {
    if (decode) {
      x.decoder = content_decoder(r.fields(), x.decode, x.ec);
      if (x.ec) co_return;
    }
    x.head = r.owned_head();
    x.response_body = std::move(r);
    co_return;
  }
  // A whole response goes straight into the result: its head from the
  // connection's buffer, no owned copy between.
  buffered_response& whole = *x.whole;
  whole.status = x.status;
  whole.reason = r.reason();
  whole.version = r.version();
  whole.headers = to_headers(r.fields());
  if (decode) {
    x.ec = co_await decode_whole(r, x.decode, x.options->body_limit, whole.body);
    co_return;
  }
  std::tie(x.ec, whole.body) = co_await r.async_read_all(x.options->body_limit, use_error_codes);
}

namespace {

asio::awaitable<void> read_some_on(any_response& body, asio::mutable_buffer buffer, std::size_t& n,
                                   std::error_code& ec) {
  std::tie(ec, n) = co_await body.async_read_some(buffer, use_error_codes);
}

asio::awaitable<void> read_all_on(any_response& body, std::size_t limit, std::string& all,
                                  std::error_code& ec) {
  std::tie(ec, all) = co_await body.async_read_all(limit, use_error_codes);
}

// A body read on its connection's executor, raced against the deadline
// when there is one (on a serial executor, as perform_within). `ec` is the
// read's result; a read cut short by the deadline is timed_out.
asio::awaitable<void> race(const asio::any_io_executor& where, asio::awaitable<void> read,
                           clock::time_point deadline, std::error_code& ec) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto result = co_await (run_on(where, std::move(read)) || timer.async_wait(asio::use_awaitable));
  if (result.index() == 1)
    ec = make_error_code(std::errc::timed_out);
  else if (std::get<0>(result))
    ec = std::get<0>(result);
}

asio::awaitable<std::error_code> read_within(const asio::any_io_executor& executor, pooled_connection& slot,
                                             asio::awaitable<void> read,
                                             std::optional<clock::time_point> deadline, std::error_code& ec) {
  const asio::any_io_executor& where = slot.executor;
  if (!deadline) {
    // A read that arms no timer runs where its caller is, as an exchange does.
    // (No co_await inside a conditional expression: with g++ 12 its
    // temporary executor, a strand, was freed early.)
    asio::any_io_executor here = where;
    if (!slot.link.options().read_timeout) here = co_await asio::this_coro::executor;
    co_return co_await run_on(here, std::move(read));
  }
  // A connection on the pool's executor itself: that one is serial.
  const asio::any_io_executor racing =
      where == executor ? where : asio::any_io_executor(asio::make_strand(executor));
  co_return co_await run_on(racing, race(where, std::move(read), *deadline, ec));
}

}  // namespace

bool arms_no_timer(pooled_connection& slot, const exchange& x) {
  const request_options& wanted = *x.options;
  if (either(wanted.write_timeout, x.defaults->write_timeout) ||
      either(wanted.read_timeout, x.defaults->read_timeout))
    return false;
  if (x.body->kind() != body_kind::none && expects_continue(*x.headers)) return false;
  return slot.link.is_open() && !slot.link.options().request_timeout;
}

}  // namespace httpc::detail

namespace httpc {

void streaming_response::finish(std::error_code ec) noexcept {
  if (ec)
    failure_ = ec;
  else
    done_ = true;
  body_ = {};
  lease_.reset();  // back to the pool when idle, closed otherwise
}

asio::awaitable<std::tuple<std::error_code, std::size_t>> streaming_response::read_some_op(
    asio::mutable_buffer buffer) {
  if (!lease_ || buffer.size() == 0) co_return std::tuple{failure_, std::size_t{0}};
  std::size_t n = 0;
  std::error_code ec;
  asio::awaitable<void> read = decoding_.decoder.active()
                                   ? detail::decode_some(body_, decoding_, buffer, n, ec)
                                   : detail::read_some_on(body_, buffer, n, ec);
  const std::error_code run_error =
      co_await detail::read_within(executor_, *lease_, std::move(read), deadline_, ec);
  if (run_error && !ec) ec = run_error;
  if (ec || n == 0) finish(ec);
  co_return std::tuple{ec, n};
}

asio::awaitable<std::tuple<std::error_code, std::string>> streaming_response::read_all_op(
    std::size_t limit) {
  if (!lease_) co_return std::tuple{failure_, std::string{}};
  std::string all;
  std::error_code ec;
  asio::awaitable<void> read = decoding_.decoder.active()
                                   ? detail::decode_all_on(body_, decoding_, limit, all, ec)
                                   : detail::read_all_on(body_, limit, all, ec);
  const std::error_code run_error =
      co_await detail::read_within(executor_, *lease_, std::move(read), deadline_, ec);
  if (run_error && !ec) ec = run_error;
  finish(ec);
  if (ec) all.clear();
  co_return std::tuple{ec, std::move(all)};
}

}  // namespace httpc
