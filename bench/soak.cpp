// The soak: many requests through httpc::pool against nginx behind a
// fault-injecting proxy (fault_proxy.hpp), checking that none is lost or
// hangs, that every failure is a documented error, that memory stays level
// and that no descriptor leaks.
//
//   httpc-soak [--requests N] [--connections N] [--fault-rate P] [--seed S]
//              [--read-timeout-ms MS] [--total-timeout-ms MS] [--threads N]
//              [--rss-tolerance PERCENT]
//
// nginx is the test fixture's (test/support/nginx.hpp: HTTPC_NGINX_DIR, as
// CTest sets it). The proxy runs in a child process, so that its sockets
// and buffers are not counted as the client's. CONNECTIONS coroutines each
// issue GETs one after another (60 % /small, 20 % /64k, 10 % /chunked, 10 %
// /close, which makes nginx close: new connections, new fault draws) on a
// pool of CONNECTIONS connections, with read, write and connect timeouts
// of READ-TIMEOUT (a stall lasts twice that) and a total timeout.
//
// The checks, each named in `result=FAIL:...` when it fails:
//   hung                    a request in flight past its total timeout + 5 s
//                           (the run stops there)
//   drain_hung              the io_context still busy 10 s after the pool went
//   lost                    a request that never completed
//   bad_success             a success whose status is not 200 or whose body
//                           is not the file's, byte for byte
//   undocumented_error      an error outside httpc::error and the transport
//                           failures docs/reference.md names (error_name below)
//   failures_without_fault  more failures than faults fired (each fault
//                           breaks one connection, so at most one request)
//   rss                     the median RSS of the last quarter of the requests
//                           off the second quarter's by more than
//                           RSS-TOLERANCE percent (sampled under load)
//   fds                     descriptors open after the pool and io_context
//                           are gone differ from before
//   pool_stats              the pool counted other requests, or some queued
//   exception, proxy_report the machinery itself failed
// Prints one line and exits 0 when every check passed, 1 otherwise, 2 on
// bad usage.

#include <httpc/pool.hpp>

#include "fault_proxy.hpp"
#include "load_contract.hpp"  // parse_number
#include "nginx.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct settings {
  std::uint64_t requests = 100000;
  std::size_t connections = 1000;
  double fault_rate = 0.01;
  std::uint64_t seed = 1;
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds total_timeout{30000};
  unsigned threads = 1;
  double rss_tolerance = 10;
};

std::optional<settings> parse_settings(int argc, char** argv) {
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view name = argv[i], value = argv[i + 1];
    const auto milliseconds = [value](std::chrono::milliseconds& out) {
      long long ms = 0;
      if (!bench::parse_number(value, ms) || ms <= 0) return false;
      out = std::chrono::milliseconds(ms);
      return true;
    };
    bool good = false;
    if (name == "--requests") good = bench::parse_number(value, s.requests) && s.requests > 0;
    else if (name == "--connections") good = bench::parse_number(value, s.connections) && s.connections > 0;
    else if (name == "--seed") good = bench::parse_number(value, s.seed);
    else if (name == "--threads") good = bench::parse_number(value, s.threads) && s.threads > 0;
    else if (name == "--fault-rate") good = bench::parse_number(value, s.fault_rate) && s.fault_rate >= 0 && s.fault_rate <= 1;
    else if (name == "--rss-tolerance") good = bench::parse_number(value, s.rss_tolerance) && s.rss_tolerance >= 0;
    else if (name == "--read-timeout-ms") good = milliseconds(s.read_timeout);
    else if (name == "--total-timeout-ms") good = milliseconds(s.total_timeout);
    if (!good) {
      fmt::print(stderr, "httpc-soak: bad option {} {}\n", name, value);
      return std::nullopt;
    }
  }
  if (argc % 2 == 0) {
    fmt::print(stderr,
               "usage: httpc-soak [--requests N] [--connections N] [--fault-rate P] [--seed S]\n"
               "                  [--read-timeout-ms MS] [--total-timeout-ms MS] [--threads N]\n"
               "                  [--rss-tolerance PERCENT]\n");
    return std::nullopt;
  }
  return s;
}

long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n - 1;  // the iterator's own
}

// --- The proxy's process ------------------------------------------------------

struct proxy_process {
  pid_t pid = -1;
  int output = -1;  // the child's reports: its port, at the end its counts
  std::uint16_t port = 0;
};

void write_all(int fd, const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// Runs the proxy until SIGTERM, then reports its counts. Never returns.
[[noreturn]] void run_proxy(const bench::fault_proxy_options& options, int out) {
  try {
    asio::io_context io(1);
    bench::fault_proxy proxy(io.get_executor(), options);
    asio::signal_set terminate(io, SIGTERM);
    terminate.async_wait([&io](std::error_code, int) { io.stop(); });
    write_all(out, fmt::format("{}\n", proxy.port()));
    io.run();
    const auto& c = proxy.counts();
    std::string line = fmt::format("{} {}", c.accepted, c.upstream_failed);
    for (std::size_t k = 1; k < bench::fault_kinds; ++k) line += fmt::format(" {} {}", c.planned[k], c.fired[k]);
    write_all(out, line + "\n");
    ::_exit(0);  // no destructors: sessions may still refer to the proxy
  } catch (const std::exception& e) {
    fmt::print(stderr, "httpc-soak: proxy: {}\n", e.what());
    ::_exit(1);
  }
}

// Reads from the child until `lines` newlines arrived, EOF, or 10 s passed.
std::string read_lines(int fd, std::size_t lines) {
  std::string text;
  const auto deadline = clock_type::now() + 10s;
  while (static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) < lines) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    pollfd p{fd, POLLIN, 0};
    if (left <= 0ms || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[256];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

// Waits up to 5 s for the child to exit, then kills it.
void reap(pid_t pid) {
  int status = 0;
  for (int i = 0; i < 250; ++i) {
    if (::waitpid(pid, &status, WNOHANG) != 0) return;
    std::this_thread::sleep_for(20ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
}

std::optional<proxy_process> start_proxy(const bench::fault_proxy_options& options) {
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  proxy_process proxy;
  proxy.pid = ::fork();
  if (proxy.pid == 0) {
    ::close(fds[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the soak
    run_proxy(options, fds[1]);
  }
  ::close(fds[1]);
  proxy.output = fds[0];
  if (proxy.pid < 0) {
    ::close(proxy.output);
    return std::nullopt;
  }
  std::string line = read_lines(proxy.output, 1);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  if (!bench::parse_number(line, proxy.port)) {
    ::kill(proxy.pid, SIGKILL);
    reap(proxy.pid);
    ::close(proxy.output);
    return std::nullopt;
  }
  return proxy;
}

// Stops the child and returns its counts (empty: it did not report).
std::optional<bench::fault_proxy_counts> stop_proxy(proxy_process& proxy) {
  ::kill(proxy.pid, SIGTERM);
  std::istringstream line(read_lines(proxy.output, 1));
  ::close(proxy.output);
  reap(proxy.pid);
  bench::fault_proxy_counts c;
  line >> c.accepted >> c.upstream_failed;
  for (std::size_t k = 1; k < bench::fault_kinds; ++k) line >> c.planned[k] >> c.fired[k];
  if (!line) return std::nullopt;
  return c;
}

// --- The requests --------------------------------------------------------------

struct target {
  std::string_view path;
  unsigned share;  // percent of the requests
  httpc::url url;
  std::string body;  // what a success must carry, byte for byte
};

// A short name for the summary. Documented: any httpc::error, and the
// transport failures docs/reference.md names (reset, refusal, timeout) with their
// kin. Anything else (asio's eof, operation_aborted: nothing here cancels)
// is a finding.
std::string error_name(const std::error_code& ec, bool& documented) {
  documented = true;
  if (ec.category() == httpc::error_category()) {
    switch (static_cast<httpc::error>(ec.value())) {
      case httpc::error::remote_disconnected: return "remote_disconnected";
      case httpc::error::bad_status_line: return "bad_status_line";
      case httpc::error::incomplete_head: return "incomplete_head";
      case httpc::error::incomplete_body: return "incomplete_body";
      case httpc::error::bad_header: return "bad_header";
      case httpc::error::bad_chunk: return "bad_chunk";
      default: return fmt::format("httpc_{}", ec.value());
    }
  }
  if (ec == std::errc::timed_out) return "timed_out";
  if (ec == std::errc::connection_reset) return "connection_reset";
  if (ec == std::errc::broken_pipe) return "broken_pipe";
  if (ec == std::errc::connection_aborted) return "connection_aborted";
  if (ec == std::errc::connection_refused) return "connection_refused";
  documented = false;
  return fmt::format("{}_{}", ec.category().name(), ec.value());
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::size_t rss_samples = 20;  // one per twentieth of the requests

// Under a sanitizer RSS is the sanitizer's (ASan's quarantine keeps freed
// memory, TSan's shadow grows): the RSS check is off.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HTTPC_SOAK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HTTPC_SOAK_SANITIZED 1
#endif
#endif
#ifdef HTTPC_SOAK_SANITIZED
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif

// What the coroutines share; counters are atomic for --threads > 1.
struct soak {
  soak(const settings& s, std::vector<target> targets, asio::io_context& io)
      : config(s), targets(std::move(targets)), in_flight(s.connections) {
    httpc::pool_options limits;
    limits.max_per_origin = limits.max_total = s.connections;
    pool.emplace(io.get_executor(), limits);
    options.connect_timeout = s.read_timeout;
    options.read_timeout = s.read_timeout;
    options.write_timeout = s.read_timeout;
    options.total_timeout = s.total_timeout;
    workers_left = s.connections;
    rss.assign(rss_samples + 1, 0);
    rss[0] = rss_kib();
  }

  const target& pick(std::uint64_t i) const {
    auto roll = static_cast<unsigned>(mix(config.seed * 0x9e3779b97f4a7c15ULL + i) % 100);
    for (const auto& t : targets) {
      if (roll < t.share) return t;
      roll -= t.share;
    }
    return targets.back();
  }

  void record(const target& t, const std::error_code& ec, const httpc::buffered_response& r) {
    if (!ec && r.status == 200 && r.body == t.body) {
      ++ok;
    } else {
      std::lock_guard hold(lock);
      if (ec) {
        ++failed;
        ++failures_by_second[std::chrono::duration_cast<std::chrono::seconds>(clock_type::now() - start).count()];
        bool documented = false;
        ++errors[error_name(ec, documented)];
        if (!documented) {
          ++undocumented;
          fmt::print(stderr, "httpc-soak: undocumented error on {}: {} ({})\n", t.path, ec.message(), ec.category().name());
        }
      } else {
        ++bad;
        fmt::print(stderr, "httpc-soak: bad success on {}: status {}, {} body bytes of {}\n", t.path, r.status,
                   r.body.size(), t.body.size());
      }
    }
    ++completed;
  }

  // Sampled as request i starts, under full load: the drain at the end
  // frees memory and would hide growth.
  void sample_rss(std::uint64_t i) {
    const std::uint64_t k = (i + 1) * rss_samples / config.requests;
    if (k != i * rss_samples / config.requests) {
      std::lock_guard hold(lock);
      rss[k] = rss_kib();
    }
  }

  asio::awaitable<void> worker(std::size_t slot) {
    for (;;) {
      const std::uint64_t i = next++;
      if (i >= config.requests) co_return;
      sample_rss(i);
      const target& t = pick(i);
      in_flight[slot] = clock_type::now().time_since_epoch().count();
      auto [ec, response] = co_await pool->async_request("GET", t.url, {}, {}, options,
                                                         asio::experimental::as_tuple(asio::use_awaitable));
      in_flight[slot] = 0;
      record(t, ec, response);
    }
  }

  // A request in flight longer than its total timeout and a grace is hung:
  // the run stops there.
  asio::awaitable<void> watchdog(asio::io_context& io) {
    asio::steady_timer tick(io);
    const auto limit = config.total_timeout + 5s;
    while (workers_left > 0) {
      tick.expires_after(200ms);
      co_await tick.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      const auto now = clock_type::now();
      std::uint64_t stuck = 0;
      for (const auto& since : in_flight) {
        const auto start = since.load();
        if (start != 0 && now - clock_type::time_point(clock_type::duration(start)) > limit) ++stuck;
      }
      if (stuck > 0) {
        hung = stuck;
        io.stop();
        co_return;
      }
    }
  }

  void worker_done(std::exception_ptr failure) {
    if (failure) ++worker_exceptions;
    if (--workers_left == 0) {
      final_stats = pool->stats();
      pool.reset();  // closes the idle connections; the io_context drains
      drain_start = clock_type::now().time_since_epoch().count();
    }
  }

  const settings& config;
  const std::vector<target> targets;
  std::optional<httpc::pool> pool;
  httpc::request_options options;
  std::vector<std::atomic<clock_type::rep>> in_flight;  // per worker: its request's start, 0: none
  std::atomic<std::uint64_t> next{0}, completed{0}, ok{0}, failed{0}, bad{0}, undocumented{0};
  std::atomic<std::uint64_t> hung{0}, worker_exceptions{0};
  std::atomic<std::size_t> workers_left{0};
  std::atomic<clock_type::rep> drain_start{0};
  httpc::pool_stats final_stats;
  std::mutex lock;  // the maps and rss
  std::map<std::string, std::uint64_t> errors;
  const clock_type::time_point start = clock_type::now();
  std::map<long, std::uint64_t> failures_by_second;  // since the start: bursts show
  std::vector<long> rss;  // KiB: at the start, then at each twentieth
};

void raise_fd_limit(std::size_t connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = 2 * connections + 256;  // the proxy holds two per connection
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto config = parse_settings(argc, argv);
  if (!config) return 2;
  raise_fd_limit(config->connections);

  std::vector<target> targets;
  bench::fault_proxy_options proxy_options;
  try {
    const std::string small(httpc::test::nginx_small_body);
    targets = {{"/small", 60, {}, small},
               {"/64k", 20, {}, httpc::test::nginx_file("64k")},
               {"/chunked", 10, {}, httpc::test::nginx_chunked_body()},
               {"/close", 10, {}, small}};
    proxy_options.upstream = {asio::ip::make_address_v4("127.0.0.1"), httpc::test::nginx_http_port()};
  } catch (const std::exception& e) {
    fmt::print(stderr, "httpc-soak: {}\n", e.what());
    return 2;
  }
  proxy_options.fault_rate = config->fault_rate;
  proxy_options.seed = config->seed;
  // Well past the read timeout, so that a slowed client (a sanitizer, a
  // loaded machine) still times out before the proxy closes.
  proxy_options.stall = 2 * config->read_timeout;

  auto proxy = start_proxy(proxy_options);
  if (!proxy) {
    fmt::print(stderr, "httpc-soak: the proxy did not start\n");
    return 1;
  }
  for (auto& t : targets)
    t.url = httpc::parse_url(fmt::format("http://127.0.0.1:{}{}", proxy->port, t.path));

  const std::size_t fds_before = open_fds();
  const auto start = clock_type::now();
  std::optional<asio::io_context> io(std::in_place, static_cast<int>(config->threads));
  auto state = std::make_unique<soak>(*config, std::move(targets), *io);
  for (std::size_t slot = 0; slot < config->connections; ++slot)
    asio::co_spawn(*io, state->worker(slot), [&state](std::exception_ptr e) { state->worker_done(e); });
  asio::co_spawn(*io, state->watchdog(*io), asio::detached);

  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < config->threads; ++t) helpers.emplace_back([&io] { io->run(); });
  bool drain_hung = false;
  while (!io->stopped()) {
    io->run_for(100ms);
    const auto drain = state->drain_start.load();
    if (drain != 0 && clock_type::now() - clock_type::time_point(clock_type::duration(drain)) > 10s) {
      drain_hung = true;
      io->stop();
    }
  }
  for (auto& helper : helpers) helper.join();
  const std::chrono::duration<double> seconds = clock_type::now() - start;

  auto& s = *state;
  const std::uint64_t issued = std::min(s.next.load(), config->requests);
  const bool stopped_early = s.hung > 0 || drain_hung;
  const std::uint64_t lost = stopped_early ? 0 : issued - s.completed;
  std::size_t fds_after = 0;
  if (!stopped_early) {  // else coroutines are stuck mid-way: leave them be
    state->pool.reset();
    io.reset();
    fds_after = open_fds();
  }
  const auto counts = stop_proxy(*proxy);

  // Steady: the median RSS of the last quarter within the tolerance of the
  // second quarter's. Medians, as one sample may catch a burst of large
  // bodies in flight; rss_max_dev is the farthest single sample from the
  // second quarter's median.
  const auto median = [&s](std::size_t from, std::size_t to) {
    std::vector<long> v(s.rss.begin() + static_cast<std::ptrdiff_t>(from),
                        s.rss.begin() + static_cast<std::ptrdiff_t>(to) + 1);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const long rss_first = median(rss_samples / 4, rss_samples / 2);
  const long rss_last = median(rss_samples * 3 / 4, rss_samples);
  const double rss_drift = rss_first > 0 ? 100.0 * (rss_last - rss_first) / rss_first : 0.0;
  double rss_max_dev = 0;
  for (std::size_t k = rss_samples / 4; k <= rss_samples && rss_first > 0; ++k)
    rss_max_dev = std::max(rss_max_dev, std::abs(100.0 * (s.rss[k] - rss_first) / rss_first));
  if (!sanitized && std::abs(rss_drift) > config->rss_tolerance / 2) {  // near or over the band: the series, for a look
    std::string series;
    for (const long kib : s.rss) series += fmt::format(" {}", kib);
    fmt::print(stderr, "httpc-soak: RSS in KiB at the start and at each twentieth:{}\n", series);
  }

  std::string failures;
  const auto check = [&failures](bool good, const char* name) {
    if (!good) failures += failures.empty() ? name : fmt::format(",{}", name);
  };
  const std::uint64_t fired = counts ? counts->fired_total() + counts->upstream_failed : 0;
  check(s.hung == 0, "hung");
  check(!drain_hung, "drain_hung");
  check(stopped_early || (lost == 0 && s.completed == config->requests), "lost");
  check(s.bad == 0, "bad_success");
  check(s.undocumented == 0, "undocumented_error");
  check(s.worker_exceptions == 0, "exception");
  check(counts.has_value(), "proxy_report");
  check(s.failed <= fired, "failures_without_fault");
  if (s.failed > fired) {
    std::string seconds_list;
    for (const auto& [second, n] : s.failures_by_second) seconds_list += fmt::format(" {}s:{}", second, n);
    fmt::print(stderr, "httpc-soak: failures by second of the run:{}\n", seconds_list);
  }
  check(stopped_early || sanitized || std::abs(rss_drift) <= config->rss_tolerance, "rss");
  check(stopped_early || fds_after == fds_before, "fds");
  check(stopped_early || (s.final_stats.requests == issued && s.final_stats.queued == 0), "pool_stats");

  std::string errors, faults;
  for (const auto& [name, n] : s.errors) errors += fmt::format("{}{}:{}", errors.empty() ? "" : ",", name, n);
  for (std::size_t k = 1; counts && k < bench::fault_kinds; ++k)
    faults += fmt::format("{}{}:{}/{}", faults.empty() ? "" : ",", bench::fault_names[k], counts->fired[k],
                          counts->planned[k]);
  fmt::print(
      "soak requests={} ok={} failed={} hung={} lost={} bad={} errors={} faults={} proxy_connections={} "
      "retries={} rss_first_kib={} rss_last_kib={} rss_drift={:+.1f}%{} rss_max_dev={:.1f}% fds_before={} "
      "fds_after={} seconds={:.1f} result={}\n",
      config->requests, s.ok.load(), s.failed.load(), s.hung.load(), lost, s.bad.load(),
      errors.empty() ? "none" : errors, faults.empty() ? "none" : faults, counts ? counts->accepted : 0,
      s.final_stats.retries, rss_first, rss_last, rss_drift, sanitized ? "(unchecked:sanitizer)" : "",
      rss_max_dev, fds_before, fds_after,
      seconds.count(), failures.empty() ? "pass" : "FAIL:" + failures);
  std::fflush(stdout);
  if (stopped_early) std::_Exit(1);
  return failures.empty() ? 0 : 1;
}
