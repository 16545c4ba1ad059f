#pragma once
/// \file
/// Completion-token adapters: how an operation written as a coroutine
/// completes for any Asio completion token. The core uses them, and so may
/// the layers above it.
///
/// An operation is an `asio::awaitable` that returns `std::error_code` or
/// `std::tuple<std::error_code, T>`. With the default token
/// (`asio::use_awaitable`) the caller awaits it and an error becomes a
/// `std::system_error`; with any other token (a callback, `asio::use_future`,
/// `asio::experimental::deferred`, ...) it runs as a coroutine of its own and
/// completes with Asio's `void(std::error_code[, T])` signature, keeping the
/// handler's executor and cancellation slot.

#include <asio/associated_cancellation_slot.hpp>  // the handler's cancellation slot
#include <asio/associated_executor.hpp>           // the handler's executor
#include <asio/async_result.hpp>                  // asio::async_initiate
#include <asio/awaitable.hpp>                     // asio::awaitable, the operations
#include <asio/bind_cancellation_slot.hpp>        // the slot, kept for the spawned coroutine
#include <asio/bind_executor.hpp>                 // the executor, kept for the completion
#include <asio/co_spawn.hpp>                      // runs an operation for a handler
#include <asio/experimental/as_tuple.hpp>         // as_result
#include <asio/use_awaitable.hpp>                 // the default token
#include <exception>                              // std::exception_ptr
#include <system_error>                           // std::error_code, std::system_error
#include <tuple>                                  // an operation's value beside its error
#include <type_traits>                            // std::is_same_v, std::decay_t
#include <utility>                                // std::move, std::forward

namespace httpc::detail {

/// An Asio operation's error code beside its result, for co_await.
inline constexpr auto as_result = asio::experimental::as_tuple(asio::use_awaitable);

/// How an operation ends: with its error code beside its value (for a
/// completion handler, or an operation that calls another) ...
struct return_errors {
  using status_type = std::error_code;
  template <class T>
  using value_type = std::tuple<std::error_code, T>;
  static std::error_code status(std::error_code ec) noexcept { return ec; }
  template <class T>
  static std::tuple<std::error_code, T> value(std::error_code ec, T&& value) {
    return {ec, std::move(value)};
  }
};
/// ... or with an exception, for a caller who awaits it.
struct throw_errors {
  using status_type = void;
  template <class T>
  using value_type = T;
  static void status(std::error_code ec) {
    if (ec) throw std::system_error(ec);
  }
  // A reference: `co_return value(...)` then moves the value once, into
  // the awaitable's result.
  template <class T>
  static T&& value(std::error_code ec, T&& value) {
    if (ec) throw std::system_error(ec);
    return std::move(value);
  }
};

/// Whether a token is the default one: the caller awaits the operation.
template <class Token>
inline constexpr bool is_default_token = std::is_same_v<std::decay_t<Token>, asio::use_awaitable_t<>>;

/// The token for httpc's own layers: the caller awaits the operation and
/// gets its error code beside its value, with no exception and no
/// coroutine around it.
struct use_error_codes_t {};
inline constexpr use_error_codes_t use_error_codes{};

template <class Token>
inline constexpr bool is_error_codes_token = std::is_same_v<std::decay_t<Token>, use_error_codes_t>;

/// A token an operation with this signature takes: Asio's, or use_error_codes.
template <class Token, class Signature>
concept token_for = asio::completion_token_for<Token, Signature> || is_error_codes_token<Token>;

/// For an awaiting caller: the operation's error becomes an exception.
inline asio::awaitable<void> throw_on_error(asio::awaitable<std::error_code> operation) {
  if (const std::error_code ec = co_await std::move(operation)) throw std::system_error(ec);
}

template <class T>
asio::awaitable<T> throw_on_error(asio::awaitable<std::tuple<std::error_code, T>> operation) {
  auto [ec, value] = co_await std::move(operation);
  if (ec) throw std::system_error(ec);
  co_return std::move(value);
}

/// Runs `operation` as its own coroutine on `executor` and hands its result
/// to `complete` with the handler, on the handler's executor; the handler's
/// cancellation slot reaches the coroutine.
template <class Handler, class Executor, class Operation, class Complete>
void spawn_for_handler(Handler handler, const Executor& executor, Operation operation,
                       Complete complete) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  auto handler_executor = asio::get_associated_executor(handler, executor);
  asio::co_spawn(
      executor, std::move(operation),
      asio::bind_cancellation_slot(
          slot, asio::bind_executor(handler_executor,
                                    [handler = std::move(handler), complete](
                                        std::exception_ptr failure, auto result) mutable {
                                      if (failure) std::rethrow_exception(failure);
                                      complete(std::move(handler), std::move(result));
                                    })));
}

/// Completes `token` with `void(std::error_code)` when the operation ends.
template <class Executor, class Token>
auto run(const Executor& executor, asio::awaitable<std::error_code> operation, Token&& token) {
  return asio::async_initiate<Token, void(std::error_code)>(
      [](auto handler, const Executor& executor, asio::awaitable<std::error_code> operation) {
        spawn_for_handler(std::move(handler), executor, std::move(operation),
                          [](auto handler, std::error_code ec) { std::move(handler)(ec); });
      },
      token, executor, std::move(operation));
}

/// Completes `token` with `void(std::error_code, T)` when the operation ends.
template <class T, class Executor, class Token>
auto run(const Executor& executor, asio::awaitable<std::tuple<std::error_code, T>> operation,
         Token&& token) {
  return asio::async_initiate<Token, void(std::error_code, T)>(
      [](auto handler, const Executor& executor,
         asio::awaitable<std::tuple<std::error_code, T>> operation) {
        spawn_for_handler(std::move(handler), executor, std::move(operation),
                          [](auto handler, std::tuple<std::error_code, T> result) {
                            std::move(handler)(std::get<0>(result), std::move(std::get<1>(result)));
                          });
      },
      token, executor, std::move(operation));
}

/// An operation for any token: awaited (throwing) with the default one,
/// awaited as it is with use_error_codes, else run for the token's handler.
template <class Executor, class Operation, class Token>
auto complete(const Executor& executor, Operation operation, Token&& token) {
  if constexpr (is_default_token<Token>)
    return throw_on_error(std::move(operation));
  else if constexpr (is_error_codes_token<Token>)
    return operation;
  else
    return run(executor, std::move(operation), std::forward<Token>(token));
}

/// As complete(), for an operation written once for both policies (`make`
/// is called with the policy as its template argument): an awaiting
/// caller's operation throws by itself, with no coroutine frame around it to
/// turn its error code into an exception.
template <class Executor, class Token, class Make>
auto complete_op(const Executor& executor, Token&& token, Make make) {
  if constexpr (is_default_token<Token>)
    return make.template operator()<throw_errors>();
  else if constexpr (is_error_codes_token<Token>)
    return make.template operator()<return_errors>();
  else
    return run(executor, make.template operator()<return_errors>(), std::forward<Token>(token));
}

}  // namespace httpc::detail
