// The core's resolver seam: the default resolver, Asio's, and the lookup
// that a connect gives up at its deadline (resolver.hpp).

#include "httpc/resolver.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <exception>
#include <utility>

#if HTTPC_HAS_CARES
#include "cares/cares_resolver.hpp"
#endif
#include "shared_answer.hpp"

namespace httpc {
namespace {

class asio_resolver final : public resolver {
 public:
  explicit asio_resolver(std::error_code refusal = {}) : refusal_(refusal) {}

  asio::awaitable<resolution> resolve(std::string host, std::uint16_t port) override {
    resolution out;
    if ((out.error = refusal_)) co_return out;
    asio::ip::tcp::resolver lookup(co_await asio::this_coro::executor);
    auto [ec, results] = co_await lookup.async_resolve(
        host, std::to_string(port), asio::experimental::as_tuple(asio::use_awaitable));
    // Standalone Asio 1.22 reports OS errors in a category of its own that
    // maps to no std::errc; the OS's does (as the core's other errors).
    if (ec.category() == asio::error::get_system_category() && ec != asio::error::operation_aborted)
      ec = std::error_code(ec.value(), std::system_category());
    out.error = ec;
    for (const auto& entry : results) out.endpoints.push_back(entry.endpoint());
    co_return out;
  }

 private:
  std::error_code refusal_;  // settings it cannot honour: every lookup fails
};

// A resolver's coroutine holds the resolver: the core may leave it running.
asio::awaitable<resolution> run(std::shared_ptr<resolver> names, std::string host, std::uint16_t port) {
  co_return co_await names->resolve(std::move(host), port);
}

std::error_code error_of(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::system_error& e) {
    return e.code();
  } catch (...) {
    return make_error_code(asio::error::no_recovery);
  }
}

}  // namespace

#if HTTPC_HAS_CARES
std::string_view resolver_backend() noexcept { return "c-ares"; }

std::shared_ptr<resolver> make_resolver(const asio::any_io_executor& executor,
                                        const resolver_options& options) {
  return detail::make_cares_resolver(executor, options);
}
#else
std::string_view resolver_backend() noexcept { return "asio"; }

std::shared_ptr<resolver> make_resolver(const asio::any_io_executor&, const resolver_options& options) {
  const bool asks_cares = options.servers || options.timeout || options.tries;
  return std::make_shared<asio_resolver>(
      asks_cares ? make_error_code(asio::error::operation_not_supported) : std::error_code());
}
#endif

std::shared_ptr<resolver> make_asio_resolver() { return std::make_shared<asio_resolver>(); }

namespace detail {

asio::awaitable<resolution> resolve_within(const asio::any_io_executor& executor,
                                           std::shared_ptr<resolver> names, std::string host,
                                           std::uint16_t port,
                                           std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (!names) names = make_resolver(executor);
  // The lookup runs as a coroutine of its own, so that a deadline or a
  // cancellation ends the wait at once, whatever the resolver does: it is
  // asked to stop, and what it answers later goes nowhere.
  auto answer = std::make_shared<shared_answer>();
  auto stop = std::make_shared<asio::cancellation_signal>();
  asio::co_spawn(executor, run(std::move(names), std::move(host), port),
                 asio::bind_cancellation_slot(
                     stop->slot(), [answer, stop](std::exception_ptr failure, resolution found) {
                       if (failure) found = resolution{error_of(failure), {}, {}};
                       answer->complete(std::move(found));
                     }));
  resolution found = co_await answer->wait(deadline);
  // The spawned lookup runs on `executor`, as this coroutine does.
  if (!answer->done()) stop->emit(asio::cancellation_type::terminal);
  co_return found;
}

}  // namespace detail
}  // namespace httpc
