// The connection pool: its state on a strand, each connection on a strand
// of its own, requests as coroutines that hop between them.

#include "httpc/pool.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/dispatch.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <initializer_list>
#include <list>
#include <map>
#include <type_traits>
#include <utility>
#include <vector>

namespace httpc {
namespace detail {
namespace {

using clock = std::chrono::steady_clock;
using strand_type = asio::strand<asio::any_io_executor>;

// A redirect's body is read to keep its connection when it is small; a
// larger one closes the connection instead.
constexpr std::size_t redirect_body_limit = 64 * 1024;

// Runs `operation` on `strand` and completes on the handler's executor. A
// cancellation is handed to the strand (posted), so that it never touches
// the operation from another thread.
template <class Token>
auto async_on(const strand_type& strand, asio::awaitable<void> operation, Token&& token) {
  return asio::async_initiate<Token, void(std::exception_ptr)>(
      [](auto handler, const strand_type& strand, asio::awaitable<void> operation) {
        auto slot = asio::get_associated_cancellation_slot(handler);
        auto signal = std::make_shared<asio::cancellation_signal>();
        if (slot.is_connected()) {
          slot.assign([strand, signal](asio::cancellation_type type) {
            asio::post(strand, [signal, type] { signal->emit(type); });
          });
        }
        const auto handler_executor = asio::get_associated_executor(handler, strand);
        asio::co_spawn(
            strand, std::move(operation),
            asio::bind_cancellation_slot(
                signal->slot(),
                asio::bind_executor(handler_executor, [handler = std::move(handler), slot,
                                                       signal](std::exception_ptr failure) mutable {
                  if (slot.is_connected()) slot.clear();
                  std::move(handler)(failure);
                })));
      },
      token, strand, std::move(operation));
}

// The error an exception carries; anything but a system_error goes on.
std::error_code error_from(const std::exception_ptr& failure) {
  if (!failure) return {};
  try {
    std::rethrow_exception(failure);
  } catch (const std::system_error& e) {
    return e.code();
  }
}

asio::awaitable<std::error_code> run_on(const strand_type& strand, asio::awaitable<void> operation) {
  auto [failure] = co_await async_on(strand, std::move(operation), as_result);
  co_return error_from(failure);
}

// An awaited core operation, its exception as an error code.
asio::awaitable<std::error_code> attempt(asio::awaitable<void> operation) {
  std::exception_ptr failure;
  try {
    co_await std::move(operation);
  } catch (const std::system_error&) {
    failure = std::current_exception();
  }
  co_return error_from(failure);
}

template <class T>
asio::awaitable<std::tuple<std::error_code, T>> attempt(asio::awaitable<T> operation) {
  std::exception_ptr failure;
  try {
    co_return std::tuple{std::error_code{}, co_await std::move(operation)};
  } catch (const std::system_error&) {
    failure = std::current_exception();
  }
  co_return std::tuple{error_from(failure), T{}};
}

// RFC 9110 §9.2.2.
bool is_idempotent(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

// What a kept-alive connection that the server closed meanwhile looks like.
bool is_stale_connection_error(const std::error_code& ec) noexcept {
  return ec == error::remote_disconnected || ec == std::errc::connection_reset ||
         ec == std::errc::broken_pipe || ec == std::errc::connection_aborted ||
         ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

bool is_redirect(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) noexcept {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

void drop_fields(Headers& headers, std::initializer_list<std::string_view> names) {
  std::erase_if(headers, [&](const auto& field) {
    return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return iequals(field.first, n); });
  });
}

// RFC 9110 §15.4.4: 303 asks for a GET (HEAD stays); §15.4.2, §15.4.3: a
// POST may become a GET after 301 and 302, as browsers and Go do.
bool becomes_get(int status, std::string_view method) noexcept {
  return (status == 303 && method != "HEAD") || ((status == 301 || status == 302) && method == "POST");
}

// A request the server tolerates twice (Go's net/http: the method, or an
// idempotency key field of the IETF draft and its X- form).
bool may_repeat(std::string_view method, const Headers& headers, const request_options& options) noexcept {
  return is_idempotent(method) || options.idempotent || find_header(headers, "Idempotency-Key") ||
         find_header(headers, "X-Idempotency-Key");
}

template <class T>
std::optional<T> either(const std::optional<T>& wanted, const std::optional<T>& otherwise) {
  return wanted ? wanted : otherwise;
}

struct ssl_ctx_release {
  void operator()(SSL_CTX* context) const noexcept { SSL_CTX_free(context); }
};

}  // namespace

// TLS origins differ by their context's SSL_CTX, which the origin holds a
// reference to: no other context can have that address while it exists.
struct origin_key {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  const SSL_CTX* tls = nullptr;
  auto operator<=>(const origin_key&) const = default;
};

struct origin;

/// One connection of the pool, on its own strand.
struct pooled_connection {
  pooled_connection(const asio::any_io_executor& executor, origin* home, connection_options options,
                    asio::ssl::context* tls)
      : strand(asio::make_strand(executor)), home(home) {
    options.timings = &timings;
    if (tls)
      link.emplace<std::unique_ptr<tls_connection>>(std::make_unique<tls_connection>(strand, *tls, options));
    else
      link.emplace<std::unique_ptr<connection>>(std::make_unique<connection>(strand, options));
  }

  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit([&](auto& c) -> decltype(auto) { return f(*c); }, link);
  }

  strand_type strand;
  origin* home;
  connect_timings timings;
  std::variant<std::unique_ptr<connection>, std::unique_ptr<tls_connection>> link;
  clock::time_point idle_since;
  bool used = false;  // served a request: a failure may be a stale keep-alive
};

struct origin {
  origin_key key;
  std::unique_ptr<SSL_CTX, ssl_ctx_release> tls;  // keeps key.tls from being reused
  std::vector<std::unique_ptr<pooled_connection>> idle;  // most recently used last
  std::size_t open = 0;                                   // idle, in use, connecting
  std::size_t waiting = 0;
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
/// (the counters are atomic); the private ones are touched on `strand` only,
/// but for the stats counters, which stats() reads from any thread.
class pool_state : public std::enable_shared_from_this<pool_state> {
 public:
  pool_state(const asio::any_io_executor& executor, pool_options options)
      : executor(executor), strand(asio::make_strand(executor)), options(std::move(options)), reaper_(strand) {}

  struct acquired {
    std::error_code ec;
    lease connection;
    bool reused = false;
  };

  asio::awaitable<void> acquire(const url& target, const request_options& request, bool fresh,
                                acquired& out);
  void give_back(std::unique_ptr<pooled_connection> c);
  void shut_down();
  pool_stats stats() const noexcept;

  template <class Response>
  asio::awaitable<std::error_code> perform(request_spec& spec, bool stream, Response& out,
                                           request_timings& timings);

  asio::any_io_executor executor;
  strand_type strand;
  pool_options options;
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> requests{0};

 private:
  struct exchange;
  template <class Stream>
  static asio::awaitable<void> run_exchange(basic_connection<Stream>& c, exchange& x);
  template <class Response>
  asio::awaitable<std::error_code> perform_once(request_spec& spec, bool stream, Response& out,
                                                request_timings& timings, clock::time_point start);
  template <class Response>
  asio::awaitable<void> perform_bounded(request_spec& spec, bool stream, Response& out,
                                        request_timings& timings, clock::time_point start,
                                        std::error_code& ec);

  asio::ssl::context* context_for(const url& target, const request_options& request);
  origin& origin_for(const url& target, asio::ssl::context* tls);
  void forget_if_unused(origin& o);
  std::unique_ptr<pooled_connection> take(origin& o, asio::ssl::context* tls, bool fresh);
  std::unique_ptr<pooled_connection> create(origin& o, asio::ssl::context* tls);
  void discard(std::unique_ptr<pooled_connection> c);
  bool evict_idle();
  void serve_queue();
  void arm_reaper();
  void reap();
  bool expired(const pooled_connection& c, clock::time_point now) const noexcept {
    return c.idle_since + options.idle_timeout <= now;
  }

  std::optional<asio::ssl::context> own_tls_;  // made for the first https origin; outlives them
  std::map<origin_key, std::unique_ptr<origin>> origins_;
  std::list<waiter*> queue_;
  asio::steady_timer reaper_;
  bool reaper_armed_ = false;
  bool closed_ = false;
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> idle_{0};
  std::atomic<std::size_t> queued_{0};
};

void lease_return::operator()(pooled_connection* connection) const noexcept {
  std::unique_ptr<pooled_connection> owned(connection);
  asio::dispatch(pool->strand, [pool = pool, owned = std::move(owned)]() mutable {
    pool->give_back(std::move(owned));
  });
}

asio::ssl::context* pool_state::context_for(const url& target, const request_options& request) {
  if (!target.is_tls()) return nullptr;
  if (request.tls_context) return request.tls_context;
  if (options.tls_context) return options.tls_context;
  // Loading the system trust store is slow: only once, and only when needed.
  if (!own_tls_) own_tls_.emplace(make_tls_context());
  return &*own_tls_;
}

origin& pool_state::origin_for(const url& target, asio::ssl::context* tls) {
  SSL_CTX* native = tls ? tls->native_handle() : nullptr;
  origin_key key{target.scheme, target.host, target.port, native};
  auto& slot = origins_[key];
  if (!slot) {
    slot = std::make_unique<origin>();
    slot->key = std::move(key);
    if (native && SSL_CTX_up_ref(native) == 1) slot->tls.reset(native);
  }
  return *slot;
}

void pool_state::forget_if_unused(origin& o) {
  if (o.open == 0 && o.waiting == 0) origins_.erase(o.key);
}

std::unique_ptr<pooled_connection> pool_state::create(origin& o, asio::ssl::context* tls) {
  ++o.open;
  ++open_;
  return std::make_unique<pooled_connection>(executor, &o, options.connection, tls);
}

void pool_state::discard(std::unique_ptr<pooled_connection> c) {
  --c->home->open;
  --open_;
  // Destroyed on its own strand, where its timers' handlers run.
  const strand_type where = c->strand;
  asio::dispatch(where, [c = std::move(c), keep = shared_from_this()] {});
}

bool pool_state::evict_idle() {
  origin* oldest = nullptr;
  for (auto& [key, o] : origins_)
    if (!o->idle.empty() && (!oldest || o->idle.front()->idle_since < oldest->idle.front()->idle_since))
      oldest = o.get();
  if (!oldest) return false;
  auto c = std::move(oldest->idle.front());
  oldest->idle.erase(oldest->idle.begin());
  --idle_;
  discard(std::move(c));
  return true;
}

// An idle connection of the origin that still works, or room for a new one
// (closing an idle one elsewhere when only the total limit is in the way).
std::unique_ptr<pooled_connection> pool_state::take(origin& o, asio::ssl::context* tls, bool fresh) {
  const auto now = clock::now();
  while (!fresh && !o.idle.empty()) {
    auto c = std::move(o.idle.back());
    o.idle.pop_back();
    --idle_;
    if (!expired(*c, now) && c->visit([](auto& link) { return link.is_reusable(); })) return c;
    discard(std::move(c));
  }
  const bool room_here = o.open < options.max_per_origin;
  if (room_here && open_ < options.max_total) return create(o, tls);
  if (!o.idle.empty()) {  // a fresh one wanted: it replaces an idle one
    auto c = std::move(o.idle.front());
    o.idle.erase(o.idle.begin());
    --idle_;
    discard(std::move(c));
    return create(o, tls);
  }
  if (room_here && evict_idle()) return create(o, tls);
  return nullptr;
}

void pool_state::serve_queue() {
  // Taking may close stale idle connections, which can make room for a
  // waiter passed over already: again until a pass grants nothing.
  for (bool granted = true; granted;) {
    granted = false;
    for (auto it = queue_.begin(); it != queue_.end();) {
      waiter& w = **it;
      if (auto c = take(*w.home, w.tls, w.fresh)) {
        w.granted = std::move(c);
        w.queued = false;
        w.timer->cancel();
        it = queue_.erase(it);
        granted = true;
      } else {
        ++it;
      }
    }
  }
}

asio::awaitable<void> pool_state::acquire(const url& target, const request_options& request,
                                          bool fresh, acquired& out) {
  // Cancellation is handled below, with the queue kept consistent.
  co_await asio::this_coro::throw_if_cancelled(false);
  if (closed_) {
    out.ec = asio::error::operation_aborted;
    co_return;
  }
  asio::ssl::context* const tls = context_for(target, request);
  origin& o = origin_for(target, tls);
  std::unique_ptr<pooled_connection> c;
  if (o.waiting == 0) c = take(o, tls, fresh);  // first come, first served
  if (!c) {
    const auto state = co_await asio::this_coro::cancellation_state;
    asio::steady_timer timer(strand);
    if (options.wait_timeout)
      timer.expires_after(*options.wait_timeout);
    else
      timer.expires_at(clock::time_point::max());
    waiter w{&o, tls, fresh, true, &timer, nullptr};
    const auto position = queue_.insert(queue_.end(), &w);
    ++o.waiting;
    ++queued_;
    std::error_code ec = asio::error::operation_aborted;
    if (state.cancelled() == asio::cancellation_type::none)
      std::tie(ec) = co_await timer.async_wait(as_result);
    if (w.queued) queue_.erase(position);
    --o.waiting;
    --queued_;
    c = std::move(w.granted);
    const bool cancelled = state.cancelled() != asio::cancellation_type::none;
    if (!c || cancelled) {
      if (c) give_back(std::move(c));
      forget_if_unused(o);
      out.ec = (ec == asio::error::operation_aborted || cancelled)
                   ? make_error_code(asio::error::operation_aborted)
                   : make_error_code(std::errc::timed_out);
      co_return;
    }
  }
  out.reused = c->used;
  c->used = true;
  out.connection = lease(c.release(), lease_return{shared_from_this()});
}

void pool_state::give_back(std::unique_ptr<pooled_connection> c) {
  // Only a connection whose response was read to the end, kept alive, with
  // no byte past it, serves another request.
  const bool reusable = !closed_ && c->visit([](auto& link) { return link.is_reusable(); });
  if (!reusable) {
    origin& o = *c->home;
    discard(std::move(c));
    serve_queue();
    forget_if_unused(o);
    return;
  }
  c->idle_since = clock::now();
  c->home->idle.push_back(std::move(c));
  ++idle_;
  serve_queue();
  arm_reaper();
}

void pool_state::arm_reaper() {
  if (reaper_armed_) return;
  std::optional<clock::time_point> earliest;
  for (auto& [key, o] : origins_)
    for (auto& c : o->idle)
      if (!earliest || c->idle_since < *earliest) earliest = c->idle_since;
  if (!earliest) return;
  reaper_armed_ = true;
  reaper_.expires_at(*earliest + options.idle_timeout);
  reaper_.async_wait(asio::bind_executor(
      strand, [weak = weak_from_this()](std::error_code ec) {
        const auto self = weak.lock();
        if (!self) return;
        self->reaper_armed_ = false;
        if (!ec && !self->closed_) self->reap();
      }));
}

void pool_state::reap() {
  const auto now = clock::now();
  std::vector<origin*> visited;
  for (auto& [key, o] : origins_) {
    auto& idle = o->idle;
    for (auto it = idle.begin(); it != idle.end();) {
      if (expired(**it, now)) {
        auto c = std::move(*it);
        it = idle.erase(it);
        --idle_;
        discard(std::move(c));
      } else {
        ++it;
      }
    }
    visited.push_back(o.get());
  }
  for (origin* o : visited) forget_if_unused(*o);
  arm_reaper();
}

void pool_state::shut_down() {
  closed_ = true;
  reaper_.cancel();
  std::vector<origin*> all;
  for (auto& [key, o] : origins_) {
    while (!o->idle.empty()) {
      auto c = std::move(o->idle.back());
      o->idle.pop_back();
      --idle_;
      discard(std::move(c));
    }
    all.push_back(o.get());
  }
  for (waiter* w : queue_) w->timer->cancel();
  for (origin* o : all) forget_if_unused(*o);
}

pool_stats pool_state::stats() const noexcept {
  pool_stats s;
  s.open = open_.load(std::memory_order_relaxed);
  s.idle = idle_.load(std::memory_order_relaxed);
  s.in_use = s.open >= s.idle ? s.open - s.idle : 0;
  s.queued = queued_.load(std::memory_order_relaxed);
  s.requests = requests.load(std::memory_order_relaxed);
  s.retries = retries.load(std::memory_order_relaxed);
  return s;
}

// One attempt of one request on one connection: what goes in, what comes out.
struct pool_state::exchange {
  // In.
  std::string_view method;
  const url* target = nullptr;
  request_body* body = nullptr;
  const Headers* headers = nullptr;
  const request_options* options = nullptr;
  const connection_options* defaults = nullptr;  // the pool's, where options leave a timeout empty
  bool stream = false;
  bool may_redirect = false;
  // Out.
  std::error_code ec;
  bool before_response = false;  // failed with no response byte received
  bool wrote = false;            // some of the request may have reached the server
  bool connected = false;        // this attempt made the connection
  bool redirecting = false;      // a redirect to follow; its body is gone
  clock::time_point head_at;
  int status = 0;
  std::string reason;
  int version = 0;
  Headers response_headers;
  std::string body_text;
  std::variant<std::monostate, response, tls_response> response_body;
};

template <class Stream>
asio::awaitable<void> pool_state::run_exchange(basic_connection<Stream>& c, exchange& x) {
  // The connection keeps its settings between requests: each request sets
  // every timeout it may change, its own or the pool's.
  auto& settings = c.options();
  const request_options& wanted = *x.options;
  if (!c.is_open()) {
    settings.connect_timeout = either(wanted.connect_timeout, x.defaults->connect_timeout);
    settings.handshake_timeout = either(wanted.handshake_timeout, x.defaults->handshake_timeout);
    x.ec = co_await attempt(c.async_connect(x.target->host, x.target->port));
    if (x.ec) co_return;
    x.connected = true;
  }
  settings.write_timeout = either(wanted.write_timeout, x.defaults->write_timeout);
  settings.read_timeout = either(wanted.read_timeout, x.defaults->read_timeout);
  x.ec = co_await attempt(c.async_request(x.method, x.target->target, *x.body, *x.headers));
  x.wrote = c.wrote_request();
  if (x.ec) {
    x.before_response = true;
    co_return;
  }
  auto [ec, r] = co_await attempt(c.async_getresponse());
  if (ec) {
    x.ec = ec;
    x.before_response = c.received().empty();
    co_return;
  }
  x.head_at = clock::now();
  x.status = r.status();
  x.reason = r.reason();
  x.version = r.version();
  for (const auto field : r.fields()) x.response_headers.emplace_back(field.name, field.value);

  // A redirect that keeps the method repeats the body: not one that was
  // streamed already.
  const bool repeatable = becomes_get(x.status, x.method) || x.body->kind() != body_kind::streaming;
  if (x.may_redirect && is_redirect(x.status) && repeatable && find_header(x.response_headers, "Location")) {
    x.redirecting = true;
    // Read to keep the connection; a large body closes it instead.
    co_await attempt(r.async_read_all(redirect_body_limit));
    co_return;
  }
  if (x.stream) {
    x.response_body = std::move(r);
    co_return;
  }
  std::tie(x.ec, x.body_text) = co_await attempt(r.async_read_all(x.options->body_limit));
}

namespace {

// A streaming body tells whether it was pulled: before that, it can still
// be sent on another connection.
request_body watched(request_body body, std::shared_ptr<bool> pulled) {
  if (body.kind() != body_kind::streaming) return body;
  return request_body([source = std::move(body.producer()), pulled] {
    *pulled = true;
    return source();
  });
}

bool body_finished(const std::variant<std::monostate, response, tls_response>& body) noexcept {
  if (const auto* r = std::get_if<response>(&body)) return r->done();
  if (const auto* t = std::get_if<tls_response>(&body)) return t->done();
  return true;
}

}  // namespace

template <class Response>
asio::awaitable<std::error_code> pool_state::perform_once(request_spec& spec, bool stream, Response& out,
                                                          request_timings& timings,
                                                          clock::time_point start) {
  if (spec.url_error) co_return spec.url_error;
  if (spec.target.has_userinfo) {
    if (!spec.options.basic_auth) co_return make_error_code(error::invalid_url);
    if (!find_header(spec.headers, "Authorization"))
      spec.headers.emplace_back("Authorization", basic_authorization(spec.target.user, spec.target.password));
  }
  auto pulled = std::make_shared<bool>(false);
  request_body body = watched(std::move(spec.body), pulled);
  url& current = spec.target;  // changed by redirects
  timings.target = &current;

  for (;;) {
    exchange x;
    x.method = spec.method;
    x.target = &current;
    x.body = &body;
    x.headers = &spec.headers;
    x.options = &spec.options;
    x.defaults = &options.connection;
    x.stream = stream;
    x.may_redirect = spec.options.follow_redirects && timings.redirects < spec.options.max_redirects;
    lease held;
    for (unsigned attempt_number = 0;; ++attempt_number) {
      acquired got;
      const auto queue_start = clock::now();
      const std::error_code strand_error =
          co_await run_on(strand, acquire(current, spec.options, attempt_number != 0, got));
      timings.queued += clock::now() - queue_start;
      if (strand_error) got.ec = strand_error;
      if (got.ec) co_return got.ec;
      timings.reused = got.reused;
      pooled_connection& pc = *got.connection;
      x.ec.clear();
      x.connected = x.before_response = x.wrote = false;
      const std::error_code run_error =
          co_await run_on(pc.strand, pc.visit([&](auto& c) { return run_exchange(c, x); }));
      if (run_error && !x.ec) x.ec = run_error;
      if (x.connected) {
        timings.resolve += pc.timings.resolve;
        timings.connect += pc.timings.connect;
        timings.handshake += pc.timings.handshake;
      }
      if (!x.ec) {
        held = std::move(got.connection);
        break;
      }
      // A kept-alive connection the server closed meanwhile, found before any
      // response byte: the request goes once more on a new connection when
      // the server cannot have acted on it (nothing of it went out), or may
      // act twice (idempotent), and its body can be sent again.
      const bool resendable = body.kind() != body_kind::streaming || !*pulled;
      const bool retry = attempt_number == 0 && got.reused && x.before_response &&
                         is_stale_connection_error(x.ec) && resendable &&
                         (!x.wrote || may_repeat(spec.method, spec.headers, spec.options));
      got.connection.reset();
      if (!retry) co_return x.ec;
      ++timings.retries;
      ++retries;
    }
    timings.first_byte = x.head_at - start;
    timings.status = x.status;

    if (x.redirecting) {
      held.reset();
      std::error_code ec;
      const auto location = find_header(x.response_headers, "Location");
      url next = resolve_url(current, *location, ec, url_options{spec.options.basic_auth});
      if (ec) co_return ec;
      // What TLS protected must not go out in clear text unasked.
      const bool downgrade = current.is_tls() && !next.is_tls();
      if (downgrade && !spec.options.allow_insecure_redirects) co_return make_error_code(error::insecure_redirect);
      // RFC 9110 §15.4: credentials are for the origin they were given to
      // (and an https to http redirect changes the origin); a caller's Host
      // names the old one. A Location with user information replaces the
      // Authorization, but never into clear text.
      if (!next.same_origin(current))
        drop_fields(spec.headers, {"Authorization", "Proxy-Authorization", "Cookie", "Host"});
      if (next.has_userinfo) {
        drop_fields(spec.headers, {"Authorization"});
        if (!downgrade) spec.headers.emplace_back("Authorization", basic_authorization(next.user, next.password));
      }
      if (becomes_get(x.status, spec.method)) {
        // RFC 9110 §15.4: the body goes, and the fields that describe it.
        spec.method = "GET";
        body = request_body{};
        drop_fields(spec.headers, {"Content-Length", "Transfer-Encoding", "Content-Type", "Content-Encoding",
                                   "Content-Language", "Content-Location", "Expect"});
      }
      current = std::move(next);
      ++timings.redirects;
      continue;
    }

    if constexpr (std::is_same_v<Response, buffered_response>) {
      out.status = x.status;
      out.reason = std::move(x.reason);
      out.version = x.version;
      out.headers = std::move(x.response_headers);
      out.body = std::move(x.body_text);
      out.final_url = current;
    } else {
      out.executor_ = executor;
      out.status_ = x.status;
      out.reason_ = std::move(x.reason);
      out.version_ = x.version;
      out.headers_ = std::move(x.response_headers);
      out.final_url_ = current;
      out.body_ = std::move(x.response_body);
      out.lease_ = std::move(held);
      // A response without a body (HEAD, 204, 304) is over already.
      if (body_finished(out.body_)) out.finish({});
    }
    co_return std::error_code{};
  }
}

// The operation raced against the total timeout. On a strand of its own:
// the race cancels the loser from the winner's thread.
template <class Response>
asio::awaitable<void> pool_state::perform_bounded(request_spec& spec, bool stream, Response& out,
                                                  request_timings& timings, clock::time_point start,
                                                  std::error_code& ec) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer deadline(co_await asio::this_coro::executor, *spec.options.total_timeout);
  auto result = co_await (perform_once(spec, stream, out, timings, start) ||
                          deadline.async_wait(asio::use_awaitable));
  ec = result.index() == 0 ? std::get<0>(result) : make_error_code(std::errc::timed_out);
}

// The whole operation: bounded by the total timeout, reported to on_timings.
template <class Response>
asio::awaitable<std::error_code> pool_state::perform(request_spec& spec, bool stream, Response& out,
                                                     request_timings& timings) {
  const auto start = clock::now();
  std::error_code ec;
  try {
    if (spec.options.total_timeout) {
      const std::error_code failed = co_await run_on(
          asio::make_strand(executor), perform_bounded(spec, stream, out, timings, start, ec));
      if (failed) ec = failed;
    } else {
      ec = co_await perform_once(spec, stream, out, timings, start);
    }
  } catch (const std::system_error& e) {
    ec = e.code();
  }
  // The body of a stream is read later, within the same total time.
  if constexpr (std::is_same_v<Response, streaming_response>)
    if (!ec && spec.options.total_timeout) out.deadline_ = start + *spec.options.total_timeout;
  timings.total = clock::now() - start;
  timings.error = ec;
  ++requests;
  if (options.on_timings) options.on_timings(timings);
  co_return ec;
}

namespace {

asio::awaitable<void> read_some_on(std::variant<std::monostate, response, tls_response>& body,
                                   asio::mutable_buffer buffer, std::size_t& n, std::error_code& ec) {
  if (auto* r = std::get_if<response>(&body))
    std::tie(ec, n) = co_await attempt(r->async_read_some(buffer));
  else if (auto* t = std::get_if<tls_response>(&body))
    std::tie(ec, n) = co_await attempt(t->async_read_some(buffer));
}

asio::awaitable<void> read_all_on(std::variant<std::monostate, response, tls_response>& body,
                                  std::size_t limit, std::string& all, std::error_code& ec) {
  if (auto* r = std::get_if<response>(&body))
    std::tie(ec, all) = co_await attempt(r->async_read_all(limit));
  else if (auto* t = std::get_if<tls_response>(&body))
    std::tie(ec, all) = co_await attempt(t->async_read_all(limit));
}

// A body read on its connection's strand, raced against the deadline when
// there is one (on a strand of its own, as perform_bounded). `ec` is the
// read's result; a read cut short by the deadline is timed_out.
asio::awaitable<void> race(const strand_type& where, asio::awaitable<void> read, clock::time_point deadline,
                           std::error_code& ec) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto result = co_await (run_on(where, std::move(read)) || timer.async_wait(asio::use_awaitable));
  if (result.index() == 1)
    ec = make_error_code(std::errc::timed_out);
  else if (std::get<0>(result))
    ec = std::get<0>(result);
}

asio::awaitable<std::error_code> read_within(const asio::any_io_executor& executor, const strand_type& where,
                                             asio::awaitable<void> read,
                                             std::optional<clock::time_point> deadline, std::error_code& ec) {
  if (!deadline) co_return co_await run_on(where, std::move(read));
  co_return co_await run_on(asio::make_strand(executor), race(where, std::move(read), *deadline, ec));
}

}  // namespace

}  // namespace detail

// --- Public pieces -----------------------------------------------------------

std::optional<std::string_view> buffered_response::header(std::string_view name) const noexcept {
  return detail::find_header(headers, name);
}

std::optional<std::string_view> streaming_response::header(std::string_view name) const noexcept {
  return detail::find_header(headers_, name);
}

void streaming_response::finish(std::error_code ec) noexcept {
  if (ec)
    failure_ = ec;
  else
    done_ = true;
  body_ = std::monostate{};
  lease_.reset();  // back to the pool when idle, closed otherwise
}

asio::awaitable<std::tuple<std::error_code, std::size_t>> streaming_response::read_some_op(
    asio::mutable_buffer buffer) {
  if (!lease_ || buffer.size() == 0) co_return std::tuple{failure_, std::size_t{0}};
  std::size_t n = 0;
  std::error_code ec;
  const std::error_code run_error = co_await detail::read_within(
      executor_, lease_->strand, detail::read_some_on(body_, buffer, n, ec), deadline_, ec);
  if (run_error && !ec) ec = run_error;
  if (ec || n == 0) finish(ec);
  co_return std::tuple{ec, n};
}

asio::awaitable<std::tuple<std::error_code, std::string>> streaming_response::read_all_op(
    std::size_t limit) {
  if (!lease_) co_return std::tuple{failure_, std::string{}};
  std::string all;
  std::error_code ec;
  const std::error_code run_error = co_await detail::read_within(
      executor_, lease_->strand, detail::read_all_on(body_, limit, all, ec), deadline_, ec);
  if (run_error && !ec) ec = run_error;
  finish(ec);
  if (ec) all.clear();
  co_return std::tuple{ec, std::move(all)};
}

pool::pool(const executor_type& executor, pool_options options)
    : executor_(executor), state_(std::make_shared<detail::pool_state>(executor, std::move(options))) {}

pool& pool::operator=(pool&& other) noexcept {
  if (this != &other) {
    pool discarded(std::move(*this));
    executor_ = std::move(other.executor_);
    state_ = std::move(other.state_);
  }
  return *this;
}

pool::~pool() {
  if (state_) asio::dispatch(state_->strand, [state = state_] { state->shut_down(); });
}

pool_stats pool::stats() const noexcept { return state_ ? state_->stats() : pool_stats{}; }

namespace {

// One request through the pool, for either kind of response; an exception
// from inside becomes the operation's error code.
template <class Response>
asio::awaitable<std::tuple<std::error_code, Response>> exchange(std::shared_ptr<detail::pool_state> state,
                                                               detail::request_spec spec) {
  Response out;
  request_timings timings;
  const std::string method = spec.method;
  timings.method = method;
  std::error_code ec;
  try {
    ec = co_await state->perform(spec, std::is_same_v<Response, streaming_response>, out, timings);
  } catch (const std::system_error& e) {
    ec = e.code();
  }
  if (ec) out = {};
  co_return std::tuple{ec, std::move(out)};
}

}  // namespace

asio::awaitable<std::tuple<std::error_code, buffered_response>> pool::request_op(
    std::shared_ptr<detail::pool_state> state, detail::request_spec spec) {
  return exchange<buffered_response>(std::move(state), std::move(spec));
}

asio::awaitable<std::tuple<std::error_code, streaming_response>> pool::stream_op(
    std::shared_ptr<detail::pool_state> state, detail::request_spec spec) {
  return exchange<streaming_response>(std::move(state), std::move(spec));
}

namespace detail {

request_spec make_request_spec(std::string_view method, std::string_view target, request_body body,
                               const Headers& headers, request_options options) {
  request_spec spec{std::string(method), {}, {}, std::move(body), headers, std::move(options)};
  spec.target = parse_url(target, spec.url_error, url_options{spec.options.basic_auth});
  return spec;
}

request_spec make_request_spec(std::string_view method, const url& target, request_body body,
                               const Headers& headers, request_options options) {
  return {std::string(method), target, {}, std::move(body), headers, std::move(options)};
}

}  // namespace detail
}  // namespace httpc
