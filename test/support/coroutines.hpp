// Running coroutines in tests: a bounded run on a fresh io_context, the
// error an awaited operation threw, a sleep. Test-only; needs doctest.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <system_error>
#include <utility>

namespace httpc::test {

/// Runs the coroutine that `make()` returns on a fresh io_context with this
/// concurrency hint, on this thread, for at most `bound`; fails if it did
/// not finish, rethrows what it threw (doctest's REQUIRE failures included).
template <class Make>
void run_bounded_on(int concurrency_hint, Make make,
                    std::chrono::milliseconds bound = std::chrono::seconds(5)) {
  asio::io_context io(concurrency_hint);
  bool finished = false;
  std::exception_ptr failure;
  asio::co_spawn(io, make(), [&](std::exception_ptr e) {
    finished = true;
    failure = e;
  });
  io.run_for(bound);
  REQUIRE_MESSAGE(finished, "the test did not finish within " << bound.count() << " ms");
  if (failure) std::rethrow_exception(failure);
}

/// run_bounded_on an io_context as a default-constructed one is.
template <class Make>
void run_bounded(Make make, std::chrono::milliseconds bound = std::chrono::seconds(5)) {
  run_bounded_on(ASIO_CONCURRENCY_HINT_DEFAULT, std::move(make), bound);
}

/// The error an awaited operation threw; empty when it succeeded.
template <class T>
asio::awaitable<std::error_code> error_of(asio::awaitable<T> operation) {
  std::error_code ec;
  try {
    co_await std::move(operation);
  } catch (const std::system_error& e) {
    ec = e.code();
  }
  co_return ec;
}

/// Waits on the executor's clock, from a coroutine.
inline asio::awaitable<void> sleep_for(std::chrono::milliseconds how_long) {
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace httpc::test
