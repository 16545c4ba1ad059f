// A load generator on httpc's blocking facade, written as a user writes one
// with Python's http.client API: a thread per connection.
//
//   httpc-bench-facade HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE]
//
// The contract of bench/README.md: CONNECTIONS threads, each with its own
// HTTPConnection (HTTPSConnection with a context trusting CAFILE for
// --tls) looping request("GET", PATH), getresponse(), read(), until
// TOTAL_REQUESTS attempts are done. A response is good when its status is
// 200 and its body as long as the first good one's; after anything else the
// connection is closed (the next request opens it again). Prints
// `requests=N errors=E seconds=S`, exits 0 only when E is 0.

#include <httpc/connection.hpp>  // make_tls_context
#include <httpc/client.hpp>

#include "load_contract.hpp"

#include <asio/ssl/context.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/core.h>

namespace {

using clock_type = std::chrono::steady_clock;

struct tally {
  std::atomic<std::uint64_t> started{0};
  std::atomic<std::uint64_t> finished{0};
  std::atomic<std::uint64_t> good{0};
  std::atomic<std::uint64_t> errors{0};
  std::once_flag length_set;
  std::size_t length = 0;  // the first good response's body length
  clock_type::time_point last_response;
};

void drive(httpc::HTTPConnection& connection, const bench::load_settings& config, tally& counts) {
  while (counts.started++ < config.total) {
    bool good = false;
    try {
      connection.request("GET", config.path);
      auto response = connection.getresponse();
      const std::string body = response.read();
      if (response.status() == 200) {
        std::call_once(counts.length_set, [&] { counts.length = body.size(); });
        good = body.size() == counts.length;
      }
    } catch (const std::exception&) {
      // Counted below: HTTPException or std::system_error.
    }
    if (good) {
      ++counts.good;
    } else {
      ++counts.errors;
      connection.close();
    }
    // The thread that finishes the last attempt alone writes the time.
    if (++counts.finished == config.total) counts.last_response = clock_type::now();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto config = bench::parse_load_arguments("httpc-bench-facade", argc, argv);
  if (!config) return 2;
  httpc::TLSOptions tls;
  if (config->ca_file) {
    tls.context = std::make_shared<asio::ssl::context>(httpc::make_tls_context());
    tls.context->load_verify_file(*config->ca_file);
  }
  tally counts;
  const auto start = clock_type::now();
  counts.last_response = start;
  std::vector<std::thread> threads;
  threads.reserve(config->connections);
  for (std::size_t i = 0; i < config->connections; ++i) {
    threads.emplace_back([&] {
      if (config->ca_file) {
        httpc::HTTPSConnection connection(config->host, config->port, {}, tls);
        drive(connection, *config, counts);
      } else {
        httpc::HTTPConnection connection(config->host, config->port);
        drive(connection, *config, counts);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::chrono::duration<double> seconds = counts.last_response - start;
  fmt::print("requests={} errors={} seconds={:.3f}\n", counts.good.load(), counts.errors.load(), seconds.count());
  return counts.errors == 0 ? 0 : 1;
}
