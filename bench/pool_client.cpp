// A load generator on httpc's pool, written as a user writes one: the
// pool's default settings but its limits, `co_await pool.async_request`.
//
//   httpc-bench-pool HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE]
//
// The contract of bench/README.md: CONNECTIONS coroutines, each looping
// GET requests through one pool (max_per_origin = max_total = CONNECTIONS),
// until TOTAL_REQUESTS attempts are done. A response is good when its status
// is 200 and its body as long as the first good one's. With --tls the pool's
// TLS context is make_tls_context() trusting CAFILE as well. Prints
// `requests=N errors=E seconds=S`, exits 0 only when E is 0. One io_context
// on one thread, made as most programs make it (`asio::io_context io;`),
// which may be run by several threads: the pool keeps its strands. Built
// again as httpc-bench-pool-serial with HTTPC_BENCH_SERIAL_IO: the
// io_context told that one thread runs it (concurrency hint 1, as Asio asks
// of such a program), where the pool needs no strands.

#include <httpc/async.hpp>

#include "load_contract.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <system_error>

#include <fmt/core.h>

namespace {

using clock_type = std::chrono::steady_clock;

struct tally {
  std::uint64_t started = 0;
  std::uint64_t finished = 0;
  std::uint64_t good = 0;
  std::uint64_t errors = 0;
  std::optional<std::size_t> length;  // the first good response's body length
  clock_type::time_point last_response;
};

asio::awaitable<void> drive(httpc::pool& pool, const std::string& url, std::uint64_t total, tally& counts) {
  while (counts.started < total) {
    ++counts.started;
    bool good = false;
    try {
      const auto response = co_await pool.async_request("GET", url);
      if (response.status == 200) {
        if (!counts.length) counts.length = response.body.size();
        good = response.body.size() == *counts.length;
      }
    } catch (const std::system_error&) {
      // Counted below; the pool replaces a broken connection itself.
    }
    ++(good ? counts.good : counts.errors);
    if (++counts.finished == total) counts.last_response = clock_type::now();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto config = bench::parse_load_arguments("httpc-bench-pool", argc, argv);
  if (!config) return 2;
#ifdef HTTPC_BENCH_SERIAL_IO
  asio::io_context io(1);
#else
  asio::io_context io;
#endif
  std::optional<asio::ssl::context> context;
  httpc::pool_options options;
  options.max_per_origin = options.max_total = config->connections;
  if (config->ca_file) {
    context.emplace(httpc::make_tls_context());
    context->load_verify_file(*config->ca_file);
    options.tls_context = &*context;
  }
  const bool ipv6 = config->host.find(':') != std::string::npos;
  const std::string url = fmt::format("{}://{}{}{}:{}{}", config->ca_file ? "https" : "http", ipv6 ? "[" : "",
                                      config->host, ipv6 ? "]" : "", config->port, config->path);

  // io.run() returns once the coroutines are done: idle connections keep
  // nothing pending.
  httpc::pool pool(io.get_executor(), options);
  tally counts;
  const auto start = clock_type::now();
  counts.last_response = start;
  for (std::size_t i = 0; i < config->connections; ++i) {
    asio::co_spawn(io, drive(pool, url, config->total, counts), [](std::exception_ptr failure) {
      if (failure) std::rethrow_exception(failure);
    });
  }
  io.run();
  const std::chrono::duration<double> seconds = counts.last_response - start;
  fmt::print("requests={} errors={} seconds={:.3f}\n", counts.good, counts.errors, seconds.count());
  return counts.errors == 0 ? 0 : 1;
}
