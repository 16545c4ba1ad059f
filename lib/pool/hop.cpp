// Running an operation on the executor that owns what it touches, from a
// coroutine on any executor.

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detail/scheduler.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>

#include <typeinfo>

#include "pool_internal.hpp"

namespace httpc::detail {
namespace {

// Runs `operation` on `strand` and completes on the handler's executor. A
// cancellation is handed to the strand (posted), so that it never touches
// the operation from another thread.
template <class Token>
auto async_on(const asio::any_io_executor& strand, asio::awaitable<void> operation, Token&& token) {
  return asio::async_initiate<Token, void(std::exception_ptr)>(
      [](auto handler, const asio::any_io_executor& strand, asio::awaitable<void> operation) {
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

// The executor `executor` holds, when it is a T. (Asio 1.22's target()
// casts without looking at the type.)
template <class T>
const T* target_as(const asio::any_io_executor& executor) noexcept {
  return executor.target_type() == typeid(T) ? executor.target<T>() : nullptr;
}

// An awaited operation, its exception as an error code.
asio::awaitable<std::error_code> attempt(asio::awaitable<void> operation) {
  std::exception_ptr failure;
  try {
    co_await std::move(operation);
  } catch (const std::system_error&) {
    failure = std::current_exception();
  }
  co_return error_from(failure);
}

}  // namespace

bool runs_serially(const asio::any_io_executor& executor) {
  if (target_as<asio::strand<asio::io_context::executor_type>>(executor) ||
      target_as<asio::strand<asio::any_io_executor>>(executor))
    return true;
  const auto* io = target_as<asio::io_context::executor_type>(executor);
  if (!io) return false;
  // Asio's documented hints: 1 "assumes the io_context will be run from a
  // single thread"; the unsafe ones drop the locks that several need.
  const int hint = asio::use_service<asio::detail::scheduler>(io->context()).concurrency_hint();
  return hint == 1 || !ASIO_CONCURRENCY_HINT_IS_LOCKING(SCHEDULER, hint) ||
         !ASIO_CONCURRENCY_HINT_IS_LOCKING(REACTOR_IO, hint);
}

std::error_code error_from(const std::exception_ptr& failure) {
  if (!failure) return {};
  try {
    std::rethrow_exception(failure);
  } catch (const std::system_error& e) {
    return e.code();
  }
}

asio::awaitable<std::error_code> run_on(const asio::any_io_executor& where, asio::awaitable<void> operation) {
  if (co_await asio::this_coro::executor == where) co_return co_await attempt(std::move(operation));
  auto [failure] = co_await async_on(where, std::move(operation), as_result);
  co_return error_from(failure);
}

}  // namespace httpc::detail
