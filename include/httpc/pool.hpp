#pragma once
/// \file
/// A connection pool over the coroutine core: keep-alive connections per
/// origin (scheme, host, port, TLS context), limits per origin and in total,
/// a queue with a wait timeout, idle connections closed after a while, a
/// safe retry of requests that met a stale keep-alive connection, optional
/// redirects, stats and per-request timings. A new TLS connection resumes
/// the latest session of its origin.
///
/// Safe by default with servers it does not trust: strict parsing (a reply
/// that is no HTTP is error::bad_status_line), connect (DNS, TCP and TLS)
/// 30 s, TLS handshake 10 s, at most 5 interim responses, a body buffered as
/// its bytes arrive; redirects are off, and when followed they never carry
/// credentials to another origin nor go from https to http unasked; a
/// request that the server may have acted on is not sent twice unless it is
/// idempotent.
///
///     httpc::pool p(co_await asio::this_coro::executor);
///     httpc::buffered_response r = co_await p.async_request("GET", "https://example.org/");
///     // r.status, r.headers, r.body
///
///     httpc::streaming_response s = co_await p.async_stream("GET", "http://127.0.0.1:8080/big");
///     std::size_t n = co_await s.async_read_some(asio::buffer(buf));  // 0 at the end
///
/// Safe on a multi-threaded io_context: the pool's bookkeeping is under a
/// mutex, each connection lives on a strand of its own, where an exchange
/// that arms a timer (connect, a timeout) runs; one that arms none runs in
/// the awaiting coroutine. On an executor that runs one
/// handler at a time (a strand, or an io_context made with concurrency
/// hint 1, Asio's promise of one thread) everything lives on it instead,
/// and a request awaited from a coroutine there runs inline, without a
/// coroutine spawned per step. Idle connections keep no operation pending:
/// io_context::run() returns once the requests are done. Operations may be cancelled
/// (per-operation cancellation slots, e.g. `||` with a timer); a connection
/// whose exchange was interrupted is closed, never reused. Completion tokens
/// as in the core: none gives an `asio::awaitable` that throws
/// `std::system_error`; any other token completes with
/// `void(std::error_code, T)`.

#include <asio/any_io_executor.hpp>  // the pool's executor
#include <asio/awaitable.hpp>        // the default result
#include <asio/buffer.hpp>           // streaming reads
#include <asio/ssl/context.hpp>      // the TLS context of an origin
#include <asio/use_awaitable.hpp>    // the default completion token
#include <chrono>                    // timeouts, timings
#include <concepts>                  // what a request may name
#include <cstddef>                   // std::size_t
#include <cstdint>                   // counters
#include <functional>                // the timings callback
#include <limits>                    // "no limit"
#include <memory>                    // the shared pool state, the lease
#include <optional>                  // optional settings and lookups
#include <string>                    // method, bodies
#include <string_view>               // names, views
#include <system_error>              // std::error_code
#include <tuple>                     // operation results

#include "httpc/any_connection.hpp"
#include "httpc/connection.hpp"
#include "httpc/content_decoding.hpp"
#include "httpc/fields.hpp"
#include "httpc/proxy_env.hpp"
#include "httpc/resolver.hpp"
#include "httpc/response_head.hpp"
#include "httpc/url.hpp"

namespace httpc {

/// Where the time of one request went (pool_options::on_timings). Zero for
/// a phase that did not happen (no connect on a reused connection).
struct request_timings {
  std::chrono::nanoseconds queued{};      ///< waiting for a connection
  std::chrono::nanoseconds resolve{};     ///< DNS
  std::chrono::nanoseconds connect{};     ///< TCP connect
  std::chrono::nanoseconds handshake{};   ///< TLS handshake
  std::chrono::nanoseconds first_byte{};  ///< from the start until the response head was read
  std::chrono::nanoseconds total{};       ///< until the operation completed
  std::string_view method;                ///< the request's first method
  const url* target = nullptr;            ///< the URL requested last (after redirects)
  int status = 0;                         ///< the final status; 0 without a response
  std::error_code error;                  ///< how the operation ended
  bool reused = false;                    ///< the last attempt used a kept-alive connection
  unsigned retries = 0;                   ///< stale connections retried on fresh ones
  unsigned redirects = 0;                 ///< redirects followed
  /// Attempts made under the retry policy so far, this one included.
  unsigned attempt = 1;
  /// Another attempt follows (retry_policy): this report is of one that
  /// failed or got a status worth retrying, and `backoff` is the wait ahead.
  bool retrying = false;
  std::chrono::nanoseconds backoff{};
  unsigned connects = 0;                  ///< connections opened for it (0: all kept alive)
  /// The server's address on the last attempt's connection (on a failed
  /// connect, the last address tried); unspecified when none was reached.
  asio::ip::tcp::endpoint remote;
};

/// Sending a request again after a transient failure: a connection refused,
/// reset or timed out, a reply cut short, or a 408, 429, 500, 502, 503 or
/// 504. Only a request that may be sent twice (idempotent: its method, an
/// `Idempotency-Key` field or request_options::idempotent; and a body that
/// can be sent again), or one of which no byte was written. Off unless
/// `attempts` is above 1.
struct retry_policy {
  /// Attempts in all, the first included.
  unsigned attempts = 1;
  /// The wait before the second attempt, doubled for each next one up to
  /// max_backoff; each wait is drawn between half of that and all of it
  /// (jitter, so that clients that failed together do not return together).
  std::chrono::milliseconds backoff{200};
  std::chrono::milliseconds max_backoff{10000};
  /// A 429's or 503's Retry-After (seconds, or an HTTP date) is the wait
  /// instead, up to this; one longer ends the retries with that response.
  std::chrono::milliseconds max_retry_after{30000};
};

/// What the pool does to open a connection (pool_options::on_connect): an
/// address about to be tried (`connected` false), then the connection
/// opened, after its connect and TLS handshake, before the request is sent.
struct connection_event {
  const url* target = nullptr;     ///< the URL the connection is for
  asio::ip::tcp::endpoint remote;  ///< the address tried, or connected to
  /// Over TLS, once connected: the connection's SSL object (version,
  /// cipher, ALPN, the peer's certificate), valid during the call only;
  /// else null.
  SSL* tls = nullptr;
  bool connected = true;  ///< false: the address is about to be tried
};

/// Settings of a pool.
struct pool_options {
  std::size_t max_per_origin = 6;                ///< connections to one origin
  std::size_t max_total = 64;                    ///< connections in all
  /// An idle connection is not used after this. It is closed at the pool's
  /// next use (a request, a connection given back) or end, or by
  /// async_close: no timer of the pool keeps io_context::run() going.
  std::chrono::milliseconds idle_timeout{30000};
  /// How long a request may wait for a connection at the limits; then
  /// std::errc::timed_out. Empty: as long as it takes.
  std::optional<std::chrono::milliseconds> wait_timeout;
  /// What every connection starts with: parser (strict) and its limits,
  /// receive buffer, interim responses (at most 5), and the timeouts
  /// (connect 30 s, TLS handshake 10 s: Go's DefaultTransport; the others
  /// off). A timeout set in request_options replaces this one for that
  /// request; an empty one leaves this one in force.
  connection_options connection{};
  /// For https: a context of the caller's, which must outlive the pool;
  /// null: one made by make_tls_context() (the system trust store).
  asio::ssl::context* tls_context = nullptr;
  /// Called once per request when it completes, on the thread that completes
  /// it; with a retry policy, also for each attempt that is retried
  /// (request_timings::retrying).
  std::function<void(const request_timings&)> on_timings;
  /// Sending a request again after a transient failure: off by default.
  retry_policy retry{};
  /// Called with each address tried and each connection opened for a
  /// request, on the thread of that request's exchange (a tool's verbose
  /// output).
  std::function<void(const connection_event&)> on_connect;
  /// Content codings to ask for and undo (those of available_codings()):
  /// `Accept-Encoding` lists them unless the request has one, and a body
  /// whose Content-Encoding uses them is handed out decoded; one that uses
  /// another is error::unsupported_content_encoding, a corrupt or truncated
  /// one error::bad_content_encoding. The head stays as received
  /// (Content-Encoding, Content-Length of the coded bytes). None by
  /// default: the body's bytes as they came.
  codings decode = codings::none;
  /// A proxy for every request: "http://[user:password@]host[:port]" (no
  /// scheme means http; the port defaults to 80), or a SOCKS5 one,
  /// "socks5://" (the target's name resolved here) or "socks5h://" (by the
  /// proxy), port 1080 by default. Through an HTTP proxy a plain http
  /// request goes whole (absolute form), an https one through a CONNECT
  /// tunnel; user information becomes `Proxy-Authorization: Basic`, sent to
  /// the proxy only. Through SOCKS5 every request goes as to the origin,
  /// user information as RFC 1929's user and password. Connections through
  /// a proxy are kept apart from direct ones and per proxy. Empty: direct.
  /// A malformed one, or another scheme, makes each request
  /// error::invalid_url. (Optional so that a default
  /// pool_options holds no string: g++ 12 corrupts one in a default
  /// argument beside a co_await, as in `pool p(co_await this_coro::executor)`.)
  std::optional<std::string> proxy;
  /// With no `proxy`: each request takes the proxy that curl would take
  /// from the environment (http_proxy, HTTPS_PROXY, ALL_PROXY, NO_PROXY:
  /// proxy_from_environment), as it was when the pool was made.
  bool use_environment_proxy = false;
  /// Every connection to the Unix domain socket at this path instead of TCP
  /// (curl's --unix-socket): requests still name their URL's host (Host,
  /// TLS's SNI and certificate name); no proxy is used. Kept apart from TCP
  /// connections and per path.
  std::optional<std::string> unix_socket;
  /// Resolves host names for the pool's connections: a hook (tests, fixed
  /// addresses, another DNS client; httpc/resolver.hpp). Null:
  /// `connection.resolver`, else one make_resolver() of the pool's (c-ares:
  /// a slow lookup holds up no other). Either way behind the pool's cache.
  std::shared_ptr<httpc::resolver> resolver;
  /// The pool's DNS cache keeps an answer for its TTL, at most this long
  /// (an answer of unknown TTL, as a hook's may be: this long); lookups of
  /// one name at once share one. Zero: no cache.
  std::chrono::seconds dns_cache_ttl_cap{60};
};

/// Settings of one request. A timeout left empty is the pool's
/// (pool_options::connection); total_timeout has none there: empty is off.
struct request_options {
  std::optional<std::chrono::milliseconds> connect_timeout;  ///< resolve, connect, TLS handshake
  std::optional<std::chrono::milliseconds> write_timeout;    ///< each write
  std::optional<std::chrono::milliseconds> read_timeout;     ///< each read: the idle time allowed
  /// The whole operation: queue, connect, request, response head, and the
  /// body: read by async_request, or through the streaming_response of
  /// async_stream (its reads then end with std::errc::timed_out).
  std::optional<std::chrono::milliseconds> total_timeout;
  /// async_request: a larger body is error::body_too_large. Decoded bytes
  /// when the body is decoded: a small body that decodes to a large one
  /// stops at the limit.
  std::size_t body_limit = 64 * 1024 * 1024;
  /// Follow 301, 302, 303 and 307, 308. A 303 (but to HEAD), or a 301 or
  /// 302 to POST, becomes a GET without the body and without the fields that
  /// describe it (Content-Length, Transfer-Encoding, Content-Type,
  /// Content-Encoding, Content-Language, Content-Location, Expect); else the
  /// method and body stay, when the body can be sent again. Across origins
  /// Authorization, Proxy-Authorization, Cookie and a caller's Host are
  /// dropped. From https to http: error::insecure_redirect, unless
  /// allow_insecure_redirects.
  bool follow_redirects = false;
  /// More redirects than this: the last redirect response is the result.
  std::size_t max_redirects = 5;
  /// User information in the URL becomes `Authorization: Basic` (RFC 7617);
  /// without this it makes the URL invalid.
  bool basic_auth = false;
  /// For https: this context instead of the pool's (an origin of its own),
  /// valid until the request completes. Its idle connections may outlive
  /// it; a context made later, even at the same address, never gets them.
  asio::ssl::context* tls_context = nullptr;
  /// The TLS handshake alone, within connect_timeout.
  std::optional<std::chrono::milliseconds> handshake_timeout;
  /// Follow a redirect from https to http (in clear text; without
  /// Authorization, Proxy-Authorization and Cookie, even on a later
  /// redirect back to https).
  bool allow_insecure_redirects = false;
  /// The request may be sent twice: the server tolerates a repeat (as an
  /// `Idempotency-Key` or `X-Idempotency-Key` field says too).
  bool idempotent = false;
  /// This request's retry policy instead of the pool's.
  std::optional<retry_policy> retry;
  /// When set, the request's timings are copied there as it completes (for
  /// async_stream: once the head was read), without `method` and `target`,
  /// which are the operation's own. Valid until the request completes.
  request_timings* timings = nullptr;
  /// The content codings to ask for and undo for this request, instead of
  /// pool_options::decode (codings::none: the body as it came).
  std::optional<codings> decode;
  /// This request's proxy instead of pool_options::proxy; empty: direct.
  std::optional<std::string> proxy;
  /// This request's Unix socket instead of pool_options::unix_socket;
  /// empty: none (TCP, or the proxies).
  std::optional<std::string> unix_socket;
};

/// Counts a service can export.
struct pool_stats {
  std::size_t open = 0;       ///< connections open or opening
  std::size_t idle = 0;       ///< kept alive, waiting for a request
  std::size_t in_use = 0;     ///< open minus idle
  std::size_t queued = 0;     ///< requests waiting for a connection
  std::uint64_t requests = 0;  ///< requests completed, successfully or not
  std::uint64_t retries = 0;  ///< requests sent again after a stale keep-alive connection
};

/// A whole response, body included (pool::async_request).
struct buffered_response {
  int status = 0;
  std::string reason;
  int version = 0;   ///< 11, 10 (9 in lenient mode)
  Headers headers;   ///< in arrival order, values trimmed
  std::string body;
  url final_url;     ///< the URL that answered (differs after redirects)

  /// The first field of that name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

namespace detail {

class pool_state;
struct pooled_connection;

// Returns a connection to its pool (which keeps it only when it is idle
// with nothing unread, and closes it otherwise).
struct lease_return {
  std::shared_ptr<pool_state> pool;
  void operator()(pooled_connection* connection) const noexcept;
};
using lease = std::unique_ptr<pooled_connection, lease_return>;

/// A body being decoded: the decoder, the piece of the connection's
/// receive buffer it has not consumed yet (valid until the next read from
/// the connection), and whether the coded body ended.
struct decoding_body {
  content_decoder decoder;
  std::string_view undecoded;
  bool ended = false;
};

/// What a request may name: URL text, or a parsed url.
template <class T>
concept request_target = std::convertible_to<const T&, std::string_view> || std::same_as<T, url>;

/// One request's state (pool.cpp): what it asks for, its result, its
/// timings; one block from Asio's recycling allocator, built in place by
/// the public operation.
template <class Response>
struct request;
template <class Response>
struct request_delete {
  void operator()(request<Response>* r) const noexcept;
};
template <class Response>
using request_ptr = std::unique_ptr<request<Response>, request_delete<Response>>;

template <class Response>
request_ptr<Response> make_request(std::string_view method, std::string_view target, request_body body,
                                   const Headers& headers, request_options options);
template <class Response>
request_ptr<Response> make_request(std::string_view method, const url& target, request_body body,
                                   const Headers& headers, request_options options);

/// One request through the pool, written once for both error policies
/// (detail::complete_op).
template <class Response, class Policy>
asio::awaitable<typename Policy::template value_type<Response>> run_request(std::shared_ptr<pool_state> state,
                                                                            request_ptr<Response> r);

}  // namespace detail

/// A response whose body is read as a stream; it holds its pooled
/// connection. Read to the end, the connection goes back to the pool;
/// destroyed earlier (or after an error), the connection is closed.
class streaming_response {
 public:
  streaming_response() = default;
  streaming_response(streaming_response&&) noexcept = default;
  streaming_response& operator=(streaming_response&&) noexcept = default;

  int status() const noexcept { return head_.status(); }
  std::string_view reason() const noexcept { return head_.reason(); }
  int version() const noexcept { return head_.version(); }
  /// The fields copied, in arrival order. By value: `const Headers& h =
  /// s.headers();` and `for (auto& [name, value] : s.headers())` work as
  /// they did; fields() gives them without a copy.
  Headers headers() const { return head_.headers(); }
  /// The fields in arrival order, as views into the response's own head.
  field_view fields() const noexcept { return head_.fields(); }
  /// The first field of that name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return head_.header(name);
  }
  /// The URL that answered (differs after redirects).
  const url& final_url() const noexcept { return final_url_; }
  /// The whole body was read (the connection is back in the pool).
  bool done() const noexcept { return done_; }

  /// Reads body bytes into `buffer`: at most its size, 0 at the end;
  /// decoded when the request asked for decoding. Past the request's
  /// total_timeout: std::errc::timed_out, the connection closed.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_read_some(asio::mutable_buffer buffer, CompletionToken&& token = {}) {
    return detail::complete(executor_, read_some_op(buffer), std::forward<CompletionToken>(token));
  }
  /// The rest of the body; more than `limit` bytes (decoded ones, when
  /// decoding) is error::body_too_large.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_read_all(std::size_t limit = std::numeric_limits<std::size_t>::max(),
                      CompletionToken&& token = {}) {
    return detail::complete(executor_, read_all_op(limit), std::forward<CompletionToken>(token));
  }

 private:
  friend class detail::pool_state;
  asio::awaitable<std::tuple<std::error_code, std::size_t>> read_some_op(asio::mutable_buffer buffer);
  asio::awaitable<std::tuple<std::error_code, std::string>> read_all_op(std::size_t limit);
  void finish(std::error_code ec) noexcept;

  asio::any_io_executor executor_;
  response_head head_;
  url final_url_;
  bool done_ = false;
  std::error_code failure_;  // a read failed: the connection is gone
  std::optional<std::chrono::steady_clock::time_point> deadline_;  // the request's total_timeout
  any_response body_;
  detail::decoding_body decoding_;  // its decoder inactive: the body as it came
  detail::lease lease_;  // the connection that body_ reads from
};

/// The pool. Movable; operations in flight keep its state alive, and
/// destroying it closes the idle connections and fails queued requests
/// with operation_aborted.
class pool {
 public:
  using executor_type = asio::any_io_executor;

  explicit pool(const executor_type& executor, pool_options options = {});
  pool(pool&&) noexcept = default;
  pool& operator=(pool&&) noexcept;
  ~pool();

  executor_type get_executor() const noexcept { return executor_; }
  /// A snapshot; callable from any thread.
  pool_stats stats() const noexcept;

  /// Sends a request and reads the whole response. `body` bytes are not
  /// copied: they must stay valid until the operation completes. A request
  /// that fails on a kept-alive connection (closed or reset by the server)
  /// before any response byte arrived is sent once more on a new
  /// connection, as Go's net/http does: when none of it reached the socket;
  /// or when it is idempotent (its method, an `Idempotency-Key` or
  /// `X-Idempotency-Key` field, or request_options::idempotent) and its
  /// body can be sent again (none, bytes, a stream not read yet). A POST
  /// the server may have read is not sent twice.
  /// `target`: URL text, or a parsed url.
  template <class Target, class CompletionToken = asio::use_awaitable_t<>>
    requires detail::request_target<Target>
  auto async_request(std::string_view method, const Target& target, request_body body = {},
                     const Headers& headers = {}, request_options options = {},
                     CompletionToken&& token = {}) {
    return detail::complete_op(executor_, std::forward<CompletionToken>(token), [&]<class Policy>() {
      return detail::run_request<buffered_response, Policy>(
          state_, detail::make_request<buffered_response>(method, target, std::move(body), headers, std::move(options)));
    });
  }

  /// Closes the pool: its idle connections now, the others once their
  /// response was read; requests waiting for a connection and new ones fail
  /// with operation_aborted. What destroying the pool does, awaitable.
  template <class CompletionToken = asio::use_awaitable_t<>>
  auto async_close(CompletionToken&& token = {}) {
    return detail::complete(executor_, close_op(state_), std::forward<CompletionToken>(token));
  }

  /// As async_request, but completes with the head: the body is read from
  /// the streaming_response, which holds the connection meanwhile.
  template <class Target, class CompletionToken = asio::use_awaitable_t<>>
    requires detail::request_target<Target>
  auto async_stream(std::string_view method, const Target& target, request_body body = {},
                    const Headers& headers = {}, request_options options = {},
                    CompletionToken&& token = {}) {
    return detail::complete_op(executor_, std::forward<CompletionToken>(token), [&]<class Policy>() {
      return detail::run_request<streaming_response, Policy>(
          state_, detail::make_request<streaming_response>(method, target, std::move(body), headers, std::move(options)));
    });
  }

 private:
  static asio::awaitable<std::error_code> close_op(std::shared_ptr<detail::pool_state> state);

  executor_type executor_;
  std::shared_ptr<detail::pool_state> state_;
};

}  // namespace httpc
