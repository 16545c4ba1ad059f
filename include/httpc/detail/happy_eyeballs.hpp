#pragma once
// Connecting to the first of several addresses that answers, as RFC 8305
// (Happy Eyeballs v2) asks: IPv6 and IPv4 alternate, each attempt gets a
// head start before the next one begins (sooner when it fails), the first
// connection wins and the others are closed. The core's connect uses it
// when a name gives more than one address.

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

namespace httpc::detail {

/// The addresses in the order of their attempts: families alternating,
/// starting with the first address's (RFC 8305 §4), each family's own
/// order kept.
std::vector<asio::ip::tcp::endpoint> interleaved(std::span<const asio::ip::tcp::endpoint> endpoints);

struct racing_options {
  std::chrono::milliseconds attempt_delay{250};  ///< head start of each attempt (RFC 8305 §5)
  std::optional<std::chrono::steady_clock::time_point> deadline;  ///< then std::errc::timed_out
  const std::optional<asio::ip::tcp::endpoint>* source_address = nullptr;  ///< bound before connecting
  const std::function<void(const asio::ip::tcp::endpoint&)>* on_connecting = nullptr;  ///< each attempt
};

/// Connects `out` (on its executor, which must run one handler at a time,
/// as every core operation asks) to the first of `endpoints`, tried in
/// the given order with staggered starts. `connected` is the winner, or the
/// last address tried. The error is the last attempt's when all fail,
/// std::errc::timed_out at the deadline, operation_aborted when the
/// operation is cancelled; every attempt's socket is closed but the one
/// moved into `out`.
asio::awaitable<std::error_code> connect_first(std::span<const asio::ip::tcp::endpoint> endpoints,
                                               const racing_options& options, asio::ip::tcp::socket& out,
                                               asio::ip::tcp::endpoint& connected);

}  // namespace httpc::detail
