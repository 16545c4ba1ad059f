// One resolution for many waiters (shared_answer.hpp).

#include "shared_answer.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

namespace httpc::detail {

void shared_answer::complete(resolution answer) {
  std::vector<std::shared_ptr<waiter>> woken;
  {
    const std::lock_guard lock(mutex_);
    if (answer_) return;
    answer_ = std::move(answer);
    woken.swap(waiters_);
  }
  // On the waiter's executor: its wait was started there, in the same
  // handler that listed it, so the cancel cannot come before the wait.
  for (auto& w : woken) {
    const auto where = w->timer.get_executor();
    asio::post(where, [w = std::move(w)] { w->timer.cancel(); });
  }
}

bool shared_answer::done() const {
  const std::lock_guard lock(mutex_);
  return answer_.has_value();
}

asio::awaitable<resolution> shared_answer::wait(
    std::optional<std::chrono::steady_clock::time_point> deadline) {
  auto w = std::make_shared<waiter>(co_await asio::this_coro::executor);
  {
    const std::lock_guard lock(mutex_);
    if (answer_) co_return *answer_;
    w->timer.expires_at(deadline.value_or(std::chrono::steady_clock::time_point::max()));
    waiters_.push_back(w);
  }
  co_await w->timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  const std::lock_guard lock(mutex_);
  if (answer_) co_return *answer_;
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), w));
  const bool expired = deadline && std::chrono::steady_clock::now() >= *deadline;
  co_return resolution{expired ? make_error_code(std::errc::timed_out)
                               : make_error_code(asio::error::operation_aborted),
                       {}, {}};
}

}  // namespace httpc::detail
