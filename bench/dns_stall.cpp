// One slow name must not hold up the others: the pool's requests to a name
// that answers at once, each on a new connection (so each looks its name
// up; the DNS cache off), alone and then beside a lookup of a name whose
// answer takes 2 s. Names come from a scripted DNS server on 127.0.0.1
// (test/support/dns_server.hpp) through the default resolver.
//
//   httpc-bench-dns-stall PORT PATH REQUESTS
//
// PORT and PATH: an HTTP server on 127.0.0.1 whose PATH closes each
// connection (bench/run's nginx, /close). Prints one line per run:
// `alone_ms=A beside_ms=B slow_answer_ms=S errors=E`; exits 0 when E is 0.

#include <httpc/async.hpp>
#include <httpc/resolver.hpp>

#include "dns_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <system_error>

#include <fmt/core.h>

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct run_result {
  steady::duration fast{};
  steady::duration slow_answer{};
  std::uint64_t errors = 0;
};

// `requests` requests to fast.test over 8 coroutines; with `beside_slow`, a
// lookup of slow.test starts first and is timed too.
run_result run(const httpc::test::dns_server& dns, std::uint16_t port, const std::string& path,
               std::uint64_t requests, bool beside_slow) {
  asio::io_context io(1);
  httpc::resolver_options names;
  names.servers = dns.address();
  httpc::pool_options options;
  options.resolver = httpc::make_resolver(io.get_executor(), names);
  options.dns_cache_ttl_cap = 0s;
  options.max_per_origin = options.max_total = 8;
  httpc::pool pool(io.get_executor(), options);
  run_result result;
  const auto start = steady::now();
  if (beside_slow) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      co_await options.resolver->resolve("slow.test", port);
      result.slow_answer = steady::now() - start;
    }, asio::detached);
  }
  const std::string url = "http://fast.test:" + std::to_string(port) + path;
  std::uint64_t started = 0;
  steady::time_point last_done = start;
  for (int lane = 0; lane < 8; ++lane) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      while (started < requests) {
        ++started;
        try {
          const auto response = co_await pool.async_request("GET", url);
          if (response.status != 200) ++result.errors;
        } catch (const std::system_error&) {
          ++result.errors;
        }
        last_done = steady::now();
      }
    }, asio::detached);
  }
  io.run();
  result.fast = last_done - start;
  return result;
}

long long ms(steady::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr, "usage: httpc-bench-dns-stall PORT PATH REQUESTS\n");
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  const std::string path = argv[2];
  const auto requests = static_cast<std::uint64_t>(std::atoll(argv[3]));
  httpc::test::dns_server dns;
  const auto loopback = asio::ip::make_address("127.0.0.1");
  dns.set("fast.test", {{loopback}, 60, 0ms, false});
  dns.set("slow.test", {{loopback}, 60, 2000ms, false});
  const run_result alone = run(dns, port, path, requests, false);
  const run_result beside = run(dns, port, path, requests, true);
  fmt::print("alone_ms={} beside_ms={} slow_answer_ms={} errors={}\n", ms(alone.fast), ms(beside.fast),
             ms(beside.slow_answer), alone.errors + beside.errors);
  return alone.errors + beside.errors == 0 ? 0 : 1;
}
