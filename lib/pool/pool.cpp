// The pool's request loop: a slot leased, an exchange run in it, a stale
// keep-alive retried, redirects followed; and the public pool.

#include <asio/dispatch.hpp>
#include <asio/recycling_allocator.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>

#include <type_traits>
#include <utility>

#include "pool_internal.hpp"

namespace httpc {
namespace detail {
namespace {

// A streaming body tells whether it was pulled: before that, it can still
// be sent on another connection.
request_body watched(request_body body, std::shared_ptr<bool>& pulled) {
  if (body.kind() != body_kind::streaming) return body;
  pulled = std::make_shared<bool>(false);
  return request_body([source = std::move(body.producer()), pulled] {
    *pulled = true;
    return source();
  });
}

bool resendable(const request_body& body, const std::shared_ptr<bool>& pulled) noexcept {
  return body.kind() != body_kind::streaming || !*pulled;
}

// The wait between two attempts of the retry policy.
asio::awaitable<std::error_code> pause(clock::duration wait) {
  asio::steady_timer timer(co_await asio::this_coro::executor, wait);
  const auto [ec] = co_await timer.async_wait(as_result);
  co_return ec;
}

// An attempt that the retry policy follows with another, reported on its own.
void report_attempt(const pool_options& options, const request_timings& so_far, const exchange& x,
                    clock::duration wait, clock::time_point start) {
  if (!options.on_timings) return;
  request_timings attempt = so_far;
  attempt.total = clock::now() - start;
  attempt.status = x.status;
  attempt.error = x.ec;
  attempt.retrying = true;
  attempt.backoff = wait;
  options.on_timings(attempt);
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
  // Decoding asked for: say which codings, unless the caller did.
  codings decode = spec.options.decode.value_or(options.decode);
  if (decode != codings::none) {
    decode = decode & available_codings();
    if (decode != codings::none && !find_header(spec.headers, "Accept-Encoding"))
      spec.headers.emplace_back("Accept-Encoding", accept_encoding(decode));
  }
  std::unique_ptr<connection_route> own_route;
  const connection_route* route = nullptr;
  std::shared_ptr<bool> pulled;  // for a streaming body only
  request_body body = watched(std::move(spec.body), pulled);
  url& current = spec.target;  // changed by redirects
  timings.target = &current;
  const retry_policy& policy = spec.options.retry ? *spec.options.retry : options.retry;

  for (;;) {
    // Again after a redirect: the environment's proxy depends on the target.
    if (const std::error_code ec = route_for(current, spec.options, own_route, route)) co_return ec;
    exchange x;
    x.method = spec.method_now();
    x.target = &current;
    x.route = route;
    x.body = &body;
    x.headers = &spec.headers;
    x.options = &spec.options;
    x.defaults = &options.connection;
    x.stream = stream;
    x.timed = options.on_timings || spec.options.timings;
    x.on_connect = &options.on_connect;
    x.decode = decode;
    if constexpr (std::is_same_v<Response, buffered_response>) x.whole = &out;
    x.may_redirect = spec.options.follow_redirects && timings.redirects < spec.options.max_redirects;
    x.attempt = timings.attempt;
    // A transient status is tried again only for a request that may go twice.
    if (timings.attempt < policy.attempts && may_send_twice(spec, resendable(body, pulled))) x.retry = &policy;
    lease held;
    for (unsigned attempt_number = 0;; ++attempt_number) {
      acquired got;
      const bool fresh = attempt_number != 0;
      if (!try_acquire(current, route, spec.options, fresh, got)) {
        const auto queue_start = clock::now();
        if (const std::error_code ec = co_await run_on(home, acquire(current, route, spec.options, fresh, got)))
          got.ec = ec;
        timings.queued += clock::now() - queue_start;
      }
      if (got.ec) co_return got.ec;
      timings.reused = got.reused;
      pooled_connection& pc = *got.connection;
      x.ec.clear();
      x.connected = x.before_response = x.wrote = false;
      // A serial pool's request runs at home (run_request, perform_elsewhere),
      // where its connections live.
      if (serial || arms_no_timer(pc, x)) {
        co_await run_exchange(pc, x);
      } else if (const std::error_code ec = co_await run_on(pc.executor, run_exchange(pc, x)); ec && !x.ec) {
        x.ec = ec;
      }
      timings.remote = pc.timings.remote;
      if (x.connected) {
        // Now, not only when it is given back: a request that comes while
        // this one still holds its connection (reads its stream) resumes
        // the session too.
        keep_session(pc);
        ++timings.connects;
        timings.resolve += pc.timings.resolve;
        timings.connect += pc.timings.connect;
        timings.handshake += pc.timings.handshake;
      }
      if (!x.ec) {
        held = std::move(got.connection);
        break;
      }
      // A streaming body can be sent again until it was pulled.
      const bool retry = attempt_number == 0 && may_retry(spec, x, got.reused, resendable(body, pulled));
      got.connection.reset();
      if (!retry) break;
      ++timings.retries;
      ++retries;
    }
    if (x.timed && x.status != 0) timings.first_byte = x.head_at - start;
    timings.status = x.status;

    if (x.ec || x.retrying) {
      held.reset();
      std::optional<clock::duration> wait = x.retry_wait;
      if (x.ec) wait = retry_after_error(spec, x, policy, resendable(body, pulled));
      if (!wait) co_return x.ec;
      report_attempt(options, timings, x, *wait, start);
      if (const std::error_code ec = co_await pause(*wait)) co_return ec;
      ++timings.attempt;
      continue;
    }

    if (x.redirecting) {
      held.reset();
      if (const std::error_code ec = follow_redirect(spec, current, body, x)) co_return ec;
      ++timings.redirects;
      continue;
    }

    if constexpr (std::is_same_v<Response, buffered_response>) {
      // The exchange filled in the head and the body.
      out.final_url = std::move(current);
      timings.target = &out.final_url;  // the request is over: its URL moves, not copied
    } else {
      out.executor_ = executor;
      out.head_ = std::move(x.head);
      out.final_url_ = std::move(current);
      timings.target = &out.final_url_;
      out.body_ = std::move(x.response_body);
      out.decoding_.decoder = std::move(x.decoder);
      out.lease_ = std::move(held);
      // Its body is read later, within the same total time.
      if (spec.options.total_timeout) out.deadline_ = start + *spec.options.total_timeout;
      // A response without a body (HEAD, 204, 304) is over already.
      if (out.body_.done()) out.finish({});
    }
    co_return std::error_code{};
  }
}

// The operation, raced against the total timeout when there is one. The
// race cancels the loser from the winner's thread: it runs on a serial
// executor.
template <class Response>
asio::awaitable<void> pool_state::perform_within(request_spec& spec, bool stream, Response& out,
                                                 request_timings& timings, clock::time_point start,
                                                 std::error_code& ec) {
  if (!spec.options.total_timeout) {
    ec = co_await perform_once(spec, stream, out, timings, start);
    co_return;
  }
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer deadline(co_await asio::this_coro::executor, *spec.options.total_timeout);
  auto result = co_await (perform_once(spec, stream, out, timings, start) ||
                          deadline.async_wait(asio::use_awaitable));
  ec = result.index() == 0 ? std::get<0>(result) : make_error_code(std::errc::timed_out);
}

}  // namespace detail

// --- Public pieces -----------------------------------------------------------

std::optional<std::string_view> buffered_response::header(std::string_view name) const noexcept {
  return detail::find_header(headers, name);
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
  if (state_) asio::dispatch(state_->home, [state = state_] { state->shut_down(); });
}

pool_stats pool::stats() const noexcept { return state_ ? state_->stats() : pool_stats{}; }

namespace detail {

// g++ 12 takes Asio's awaitable frame's sized delete for a mismatch with
// its new when it inlines this frame's end (GCC bug 109224, a false
// positive, seen under -fsanitize=thread).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// A serial pool runs the request at home: inline from a caller there, else
// one hop. Otherwise the race against the total timeout gets a strand of
// its own. Apart from run_request: its rare branches would grow every
// request's frame.
template <class Response>
asio::awaitable<std::error_code> pool_state::perform_elsewhere(request_spec& spec, bool stream, Response& out,
                                                               request_timings& timings,
                                                               clock::time_point start) {
  std::error_code ec;
  bool at_home = serial;
  if (at_home) at_home = co_await asio::this_coro::executor == home;
  if (at_home) {
    co_await perform_within(spec, stream, out, timings, start, ec);
    co_return ec;
  }
  const asio::any_io_executor where = serial ? home : asio::any_io_executor(asio::make_strand(executor));
  const std::error_code failed = co_await run_on(where, perform_within(spec, stream, out, timings, start, ec));
  co_return failed ? failed : ec;
}

template <class Response>
struct request {
  request_spec spec;
  Response out;
  request_timings timings;
};

// A whole response's state fits a block that Asio's allocator recycles.
static_assert(sizeof(request<buffered_response>) <= 1020);

template <class Response>
void request_delete<Response>::operator()(request<Response>* r) const noexcept {
  r->~request();
  asio::recycling_allocator<request<Response>>().deallocate(r, 1);
}

// The whole operation, for either kind of response and either error
// policy: bounded by the total timeout, reported to on_timings; an
// exception from inside becomes the operation's error. Its state is in
// `r`, so that its frame stays within what Asio's recycling allocator
// keeps (1020 bytes): a larger one would be allocated for every request.
template <class Response, class Policy>
asio::awaitable<typename Policy::template value_type<Response>> run_request(std::shared_ptr<pool_state> state,
                                                                            request_ptr<Response> r) {
  constexpr bool stream = std::is_same_v<Response, streaming_response>;
  request_spec& spec = r->spec;
  request_timings& timings = r->timings;
  timings.method = spec.method;
  pool_state& s = *state;
  // The clock is read for what needs it only: timings asked for, a total timeout.
  const bool timed = s.options.on_timings || spec.options.timings || spec.options.total_timeout;
  const auto start = timed ? clock::now() : clock::time_point{};
  std::error_code ec;
  try {
    // Inline unless the request must run elsewhere: a serial pool's away
    // from home, or one raced against its total timeout.
    bool here = !spec.options.total_timeout;
    if (here && s.serial) here = co_await asio::this_coro::executor == s.home;
    if (here)
      ec = co_await s.perform_once(spec, stream, r->out, timings, start);
    else
      ec = co_await s.perform_elsewhere(spec, stream, r->out, timings, start);
  } catch (const std::system_error& e) {
    ec = e.code();
  }
  ++s.requests;
  if (timed) {
    timings.total = clock::now() - start;
    timings.error = ec;
    if (s.options.on_timings) s.options.on_timings(timings);
    if (spec.options.timings) {
      *spec.options.timings = timings;
      spec.options.timings->method = {};
      spec.options.timings->target = nullptr;
    }
  }
  if (ec) r->out = {};
  co_return Policy::value(ec, std::move(r->out));
}

template asio::awaitable<buffered_response> run_request<buffered_response, throw_errors>(
    std::shared_ptr<pool_state>, request_ptr<buffered_response>);
template asio::awaitable<std::tuple<std::error_code, buffered_response>>
run_request<buffered_response, return_errors>(std::shared_ptr<pool_state>, request_ptr<buffered_response>);
template asio::awaitable<streaming_response> run_request<streaming_response, throw_errors>(
    std::shared_ptr<pool_state>, request_ptr<streaming_response>);
template asio::awaitable<std::tuple<std::error_code, streaming_response>>
run_request<streaming_response, return_errors>(std::shared_ptr<pool_state>, request_ptr<streaming_response>);

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace detail

asio::awaitable<std::error_code> pool::close_op(std::shared_ptr<detail::pool_state> state) {
  if (!state) co_return std::error_code{};
  auto shut_down = [](std::shared_ptr<detail::pool_state> s) -> asio::awaitable<void> {
    s->shut_down();
    co_return;
  };
  co_return co_await detail::run_on(state->home, shut_down(state));
}

namespace detail {

namespace {

url parsed(const url& target, std::error_code&, const request_options&) { return target; }
url parsed(std::string_view target, std::error_code& ec, const request_options& options) {
  return parse_url(target, ec, url_options{options.basic_auth});
}

// The state built in place, its URL parsed straight into it when it comes
// as text (members are initialized in order: the URL before its error,
// both before the options move in).
template <class Response, class Target>
request_ptr<Response> make(std::string_view method, const Target& target, request_body body, const Headers& headers,
                           request_options options) {
  asio::recycling_allocator<request<Response>> allocator;
  request<Response>* const memory = allocator.allocate(1);
  std::error_code url_error;
  try {
    return request_ptr<Response>(new (memory) request<Response>{
        request_spec{std::string(method), false, parsed(target, url_error, options), url_error, std::move(body),
                     headers, std::move(options)},
        Response{}, request_timings{}});
  } catch (...) {
    allocator.deallocate(memory, 1);
    throw;
  }
}

}  // namespace

template <class Response>
request_ptr<Response> make_request(std::string_view method, std::string_view target, request_body body,
                                   const Headers& headers, request_options options) {
  return make<Response>(method, target, std::move(body), headers, std::move(options));
}

template <class Response>
request_ptr<Response> make_request(std::string_view method, const url& target, request_body body,
                                   const Headers& headers, request_options options) {
  return make<Response>(method, target, std::move(body), headers, std::move(options));
}

template struct request_delete<buffered_response>;
template struct request_delete<streaming_response>;
template request_ptr<buffered_response> make_request<buffered_response>(std::string_view, std::string_view,
                                                                          request_body, const Headers&,
                                                                          request_options);
template request_ptr<buffered_response> make_request<buffered_response>(std::string_view, const url&, request_body,
                                                                          const Headers&, request_options);
template request_ptr<streaming_response> make_request<streaming_response>(std::string_view, std::string_view,
                                                                            request_body, const Headers&,
                                                                            request_options);
template request_ptr<streaming_response> make_request<streaming_response>(std::string_view, const url&,
                                                                            request_body, const Headers&,
                                                                            request_options);

}  // namespace detail
}  // namespace httpc
