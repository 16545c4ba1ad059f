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
#include <openssl/ssl.h>

#include <array>
#include <cstdio>
#include <memory>
#include <optional>

#include <httpc/pool.hpp>

#include "exit_code.hpp"
#include "progress.hpp"
#include "request.hpp"
#include "verbose.hpp"
#include "write_out.hpp"

namespace httpc::tool {
namespace {

using clock = std::chrono::steady_clock;
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// The statuses the pool follows with -L.
bool is_redirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

// Where one body goes; a file is opened when the response is there, so a
// failed request leaves no file behind.
class output {
 public:
  output(const output_target* target, const std::string& url) {
    if (!target) return;
    if (target->remote_name) {
      const std::string path = url.substr(0, url.find_first_of("?#"));
      const auto authority = path.find("://");
      const auto slash = path.rfind('/');
      if (authority != std::string::npos && slash > authority + 2) name_ = path.substr(slash + 1);
      if (name_.empty()) failure_ = "remote file name has no length";
    } else {
      name_ = target->file;
    }
  }
  output(const output&) = delete;
  output& operator=(const output&) = delete;
  ~output() {
    if (file_ && file_ != stdout) std::fclose(file_);
  }

  bool to_stdout() const { return name_.empty() && failure_.empty(); }
  const std::string& failure() const { return failure_; }

  bool write(std::string_view bytes) {
    if (!failure_.empty()) return false;
    if (!file_) {
      file_ = name_.empty() ? stdout : std::fopen(name_.c_str(), "wb");
      if (!file_) {
        failure_ = "failed to open " + name_ + " for writing";
        return false;
      }
    }
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size() || std::fflush(file_) != 0) {
      failure_ = "failure writing output to " + (name_.empty() ? std::string("stdout") : name_);
      return false;
    }
    return true;
  }

 private:
  std::string name_;  // empty: stdout
  std::string failure_;
  std::FILE* file_ = nullptr;
};

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
std::string describe(exit_code code, const std::error_code& ec, const prepared_request& request,
                     const request_timings& t, std::uint64_t received, std::chrono::nanoseconds took) {
  const std::string ip = t.remote.port() ? t.remote.address().to_string() : host_of(request.url);
  switch (code) {
    case malformed_url: return "malformed URL: " + request.url;
    case resolve_failed: return "could not resolve host: " + host_of(request.url);
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
    default: return "weird server reply: " + ec.message();
  }
}

asio::awaitable<int> transfer(run_state& run, std::size_t index) {
  const options& o = run.opts;
  const auto start = clock::now();
  transfer_facts facts;
  std::string message, warnings;
  exit_code code = ok;
  prepared_request request;
  request_timings t;
  std::uint64_t received = 0;
  output out(index < o.outputs.size() ? &o.outputs[index] : nullptr, o.urls[index]);

  code = prepare_request(o, o.urls[index], request, message, warnings);
  if (code == ok && !out.failure().empty()) {
    code = write_error;
    message = out.failure();
  }
  if (code == ok) {
    request_options ro;
    ro.timings = &t;
    ro.connect_timeout = o.connect_timeout;
    ro.total_timeout = o.max_time;
    ro.follow_redirects = o.location;
    ro.max_redirects = o.max_redirs < 0 ? std::numeric_limits<std::size_t>::max()
                                        : static_cast<std::size_t>(o.max_redirs);
    ro.allow_insecure_redirects = true;  // curl -L follows https to http
    ro.basic_auth = true;                // user:password@ in the URL, as curl
    auto [ec, response] = co_await run.connections.async_stream(request.method, request.url, request.body(),
                                                                request.headers, ro, as_tuple);
    if (o.verbose) {
      print_events(stderr, t, response.final_url().text());
      print_request_head(stderr, request);
      if (!ec) print_response_head(stderr, response);
    }
    if (ec) {
      code = exit_code_for(ec);
      // A streamed body not all taken: the connection failed while sending.
      if (code == receive_error && request.stream && request.stream->state->sent < request.stream->size)
        code = send_error;
      if (request.stream && !request.stream->state->failed_file.empty()) code = read_error;
      message = code == read_error ? "cannot read " + request.stream->state->failed_file
                                   : describe(code, ec, request, t, 0, clock::now() - start);
    } else {
      facts.http_code = response.status();
      facts.http_version = response.version();
      facts.url_effective = response.final_url().text();
      const bool redirect = is_redirect(response.status()) && response.header("Location");
      const auto length = response.header("Content-Length");
      if (o.location && redirect && t.redirects >= static_cast<unsigned>(ro.max_redirects)) {
        code = too_many_redirects;
        message = "maximum (" + std::to_string(o.max_redirs) + ") redirects followed";
      } else if (o.fail && response.status() >= 400) {
        if (o.include && !out.write(response_head_text(response))) code = write_error;
        code = code == ok ? http_error : code;
        message = code == http_error ? "the requested URL returned error: " + std::to_string(response.status())
                                     : out.failure();
      } else if ((o.include || o.head) && !out.write(response_head_text(response))) {
        code = write_error;
        message = out.failure();
      } else {
        std::optional<std::uint64_t> total;
        if (length && !o.head) total = std::strtoull(std::string(*length).c_str(), nullptr, 10);
        run.progress.start(index, total);
        std::array<char, 64 * 1024> buffer;
        for (;;) {
          auto [read_error_code, n] = co_await response.async_read_some(asio::buffer(buffer), as_tuple);
          if (read_error_code) {
            code = exit_code_for(read_error_code);
            message = describe(code, read_error_code, request, t, received, clock::now() - start);
            break;
          }
          if (n == 0) break;
          received += n;
          run.progress.update(index, received);
          if (!out.write(std::string_view(buffer.data(), n))) {
            code = write_error;
            message = out.failure();
            break;
          }
        }
        // An empty body still makes its -o file, as curl's.
        if (code == ok && received == 0 && !out.to_stdout() && !out.write({})) {
          code = write_error;
          message = out.failure();
        }
        run.progress.finish(index);
      }
    }
  }

  facts.num_connects = t.connects;
  facts.num_redirects = t.redirects;
  if (t.connects > 0 || t.reused) {  // as curl: no address for a connect that failed
    facts.remote_ip = t.remote.address().to_string();
    facts.remote_port = t.remote.port();
  }
  facts.size_download = received;
  facts.size_upload = request.stream ? request.stream->state->sent : (facts.http_code ? request.data.size() : 0);
  facts.time_namelookup = seconds(t.queued + t.resolve);
  facts.time_connect = facts.time_namelookup + seconds(t.connect);
  facts.time_appconnect = t.handshake.count() ? facts.time_connect + seconds(t.handshake) : 0;
  facts.time_starttransfer = seconds(t.first_byte);
  facts.time_total = seconds(clock::now() - start);
  if (facts.url_effective.empty()) facts.url_effective = request.url.empty() ? o.urls[index] : request.url;
  facts.exitcode = code;
  facts.errormsg = message;

  if (!warnings.empty() && !o.silent) std::fprintf(stderr, "Warning: %s", warnings.c_str());
  if (code != ok && (!o.silent || o.show_error)) std::fprintf(stderr, "httpc: (%d) %s\n", code, message.c_str());
  if (o.write_out) {
    std::string unknown;
    const std::string text = format_write_out(*o.write_out, facts, unknown);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    if (!unknown.empty()) std::fprintf(stderr, "httpc: %s", unknown.c_str());
  }
  co_return code;
}

// One lane of transfers: it takes the next URL until none is left.
asio::awaitable<void> lane(run_state& run) {
  while (run.next < run.opts.urls.size()) {
    const std::size_t index = run.next++;
    run.codes[index] = co_await transfer(run, index);
  }
}

// A context of the tool's when a TLS flag asks for one (else the pool's
// default); a file that cannot be used is curl's 77 (CA) or 58 (client).
exit_code make_context(const options& o, std::optional<asio::ssl::context>& context, std::string& error) {
  if (!o.insecure && !o.cacert && !o.cert && !o.key) return ok;
  context.emplace(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  std::error_code ec;
  if (o.insecure) {
    context->set_verify_mode(asio::ssl::verify_none);
  } else {
    context->set_verify_mode(asio::ssl::verify_peer);
    if (o.cacert)
      context->load_verify_file(*o.cacert, ec);
    else
      context->set_default_verify_paths(ec);
    if (ec) {
      error = "cannot load CA certificates from " + o.cacert.value_or("the system") + ": " + ec.message();
      return ca_cert_failed;
    }
  }
  if (o.cert) {
    context->use_certificate_chain_file(*o.cert, ec);
    if (!ec) context->use_private_key_file(o.key.value_or(*o.cert), asio::ssl::context::pem, ec);
    if (ec) {
      error = "cannot use the client certificate " + *o.cert + ": " + ec.message();
      return client_cert_failed;
    }
  }
  return ok;
}

}  // namespace

int run_transfers(const options& o) {
  std::string error;
  std::optional<asio::ssl::context> context;
  if (const exit_code code = make_context(o, context, error)) {
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
