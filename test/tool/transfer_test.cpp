// The httpc executable end to end (tool/transfer.hpp and the modules under
// it): run as a process against the scripted loopback server and nginx;
// outputs compared byte for byte, every exit code caused by a server (or a
// file) that makes it, -w values checked against what the server did,
// uploads and multipart bodies checked by the server, the progress bar under
// a pseudo-terminal.
#include "support/encoders.hpp"
#include "support/nginx.hpp"
#include "support/process.hpp"
#include "support/script_server.hpp"

#include <ostream>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using httpc::test::script_server;
using httpc::test::step;
namespace fs = std::filesystem;

httpc::test::process_result httpc_tool(std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), HTTPC_TOOL_PATH);
  return httpc::test::run_process(args, input);
}

std::string with_length(std::string_view body, std::string_view fields = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(fields) +
         "\r\n" + std::string(body);
}

std::string url_of(const script_server& server, std::string_view path = "/") {
  return std::string(server.is_tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(server.port()) +
         std::string(path);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh directory per test, removed at its end.
struct scratch {
  fs::path dir;
  scratch() {
    dir = fs::temp_directory_path() / ("httpc-tool-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  std::string file(const std::string& name, std::string_view bytes) const {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return (dir / name).string();
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

void check_server(const script_server& server) {
  for (const auto& e : server.errors()) MESSAGE("server: " << e);
  CHECK(server.errors().empty());
}

// The request's body: what follows the head.
std::string body_of(const std::string& request) { return request.substr(request.find("\r\n\r\n") + 4); }

}  // namespace

// ============================================================================
// Output bytes
// ============================================================================

TEST_CASE("transfer: the body to stdout, byte for byte, and the request as sent") {
  script_server server;
  const std::string body("\0binary\r\nbody\xff", 14);
  server.on_connection({step::read_request(), step::send_pieces_of(with_length(body), 7, 5ms), step::expect_close()});
  const auto r = httpc_tool({url_of(server, "/path?q=1")});
  CHECK(r.exit_code == 0);
  CHECK(r.out == body);
  CHECK(r.err.empty());
  REQUIRE(server.wait_for_requests(1, 2s));
  CHECK(server.requests()[0] == "GET /path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                                    "\r\nAccept-Encoding: identity\r\nUser-Agent: httpc/0.1.0\r\nAccept: */*\r\n\r\n");
  check_server(server);
}

TEST_CASE("transfer: -i, the head and body bytes") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("hello", "X-One: 1\r\n")), step::expect_close()});
  const auto r = httpc_tool({"-i", url_of(server)});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-One: 1\r\n\r\nhello");
  check_server(server);
}

TEST_CASE("transfer: -I, the head only") {
  script_server server;
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
                        step::expect_close()});
  const auto r = httpc_tool({"-I", url_of(server)});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
  REQUIRE(server.wait_for_requests(1, 2s));
  CHECK(server.requests()[0].starts_with("HEAD / HTTP/1.1\r\n"));
  check_server(server);
}

TEST_CASE("transfer: several URLs one after another on one kept-alive connection; -o per URL, in order") {
  scratch s;
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("first")), step::read_request(),
                        step::send(with_length("second")), step::read_request(), step::send(with_length("third")),
                        step::expect_close()});
  const auto r = httpc_tool({"-o", s.path("1"), url_of(server, "/1"), url_of(server, "/2"), "-o", s.path("3"),
                             url_of(server, "/3"), "-w", "%{num_connects}\\n"});
  CHECK(r.exit_code == 0);
  // As curl: the n-th -o goes with the n-th URL, wherever it stands.
  CHECK(read_file(s.path("1")) == "first");
  CHECK(read_file(s.path("3")) == "second");
  CHECK(r.out == "1\n0\nthird0\n");
  CHECK(server.connections() == 1);
  check_server(server);
}

TEST_CASE("transfer: -O names the file after the URL") {
  scratch s;
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("data")), step::expect_close()});
  const auto here = fs::current_path();
  fs::current_path(s.dir);
  const auto r = httpc_tool({"-O", url_of(server, "/dir/name.bin?x=1")});
  fs::current_path(here);
  CHECK(r.exit_code == 0);
  CHECK(read_file(s.dir / "name.bin") == "data");
  check_server(server);
}

// ============================================================================
// Request: method, fields, bodies
// ============================================================================

TEST_CASE("transfer: -d joins with &, sets POST and the form type; -d @file drops CR and LF") {
  scratch s;
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("ok")), step::expect_close()});
  const std::string file = s.file("data.txt", "c=3\r\nd=4\n");
  const auto r = httpc_tool({"-d", "a=1", "--data", "b=2", "-d", "@" + file, url_of(server)});
  CHECK(r.exit_code == 0);
  REQUIRE(server.wait_for_requests(1, 2s));
  const std::string request = server.requests()[0];
  CHECK(request.starts_with("POST / HTTP/1.1\r\n"));
  CHECK(request.find("\r\nContent-Type: application/x-www-form-urlencoded\r\n") != std::string::npos);
  CHECK(request.find("\r\nContent-Length: 14\r\n") != std::string::npos);
  CHECK(body_of(request) == "a=1&b=2&c=3d=4");
  check_server(server);
}

TEST_CASE("transfer: --data-binary @file keeps the bytes; -X, -H set, replace, remove, empty; -u") {
  scratch s;
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("ok")), step::expect_close()});
  const std::string bytes("x\r\ny\n\0z", 7);
  const std::string file = s.file("data.bin", bytes);
  const auto r = httpc_tool({"--data-binary", "@" + file, "-X", "PATCH", "-H", "X-A: 1", "-H", "User-Agent: mine",
                             "-H", "Accept:", "-H", "X-Empty;", "-H", "Content-Type: text/plain", "-u", "me:secret",
                             url_of(server)});
  CHECK(r.exit_code == 0);
  REQUIRE(server.wait_for_requests(1, 2s));
  const std::string request = server.requests()[0];
  CHECK(request == "PATCH / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                       "\r\nAccept-Encoding: identity\r\nContent-Length: 7\r\nAuthorization: Basic bWU6c2VjcmV0"
                       "\r\nX-A: 1\r\nUser-Agent: mine\r\nX-Empty: \r\nContent-Type: text/plain\r\n\r\n" +
                       bytes);
  check_server(server);
}

TEST_CASE("transfer: -T streams the file as a PUT with its length, to the URL's name when it ends in /") {
  scratch s;
  std::string content(300 * 1024, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  const std::string file = s.file("up.dat", content);
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("stored")), step::expect_close()});
  const auto r = httpc_tool({"-T", file, url_of(server, "/files/"), "-w", "|%{size_upload}"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "stored|" + std::to_string(content.size()));
  REQUIRE(server.wait_for_requests(1, 2s));
  const std::string request = server.requests()[0];
  CHECK(request.starts_with("PUT /files/up.dat HTTP/1.1\r\n"));
  CHECK(request.find("\r\nContent-Length: 307200\r\n") != std::string::npos);
  CHECK((body_of(request) == content));
  check_server(server);
}

TEST_CASE("transfer: -T - streams stdin, chunked (its length is not known)") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("got it")), step::expect_close()});
  const auto r = httpc_tool({"-T", "-", url_of(server, "/in"), "-w", "|%{size_upload}"}, "from stdin");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "got it|10");
  REQUIRE(server.wait_for_requests(1, 2s));
  const std::string request = server.requests()[0];
  CHECK(request.starts_with("PUT /in HTTP/1.1\r\n"));
  CHECK(request.find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(body_of(request) == "A\r\nfrom stdin\r\n0\r\n\r\n");
  check_server(server);
}

TEST_CASE("transfer: -F makes multipart/form-data, a file part streamed with its name and type") {
  scratch s;
  const std::string file = s.file("note.txt", "line one\nline two\n");
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("ok")), step::expect_close()});
  const auto r = httpc_tool({"-F", "name=value", "-F", "doc=@" + file, url_of(server)});
  CHECK(r.exit_code == 0);
  REQUIRE(server.wait_for_requests(1, 2s));
  const std::string request = server.requests()[0];
  CHECK(request.starts_with("POST / HTTP/1.1\r\n"));
  const std::string marker = "Content-Type: multipart/form-data; boundary=";
  const auto at = request.find(marker);
  REQUIRE(at != std::string::npos);
  const std::string boundary = request.substr(at + marker.size(), request.find("\r\n", at) - at - marker.size());
  CHECK(boundary.size() == 40);
  const std::string expected = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nvalue\r\n--" +
                               boundary +
                               "\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"note.txt\"\r\n"
                               "Content-Type: text/plain\r\n\r\nline one\nline two\n\r\n--" +
                               boundary + "--\r\n";
  CHECK(body_of(request) == expected);
  CHECK(request.find("\r\nContent-Length: " + std::to_string(expected.size()) + "\r\n") != std::string::npos);
  check_server(server);
}

TEST_CASE("transfer: -L follows a redirect; -w reports it") {
  script_server server;
  const std::string moved = "HTTP/1.1 302 Found\r\nLocation: /there\r\nContent-Length: 0\r\n\r\n";
  server.on_connection({step::read_request(), step::send(moved), step::read_request(), step::send(with_length("here")),
                        step::expect_close()});
  const auto r = httpc_tool({"-L", url_of(server, "/start"), "-w", "|%{num_redirects} %{url_effective}"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "here|1 " + url_of(server, "/there"));
  check_server(server);
}

// ============================================================================
// -w against the server's facts
// ============================================================================

TEST_CASE("transfer: -w values from what the server did") {
  script_server server;
  const std::string body(12345, 'x');
  server.on_connection({step::read_request(), step::delay(50ms),
                        step::send("HTTP/1.0 201 Created\r\nContent-Length: 12345\r\n\r\n" + body), step::close()});
  const auto r = httpc_tool({"-o", "/dev/null", "-d", "abc", url_of(server, "/w"), "-w",
                             "%{http_code} %{http_version} %{num_connects} %{num_redirects} %{remote_ip} "
                             "%{remote_port} %{size_download} %{size_upload} %{url_effective} %{exitcode}"
                             " [%{errormsg}]\\n%{time_namelookup} %{time_connect} %{time_appconnect} "
                             "%{time_starttransfer} %{time_total} %{speed_download}"});
  CHECK(r.exit_code == 0);
  const auto newline = r.out.find('\n');
  REQUIRE(newline != std::string::npos);
  CHECK(r.out.substr(0, newline) == "201 1.0 1 0 127.0.0.1 " + std::to_string(server.port()) + " 12345 3 " +
                                        url_of(server, "/w") + " 0 []");
  double lookup = 0, connect = 0, app = 0, start = 0, total = 0;
  long speed = 0;
  REQUIRE(std::sscanf(r.out.c_str() + newline + 1, "%lf %lf %lf %lf %lf %ld", &lookup, &connect, &app, &start, &total,
                      &speed) == 6);
  CHECK(lookup <= connect);
  CHECK(app == 0);
  CHECK(start >= 0.05);  // the server waited 50 ms before its head
  CHECK(start <= total);
  CHECK(std::abs(static_cast<double>(speed) - 12345 / total) <= 12345 / total / 100);  // total is rounded
  check_server(server);
}

// ============================================================================
// Exit codes, each from a server (or a file) that causes it
// ============================================================================

TEST_CASE("transfer: --retry sends again after a transient status, as Retry-After says, and warns") {
  const std::string busy = "HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nContent-Length: 4\r\n\r\nbusy";
  script_server server;
  server.on_connection({step::read_request(), step::send(busy), step::read_request(), step::send(with_length("done")),
                        step::expect_close()});
  const auto r = httpc_tool({"--retry", "2", "-d", "a=1", url_of(server)});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "done");
  CHECK(r.err.find("Will retry in 0 seconds. 2 retries left.") != std::string::npos);
  REQUIRE(server.wait_for_requests(2, 2s));
  const auto requests = server.requests();
  CHECK(requests[0] == requests[1]);  // the POST again, as curl sends it
  check_server(server);

  // Without --retry the 503 is the answer; with -s no warning; the
  // attempts run out: the last answer.
  script_server once;
  once.on_connection({step::read_request(), step::send(busy), step::expect_close()});
  const auto plain = httpc_tool({url_of(once)});
  CHECK(plain.exit_code == 0);
  CHECK(plain.out == "busy");
  check_server(once);
  script_server twice;
  twice.on_connection({step::read_request(), step::send(busy), step::read_request(), step::send(busy),
                       step::expect_close()});
  const auto quiet = httpc_tool({"-s", "--retry", "1", "-w", "%{http_code}", url_of(twice)});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.out == "busy503");
  CHECK(quiet.err.empty());
  check_server(twice);
}

#if HTTPC_HAS_ZLIB
TEST_CASE("transfer: --compressed asks for the codings and writes the body decoded; 61 for a bad one") {
  const std::string text = test_encoders::sample_text(100000);
  const std::string coded = test_encoders::gzip(text);
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length(coded, "Content-Encoding: gzip\r\n")),
                        step::read_request(), step::send(with_length(coded, "Content-Encoding: gzip\r\n")),
                        step::expect_close()});
  const auto decoded = httpc_tool({"--compressed", url_of(server, "/a"), url_of(server, "/b")});
  CHECK(decoded.exit_code == 0);
  CHECK(decoded.out == text + text);
  REQUIRE(server.wait_for_requests(2, 2s));
  CHECK(server.requests()[0].find("Accept-Encoding: gzip, deflate") != std::string::npos);
  check_server(server);

  // Without it the bytes as they came.
  script_server raw;
  raw.on_connection({step::read_request(), step::send(with_length(coded, "Content-Encoding: gzip\r\n")),
                     step::expect_close()});
  const auto as_sent = httpc_tool({url_of(raw)});
  CHECK(as_sent.exit_code == 0);
  CHECK(as_sent.out == coded);
  check_server(raw);

  // A corrupt body, and a coding no one knows.
  std::string corrupt = coded;
  corrupt[corrupt.size() / 2] ^= 0x55;
  script_server bad;
  bad.on_connection({step::read_request(), step::send(with_length(corrupt, "Content-Encoding: gzip\r\n")),
                     step::expect_close()});
  bad.on_connection({step::read_request(), step::send(with_length("abc", "Content-Encoding: snappy\r\n")),
                     step::expect_close()});
  const auto broken = httpc_tool({"--compressed", url_of(bad)});
  CHECK(broken.exit_code == 61);
  CHECK(broken.err.find("httpc: (61) ") != std::string::npos);
  const auto unknown = httpc_tool({"--compressed", url_of(bad)});
  CHECK(unknown.exit_code == 61);
  check_server(bad);
}
#endif

TEST_CASE("exit 3: a malformed URL; 6: a name that does not resolve; 7: a closed port") {
  const auto bad = httpc_tool({"http://exa mple/"});
  CHECK(bad.exit_code == 3);
  CHECK(bad.err == "httpc: (3) malformed URL: http://exa mple/\n");
  const auto unknown = httpc_tool({"http://no-such-host.invalid/"});
  CHECK(unknown.exit_code == 6);
  CHECK(unknown.err == "httpc: (6) could not resolve host: no-such-host.invalid\n");
  const auto port = httpc::test::refused_port();
  const auto closed = httpc_tool({"http://127.0.0.1:" + std::to_string(port) + "/", "-w", "%{exitcode} %{remote_port}"});
  CHECK(closed.exit_code == 7);
  CHECK(closed.out == "7 0");  // as curl: no remote_port without a connection
  CHECK(closed.err.starts_with("httpc: (7) failed to connect to 127.0.0.1 port " + std::to_string(port)));
  CHECK(httpc_tool({"-s", "http://no-such-host.invalid/"}).err.empty());
  CHECK(httpc_tool({"-sS", "http://no-such-host.invalid/"}).err.starts_with("httpc: (6)"));
}

TEST_CASE("exit 18: the body ends short; what came is written") {
  script_server server;
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"),
                        step::close()});
  const auto r = httpc_tool({url_of(server)});
  CHECK(r.exit_code == 18);
  CHECK(r.out == "half");
  check_server(server);
}

TEST_CASE("exit 22: -f on a status of 400 or more, without the body") {
  script_server server;
  server.on_connection({step::read_request(), step::send("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone"),
                        step::expect_close()});
  const auto r = httpc_tool({"-f", url_of(server)});
  CHECK(r.exit_code == 22);
  CHECK(r.out.empty());
  CHECK(r.err == "httpc: (22) the requested URL returned error: 404\n");
  check_server(server);
}

TEST_CASE("exit 23: the output cannot be written") {
  script_server server;
  server.on_connection({step::read_request(), step::send(with_length("data")), step::close()});
  const auto r = httpc_tool({"-o", "/nonexistent-dir/out", url_of(server)});
  CHECK(r.exit_code == 23);
  CHECK(r.err.starts_with("httpc: (23) "));
}

TEST_CASE("exit 26: the upload file cannot be read") {
  const auto r = httpc_tool({"-T", "/nonexistent-dir/in", "http://127.0.0.1:1/"});
  CHECK(r.exit_code == 26);
  CHECK(r.err.starts_with("httpc: (26) cannot read /nonexistent-dir/in"));
  CHECK(httpc_tool({"-F", "f=@/nonexistent-dir/in", "http://127.0.0.1:1/"}).exit_code == 26);
}

TEST_CASE("exit 28: a server that stalls, with -m") {
  script_server server;
  server.on_connection({step::read_request(), step::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
                        step::stall(3s)});
  const auto start = std::chrono::steady_clock::now();
  const auto r = httpc_tool({"-m", "0.3", url_of(server)});
  CHECK(r.exit_code == 28);
  CHECK(r.out == "abc");
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  CHECK(r.err.find("with 3 bytes received") != std::string::npos);
}

TEST_CASE("exit 35: the TLS handshake fails; 60: the certificate is not trusted; -k and --cacert") {
  script_server plain;
  plain.on_connection({step::send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), step::close()});
  const auto handshake = httpc_tool({"https://127.0.0.1:" + std::to_string(plain.port()) + "/"});
  CHECK(handshake.exit_code == 35);

  scratch s;
  const auto cert = httpc::test::make_self_signed("127.0.0.1");
  script_server secure(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  secure.on_connection({step::expect_close()});
  secure.on_connection({step::read_request(), step::send(with_length("insecure")), step::expect_close()});
  secure.on_connection({step::read_request(), step::send(with_length("trusted")), step::expect_close()});
  const auto untrusted = httpc_tool({url_of(secure)});
  CHECK(untrusted.exit_code == 60);
  const auto insecure = httpc_tool({"-k", url_of(secure), "-w", " %{time_appconnect}"});
  CHECK(insecure.exit_code == 0);
  CHECK(insecure.out.starts_with("insecure 0."));
  CHECK(insecure.out != "insecure 0.000000");
  const auto trusted = httpc_tool({"--cacert", s.file("ca.pem", cert.cert_pem), url_of(secure)});
  CHECK(trusted.exit_code == 0);
  CHECK(trusted.out == "trusted");
}

TEST_CASE("exit 47: a redirect loop beyond --max-redirs") {
  script_server server;
  const std::string loop = "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n";
  server.on_connection({step::read_request(), step::send(loop), step::read_request(), step::send(loop),
                        step::read_request(), step::send(loop), step::expect_close()});
  const auto r = httpc_tool({"-L", "--max-redirs", "2", url_of(server), "-w", "%{num_redirects}"});
  CHECK(r.exit_code == 47);
  CHECK(r.out == "2");
  CHECK(r.err == "httpc: (47) maximum (2) redirects followed\n");
  check_server(server);
}

TEST_CASE("exit 52: an empty reply; 56: a reset; 55: a reset while the upload is sent") {
  script_server server;
  server.on_connection({step::read_request(), step::close()});
  server.on_connection({step::read_request(), step::reset()});
  CHECK(httpc_tool({url_of(server)}).exit_code == 52);
  CHECK(httpc_tool({url_of(server)}).exit_code == 56);

  scratch s;
  const std::string big = s.file("big", std::string(32 * 1024 * 1024, 'u'));
  script_server refusing;
  refusing.on_connection({step::read_until("\r\n\r\n"), step::reset()});
  CHECK(httpc_tool({"-T", big, url_of(refusing)}).exit_code == 55);
}

// ============================================================================
// Verbose, parallel, progress
// ============================================================================

TEST_CASE("transfer: -v shows the connection, the heads, and TLS facts on stderr") {
  const auto cert = httpc::test::make_self_signed("127.0.0.1");
  script_server secure(httpc::test::tls_options::from_pem(cert.cert_pem, cert.key_pem));
  secure.on_connection({step::read_request(), step::send(with_length("v")), step::read_request(),
                        step::send(with_length("w")), step::expect_close()});
  const auto r = httpc_tool({"-vk", url_of(secure, "/a"), url_of(secure, "/b")});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "vw");
  const auto has = [&](std::string_view line) {
    INFO(line);
    CHECK(r.err.find(line) != std::string::npos);
  };
  has("*   Trying 127.0.0.1:" + std::to_string(secure.port()) + "...\n* Connected to 127.0.0.1 (127.0.0.1) port " +
      std::to_string(secure.port()) + "\n");
  has("* TLS: TLSv1.3, cipher TLS_");
  has("* ALPN: server accepted http/1.1\n");
  has("* subject: CN = 127.0.0.1");
  has("* issuer: CN = 127.0.0.1");
  has("> GET /a HTTP/1.1\n");
  has("< HTTP/1.1 200 OK\n< Content-Length: 1\n<\n");
  has("* Re-using existing connection\n> GET /b HTTP/1.1\n");
}

TEST_CASE("transfer: -Z runs the URLs at once through the pool") {
  scratch s;
  script_server server;
  for (int i = 0; i < 3; ++i)
    server.on_connection({step::read_request(), step::delay(1s), step::send(with_length("p" + std::to_string(i))),
                          step::expect_close()});
  const auto start = std::chrono::steady_clock::now();
  const auto r = httpc_tool({"-Z", "--parallel-max", "3", "-o", s.path("a"), url_of(server), "-o", s.path("b"),
                             url_of(server), "-o", s.path("c"), url_of(server)});
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.exit_code == 0);
  CHECK(server.connections() == 3);
  // One after another would take 3 s; the margin is for a slow start (sanitizers, a loaded machine).
  CHECK(took < 2500ms);
  std::string all = read_file(s.path("a")) + read_file(s.path("b")) + read_file(s.path("c"));
  std::sort(all.begin(), all.end());
  CHECK(all == "012ppp");
  check_server(server);
}

TEST_CASE("transfer: a progress bar under a terminal, none with -s or without a terminal") {
  scratch s;
  script_server server;
  const std::string body(256 * 1024, 'b');
  for (int i = 0; i < 3; ++i)
    server.on_connection({step::read_request(), step::send_pieces_of(with_length(body), 64 * 1024, 150ms),
                          step::expect_close()});
  // Python's pty gives the tool a terminal for stdin, stdout and stderr.
  const std::string script =
      "import os, pty, sys\n"
      "pid, fd = pty.fork()\n"
      "if pid == 0:\n"
      "    os.execv(sys.argv[1], sys.argv[1:])\n"
      "out = b''\n"
      "while True:\n"
      "    try:\n"
      "        chunk = os.read(fd, 65536)\n"
      "    except OSError:\n"
      "        break\n"
      "    if not chunk:\n"
      "        break\n"
      "    out += chunk\n"
      "_, status = os.waitpid(pid, 0)\n"
      "sys.stdout.buffer.write(out)\n"
      "sys.exit(os.waitstatus_to_exitcode(status))\n";
  const std::string file = s.file("terminal.py", script);  // not pty.py: that would shadow the module
  const auto shown = httpc::test::run_process({HTTPC_PYTHON3, file, HTTPC_TOOL_PATH, "-o", s.path("out"), url_of(server)});
  CHECK(shown.exit_code == 0);
  CHECK((read_file(s.path("out")) == body));
  CHECK(shown.out.find(" 256.0 KiB of 256.0 KiB  100%") != std::string::npos);
  CHECK(shown.out.find("\x1b[K") != std::string::npos);
  // Redrawn in place as the pieces came (150 ms apart): the cursor went back up.
  CHECK(shown.out.find("\x1b[1A\r") != shown.out.rfind("\x1b[1A\r"));

  const auto silent = httpc::test::run_process({HTTPC_PYTHON3, file, HTTPC_TOOL_PATH, "-s", "-o", s.path("out"), url_of(server)});
  CHECK(silent.exit_code == 0);
  CHECK(silent.out.empty());
  const auto piped = httpc_tool({"-o", s.path("out"), url_of(server)});
  CHECK(piped.exit_code == 0);
  CHECK(piped.err.empty());
}

// ============================================================================
// Against nginx
// ============================================================================

#ifdef HTTPC_CURL
TEST_CASE("transfer: --unix-socket, plain and TLS, as curl") {
  const std::string plain = httpc::test::nginx_http_socket();
  const std::string tls = httpc::test::nginx_https_socket();
  for (const auto& args : {std::vector<std::string>{"-s", "--unix-socket", plain, "http://localhost/small"},
                           {"-s", "--unix-socket", tls, "--cacert", httpc::test::test_ca(), "https://localhost/small"},
                           {"-s", "-w", "%{exitcode}", "--unix-socket", plain + ".none", "http://localhost/small"}}) {
    std::vector<std::string> curl_args = args;
    curl_args.insert(curl_args.begin(), {HTTPC_CURL, "-q"});
    const auto curl = httpc::test::run_process(curl_args);
    const auto ours = httpc_tool(args);
    CHECK(ours.exit_code == curl.exit_code);
    CHECK(ours.out == curl.out);
  }
  const auto ours = httpc_tool({"-s", "--unix-socket", plain, "http://localhost/small"});
  CHECK(ours.out == httpc::test::nginx_small_body);
}
#endif

TEST_CASE("transfer: nginx over HTTPS with --cacert, a 16 MiB body streamed to a file, an echo") {
  scratch s;
  const std::string base = "https://localhost:" + std::to_string(httpc::test::nginx_https_port());
  const auto big = httpc_tool({"--cacert", httpc::test::test_ca(), "-o", s.path("16m"), base + "/16m", "-w",
                               "%{size_download} %{http_code}"});
  CHECK(big.exit_code == 0);
  CHECK(big.out == "16777216 200");
  CHECK((read_file(s.path("16m")) == httpc::test::nginx_file("16m")));
  const auto echo = httpc_tool({"--cacert", httpc::test::test_ca(), "--data-binary", "echo me", base + "/echo"});
  CHECK(echo.exit_code == 0);
  CHECK(echo.out == "echo me");
  const auto untrusted = httpc_tool({"https://localhost:" + std::to_string(httpc::test::nginx_untrusted_port()) + "/small",
                                     "--cacert", httpc::test::test_ca()});
  CHECK(untrusted.exit_code == 60);
  const std::string mtls = "https://localhost:" + std::to_string(httpc::test::nginx_mtls_port()) + "/client-cert";
  const auto client = httpc_tool({"--cacert", httpc::test::test_ca(), "--cert", httpc::test::test_client_cert(),
                                  "--key", httpc::test::test_client_key(), mtls});
  CHECK(client.exit_code == 0);
  CHECK(client.out.starts_with("SUCCESS "));
  const auto bad_key = httpc_tool({"--cert", "/nonexistent-dir/cert.pem", mtls});
  CHECK(bad_key.exit_code == 58);
}
