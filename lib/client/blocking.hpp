#pragma once
// The facade's one adapter onto the core: a core connection, plain or TLS
// (an any_connection), on an io_context of its own, and a call that runs
// one core operation on it to its end on the calling thread. Timeouts are
// the core's: the facade sets them in connection_options.

#include <asio/bind_executor.hpp>
#include <asio/execution/blocking.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>

#include <memory>
#include <system_error>
#include <utility>

#include "httpc/any_connection.hpp"

namespace httpc::detail {

/// One core connection driven one blocking step at a time.
class blocking_connection {
 public:
  /// Runs a function at once, on the thread that hands it over.
  struct inline_executor {
    template <class Function>
    void execute(Function&& function) const {
      std::forward<Function>(function)();
    }
    // Asio posts a handler with blocking.never: a completion only records
    // its result, so running it at once cannot nest or block anything, and
    // spares the io_context a turn (an epoll_wait) per operation.
    inline_executor require(asio::execution::blocking_t::never_t) const noexcept { return *this; }
    friend bool operator==(const inline_executor&, const inline_executor&) noexcept { return true; }
    friend bool operator!=(const inline_executor&, const inline_executor&) noexcept { return false; }
  };

  /// The core connection's executor: the facade's io_context, but what is
  /// dispatched to it runs at once. The io_context is this thread's alone
  /// while a step runs, so a coroutine may start, and resume after an I/O
  /// completion, without a turn of the io_context (an epoll_wait) between;
  /// what must be posted still goes through the io_context.
  struct step_executor {
    asio::io_context* io;

    template <class Function>
    void execute(Function&& function) const {
      std::forward<Function>(function)();
    }
    asio::io_context& query(asio::execution::context_t) const noexcept { return *io; }
    static constexpr asio::execution::blocking_t query(asio::execution::blocking_t) noexcept {
      return asio::execution::blocking.possibly;
    }
    auto require(asio::execution::blocking_t::never_t) const {
      return asio::require(io->get_executor(), asio::execution::blocking.never);
    }
    friend bool operator==(const step_executor& a, const step_executor& b) noexcept { return a.io == b.io; }
    friend bool operator!=(const step_executor& a, const step_executor& b) noexcept { return a.io != b.io; }
  };

  /// A completion handler for a core operation: records its error code.
  class completion {
   public:
    using executor_type = inline_executor;

    explicit completion(std::error_code& result) noexcept : result_(&result) {}
    void operator()(std::error_code ec) const noexcept { *result_ = ec; }
    executor_type get_executor() const noexcept { return {}; }

    /// A handler for an operation that completes with a value too:
    /// `keep(value)`, then this one's error code.
    template <class Keep>
    auto keeping(Keep keep) const {
      auto handler = [done = *this, keep = std::move(keep)](std::error_code ec, auto value) mutable {
        keep(std::move(value));
        done(ec);
      };
      return asio::bind_executor(inline_executor{}, std::move(handler));
    }

   private:
    std::error_code* result_;
  };

  /// A TLS connection when `tls_context` is set, else a plain one.
  blocking_connection(const connection_options& options,
                      std::shared_ptr<asio::ssl::context> tls_context);
  blocking_connection(const blocking_connection&) = delete;
  blocking_connection& operator=(const blocking_connection&) = delete;

  /// Runs one core operation to its end: `start(done)` starts it with
  /// `done` (or `done.keeping(...)`) as its handler. The operation's error
  /// code.
  template <class Start>
  std::error_code run(Start start) {
    std::error_code result;
    io_.restart();
    start(completion(result));
    // Until no work is left: the operation has completed by then.
    io_.run();
    return result;
  }

  any_connection& connection() noexcept { return connection_; }
  /// The response last read from the connection.
  any_response& response() noexcept { return response_; }

 private:
  // The io_context is ours alone and runs only inside run(), so a caller
  // on any thread, in any event loop or coroutine, cannot deadlock it.
  asio::io_context io_{1};
  std::shared_ptr<asio::ssl::context> tls_context_;  // outlives connection_
  any_connection connection_;
  any_response response_;
};

}  // namespace httpc::detail
