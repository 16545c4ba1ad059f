// The load generator's contract (bench/README.md) on libcurl's multi
// interface, as its documentation shows it: one easy handle per connection,
// each body appended to a string by a write callback, curl_multi_perform and
// curl_multi_poll in a loop, a finished handle removed and added again for
// the next request (its connection waits in the multi handle's cache).
//
//   httpc-bench-curl HOST PORT PATH CONNECTIONS TOTAL_REQUESTS [--tls CAFILE]
//
// Prints `requests=N errors=E seconds=S`; exits 0 only when E is 0.

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../load_contract.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct transfer {
  CURL* easy = nullptr;
  std::string body;
};

std::size_t append(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<transfer*>(user)->body.append(data, size * count);
  return size * count;
}

}  // namespace

int main(int argc, char** argv) {
  const auto config = bench::parse_load_arguments("httpc-bench-curl", argc, argv);
  if (!config) return 2;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(config->connections));
  const std::string url = std::string(config->ca_file ? "https://" : "http://") + config->host + ":" +
                          std::to_string(config->port) + config->path;

  std::uint64_t started = 0;
  std::uint64_t good = 0;
  std::uint64_t errors = 0;
  std::optional<std::size_t> length;
  const auto start = clock_type::now();
  auto last_response = start;

  std::vector<transfer> transfers(config->connections);
  for (auto& t : transfers) {
    t.easy = curl_easy_init();
    curl_easy_setopt(t.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(t.easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
    if (config->ca_file) curl_easy_setopt(t.easy, CURLOPT_CAINFO, config->ca_file->c_str());
    if (started < config->total) {
      ++started;
      curl_multi_add_handle(multi, t.easy);
    }
  }

  int running = 0;
  do {
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      transfer* t = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
      long status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      bool ok = false;
      if (message->data.result == CURLE_OK && status == 200) {
        if (!length) length = t->body.size();
        ok = t->body.size() == *length;
      }
      curl_multi_remove_handle(multi, t->easy);
      if (ok)
        ++good;
      else
        ++errors;
      if (good + errors == config->total) last_response = clock_type::now();
      if (started < config->total) {
        ++started;
        t->body.clear();
        // After an error, this handle's next request gets a new connection.
        curl_easy_setopt(t->easy, CURLOPT_FRESH_CONNECT, ok ? 0L : 1L);
        curl_multi_add_handle(multi, t->easy);
        ++running;
      }
    }
    if (running != 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  } while (running != 0);

  for (auto& t : transfers) curl_easy_cleanup(t.easy);
  curl_multi_cleanup(multi);
  curl_global_cleanup();

  const std::chrono::duration<double> seconds = last_response - start;
  std::printf("requests=%llu errors=%llu seconds=%.3f\n", static_cast<unsigned long long>(good),
              static_cast<unsigned long long>(errors), seconds.count());
  return errors == 0 ? 0 : 1;
}
