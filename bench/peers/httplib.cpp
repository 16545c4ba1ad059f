// The load generator's contract (bench/README.md) on cpp-httplib, as its
// README shows a client: a thread per connection, each with an
// httplib::Client kept alive (set_keep_alive), looping Get(PATH). With
// --tls the client is an HTTPS one verifying the server against CAFILE.
//
//   httpc-bench-httplib HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE]
//
// Prints `requests=N errors=E seconds=S`; exits 0 only when E is 0.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../load_contract.hpp"

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

void drive(const bench::load_settings& config, const std::string& origin, tally& counts) {
  httplib::Client client(origin);
  client.set_keep_alive(true);
  if (config.ca_file) {
    client.set_ca_cert_path(*config.ca_file);
    client.enable_server_certificate_verification(true);
  }
  while (counts.started++ < config.total) {
    const auto result = client.Get(config.path);
    bool good = false;
    if (result && result->status == 200) {
      std::call_once(counts.length_set, [&] { counts.length = result->body.size(); });
      good = result->body.size() == counts.length;
    }
    ++(good ? counts.good : counts.errors);
    // The thread that finishes the last attempt alone writes the time.
    if (++counts.finished == config.total) counts.last_response = clock_type::now();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto config = bench::parse_load_arguments("httpc-bench-httplib", argc, argv);
  if (!config) return 2;
  const std::string origin =
      std::string(config->ca_file ? "https://" : "http://") + config->host + ":" + std::to_string(config->port);
  tally counts;
  const auto start = clock_type::now();
  counts.last_response = start;
  std::vector<std::thread> threads;
  threads.reserve(config->connections);
  for (std::size_t i = 0; i < config->connections; ++i)
    threads.emplace_back([&] { drive(*config, origin, counts); });
  for (auto& thread : threads) thread.join();
  const std::chrono::duration<double> seconds = counts.last_response - start;
  std::printf("requests=%llu errors=%llu seconds=%.3f\n", static_cast<unsigned long long>(counts.good.load()),
              static_cast<unsigned long long>(counts.errors.load()), seconds.count());
  return counts.errors == 0 ? 0 : 1;
}
