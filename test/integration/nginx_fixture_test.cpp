// Tests of the nginx fixture (test/support/): the server that the integration
// tests use answers as test/support/nginx.hpp says. POSIX sockets only, so
// that a fault here is the fixture's, never the client's.
#include "support/nginx.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace {

using namespace std::literals;
namespace nginx = httpc::test;

[[noreturn]] void fail_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

struct response {
  std::string head;  // status line and fields, up to and without the blank line
  std::string body;  // decoded when chunked
};

// A client connection to nginx on loopback, reading one response at a time;
// bytes read past a response stay for the next.
class connection {
 public:
  explicit connection(std::uint16_t port, bool ipv6 = false) {
    fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      fail_errno("socket");
    }
    // A stuck server fails the test rather than hanging it.
    const timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    int result = 0;
    if (ipv6) {
      sockaddr_in6 address{};
      address.sin6_family = AF_INET6;
      address.sin6_port = htons(port);
      address.sin6_addr = in6addr_loopback;
      result = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    } else {
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(port);
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      result = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    }
    if (result != 0) {
      const int error = errno;
      ::close(fd_);
      throw std::system_error(error, std::generic_category(),
                              "connect to loopback port " + std::to_string(port));
    }
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() { ::close(fd_); }

  void send(std::string_view data) {
    while (!data.empty()) {
      const auto sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) {
          continue;
        }
        fail_errno("send");
      }
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
  }

  // The next response, whole. `head_only`: a response to HEAD, no body.
  response read_response(bool head_only = false) {
    response result;
    std::size_t end = 0;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) {
        throw std::runtime_error("the connection closed before a response head: '" + buffer_ +
                                 "'");
      }
    }
    result.head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    if (head_only || result.head.starts_with("HTTP/1.1 204") ||
        result.head.starts_with("HTTP/1.1 304")) {
      return result;
    }
    if (const auto length = field(result.head, "Content-Length")) {
      result.body = take(std::stoull(*length));
    } else if (field(result.head, "Transfer-Encoding") == "chunked") {
      result.body = read_chunked();
    } else {
      while (fill()) {
      }
      result.body = std::move(buffer_);
      buffer_.clear();
    }
    return result;
  }

  // Whether the server has closed the connection (after what was read).
  bool at_eof() { return buffer_.empty() && !fill(); }

  // The value of the first field `name` (ASCII case-insensitive) in `head`.
  static std::optional<std::string> field(std::string_view head, std::string_view name) {
    std::size_t line = head.find("\r\n");
    while (line != std::string_view::npos) {
      line += 2;
      const auto next = head.find("\r\n", line);
      const auto text = head.substr(line, next == std::string_view::npos ? next : next - line);
      const auto colon = text.find(':');
      if (colon == name.size() &&
          std::equal(name.begin(), name.end(), text.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        auto value = text.substr(colon + 1);
        value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
        return std::string(value);
      }
      line = next;
    }
    return std::nullopt;
  }

 private:
  // Appends what the socket has; false at the end of the stream.
  bool fill() {
    char chunk[65536];
    for (;;) {
      const auto received = ::recv(fd_, chunk, sizeof chunk, 0);
      if (received < 0 && errno == EINTR) {
        continue;
      }
      if (received < 0) {
        fail_errno("recv");
      }
      buffer_.append(chunk, static_cast<std::size_t>(received));
      return received > 0;
    }
  }

  std::string take(std::size_t size) {
    while (buffer_.size() < size) {
      if (!fill()) {
        throw std::runtime_error("the connection closed inside a body");
      }
    }
    std::string result = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return result;
  }

  std::string take_line() {
    std::size_t end = 0;
    while ((end = buffer_.find("\r\n")) == std::string::npos) {
      if (!fill()) {
        throw std::runtime_error("the connection closed inside chunked framing");
      }
    }
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    return line;
  }

  std::string read_chunked() {
    std::string body;
    for (;;) {
      const std::size_t size = std::stoull(take_line(), nullptr, 16);
      if (size == 0) {
        while (!take_line().empty()) {  // trailer fields, then the blank line
        }
        return body;
      }
      body += take(size);
      REQUIRE(take_line().empty());
    }
  }

  int fd_ = -1;
  std::string buffer_;
};

std::string get(std::string_view target, std::string_view extra_fields = {}) {
  return "GET "s.append(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra_fields) +
         "\r\n";
}

}  // namespace

TEST_CASE("the fixture's settings") {
  const auto http = nginx::nginx_http_port();
  const auto https = nginx::nginx_https_port();
  const auto mtls = nginx::nginx_mtls_port();
  const auto untrusted = nginx::nginx_untrusted_port();
  CHECK(http != https);
  CHECK(https != mtls);
  CHECK(mtls != untrusted);
  CHECK(untrusted != http);

  CHECK(nginx::nginx_file("small") == nginx::nginx_small_body);
  CHECK(nginx::nginx_file("64k").size() == 65536);
  CHECK(nginx::nginx_file("16m").size() == 16 * 1024 * 1024);
  for (const auto& pem : {nginx::test_ca(), nginx::test_untrusted_ca(),
                          nginx::test_client_cert(), nginx::test_client_key()}) {
    CAPTURE(pem);
    std::ifstream file(pem);
    std::string first_line;
    CHECK(std::getline(file, first_line));
    CHECK(first_line.starts_with("-----BEGIN "));
  }
}

TEST_CASE("GET /small") {
  connection client(nginx::nginx_http_port());
  client.send("GET /small HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const auto answer = client.read_response();
  CHECK(answer.head.starts_with("HTTP/1.1 200"));
  CHECK(connection::field(answer.head, "content-length") == "13");
  CHECK(answer.body == nginx::nginx_small_body);
}

TEST_CASE("GET /chunked") {
  connection client(nginx::nginx_http_port());
  client.send(get("/chunked"));
  const auto answer = client.read_response();
  CHECK(answer.head.starts_with("HTTP/1.1 200"));
  CHECK(answer.head.find("\r\nTransfer-Encoding: chunked") != std::string::npos);
  CHECK(answer.body == nginx::nginx_chunked_body());
}

TEST_CASE("GET /64k and /16m, plain and chunked") {
  connection client(nginx::nginx_http_port());
  for (const auto* name : {"64k", "16m"}) {
    CAPTURE(name);
    const auto expected = nginx::nginx_file(name);

    client.send(get("/"s + name));
    const auto plain = client.read_response();
    CHECK(plain.head.starts_with("HTTP/1.1 200"));
    CHECK(connection::field(plain.head, "Content-Length") == std::to_string(expected.size()));
    CHECK(plain.body == expected);

    client.send(get("/chunked/"s + name));
    const auto chunked = client.read_response();
    CHECK(connection::field(chunked.head, "Transfer-Encoding") == "chunked");
    CHECK(chunked.body == expected);
  }
  client.send("HEAD /64k HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const auto head = client.read_response(true);
  CHECK(connection::field(head.head, "Content-Length") == "65536");
}

TEST_CASE("one keep-alive connection takes a thousand requests") {
  connection client(nginx::nginx_http_port());
  const auto large = nginx::nginx_file("64k");
  const auto chunked = nginx::nginx_chunked_body();
  for (int i = 0; i < 1000; ++i) {
    const auto kind = i % 3;
    client.send(get(kind == 0 ? "/small" : kind == 1 ? "/64k" : "/chunked"));
    const auto answer = client.read_response();
    REQUIRE(answer.head.starts_with("HTTP/1.1 200"));
    REQUIRE(answer.body == (kind == 0 ? std::string(nginx::nginx_small_body)
                            : kind == 1 ? large
                                        : chunked));
  }
  // Pipelined: two requests in one write.
  client.send(get("/small") + get("/status/404"));
  CHECK(client.read_response().body == nginx::nginx_small_body);
  CHECK(client.read_response().head.starts_with("HTTP/1.1 404"));
}

TEST_CASE("POST /echo") {
  connection client(nginx::nginx_http_port());
  // 5 MiB: more than nginx keeps in memory (it buffers to a file).
  const auto body = nginx::nginx_file("16m").substr(1000, 5 * 1024 * 1024);

  client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n");
  client.send(body);
  const auto sized = client.read_response();
  CHECK(sized.head.starts_with("HTTP/1.1 200"));
  CHECK(sized.body == body);

  client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (std::size_t offset = 0; offset < body.size(); offset += 700000) {
    const auto piece = std::string_view(body).substr(offset, 700000);
    char size[32];
    const auto length = std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    client.send(std::string_view(size, static_cast<std::size_t>(length)));
    client.send(piece);
    client.send("\r\n");
  }
  client.send("0\r\n\r\n");
  const auto chunked = client.read_response();
  CHECK(chunked.head.starts_with("HTTP/1.1 200"));
  CHECK(chunked.body == body);
}

TEST_CASE("GET /headers") {
  connection client(nginx::nginx_http_port());
  client.send(get("/headers", "X-Test: 1\r\n"));
  CHECK(client.read_response().body == get("/headers", "X-Test: 1\r\n"));
}

TEST_CASE("GET /close and /until-close end with the connection") {
  {
    connection client(nginx::nginx_http_port());
    client.send(get("/close"));
    const auto answer = client.read_response();
    CHECK(connection::field(answer.head, "Connection") == "close");
    CHECK(answer.body == nginx::nginx_small_body);
    CHECK(client.at_eof());
  }
  {
    connection client(nginx::nginx_http_port());
    client.send(get("/until-close"));
    const auto answer = client.read_response();
    CHECK(answer.head.starts_with("HTTP/1.1 200"));
    CHECK_FALSE(connection::field(answer.head, "Content-Length"));
    CHECK_FALSE(connection::field(answer.head, "Transfer-Encoding"));
    CHECK(answer.body == nginx::nginx_until_close_body);
  }
  {
    connection client(nginx::nginx_http_port());
    client.send(get("/until-close/64k"));
    CHECK(client.read_response().body == nginx::nginx_file("64k"));
  }
}

TEST_CASE("GET /status/...") {
  connection client(nginx::nginx_http_port());
  client.send(get("/status/404"));
  CHECK(client.read_response().head.starts_with("HTTP/1.1 404 Not Found\r\n"));
  client.send(get("/status/204"));
  CHECK(client.read_response().head.starts_with("HTTP/1.1 204 No Content\r\n"));
  client.send(get("/status/500"));
  CHECK(client.read_response().head.starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
}

TEST_CASE("IPv6 loopback, when the machine has it") {
  if (!nginx::nginx_has_ipv6()) {
    MESSAGE("nginx does not listen on [::1] here");
    return;
  }
  connection client(nginx::nginx_http_port(), true);
  client.send(get("/small"));
  CHECK(client.read_response().body == nginx::nginx_small_body);
}

TEST_CASE("the TLS ports accept connections") {
  // The handshakes are the client's tests; nginx_fixture.sh checks them with
  // openssl s_client at start.
  for (const auto port : {nginx::nginx_https_port(), nginx::nginx_mtls_port(),
                          nginx::nginx_untrusted_port()}) {
    CAPTURE(port);
    CHECK_NOTHROW(connection{port});
  }
}
