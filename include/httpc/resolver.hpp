#pragma once
/// \file
/// Name resolution for the core: the seam `connection_options::resolver`,
/// the default resolver (c-ares driven by Asio, or Asio's own when httpc was
/// built without c-ares), Asio's getaddrinfo resolver, and a cache.
///
///     struct fixed : httpc::resolver {  // a hook: every name is 127.0.0.1
///       asio::awaitable<httpc::resolution> resolve(std::string, std::uint16_t port) override {
///         co_return httpc::resolution{{}, {{asio::ip::make_address("127.0.0.1"), port}}, {}};
///       }
///     };
///     httpc::connection_options o;
///     o.resolver = std::make_shared<fixed>();
///
/// A resolver is an abstract class rather than a std::function: the default
/// one owns state (a c-ares channel, its sockets and timer) and the cache
/// wraps another resolver, and all the connections of a pool share one
/// object through one shared_ptr. Its operation is a coroutine because the
/// core's connect is one: an implementation awaits whatever Asio work it
/// needs, and is cancelled by Asio's per-operation cancellation.

#include <asio/any_io_executor.hpp>  // where a resolver does its work
#include <asio/awaitable.hpp>        // the operation
#include <asio/ip/tcp.hpp>           // endpoints
#include <chrono>                    // TTLs, deadlines
#include <cstdint>                   // ports
#include <memory>                    // std::shared_ptr: resolvers are shared
#include <optional>                  // an unknown TTL, optional settings
#include <string>                    // host names
#include <string_view>               // the backend's name
#include <system_error>              // std::error_code
#include <vector>                    // the addresses

namespace httpc {

/// The answer for one name: its addresses or an error.
struct resolution {
  /// Asio's resolver's codes: asio::error::host_not_found (no such name, or
  /// no address), host_not_found_try_again (no answer, a server failure),
  /// no_recovery; operation_aborted when cancelled; std::errc::timed_out
  /// past the connect timeout.
  std::error_code error;
  /// In the order to try them (RFC 6724, as getaddrinfo sorts them), each
  /// with the port asked for (a hook may choose another).
  std::vector<asio::ip::tcp::endpoint> endpoints;
  /// How long the answer may be kept (the smallest TTL of its records);
  /// empty: unknown (a cache keeps it for its cap); zero: not to be kept.
  std::optional<std::chrono::seconds> ttl;
};

/// Resolves host names to addresses. Address literals never reach it: the
/// core connects to them as they are.
class resolver {
 public:
  virtual ~resolver() = default;
  /// The addresses of `host`. Runs on the connection's executor; it must end
  /// (with operation_aborted, or its answer) when that coroutine is
  /// cancelled. The core does not wait for it past the connect timeout or a
  /// cancellation: an answer that comes later is dropped.
  virtual asio::awaitable<resolution> resolve(std::string host, std::uint16_t port) = 0;
};

/// Settings of the default resolver. Empty: the system's (resolv.conf).
struct resolver_options {
  /// DNS servers to ask instead of resolv.conf's, as c-ares'
  /// ares_set_servers_ports_csv reads them: "host[:port],...", e.g.
  /// "127.0.0.1:5353,[::1]:53". Only with c-ares: without it each lookup
  /// is asio::error::operation_not_supported.
  std::optional<std::string> servers;
  /// How long the first try waits for a server (c-ares doubles it each
  /// round); empty: resolv.conf's `timeout`, else 5 s. c-ares only.
  std::optional<std::chrono::milliseconds> timeout;
  /// Tries per server; empty: resolv.conf's `attempts`, else 4. c-ares only.
  std::optional<unsigned> tries;
};

/// "c-ares" or "asio": what make_resolver() makes (chosen when httpc was
/// built: HTTPC_WITH_CARES).
std::string_view resolver_backend() noexcept;

/// The default resolver: c-ares on a strand of `executor`, its sockets
/// watched by Asio, so a slow lookup holds up nothing else; A and AAAA
/// asked for at once, /etc/hosts first, TTLs known. Without c-ares, Asio's
/// (make_asio_resolver). One lookup in a connection without a resolver
/// makes one of these for that lookup; a pool keeps one.
std::shared_ptr<resolver> make_resolver(const asio::any_io_executor& executor,
                                        const resolver_options& options = {});

/// Asio's resolver: getaddrinfo on Asio's one resolver thread per
/// io_context (a slow lookup delays every other one), with the system's
/// whole name service switch (nsswitch.conf: mDNS, LDAP, ...); TTLs
/// unknown. It cannot be cancelled: a lookup given up runs to its end.
std::shared_ptr<resolver> make_asio_resolver();

/// A cache over `inner`, thread-safe: answers kept by name and port for
/// their TTL, at most `ttl_cap` (an unknown TTL: `ttl_cap`); errors are not
/// kept. Lookups of one name at once share one lookup of `inner`, which is
/// cancelled once none of them waits for it.
std::shared_ptr<resolver> make_caching_resolver(std::shared_ptr<resolver> inner,
                                                std::chrono::seconds ttl_cap);

namespace detail {
/// The core's lookup: `host` through `names` (null: a make_resolver() of
/// `executor`), given up at `deadline` (std::errc::timed_out) or when the
/// awaiting coroutine is cancelled (operation_aborted), without waiting
/// for the resolver to end.
asio::awaitable<resolution> resolve_within(const asio::any_io_executor& executor,
                                           std::shared_ptr<resolver> names, std::string host,
                                           std::uint16_t port,
                                           std::optional<std::chrono::steady_clock::time_point> deadline);
}  // namespace detail

}  // namespace httpc
