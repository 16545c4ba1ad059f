// Happy Eyeballs v2 (RFC 8305 §4, §5): staggered connection attempts, the
// first to connect wins.

#include "httpc/detail/happy_eyeballs.hpp"

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>

#include "httpc/detail/completion.hpp"

namespace httpc::detail {
namespace {

using clock = std::chrono::steady_clock;

// What the attempts share with the operation. Their handlers hold it, so a
// late one (a closed loser's operation_aborted) finds it alive.
struct race {
  explicit race(const asio::any_io_executor& executor) : wake(executor) {}
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> sockets;  // one per attempt started
  std::size_t running = 0;
  std::optional<std::size_t> winner;
  bool failed_since_wait = false;  // an attempt failed: the next starts now
  std::error_code last_error;
  asio::steady_timer wake;  // the operation's wait; an attempt's end cancels it
};

void close_all_but(race& r, std::optional<std::size_t> kept) {
  for (std::size_t i = 0; i < r.sockets.size(); ++i) {
    if (kept && *kept == i) continue;
    std::error_code ignored;
    r.sockets[i]->close(ignored);
  }
}

}  // namespace

std::vector<asio::ip::tcp::endpoint> interleaved(std::span<const asio::ip::tcp::endpoint> endpoints) {
  std::vector<asio::ip::tcp::endpoint> first_family, other_family;
  for (const auto& e : endpoints) {
    const bool first = e.address().is_v6() == endpoints.front().address().is_v6();
    (first ? first_family : other_family).push_back(e);
  }
  std::vector<asio::ip::tcp::endpoint> order;
  order.reserve(endpoints.size());
  for (std::size_t i = 0; i < std::max(first_family.size(), other_family.size()); ++i) {
    if (i < first_family.size()) order.push_back(first_family[i]);
    if (i < other_family.size()) order.push_back(other_family[i]);
  }
  return order;
}

asio::awaitable<std::error_code> connect_first(std::span<const asio::ip::tcp::endpoint> endpoints,
                                               const racing_options& options, asio::ip::tcp::socket& out,
                                               asio::ip::tcp::endpoint& connected) {
  const asio::any_io_executor executor = out.get_executor();
  const auto r = std::make_shared<race>(executor);
  std::size_t next = 0;
  auto next_start = clock::now();

  // Starts the next address's attempt; its handler says how it ended and
  // wakes the operation.
  const auto start_next = [&] {
    const asio::ip::tcp::endpoint& endpoint = endpoints[next];
    const std::size_t index = next++;
    connected = endpoint;
    auto& sock = *r->sockets.emplace_back(std::make_unique<asio::ip::tcp::socket>(executor));
    if (options.on_connecting && *options.on_connecting) (*options.on_connecting)(endpoint);
    std::error_code ec;
    sock.open(endpoint.protocol(), ec);
    if (!ec && options.source_address && *options.source_address) sock.bind(**options.source_address, ec);
    if (ec) {
      r->last_error = ec;
      r->failed_since_wait = true;
      return;
    }
    ++r->running;
    sock.async_connect(endpoint, [r, index](std::error_code ec) {
      --r->running;
      if (!ec && !r->winner) {
        r->winner = index;
      } else if (ec && ec != asio::error::operation_aborted) {
        r->last_error = ec;
        r->failed_since_wait = true;
      }
      r->wake.cancel();
    });
    next_start = clock::now() + options.attempt_delay;
  };

  std::error_code result;
  start_next();
  for (;;) {
    if (r->winner) break;
    const bool more = next < endpoints.size();
    if (r->failed_since_wait && more) {
      r->failed_since_wait = false;
      start_next();
      continue;
    }
    r->failed_since_wait = false;
    if (r->running == 0 && !more) {
      result = r->last_error ? r->last_error : make_error_code(asio::error::host_not_found);
      break;
    }
    auto until = more ? next_start : clock::time_point::max();
    if (options.deadline) until = std::min(until, *options.deadline);
    r->wake.expires_at(until);
    co_await r->wake.async_wait(as_result);
    // The caller's cancellation, not an attempt's end.
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
      result = make_error_code(asio::error::operation_aborted);
      break;
    }
    if (r->winner) break;
    if (options.deadline && clock::now() >= *options.deadline) {
      result = make_error_code(std::errc::timed_out);
      break;
    }
    if (more && clock::now() >= next_start) start_next();
  }
  close_all_but(*r, r->winner);
  if (!r->winner) co_return result;
  connected = endpoints[*r->winner];
  out = std::move(*r->sockets[*r->winner]);
  co_return std::error_code{};
}

}  // namespace httpc::detail
