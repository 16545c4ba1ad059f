// A cache of answers over another resolver (make_caching_resolver): kept by
// name and port until min(TTL, cap); lookups of one name at once share one.
// Under a mutex: a pool's connections resolve from several threads.

#include "httpc/resolver.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "shared_answer.hpp"

namespace httpc {
namespace {

using clock = std::chrono::steady_clock;

class caching_resolver final : public resolver, public std::enable_shared_from_this<caching_resolver> {
 public:
  caching_resolver(std::shared_ptr<resolver> inner, std::chrono::seconds cap)
      : inner_(std::move(inner)), cap_(cap) {}

  asio::awaitable<resolution> resolve(std::string host, std::uint16_t port) override {
    std::string key = std::to_string(port) + ' ' + host;  // a port has no space
    std::shared_ptr<flight> f;
    bool lead = false;
    {
      const std::lock_guard lock(mutex_);
      const auto now = clock::now();
      entry& e = entries_[key];
      if (!e.lookup && now < e.expiry)
        co_return resolution{{}, e.endpoints,
                             std::chrono::duration_cast<std::chrono::seconds>(e.expiry - now)};
      if (!e.lookup) {
        e.lookup = std::make_shared<flight>();
        lead = true;
      }
      f = e.lookup;
      ++f->waiting;
    }
    if (lead) {
      // The lookup belongs to no one caller: one that leaves must not end
      // it for the others. It runs where its first caller does, and is
      // stopped there once nobody waits.
      f->where = co_await asio::this_coro::executor;
      asio::co_spawn(f->where, ask(inner_, host, port),
                     asio::bind_cancellation_slot(
                         f->stop.slot(), [self = shared_from_this(), key, f](std::exception_ptr failure,
                                                                            resolution found) {
                           if (failure) found.error = asio::error::no_recovery;
                           self->store(key, *f, found);
                           f->answer.complete(std::move(found));
                         }));
    }
    resolution found = co_await f->answer.wait(std::nullopt);
    const std::lock_guard lock(mutex_);
    if (--f->waiting == 0 && !f->answer.done()) {
      const auto it = entries_.find(key);
      if (it != entries_.end() && it->second.lookup == f) entries_.erase(it);
      asio::post(f->where, [f] { f->stop.emit(asio::cancellation_type::terminal); });
    }
    co_return found;
  }

 private:
  struct flight {
    detail::shared_answer answer;
    asio::any_io_executor where;
    asio::cancellation_signal stop;
    std::size_t waiting = 0;  // under the cache's mutex
  };
  struct entry {
    std::vector<asio::ip::tcp::endpoint> endpoints;
    clock::time_point expiry;
    std::shared_ptr<flight> lookup;  // under way: its callers wait for it
  };

  static asio::awaitable<resolution> ask(std::shared_ptr<resolver> inner, std::string host,
                                         std::uint16_t port) {
    co_return co_await inner->resolve(std::move(host), port);
  }

  void store(const std::string& key, const flight& f, const resolution& found) {
    const std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.lookup.get() != &f) return;  // given up meanwhile
    const auto keep = std::min(found.ttl.value_or(cap_), cap_);
    if (found.error || keep <= std::chrono::seconds::zero()) {
      entries_.erase(it);
      return;
    }
    const auto now = clock::now();
    it->second = entry{found.endpoints, now + keep, nullptr};
    // Names come and go: the expired ones are dropped whenever the map has
    // doubled since the last sweep, so it holds at most twice the live ones.
    if (entries_.size() < sweep_at_) return;
    std::erase_if(entries_, [now](const auto& item) { return !item.second.lookup && item.second.expiry <= now; });
    sweep_at_ = std::max<std::size_t>(64, 2 * entries_.size());
  }

  const std::shared_ptr<resolver> inner_;
  const std::chrono::seconds cap_;
  std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
  std::size_t sweep_at_ = 64;
};

}  // namespace

std::shared_ptr<resolver> make_caching_resolver(std::shared_ptr<resolver> inner, std::chrono::seconds ttl_cap) {
  return std::make_shared<caching_resolver>(std::move(inner), ttl_cap);
}

}  // namespace httpc
