// A load generator on httpc's coroutine core, for bench/run and any other
// driver:
//
//   httpc-bench-client HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE]
//
// Keeps CONNECTIONS keep-alive connections busy, one GET in flight on each,
// until TOTAL_REQUESTS attempts are done; every body is read whole into
// memory. A response is good when its status is 200 and its body as long as
// the first good one's; anything else (status, length, I/O error, failed
// connect) is an error, after which that connection reconnects. So
// requests + errors == TOTAL_REQUESTS. With --tls, HTTPS verifying the
// server against CAFILE (and against HOST, so a name or address the
// certificate lists).
//
// Prints one line, `requests=N errors=E seconds=S` (S: from before the
// first connect to the last response), and exits 0 only when E is 0.
// Single-threaded: one io_context, one coroutine per connection.

#include <httpc/async.hpp>

#include "load_contract.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/core.h>

namespace {

using clock_type = std::chrono::steady_clock;

// What every connection's coroutine shares (one thread: no locks).
struct tally {
  std::uint64_t started = 0;  // attempts begun
  std::uint64_t finished = 0;
  std::uint64_t good = 0;
  std::uint64_t errors = 0;
  std::optional<std::size_t> length;  // the first good response's body length
  clock_type::time_point last_response;
};

// The connection options of a load generator, whose memory a thousand
// connections would otherwise dominate: a 512-byte receive buffer (a
// typical response head fits; the buffer grows for one that does not;
// bodies go past it, straight into the caller's buffer), and room for 32
// fields rather than 100 (the parser keeps 16 bytes per field it allows).
httpc::connection_options bench_options() {
  httpc::connection_options options;
  options.receive_buffer_size = 512;
  options.parser.max_fields = 32;
  return options;
}

// Reads the whole body into `body` (its size is the room, kept across
// requests; it grows as needed) and returns the body's length.
template <class Response>
asio::awaitable<std::size_t> read_body(Response& response, std::string& body) {
  // One byte more than a known length: the read after the last byte sees
  // the end with room to spare, without growing the buffer.
  if (const auto length = response.content_length(); length && body.size() <= *length)
    body.resize(static_cast<std::size_t>(*length) + 1);
  std::size_t got = 0;
  for (;;) {
    if (got == body.size()) body.resize(body.empty() ? 4096 : body.size() * 2);
    const std::size_t n = co_await response.async_read_some(asio::buffer(body.data() + got, body.size() - got));
    got += n;
    // A sized body is done with its last byte: no call to learn the end.
    if (n == 0 || response.done()) co_return got;
  }
}

template <class Connection>
asio::awaitable<void> drive(Connection& connection, const bench::load_settings& config, tally& counts) {
  std::string body;
  while (counts.started < config.total) {
    ++counts.started;
    bool good = false;
    try {
      if (!connection.is_open()) co_await connection.async_connect(config.host, config.port);
      co_await connection.async_request("GET", config.path);
      auto response = co_await connection.async_getresponse();
      const std::size_t length = co_await read_body(response, body);
      if (response.status() == 200) {
        if (!counts.length) counts.length = length;
        good = length == *counts.length;
      }
    } catch (const std::system_error&) {
      // Counted below; the connection is closed and reconnects.
    }
    if (good) {
      ++counts.good;
    } else {
      ++counts.errors;
      connection.close();
    }
    if (++counts.finished == config.total) counts.last_response = clock_type::now();
  }
}

template <class Connection, class... Context>
void run_all(asio::io_context& io, const bench::load_settings& config, tally& counts, Context&... context) {
  // The coroutines refer to their connections, which never move.
  auto connections = std::make_unique<std::optional<Connection>[]>(config.connections);
  for (std::size_t i = 0; i < config.connections; ++i) {
    connections[i].emplace(io.get_executor(), context..., bench_options());
    asio::co_spawn(io, drive(*connections[i], config, counts), [](std::exception_ptr failure) {
      if (failure) std::rethrow_exception(failure);
    });
  }
  io.run();
}

}  // namespace

int main(int argc, char** argv) {
  const auto config = bench::parse_load_arguments("httpc-bench-client", argc, argv);
  if (!config) return 2;
  // One thread: no locking around the sockets' reactor state (the resolver's
  // own thread only posts completions, which stay locked).
  asio::io_context io(ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  tally counts;
  const auto start = clock_type::now();
  counts.last_response = start;
  if (config->ca_file) {
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.load_verify_file(*config->ca_file);
    context.set_verify_mode(asio::ssl::verify_peer);
    run_all<httpc::tls_connection>(io, *config, counts, context);
  } else {
    run_all<httpc::connection>(io, *config, counts);
  }
  const std::chrono::duration<double> seconds = counts.last_response - start;
  fmt::print("requests={} errors={} seconds={:.3f}\n", counts.good, counts.errors, seconds.count());
  return counts.errors == 0 ? 0 : 1;
}
