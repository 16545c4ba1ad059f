// Fetches URLs through one httpc::pool, each several times at once, and
// prints what came back, where the time went, and the pool's counts: the
// connections are opened once per origin (up to the pool's limit) and then
// kept alive.
//
// Usage: httpc-pool-fetch [--ca FILE] [--rounds N] URL...
#include <httpc/async.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>

#include <fmt/core.h>

#include <charconv>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

double milliseconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// Fetches one URL; the last fetch to finish prints the pool's counts. Then
// io.run() returns: the pool's idle connections keep nothing pending.
asio::awaitable<void> fetch(httpc::pool& pool, std::string url, int round, int& left) {
  try {
    httpc::request_options options;
    options.total_timeout = std::chrono::seconds(10);
    const httpc::buffered_response r = co_await pool.async_request("GET", url, {}, {}, options);
    fmt::print("round {} {:<40} {} {:>9} bytes\n", round, url, r.status, r.body.size());
  } catch (const std::system_error& e) {
    fmt::print("round {} {:<40} error: {}\n", round, url, e.code().message());
  }
  if (--left == 0) {
    const httpc::pool_stats stats = pool.stats();
    fmt::print("pool: {} requests, {} connections open ({} idle), {} retries\n", stats.requests,
               stats.open, stats.idle, stats.retries);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  std::optional<asio::ssl::context> context;
  int rounds = 3;
  std::vector<std::string> urls;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--ca" && i + 1 < argc) {
      context.emplace(httpc::make_tls_context());
      context->load_verify_file(argv[++i]);
    } else if (arg == "--rounds" && i + 1 < argc) {
      const std::string_view text = argv[++i];
      std::from_chars(text.data(), text.data() + text.size(), rounds);
    } else {
      urls.emplace_back(arg);
    }
  }
  if (urls.empty()) {
    fmt::print(stderr, "usage: {} [--ca FILE] [--rounds N] URL...\n", argv[0]);
    return 2;
  }

  asio::io_context io;
  httpc::pool_options options;
  options.max_per_origin = 2;
  if (context) options.tls_context = &*context;
  options.on_timings = [](const httpc::request_timings& t) {
    fmt::print("  timings: dns {:.2f} ms, connect {:.2f} ms, tls {:.2f} ms, first byte {:.2f} ms, "
               "total {:.2f} ms{}\n",
               milliseconds(t.resolve), milliseconds(t.connect), milliseconds(t.handshake),
               milliseconds(t.first_byte), milliseconds(t.total), t.reused ? " (kept alive)" : "");
  };
  httpc::pool pool(io.get_executor(), options);
  // Every round at once: the pool queues what its limits do not let through.
  int left = rounds * static_cast<int>(urls.size());
  for (int round = 1; round <= rounds; ++round) {
    for (const auto& url : urls) asio::co_spawn(io, fetch(pool, url, round, left), asio::detached);
  }
  io.run();
} catch (const std::exception& e) {
  fmt::print(stderr, "error: {}\n", e.what());
  return 1;
}
