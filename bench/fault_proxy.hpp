// A TCP proxy on 127.0.0.1 that relays to one upstream and breaks some of
// the connections it relays, for the soak (bench/soak.cpp) and its test.
//
// Per accepted connection, a draw from a seeded generator decides whether
// it gets a fault (probability fault_rate) and which: the kind, and the
// offset into the stream of response bytes (upstream to client) at which
// it fires. The client receives exactly the bytes before the offset, then:
//   reset     the client socket is closed with SO_LINGER 0: an RST
//   stall     nothing more for `stall`, then a clean close
//   truncate  a clean close (FIN)
//   garbage   a few random bytes in place of the response, then a clean
//             close; always at offset 0 (inside a body, garbage of the
//             right length would be a valid, different body: no client
//             can tell)
// or, at an offset into the request bytes (client to upstream):
//   drop      a clean close as a request arrives, none of it relayed: a
//             server's keep-alive timeout racing the request, which a pool
//             may send again when the connection was a kept-alive one
// A fault past the connection's last byte never fires. Bytes are never
// altered, only cut short (or replaced whole, garbage). Either side
// closing closes both. Single-threaded (one io_context thread); nothing is unbounded:
// buffers are fixed, a stall ends by itself.
#pragma once

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace bench {

enum class fault { none, reset, stall, truncate, garbage, drop };
inline constexpr std::size_t fault_kinds = 6;
inline constexpr std::array<const char*, fault_kinds> fault_names = {"none",     "reset",   "stall",
                                                                     "truncate", "garbage", "drop"};

struct fault_proxy_options {
  asio::ip::tcp::endpoint upstream;
  double fault_rate = 0.01;  ///< the share of connections that get a fault
  std::uint64_t seed = 1;
  /// Offsets are drawn from [0, max_offset): a few responses' worth.
  std::size_t max_offset = 128 * 1024;
  /// drop's offsets into the request bytes: a dozen requests' worth.
  std::size_t max_request_offset = 1024;
  std::chrono::milliseconds stall{3000};
  std::vector<fault> kinds = {fault::reset, fault::stall, fault::truncate, fault::garbage, fault::drop};
};

struct fault_proxy_counts {
  std::uint64_t accepted = 0;
  std::uint64_t upstream_failed = 0;            ///< the upstream connect failed: client closed
  std::array<std::uint64_t, fault_kinds> planned{};  ///< drawn, by kind
  std::array<std::uint64_t, fault_kinds> fired{};    ///< reached their offset, by kind

  std::uint64_t fired_total() const {
    std::uint64_t n = 0;
    for (std::size_t k = 1; k < fault_kinds; ++k) n += fired[k];
    return n;
  }
};

/// Owns the listening socket; the accept loop and the sessions share its
/// state, so it may go while they finish. Destroy it on its executor's
/// thread (or once the io_context stopped): that closes the listening
/// socket; sessions end by themselves.
class fault_proxy {
 public:
  fault_proxy(const asio::any_io_executor& executor, fault_proxy_options options)
      : state_(std::make_shared<state>(executor, std::move(options))) {
    asio::co_spawn(executor, accept_loop(state_), asio::detached);
  }
  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;
  ~fault_proxy() {
    std::error_code ignored;
    state_->acceptor.close(ignored);
  }

  std::uint16_t port() const { return state_->acceptor.local_endpoint().port(); }
  const fault_proxy_counts& counts() const { return state_->counts; }

 private:
  using tcp = asio::ip::tcp;
  static constexpr auto as_result = asio::experimental::as_tuple(asio::use_awaitable);

  struct plan {
    fault kind = fault::none;
    std::size_t at = 0;
    std::string garbage;
  };

  struct state {
    state(const asio::any_io_executor& executor, fault_proxy_options o)
        : options(std::move(o)), random(options.seed), acceptor(executor, {asio::ip::make_address_v4("127.0.0.1"), 0}) {}

    plan draw() {
      plan p;
      if (options.kinds.empty() || std::uniform_real_distribution<double>(0, 1)(random) >= options.fault_rate)
        return p;
      p.kind = options.kinds[std::uniform_int_distribution<std::size_t>(0, options.kinds.size() - 1)(random)];
      if (p.kind == fault::garbage) {
        p.garbage.resize(std::uniform_int_distribution<std::size_t>(1, 64)(random));
        for (auto& c : p.garbage) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(random));
        if (p.garbage[0] == 'H') p.garbage[0] = 'X';  // never the start of a status line
      } else {
        const std::size_t bound = p.kind == fault::drop ? options.max_request_offset : options.max_offset;
        p.at = std::uniform_int_distribution<std::size_t>(0, bound - 1)(random);
      }
      ++counts.planned[static_cast<std::size_t>(p.kind)];
      return p;
    }

    fault_proxy_options options;
    std::mt19937_64 random;
    tcp::acceptor acceptor;
    fault_proxy_counts counts;
  };

  static asio::awaitable<void> accept_loop(std::shared_ptr<state> s) {
    asio::steady_timer backoff(s->acceptor.get_executor());
    while (s->acceptor.is_open()) {
      auto [ec, client] = co_await s->acceptor.async_accept(as_result);
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) {  // out of descriptors, say: wait rather than spin
        backoff.expires_after(std::chrono::milliseconds(10));
        co_await backoff.async_wait(as_result);
        continue;
      }
      ++s->counts.accepted;
      asio::co_spawn(s->acceptor.get_executor(), session(s, std::move(client), s->draw()), asio::detached);
    }
  }

  static asio::awaitable<void> session(std::shared_ptr<state> s, tcp::socket client, plan p) {
    tcp::socket upstream(client.get_executor());
    if (auto [ec] = co_await upstream.async_connect(s->options.upstream, as_result); ec) {
      ++s->counts.upstream_failed;
      co_return;
    }
    client.set_option(tcp::no_delay(true));
    upstream.set_option(tcp::no_delay(true));
    using namespace asio::experimental::awaitable_operators;
    // The first side to end cancels the other; both sockets close here.
    co_await (relay_requests(*s, client, upstream, p) || relay_responses(*s, client, upstream, p));
  }

  static asio::awaitable<void> relay_requests(state& s, tcp::socket& client, tcp::socket& upstream,
                                              const plan& p) {
    std::array<char, 4096> buffer;
    std::size_t received = 0;
    for (;;) {
      auto [ec, n] = co_await client.async_read_some(asio::buffer(buffer), as_result);
      if (ec) co_return;
      // The chunk with the offset goes whole: with one request in flight at a
      // time, a chunk is a request or its start.
      if (p.kind == fault::drop && received + n > p.at) {
        ++s.counts.fired[static_cast<std::size_t>(p.kind)];
        co_await inject(s, client, p);
        co_return;
      }
      received += n;
      if (auto [written, m] = co_await asio::async_write(upstream, asio::buffer(buffer, n), as_result); written)
        co_return;
    }
  }

  static asio::awaitable<void> relay_responses(state& s, tcp::socket& client, tcp::socket& upstream,
                                               const plan& p) {
    std::array<char, 16384> buffer;
    std::size_t sent = 0;
    for (;;) {
      auto [ec, n] = co_await upstream.async_read_some(asio::buffer(buffer), as_result);
      if (ec) co_return;
      // The fault fires where a byte past its offset exists.
      const bool fires = p.kind != fault::none && p.kind != fault::drop && sent + n > p.at;
      const std::size_t pass = fires ? p.at - sent : n;
      if (auto [written, m] = co_await asio::async_write(client, asio::buffer(buffer, pass), as_result); written)
        co_return;
      sent += pass;
      if (fires) {
        ++s.counts.fired[static_cast<std::size_t>(p.kind)];
        co_await inject(s, client, p);
        co_return;
      }
    }
  }

  static asio::awaitable<void> inject(state& s, tcp::socket& client, const plan& p) {
    std::error_code ignored;
    switch (p.kind) {
      case fault::reset:
        client.set_option(asio::socket_base::linger(true, 0), ignored);
        client.close(ignored);
        break;
      case fault::stall: {
        // Ends early when the client gives up and closes (the request relay
        // sees it and cancels this).
        asio::steady_timer quiet(client.get_executor(), s.options.stall);
        co_await quiet.async_wait(as_result);
        break;
      }
      case fault::garbage:
        co_await asio::async_write(client, asio::buffer(p.garbage), as_result);
        [[fallthrough]];
      case fault::truncate:
      case fault::drop:
        client.shutdown(tcp::socket::shutdown_send, ignored);
        client.close(ignored);
        break;
      case fault::none:
        break;
    }
  }

  std::shared_ptr<state> state_;
};

}  // namespace bench
