// The pool's bookkeeping: origins, their idle connections and limits, the
// queue of requests waiting for a slot, the idle timeout, the stats. Under
// the pool's mutex; the queue's timers at the pool's home.

#include <asio/dispatch.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>

#include <algorithm>

#include "pool_internal.hpp"

namespace httpc::detail {

pooled_connection::pooled_connection(const asio::any_io_executor& executor, origin* home,
                                     connection_options options, asio::ssl::context* tls)
    : executor(executor), home(home), link(executor, tls, std::move(options)) {
  link.options().timings = &timings;
}

pool_state::pool_state(const asio::any_io_executor& executor, pool_options options)
    : executor(executor),
      serial(runs_serially(executor)),
      home(serial ? executor : asio::make_strand(executor)),
      options(std::move(options)),
      proxy(parse_proxy(this->options.proxy.value_or(""), proxy_error)) {
  unix_socket = unix_route(this->options.unix_socket.value_or(""));
  if (this->options.use_environment_proxy && !this->options.proxy)
    proxy_environment = proxy_environment_snapshot();
  // One resolver for the pool's connections, its cache shared by them.
  auto& names = this->options.connection.resolver;
  if (this->options.resolver) names = this->options.resolver;
  if (!names) names = make_resolver(executor);
  if (this->options.dns_cache_ttl_cap > std::chrono::seconds::zero())
    names = make_caching_resolver(std::move(names), this->options.dns_cache_ttl_cap);
}

void lease_return::operator()(pooled_connection* connection) const noexcept {
  pool->release(std::unique_ptr<pooled_connection>(connection));
}

asio::ssl::context* pool_state::context_for(const url& target, const request_options& request) {
  if (!target.is_tls()) return nullptr;
  if (request.tls_context) return request.tls_context;
  if (options.tls_context) return options.tls_context;
  // Loading the system trust store is slow: only once, and only when needed.
  if (!own_tls_) own_tls_.emplace(make_tls_context());
  return &*own_tls_;
}

origin& pool_state::origin_for(const url& target, const connection_route* route, asio::ssl::context* tls) {
  SSL_CTX* native = tls ? tls->native_handle() : nullptr;
  const std::string_view through = route ? std::string_view(route->identity) : std::string_view();
  const auto found = origins_.find(origin_view{target.scheme, target.host, target.port, native, through});
  if (found != origins_.end()) {
    origin& o = *found->second;
    if (o.dormant) {
      dormant_.erase(*o.dormant);
      o.dormant.reset();
    }
    return o;
  }
  auto made = std::make_unique<origin>();
  made->key = origin_key{target.scheme, target.host, target.port, native, std::string(through)};
  if (native && SSL_CTX_up_ref(native) == 1) made->tls.reset(native);
  origin& o = *made;
  origins_.emplace(o.key, std::move(made));
  return o;
}

void pool_state::forget_if_unused(origin& o) {
  if (o.open != 0 || o.waiting != 0 || o.dormant) return;
  if (!o.session || closed_) {
    origins_.erase(o.key);
    return;
  }
  // Kept, among the latest few, so that its next connection resumes the
  // session: a server that closes every connection leaves none idle.
  o.dormant = dormant_.insert(dormant_.end(), &o);
  if (dormant_.size() > max_dormant) {
    origin* oldest = dormant_.front();
    dormant_.pop_front();
    origins_.erase(oldest->key);
  }
}

void pool_state::keep_session(pooled_connection& c) {
  const std::lock_guard lock(mutex_);
  keep_session_locked(c);
}

void pool_state::keep_session_locked(pooled_connection& c) {
  // Most give-backs bring the session the origin holds already: no
  // reference taken for those.
  SSL* ssl = c.link.tls_handle();
  if (!ssl || SSL_get_session(ssl) == c.home->session.native_handle()) return;
  if (tls_session session = c.link.tls_session()) c.home->session = std::move(session);
}

std::unique_ptr<pooled_connection> pool_state::create(origin& o, asio::ssl::context* tls) {
  ++o.open;
  ++open_;
  // A connection's timers run on its executor, alongside the exchange.
  const asio::any_io_executor where = serial ? executor : asio::make_strand(executor);
  auto c = std::make_unique<pooled_connection>(where, &o, options.connection, tls);
  if (o.session) c->link.set_tls_session(o.session);
  return c;
}

void pool_state::discard(std::unique_ptr<pooled_connection> c) {
  --c->home->open;
  --open_;
  // Destroyed on its own executor, where its timers' handlers run.
  const asio::any_io_executor where = c->executor;
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
std::unique_ptr<pooled_connection> pool_state::take(origin& o, asio::ssl::context* tls, bool fresh,
                                                     clock::time_point now) {
  while (!fresh && !o.idle.empty()) {
    auto c = std::move(o.idle.back());
    o.idle.pop_back();
    --idle_;
    // Looked at (one poll) however recently it was given back: a byte that
    // came after its response, or a close, must keep it from carrying
    // another request (a stray response would be read as the next one's).
    // Give-back only checks what was already read.
    if (!expired(*c, now) && c->link.is_reusable()) return c;
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
  const auto now = clock::now();
  for (bool granted = true; granted;) {
    granted = false;
    for (auto it = queue_.begin(); it != queue_.end();) {
      waiter& w = **it;
      if (auto c = take(*w.home, w.tls, w.fresh, now)) {
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

bool pool_state::try_acquire(const url& target, const connection_route* route, const request_options& request,
                             bool fresh, acquired& out) {
  const std::lock_guard lock(mutex_);
  return try_acquire_locked(target, route, request, fresh, out);
}

bool pool_state::try_acquire_locked(const url& target, const connection_route* route, const request_options& request,
                                    bool fresh, acquired& out) {
  if (closed_) {
    out.ec = asio::error::operation_aborted;
    return true;
  }
  const auto now = clock::now();
  if (now >= next_expiry_) sweep(now);
  asio::ssl::context* const tls = context_for(target, request);
  origin& o = origin_for(target, route, tls);
  if (o.waiting != 0) return false;  // first come, first served
  auto c = take(o, tls, fresh, now);
  if (!c) return false;
  grant(std::move(c), out);
  return true;
}

void pool_state::grant(std::unique_ptr<pooled_connection> c, acquired& out) {
  out.reused = c->used;
  c->used = true;
  out.connection = lease(c.release(), lease_return{shared_from_this()});
}

asio::awaitable<void> pool_state::acquire(const url& target, const connection_route* route,
                                          const request_options& request, bool fresh, acquired& out) {
  // Cancellation is handled in the queue, which it keeps consistent. Inline
  // this is the caller's coroutine: its own setting comes back after.
  const bool throws = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);
  co_await wait_for_slot(target, route, request, fresh, out);
  co_await asio::this_coro::throw_if_cancelled(throws);
}

asio::awaitable<void> pool_state::wait_for_slot(const url& target, const connection_route* route,
                                                const request_options& request, bool fresh, acquired& out) {
  const auto state = co_await asio::this_coro::cancellation_state;
  asio::steady_timer timer(home);
  if (options.wait_timeout)
    timer.expires_after(*options.wait_timeout);
  else
    timer.expires_at(clock::time_point::max());
  waiter w{nullptr, nullptr, fresh, true, &timer, nullptr};
  std::list<waiter*>::iterator position;
  {
    // Tried again under the lock that a give-back takes: one that came
    // since the caller's try either left a slot here or sees this waiter.
    const std::lock_guard lock(mutex_);
    if (try_acquire_locked(target, route, request, fresh, out)) co_return;
    w.tls = context_for(target, request);
    w.home = &origin_for(target, route, w.tls);
    position = queue_.insert(queue_.end(), &w);
    ++w.home->waiting;
    ++queued_;
  }
  std::error_code ec = asio::error::operation_aborted;
  if (state.cancelled() == asio::cancellation_type::none)
    std::tie(ec) = co_await timer.async_wait(as_result);
  const std::lock_guard lock(mutex_);
  if (w.queued) queue_.erase(position);
  --w.home->waiting;
  --queued_;
  std::unique_ptr<pooled_connection> c = std::move(w.granted);
  const bool cancelled = state.cancelled() != asio::cancellation_type::none;
  if (!c || cancelled) {
    if (c) {
      give_back(std::move(c));
      serve_queue();
    }
    forget_if_unused(*w.home);
    out.ec = (ec == asio::error::operation_aborted || cancelled)
                 ? make_error_code(asio::error::operation_aborted)
                 : make_error_code(std::errc::timed_out);
    co_return;
  }
  grant(std::move(c), out);
}

void pool_state::release(std::unique_ptr<pooled_connection> c) {
  {
    const std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      give_back(std::move(c));
      return;
    }
  }
  // Waiters' timers live at home: the queue is served there.
  asio::dispatch(home, [self = shared_from_this(), c = std::move(c)]() mutable {
    const std::lock_guard lock(self->mutex_);
    self->give_back(std::move(c));
    self->serve_queue();
  });
}

void pool_state::give_back(std::unique_ptr<pooled_connection> c) {
  // Its response was read (or it failed): a TLS 1.3 server's tickets came
  // before the response, so its latest session is there, kept or not.
  keep_session_locked(*c);
  // Only a connection whose response was read to the end, kept alive, with
  // no byte past it, serves another request. What the connection knows
  // says so without a system call; take() looks at the socket later.
  const bool reusable = !closed_ && c->link.is_idle() && c->link.received().empty();
  if (!reusable) {
    origin& o = *c->home;
    discard(std::move(c));
    forget_if_unused(o);
    return;
  }
  const auto now = clock::now();
  c->idle_since = now;
  next_expiry_ = std::min(next_expiry_, now + options.idle_timeout);
  c->home->idle.push_back(std::move(c));
  ++idle_;
  if (now >= next_expiry_) sweep(now);
}

// The expired idle connections closed, oldest first in each origin (they
// are given back in time order); then when the next one expires.
void pool_state::sweep(clock::time_point now) {
  next_expiry_ = clock::time_point::max();
  std::vector<origin*> visited;
  for (auto& [key, o] : origins_) {
    auto& idle = o->idle;
    const auto kept =
        std::find_if(idle.begin(), idle.end(), [&](const auto& c) { return !expired(*c, now); });
    for (auto it = idle.begin(); it != kept; ++it) {
      --idle_;
      discard(std::move(*it));
    }
    idle.erase(idle.begin(), kept);
    if (!idle.empty())
      next_expiry_ = std::min(next_expiry_, idle.front()->idle_since + options.idle_timeout);
    visited.push_back(o.get());
  }
  for (origin* o : visited) forget_if_unused(*o);
}

void pool_state::shut_down() {
  const std::lock_guard lock(mutex_);
  closed_ = true;
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

}  // namespace httpc::detail
