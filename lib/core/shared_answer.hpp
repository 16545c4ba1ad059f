#pragma once
// One resolution awaited by any number of coroutines, on any executors, and
// given by another thread: a c-ares callback on the resolver's strand, the
// cache's one lookup for many connections, a hook's coroutine the core no
// longer waits for. Each waiter sleeps on a timer of its own executor,
// which the answer cancels there: no waiter is touched from another thread.
// A waiter's executor must run one handler at a time (a connection's).

#include "httpc/resolver.hpp"

#include <asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace httpc::detail {

class shared_answer {
 public:
  /// Gives every waiter, and every later one, `answer`; the first call
  /// counts. From any thread.
  void complete(resolution answer);
  /// Whether complete() was called.
  bool done() const;
  /// The answer; std::errc::timed_out at `deadline`, operation_aborted when
  /// the awaiting coroutine is cancelled first.
  asio::awaitable<resolution> wait(std::optional<std::chrono::steady_clock::time_point> deadline);

 private:
  struct waiter {
    explicit waiter(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
  };

  mutable std::mutex mutex_;
  std::optional<resolution> answer_;
  std::vector<std::shared_ptr<waiter>> waiters_;
};

}  // namespace httpc::detail
