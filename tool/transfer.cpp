// One transfer: the request through the pool's async_stream, the head
// checked (-f, redirect limit) and shown (-i, -I, -v), the body written a
// piece at a time, then -w. Failures become curl's exit codes and an
// "httpc: (N) ..." line.

#include "transfer.hpp"

#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>

#include <array>
#include <cstdio>
#include <memory>
#include <optional>

#include <httpc/content_decoding.hpp>
#include <httpc/pool.hpp>

#include "exit_code.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "proxy.hpp"
#include "request.hpp"
#include "tls_context.hpp"
#include "verbose.hpp"
#include "write_out.hpp"

namespace httpc::tool {
namespace {

using clock = std::chrono::steady_clock;
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// The statuses the pool follows with -L.
bool is_redirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

// What every transfer shares.
struct run_state {
  const options& opts;
  pool& connections;
  progress_board& progress;
  std::vector<int> codes;
  std::size_t next = 0;
};

std::string host_of(const std::string& url) {
  std::error_code ec;
  const httpc::url u = parse_url(url, ec, url_options{.allow_userinfo = true});
  return ec ? url : u.host;
}

// The message of a failed transfer, after "httpc: (N) ".
// `socks_host`: the SOCKS proxy's name, the one looked up here when the
// proxy was not reached.
std::string describe(exit_code code, const std::error_code& ec, const prepared_request& request,
                     const request_timings& t, std::uint64_t received, std::chrono::nanoseconds took,
                     std::string_view socks_host = {}) {
  const std::string ip = t.remote.port() ? t.remote.address().to_string() : host_of(request.url);
  switch (code) {
    case malformed_url: return "malformed URL: " + request.url;
    case resolve_failed:
      return "could not resolve host: " + (socks_host.empty() ? host_of(request.url) : std::string(socks_host));
    case proxy_resolve_failed: return "could not resolve proxy: " + ec.message();
    case connect_failed:
      return "failed to connect to " + ip + " port " + std::to_string(t.remote.port()) + ": " + ec.message();
    case timed_out:
      return "operation timed out after " +
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
             " milliseconds with " + std::to_string(received) + " bytes received";
    case empty_reply: return "empty reply from server";
    case partial_file: return "transfer closed with the body incomplete: " + ec.message();
    case tls_connect_failed: return "TLS connect error: " + ec.message();
    case peer_failed_verification: return "the server's certificate was not verified: " + ec.message();
    case send_error: return "failure sending data to the peer: " + ec.message();
    case receive_error: return "failure receiving data from the peer: " + ec.message();
    case bad_content_encoding: return "unrecognized transfer or content encoding: " + ec.message();
    case proxy_failed: return "cannot complete the SOCKS5 connection to " + host_of(request.url) + ": " + ec.message();
    default: return "weird server reply: " + ec.message();
  }
}

// How a transfer ended.
struct outcome {
  exit_code code = ok;
  std::string message;
  std::uint64_t received = 0;  // body bytes
  int version = 0;             // the response's HTTP version; 0 without one

  void fail(exit_code c, std::string why) {
    code = c;
    message = std::move(why);
  }
};

// The response: the redirect limit and -f checked, the head written for -i
// and -I, the body written a piece at a time as it arrives.
asio::awaitable<void> receive(run_state& run, std::size_t index, streaming_response& response, output& out,
                              const prepared_request& request, const request_timings& t,
                              clock::time_point start, outcome& result) {
  const options& o = run.opts;
  const bool redirect = is_redirect(response.status()) && response.header("Location");
  if (o.location && redirect && o.max_redirs >= 0 && t.redirects >= static_cast<unsigned long>(o.max_redirs)) {
    result.fail(too_many_redirects, "maximum (" + std::to_string(o.max_redirs) + ") redirects followed");
    co_return;
  }
  if ((o.include || o.head) && !out.write(response_head_text(response))) {
    result.fail(write_error, out.failure());
    co_return;
  }
  if (o.fail && response.status() >= 400) {  // after the head, as curl's -fi
    result.fail(http_error, "the requested URL returned error: " + std::to_string(response.status()));
    co_return;
  }
  std::optional<std::uint64_t> total;
  if (const auto length = response.header("Content-Length"); length && !o.head)
    total = std::strtoull(std::string(*length).c_str(), nullptr, 10);
  run.progress.start(index, total);
  std::array<char, 64 * 1024> buffer;
  for (;;) {
    auto [ec, n] = co_await response.async_read_some(asio::buffer(buffer), as_tuple);
    if (ec) {
      const exit_code code = exit_code_for(ec);
      result.fail(code, describe(code, ec, request, t, result.received, clock::now() - start));
      break;
    }
    if (n == 0) break;
    result.received += n;
    run.progress.update(index, result.received);
    if (!out.write(std::string_view(buffer.data(), n))) {
      result.fail(write_error, out.failure());
      break;
    }
  }
  // An empty body still makes its -o file, as curl's.
  if (result.code == ok && result.received == 0 && !out.to_stdout() && !out.write({}))
    result.fail(write_error, out.failure());
  run.progress.finish(index);
}

// The -w variables, from the pool's timings and what the tool counted.
transfer_facts facts_of(const request_timings& t, const prepared_request& request, const outcome& result,
                        std::chrono::nanoseconds took) {
  transfer_facts facts;
  facts.http_code = t.status;
  facts.http_version = result.version;
  facts.num_connects = t.connects;
  facts.num_redirects = t.redirects;
  if (t.connects > 0 || t.reused) {  // as curl: no address for a connect that failed
    facts.remote_ip = t.remote.address().to_string();
    facts.remote_port = t.remote.port();
  }
  facts.size_download = result.received;
  facts.size_upload = request.stream ? request.stream->state->sent : (t.status ? request.data.size() : 0);
  facts.time_namelookup = seconds(t.queued + t.resolve);
  facts.time_connect = facts.time_namelookup + seconds(t.connect);
  facts.time_appconnect = t.handshake.count() ? facts.time_connect + seconds(t.handshake) : 0;
  facts.time_starttransfer = seconds(t.first_byte);
  facts.time_total = seconds(took);
  facts.url_effective = request.url;
  facts.exitcode = result.code;
  facts.errormsg = result.message;
  return facts;
}

// Warnings, the error line, and -w, once the transfer is over.
void report(const options& o, const std::string& warnings, const outcome& result, const transfer_facts& facts) {
  if (!warnings.empty() && !o.silent) std::fprintf(stderr, "Warning: %s", warnings.c_str());
  if (result.code != ok && (!o.silent || o.show_error))
    std::fprintf(stderr, "httpc: (%d) %s\n", result.code, result.message.c_str());
  if (!o.write_out) return;
  std::string unknown;
  const std::string text = format_write_out(*o.write_out, facts, unknown);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  if (!unknown.empty()) std::fprintf(stderr, "httpc: %s", unknown.c_str());
}

request_options options_for(const options& o, request_timings& t, std::string proxy) {
  request_options ro;
  ro.timings = &t;
  ro.proxy = std::move(proxy);
  ro.unix_socket = o.unix_socket;
  ro.connect_timeout = o.connect_timeout;
  ro.total_timeout = o.max_time;
  ro.follow_redirects = o.location;
  ro.max_redirects = o.max_redirs < 0 ? std::numeric_limits<std::size_t>::max()
                                      : static_cast<std::size_t>(o.max_redirs);
  ro.allow_insecure_redirects = true;  // curl -L follows https to http
  ro.basic_auth = true;                // user:password@ in the URL, as curl
  if (o.compressed) ro.decode = available_codings();
  if (o.retry > 0) {
    // curl's waits: 1 s, doubled up to 10 minutes; a Retry-After honoured.
    // Like curl's, any method is sent again.
    ro.retry = retry_policy{.attempts = o.retry + 1, .backoff = std::chrono::seconds(1),
                            .max_backoff = std::chrono::minutes(10), .max_retry_after = std::chrono::minutes(10)};
    ro.idempotent = true;
  }
  return ro;
}

// --retry: each attempt that is tried again, on stderr (unless -s).
void warn_of_retry(const request_timings& t, unsigned retries) {
  const std::string problem = t.error ? t.error.message() : "HTTP status " + std::to_string(t.status);
  const unsigned left = retries + 1 - t.attempt;
  std::fprintf(stderr, "Warning: a transient problem (%s). Will retry in %.3g seconds. %u %s left.\n",
               problem.c_str(), seconds(t.backoff), left, left == 1 ? "retry" : "retries");
}

// One URL, start to end; its exit code.
asio::awaitable<int> transfer(run_state& run, std::size_t index) {
  const options& o = run.opts;
  const auto start = clock::now();
  outcome result;
  std::string warnings;
  prepared_request request;
  request_timings t;
  output out(index < o.outputs.size() ? &o.outputs[index] : nullptr, o.urls[index]);

  result.code = prepare_request(o, o.urls[index], request, result.message, warnings);
  if (result.code == ok && !out.failure().empty()) result.fail(write_error, out.failure());
  std::string effective = request.url.empty() ? o.urls[index] : request.url;
  if (result.code == ok) {
    std::string proxy = proxy_for(o, request.url);
    const bool proxied = !proxy.empty();
    const bool socks = iequals(std::string_view(proxy).substr(0, 6), "socks5");
    const std::string socks_host = socks ? host_of("http://" + proxy.substr(proxy.find("://") + 3)) : "";
    auto [ec, response] = co_await run.connections.async_stream(
        request.method, request.url, request.body(), request.headers, options_for(o, t, std::move(proxy)), as_tuple);
    if (o.verbose) {
      print_events(stderr, t, ec ? std::string() : response.final_url().text());
      if (!ec || t.connects > 0 || t.reused) print_request_head(stderr, request);  // sent, at least in part
      if (!ec) print_response_head(stderr, response);
    }
    if (ec) {
      exit_code code = exit_code_for(ec);
      // Through a proxy, only the proxy's name is looked up here, but for a
      // socks5:// proxy's target once the proxy was reached. As curl 7.88:
      // an HTTP proxy's name is 5, a SOCKS proxy's 6, the target's 97.
      if (code == resolve_failed && proxied && !socks) code = proxy_resolve_failed;
      if (code == resolve_failed && socks && t.remote.port() != 0) code = proxy_failed;
      const upload_state* sending = request.stream ? request.stream->state.get() : nullptr;
      // A streamed body not all taken: the connection failed while sending.
      if (code == receive_error && sending && (!request.stream->size || sending->sent < *request.stream->size))
        code = send_error;
      if (sending && !sending->failed_file.empty())
        result.fail(read_error, "cannot read " + sending->failed_file);
      else
        result.fail(code, describe(code, ec, request, t, 0, clock::now() - start, socks ? socks_host : ""));
    } else {
      effective = response.final_url().text();
      result.version = response.version();
      co_await receive(run, index, response, out, request, t, start, result);
    }
  }
  transfer_facts facts = facts_of(t, request, result, clock::now() - start);
  facts.url_effective = effective;
  report(o, warnings, result, facts);
  co_return result.code;
}

// One lane of transfers: it takes the next URL until none is left.
asio::awaitable<void> lane(run_state& run) {
  while (run.next < run.opts.urls.size()) {
    const std::size_t index = run.next++;
    run.codes[index] = co_await transfer(run, index);
  }
}

}  // namespace

int run_transfers(const options& o) {
  std::string error;
  std::optional<asio::ssl::context> context;
  if (const exit_code code = tls_context_for(o, context, error)) {
    if (!o.silent || o.show_error) std::fprintf(stderr, "httpc: (%d) %s\n", code, error.c_str());
    return code;
  }

  asio::io_context io(1);
  pool_options settings;
  const std::size_t lanes = o.parallel ? std::min(o.parallel_max, o.urls.size()) : 1;
  settings.max_per_origin = lanes;
  settings.max_total = lanes;
  if (context) settings.tls_context = &*context;
  if (o.insecure) settings.connection.verify_peer = settings.connection.verify_host_name = false;
  if (o.verbose) settings.on_connect = [](const connection_event& e) { print_connected(stderr, e); };
  if (o.retry > 0 && !o.silent)
    settings.on_timings = [&o](const request_timings& t) {
      if (t.retrying) warn_of_retry(t, o.retry);
    };
  pool connections(io.get_executor(), std::move(settings));

  bool all_to_files = true;
  for (std::size_t i = 0; i < o.urls.size(); ++i) all_to_files = all_to_files && i < o.outputs.size();
  const bool show_progress = !o.silent && !o.verbose && isatty(STDERR_FILENO) && (all_to_files || !isatty(STDOUT_FILENO));
  progress_board progress(stderr, o.urls.size(), show_progress);

  run_state run{o, connections, progress, std::vector<int>(o.urls.size(), 0)};
  for (std::size_t i = 0; i < lanes; ++i) asio::co_spawn(io, lane(run), asio::detached);
  io.run();
  // One after another: the last URL's code, as curl. At once: a failure
  // wins, the first in command-line order (whatever order they ended in).
  if (o.parallel)
    for (const int code : run.codes)
      if (code != 0) return code;
  return run.codes.back();
}

}  // namespace httpc::tool
