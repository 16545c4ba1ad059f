// httpc side by side with curl (Debian's curl 7.88): each invocation of the
// matrix runs through both against the same scripted server (a fresh one
// per run); stdout must be the same bytes, the exit code the same number,
// and the request the server read the same: its line, its fields (in any
// order), its body. Deliberate differences (docs/reference.md, "The httpc
// tool") are left out: the User-Agent, Accept-Encoding and Expect fields,
// the space after an empty field's colon, stderr's wording.
#include "support/encoders.hpp"
#include "support/microsocks.hpp"
#include "support/process.hpp"
#include "support/script_server.hpp"

#include <ostream>

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using httpc::test::script_server;
using httpc::test::step;
using httpc::test::script;

std::string with_length(std::string_view body, std::string_view fields = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(fields) +
         "\r\n" + std::string(body);
}

const std::string not_found = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone";
const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
const std::string redirect = "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 5\r\n\r\nmoved";

struct row {
  std::string name;
  // "{url}": the server's URL, "{port}" its port, "{dead}" a closed port's URL; "{socks}" and
  // "{socks_auth}": host:port of a SOCKS5 proxy, the second asking for alice:s3cret.
  std::vector<std::string> args;
  std::vector<script> scripts;    // the server's connections, in order
  bool same_requests = true;      // false: the requests differ on purpose (docs/reference.md says how)
};

// The request line, its fields in sorted order without those that differ on
// purpose, and the body; a multipart boundary (random in both) made "{boundary}".
std::string comparable(std::string request) {
  const std::string marker = "boundary=";
  if (const auto at = request.find(marker); at != std::string::npos) {
    const std::string boundary = request.substr(at + marker.size(), request.find("\r\n", at) - at - marker.size());
    for (auto b = request.find(boundary); b != std::string::npos; b = request.find(boundary, b))
      request.replace(b, boundary.size(), "{boundary}");
  }
  const auto head_end = request.find("\r\n\r\n");
  const auto line_end = request.find("\r\n");
  std::vector<std::string> fields;
  for (auto at = line_end + 2; at < head_end;) {
    const auto end = request.find("\r\n", at);
    std::string field = request.substr(at, end - at);
    while (!field.empty() && field.back() == ' ') field.pop_back();  // "X:" and "X: " alike
    std::string name = field.substr(0, field.find(':'));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // curl's Proxy-Connection is no standard field (RFC 9112 §9.6 ignores it).
    if (name != "user-agent" && name != "accept-encoding" && name != "expect" && name != "proxy-connection")
      fields.push_back(field);
    at = end + 2;
  }
  std::sort(fields.begin(), fields.end());
  std::string text = request.substr(0, line_end) + "\n";
  for (const auto& f : fields) text += f + "\n";
  return text + "\n" + (head_end == std::string::npos ? std::string() : request.substr(head_end + 4));
}

struct outcome {
  int exit_code;
  std::string out;
  std::vector<std::string> requests;  // request line and body
};

// The SOCKS5 proxies of the matrix, as "{socks}" and "{socks_auth}" name them.
struct socks_proxies {
  httpc::test::microsocks open;
  httpc::test::microsocks asking{"alice", "s3cret"};
};

outcome run(const std::string& program, const std::vector<std::string>& prefix, const row& r,
            const socks_proxies& socks) {
  script_server server;
  for (const auto& s : r.scripts) server.on_connection(s);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  const std::string dead = "http://127.0.0.1:" + std::to_string(httpc::test::refused_port());
  // No proxy from the test's environment: both read it.
  std::vector<std::string> argv{"env"};
  for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"})
    argv.insert(argv.end(), {"-u", name});
  argv.push_back(program);
  argv.insert(argv.end(), prefix.begin(), prefix.end());
  for (std::string a : r.args) {
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"{url}", url},
                                   {"{dead}", dead},
                                   {"{socks}", "127.0.0.1:" + std::to_string(socks.open.port())},
                                   {"{socks_auth}", "127.0.0.1:" + std::to_string(socks.asking.port())},
                                   {"{port}", std::to_string(server.port())}}) {
      if (const auto at = a.find(from); at != std::string::npos) a.replace(at, from.size(), to);
    }
    argv.push_back(a);
  }
  const auto result = httpc::test::run_process(argv);
  // Each run has a server of its own: its port is no difference.
  std::string out = result.out;
  for (auto at = out.find(url); at != std::string::npos; at = out.find(url, at)) out.replace(at, url.size(), "{url}");
  outcome o{result.exit_code, out, {}};
  server.wait_for_finished(r.scripts.size(), 3s);
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  for (std::string request : server.requests()) {
    for (auto at = request.find(host); at != std::string::npos; at = request.find(host, at))
      request.replace(at, host.size(), "127.0.0.1:{port}");
    o.requests.push_back(comparable(request));
  }
  return o;
}

}  // namespace

TEST_CASE("curl side by side: the matrix") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("httpc-curl-diff-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string data_file = (dir / "data.txt").string();
  std::ofstream(data_file, std::ios::binary) << "a=1\r\nb=2\n";
  const std::string upload = (dir / "upload.bin").string();
  std::ofstream(upload, std::ios::binary) << std::string(100000, 'z');

  const auto ok = [](std::string response) {
    return std::vector<script>{{step::read_request(), step::send(std::move(response)), step::expect_close()}};
  };
  const std::vector<row> matrix = {
      {"GET, body to stdout", {"{url}/x"}, ok(with_length("hello\n"))},
      {"-i", {"-i", "{url}/"}, ok(with_length("hi", "X-Test: 1\r\n"))},
      {"-I", {"-I", "{url}/"}, ok("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n")},
      {"chunked body", {"-s", "{url}/"}, ok(chunked)},
      {"body until close",
       {"-s", "{url}/"},
       {{step::read_request(), step::send("HTTP/1.1 200 OK\r\n\r\nuntil the end"), step::close()}}},
      {"-w", {"-s", "-o", "/dev/null", "-w", "%{http_code} %{http_version} %{num_redirects} %{size_download} "
                                             "%{num_connects} %{remote_ip} %{exitcode}\\n", "{url}/", "{url}/"},
       {{step::read_request(), step::send(with_length("1234")), step::read_request(), step::send(with_length("5")),
         step::expect_close()}}},
      {"-w %{url_effective} with -L", {"-sL", "-w", "|%{url_effective} %{num_redirects}", "{url}/a"},
       {{step::read_request(), step::send(redirect), step::read_request(), step::send(with_length("landed")),
         step::expect_close()}}},
      {"-f on 404", {"-sf", "{url}/"}, ok(not_found)},
      {"-fi on 404", {"-sfi", "{url}/"}, ok(not_found)},
      {"404 without -f", {"-s", "{url}/"}, ok(not_found)},
      {"-d twice", {"-s", "-d", "x=1", "-d", "y=2", "{url}/"}, ok(with_length("posted"))},
      {"-d @file", {"-s", "-d", "@" + data_file, "{url}/"}, ok(with_length("posted"))},
      {"--data-binary @file", {"-s", "--data-binary", "@" + data_file, "{url}/"}, ok(with_length("posted"))},
      {"-X PUT -d", {"-s", "-X", "PUT", "-d", "v", "{url}/put"}, ok(with_length("put"))},
      {"-H, -u", {"-s", "-H", "X-A: 1", "-H", "Accept:", "-H", "X-Empty;", "-u", "me:secret", "{url}/"},
       ok(with_length("fields"))},
      {"user information in the URL", {"-s", "http://me:pw@127.0.0.1:{port}/"}, ok(with_length("auth"))},
      {"-d with a Content-Type of its own", {"-s", "-d", "{}", "-H", "Content-Type: application/json", "{url}/"},
       ok(with_length("json"))},
      {"-F value and file parts", {"-s", "-F", "a\"b=v", "-F", "f=@" + data_file, "{url}/"}, ok(with_length("form"))},
      {"-T file to a directory URL", {"-s", "-T", upload, "{url}/up/"}, ok(with_length("stored"))},
      {"-L follows", {"-sL", "{url}/a"},
       {{step::read_request(), step::send(redirect), step::read_request(), step::send(with_length("landed")),
         step::expect_close()}}},
      {"no -L: the redirect's body", {"-s", "{url}/a"}, ok(redirect)},
      {"-L beyond --max-redirs", {"-sL", "--max-redirs", "1", "{url}/a"},
       {{step::read_request(), step::send(redirect), step::read_request(), step::send(redirect),
         step::expect_close()}}},
      {"short body", {"-s", "{url}/"},
       {{step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), step::close()}}},
      {"empty reply", {"-s", "{url}/"}, {{step::read_request(), step::close()}}},
      {"reset", {"-s", "{url}/"}, {{step::read_request(), step::reset()}}},
      {"stall with -m", {"-s", "-m", "0.5", "{url}/"},
       {{step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart"), step::stall(3s)}}},
      {"closed port", {"-s", "-w", "%{http_code} %{exitcode} [%{remote_ip}] %{remote_port} %{num_connects}", "{dead}/"}, {}},
      {"-Z, one of two fails", {"-sZ", "-o", "/dev/null", "{dead}/", "{url}/"}, ok(with_length("z"))},
      {"malformed URL", {"-s", "http://exa mple/"}, {}},
      {"name that does not resolve", {"-s", "-w", "%{http_code}", "http://no-such-host.invalid/"}, {}},
      {"unknown option", {"--no-such-option", "{url}/"}, {}},
#if HTTPC_HAS_ZLIB
      {"--compressed, gzip", {"-s", "--compressed", "{url}/"},
       ok(with_length(test_encoders::gzip(std::string(5000, 'g')), "Content-Encoding: gzip\r\n"))},
      {"--compressed, deflate", {"-s", "--compressed", "{url}/"},
       ok(with_length(test_encoders::zlib("deflated"), "Content-Encoding: deflate\r\n"))},
      {"--compressed, corrupt", {"-s", "--compressed", "{url}/"},
       ok(with_length("not gzip at all", "Content-Encoding: gzip\r\n"))},
#endif
      {"-x: the server as the proxy", {"-s", "-x", "{url}", "http://origin.invalid/p?q"}, ok(with_length("via"))},
      {"-x without a scheme, -U", {"-s", "-x", "127.0.0.1:{port}", "-U", "me:p w", "http://origin.invalid:81/"},
       ok(with_length("auth"))},
      {"-x with credentials in its URL", {"-s", "-x", "http://a:b@127.0.0.1:{port}", "http://origin.invalid/"},
       ok(with_length("auth"))},
      {"--noproxy exempts the host of -x", {"-s", "-x", "http://127.0.0.1:1", "--noproxy", "127.0.0.1", "{url}/"},
       ok(with_length("direct"))},
      {"-x to a closed port", {"-s", "-w", "%{exitcode}", "-x", "{dead}", "http://origin.invalid/"}, {}},
      // The CONNECT line differs: HTTP/1.0 as CPython's tunnel writes it.
      {"-x refusing CONNECT", {"-s", "-x", "{url}", "https://origin.invalid/"},
       {{step::read_request(), step::send("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"),
         step::expect_close()}},
       false},
      // SOCKS5 through microsocks: the server sees the origin's request.
      {"-x socks5h://", {"-s", "-x", "socks5h://{socks}", "{url}/x?y"}, ok(with_length("via socks"))},
      {"--socks5", {"-s", "--socks5", "{socks}", "{url}/x"}, ok(with_length("via socks"))},
      {"-x socks5:// with credentials", {"-s", "-x", "socks5://alice:s3cret@{socks_auth}", "{url}/"},
       ok(with_length("auth"))},
      {"--socks5-hostname, -U", {"-s", "--socks5-hostname", "{socks_auth}", "-U", "alice:s3cret", "{url}/"},
       ok(with_length("auth"))},
      {"SOCKS5: wrong credentials", {"-s", "-w", "%{exitcode}", "-x", "socks5://alice:wrong@{socks_auth}", "{url}/"}, {}},
      {"SOCKS5: none when asked", {"-s", "-w", "%{exitcode}", "-x", "socks5h://{socks_auth}", "{url}/"}, {}},
      {"SOCKS5: the target refuses", {"-s", "-w", "%{exitcode}", "-x", "socks5://{socks}", "{dead}/"}, {}},
      {"SOCKS5: the target's name unknown", {"-s", "-w", "%{exitcode}", "-x", "socks5h://{socks}", "http://origin.invalid/"}, {}},
      {"SOCKS5: the target's name unknown here", {"-s", "-w", "%{exitcode}", "-x", "socks5://{socks}", "http://origin.invalid/"}, {}},
      {"HTTP/1.0 response", {"-si", "{url}/"},
       {{step::read_request(), step::send("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold"), step::close()}}},
  };

  const socks_proxies socks;
  for (const row& r : matrix) {
    CAPTURE(r.name);
    const outcome curl = run(HTTPC_CURL, {"-q"}, r, socks);
    const outcome ours = run(HTTPC_TOOL_PATH, {}, r, socks);
    CHECK(ours.exit_code == curl.exit_code);
    CHECK(ours.out == curl.out);
    if (!r.same_requests) continue;
    CHECK(ours.requests.size() == curl.requests.size());
    for (std::size_t i = 0; i < std::min(ours.requests.size(), curl.requests.size()); ++i)
      CHECK(ours.requests[i] == curl.requests[i]);
  }
  fs::remove_all(dir);
}
