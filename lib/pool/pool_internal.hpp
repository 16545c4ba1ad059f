#pragma once
// What the pool's files share: the origins and their connections
// (origins.cpp), one exchange on a leased connection (exchange.cpp), the
// retry and redirect rules (policy.cpp), the request loop (pool.cpp), and
// running an operation where the state it touches lives (hop.cpp).
//
// The bookkeeping is guarded by a mutex: a request leases a slot from any
// thread, and only one that must queue goes to the pool's home (its
// executor when that runs one handler at a time: a strand, or an
// io_context told it runs on one thread; else a strand of it), where the
// waiters' timers are. A connection lives on the pool's executor when that
// is serial, else on a strand of its own (its timeout handler and its
// socket must not run on two threads at once): a request whose coroutine
// runs there already runs the exchange inline; from elsewhere it hops (a
// coroutine spawned there), unless the exchange arms no timer: then the
// leased connection is touched by the request's coroutine alone, and the
// exchange runs inline wherever that is.
//
// The seam between the pool and a connection is the exchange slot: a
// request leases a slot of its origin (pool_state::try_acquire, else
// acquire), runs one exchange in it (run_exchange), and the lease's end
// gives the slot back (pool_state::release). An HTTP/1.1 connection offers
// one slot, free again once its response was read to the end.

#include "httpc/pool.hpp"

#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/any_io_executor.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

namespace httpc::detail {

using clock = std::chrono::steady_clock;

/// One request as the operation keeps it: everything copied but the body bytes.
struct request_spec {
  std::string method;  // as asked: the timings report it
  bool became_get = false;  // a redirect turned it into a GET
  std::string_view method_now() const noexcept { return became_get ? std::string_view("GET") : method; }
  url target;
  std::error_code url_error;
  request_body body;
  Headers headers;
  request_options options;
};

// --- Running where the state lives (hop.cpp) ---------------------------------

// The error an exception carries; anything but a system_error goes on.
std::error_code error_from(const std::exception_ptr& failure);

// Whether `executor` runs one handler at a time: a strand, or an io_context
// whose concurrency hint says one thread (Asio then assumes one).
bool runs_serially(const asio::any_io_executor& executor);

// Runs `operation` on `where` and returns its error (a system_error it
// threw); completes on the caller's executor. Inline when the caller runs
// there already; else a cancellation of the caller reaches the operation
// through `where`.
asio::awaitable<std::error_code> run_on(const asio::any_io_executor& where, asio::awaitable<void> operation);


// --- Policy (policy.cpp) -----------------------------------------------------

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) noexcept;
bool is_redirect(int status) noexcept;
// A redirect with this status turns the request into a GET without a body.
bool becomes_get(int status, std::string_view method) noexcept;

// --- Routes: proxies, Unix sockets (proxy.cpp) --------------------------------

/// How a connection reaches its origin other than by TCP to it: through an
/// HTTP proxy (absolute form, CONNECT for TLS), through SOCKS5 for every
/// request with the target's name resolved here (curl's socks5://) or by
/// the proxy (socks5h://), or over a Unix domain socket.
enum class route_kind : unsigned char { http, socks5, socks5h, unix_socket };

/// A route as the requests that take it need it.
struct connection_route {
  route_kind kind = route_kind::http;
  std::string host;  // the proxy's; unix_socket: the socket's path
  std::uint16_t port = 0;
  std::string authorization;  // http: "Basic ..." when the proxy URL had user information
  socks5_options socks;       // socks5, socks5h: the credentials, where names are resolved
  std::string identity;       // what keys its connections: kind, address and credentials
};

/// Null for empty text (direct); error::invalid_url for a malformed URL or
/// a scheme other than http, socks5 and socks5h. "host:port" alone means
/// http; a SOCKS proxy's port defaults to 1080.
std::unique_ptr<connection_route> parse_proxy(std::string_view text, std::error_code& ec);
/// Null for an empty path (no Unix socket).
std::unique_ptr<connection_route> unix_route(std::string_view path);

// --- Origins and their connections (origins.cpp) -----------------------------

// TLS origins differ by their context's SSL_CTX, which the origin holds a
// reference to: no other context can have that address while it exists.
// Connections through a proxy or a Unix socket are apart from direct ones,
// and per route.
struct origin_key {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  const SSL_CTX* tls = nullptr;
  std::string route;  // connection_route::identity; empty: TCP to the origin
};

// An origin_key's parts without owning them: a lookup builds no strings.
struct origin_view {
  std::string_view scheme;
  std::string_view host;
  std::uint16_t port = 0;
  const SSL_CTX* tls = nullptr;
  std::string_view route;
};

// The cheap parts first.
struct origin_order {
  using is_transparent = void;
  static auto parts(const origin_key& k) noexcept {
    return std::tuple(k.port, k.tls, std::string_view(k.host), std::string_view(k.scheme),
                      std::string_view(k.route));
  }
  static auto parts(const origin_view& k) noexcept {
    return std::tuple(k.port, k.tls, k.host, k.scheme, k.route);
  }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    return parts(a) < parts(b);
  }
};

struct origin;

/// One connection of the pool, on `executor`: the pool's when that is
/// serial, else a strand of its own. Over HTTP/1.1, one exchange slot.
struct pooled_connection {
  pooled_connection(const asio::any_io_executor& executor, origin* home, connection_options options,
                    asio::ssl::context* tls);

  asio::any_io_executor executor;
  origin* home;
  connect_timings timings;
  any_connection link;
  clock::time_point idle_since;
  bool used = false;  // served a request: a failure may be a stale keep-alive
};

struct ssl_ctx_release {
  void operator()(SSL_CTX* context) const noexcept { SSL_CTX_free(context); }
};

struct origin {
  origin_key key;
  std::unique_ptr<SSL_CTX, ssl_ctx_release> tls;  // keeps key.tls from being reused
  std::vector<std::unique_ptr<pooled_connection>> idle;  // most recently used last
  std::size_t open = 0;                                   // idle, in use, connecting
  std::size_t waiting = 0;
  // The latest resumable TLS session of its connections, offered to each
  // new one. Per origin: a session is good for the host it was verified
  // for and the context it was made with, which the key holds.
  tls_session session;
  // Where it is among the origins kept for their session alone.
  std::optional<std::list<origin*>::iterator> dormant;
};

struct waiter {
  origin* home = nullptr;
  asio::ssl::context* tls = nullptr;  // the request's, for a new connection
  bool fresh = false;
  bool queued = true;
  asio::steady_timer* timer = nullptr;
  std::unique_ptr<pooled_connection> granted;
};

/// The state of a pool. The public members do not change after construction
/// (the counters are atomic); the private ones are guarded by `mutex_`, but
/// for the stats counters, which stats() reads from any thread. Waiters'
/// timers are `home`'s: the queue is served and shut down there.
class pool_state : public std::enable_shared_from_this<pool_state> {
 public:
  pool_state(const asio::any_io_executor& executor, pool_options options);

  struct acquired {
    std::error_code ec;
    lease connection;
    bool reused = false;
  };

  /// A slot of the origin of `target`: an idle connection, a new one, or
  /// one given back while the request waited in the queue. `fresh`: never
  /// a kept-alive one. On `home`.
  asio::awaitable<void> acquire(const url& target, const connection_route* route, const request_options& request,
                                bool fresh, acquired& out);
  /// As acquire, when a slot (or the pool's closing) needs no wait: false
  /// when the request must queue. From any thread.
  bool try_acquire(const url& target, const connection_route* route, const request_options& request, bool fresh,
                   acquired& out);
  /// The end of a lease, from any thread: the slot back, served to a
  /// waiter at home when there is one.
  void release(std::unique_ptr<pooled_connection> c);
  /// Closes the idle connections and fails the waiters. On `home`.
  void shut_down();
  /// The connection's TLS session, when it has a resumable one, becomes its
  /// origin's: after a new connection's exchange. From any thread.
  void keep_session(pooled_connection& c);
  pool_stats stats() const noexcept;

  asio::any_io_executor executor;
  const bool serial;          // `executor` runs one handler at a time
  asio::any_io_executor home;  // where the private members live: `executor` or a strand of it
  pool_options options;
  std::error_code proxy_error;         // pool_options::proxy malformed (set by proxy's initializer)
  std::unique_ptr<connection_route> proxy;  // pool_options::proxy read; null: direct
  environment proxy_environment;       // use_environment_proxy: the variables when the pool was made
  std::unique_ptr<connection_route> unix_socket;  // pool_options::unix_socket read

  /// The route of a request to `target` (null: TCP to it): a Unix socket,
  /// the request's or the pool's; else a proxy, the request's, the pool's,
  /// or the environment's; `own` holds one read for it.
  std::error_code route_for(const url& target, const request_options& request, std::unique_ptr<connection_route>& own,
                            const connection_route*& route) const;
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> requests{0};

  // The steps of run_request (pool.cpp): the request's loop of leases,
  // exchanges, retries and redirects; the same raced against the total
  // timeout, on a serial executor; either where it must run. A serial
  // pool's request runs them at home, where its connections live.
  template <class Response>
  asio::awaitable<std::error_code> perform_once(request_spec& spec, bool stream, Response& out,
                                                request_timings& timings, clock::time_point start);
  template <class Response>
  asio::awaitable<void> perform_within(request_spec& spec, bool stream, Response& out,
                                       request_timings& timings, clock::time_point start,
                                       std::error_code& ec);
  template <class Response>
  asio::awaitable<std::error_code> perform_elsewhere(request_spec& spec, bool stream, Response& out,
                                                     request_timings& timings, clock::time_point start);

 private:
  // The private functions below but wait_for_slot run with `mutex_` held.
  bool try_acquire_locked(const url& target, const connection_route* route, const request_options& request, bool fresh,
                          acquired& out);
  // A slot back: kept when its connection can take another request.
  void give_back(std::unique_ptr<pooled_connection> c);
  asio::awaitable<void> wait_for_slot(const url& target, const connection_route* route, const request_options& request,
                                      bool fresh, acquired& out);
  void grant(std::unique_ptr<pooled_connection> c, acquired& out);

  asio::ssl::context* context_for(const url& target, const request_options& request);
  origin& origin_for(const url& target, const connection_route* route, asio::ssl::context* tls);
  void forget_if_unused(origin& o);
  void keep_session_locked(pooled_connection& c);
  std::unique_ptr<pooled_connection> take(origin& o, asio::ssl::context* tls, bool fresh, clock::time_point now);
  std::unique_ptr<pooled_connection> create(origin& o, asio::ssl::context* tls);
  void discard(std::unique_ptr<pooled_connection> c);
  bool evict_idle();
  void serve_queue();
  void sweep(clock::time_point now);
  bool expired(const pooled_connection& c, clock::time_point now) const noexcept {
    return c.idle_since + options.idle_timeout <= now;
  }

  std::mutex mutex_;
  std::optional<asio::ssl::context> own_tls_;  // made for the first https origin; outlives them
  std::map<origin_key, std::unique_ptr<origin>, origin_order> origins_;
  std::list<waiter*> queue_;
  // Origins without connections, kept for their TLS session, oldest first:
  // at most max_dormant, as many as Go's LRU session cache holds by default.
  static constexpr std::size_t max_dormant = 64;
  std::list<origin*> dormant_;
  // No timer closes idle connections: none keeps the io_context running.
  // A request or a connection given back past this sweeps them.
  clock::time_point next_expiry_ = clock::time_point::max();
  bool closed_ = false;
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> idle_{0};
  std::atomic<std::size_t> queued_{0};
};

// --- One exchange (exchange.cpp) ---------------------------------------------

/// One attempt of one request in one slot: what goes in, what comes out.
struct exchange {
  // In.
  std::string_view method;
  const url* target = nullptr;
  const connection_route* route = nullptr;  // null: TCP to the origin
  request_body* body = nullptr;
  const Headers* headers = nullptr;
  const request_options* options = nullptr;
  const connection_options* defaults = nullptr;  // the pool's, where options leave a timeout empty
  bool stream = false;
  bool may_redirect = false;
  bool timed = false;                  // head_at wanted (timings, a stream's deadline)
  // The retry policy may take a transient status: its attempt number.
  const retry_policy* retry = nullptr;
  unsigned attempt = 1;
  codings decode = codings::none;      // the codings to undo
  buffered_response* whole = nullptr;  // where a whole response goes (not a stream)
  const std::function<void(const connection_event&)>* on_connect = nullptr;  // the pool's
  // Out.
  std::error_code ec;
  bool before_response = false;  // failed with no response byte received
  bool wrote = false;            // some of the request may have reached the server
  bool connected = false;        // this attempt made the connection
  bool redirecting = false;      // a redirect to follow; its body is gone
  bool retrying = false;         // a transient status to retry after retry_wait; its body is gone
  clock::duration retry_wait{};
  clock::time_point head_at;  // when timed
  int status = 0;
  response_head head;          // a stream's, a redirect's
  any_response response_body;  // a stream's
  content_decoder decoder;     // a stream's, when its body is decoded
};

/// Sends the request on the slot's connection (connecting it first when
/// new) and reads the head; then the head and body into `whole`
/// (async_request), the head only (async_stream: the body stays in
/// response_body), or a redirect's body to keep the connection.
asio::awaitable<void> run_exchange(pooled_connection& slot, exchange& x);

/// Whether the exchange arms none of the core's timers: its connection is
/// open already, and no write, read, request or 100-continue timeout
/// applies. Only then may it run off the connection's executor, where a
/// timer's handler would cancel the socket.
bool arms_no_timer(pooled_connection& slot, const exchange& x);

// --- Policy (policy.cpp) -----------------------------------------------------

/// A kept-alive connection the server closed meanwhile, found before any
/// response byte: the request may go once more on a new connection.
/// `resendable`: its body can be sent again.
bool may_retry(const request_spec& spec, const exchange& x, bool reused, bool resendable) noexcept;

/// The retry policy's answer after an attempt that failed with `x.ec`: the
/// wait before the next attempt, or none when the request is not sent again.
std::optional<clock::duration> retry_after_error(const request_spec& spec, const exchange& x,
                                                 const retry_policy& policy, bool resendable);
/// The same after a response with `status`: only when the status is
/// transient, within a Retry-After that the policy accepts.
std::optional<clock::duration> retry_after_status(const retry_policy& policy, unsigned attempt, int status,
                                                  std::optional<std::string_view> retry_after);
/// Whether a request may be sent again whole: idempotent, with a body that
/// can be sent again.
bool may_send_twice(const request_spec& spec, bool resendable) noexcept;

/// Turns the request into the one a redirect asks for: `current` becomes
/// the Location resolved against it; method, body and fields change as
/// RFC 9110 §15.4 says. An error: the redirect is not followed.
std::error_code follow_redirect(request_spec& spec, url& current, request_body& body, const exchange& x);

}  // namespace httpc::detail
