// detail::write_buffers and detail::send_direct: a gather write that skips
// the reactor when the socket takes the bytes at once.
#include "httpc/detail/socket_io.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <iterator>
#include <string>

using httpc::detail::send_direct;
using httpc::detail::write_buffers;

namespace {

std::string gathered(const write_buffers& buffers) {
  std::string out;
  for (const asio::const_buffer& part : buffers) out.append(static_cast<const char*>(part.data()), part.size());
  return out;
}

// A connected pair of stream sockets; the reading end is non-blocking.
struct socket_pair {
  int writer = -1;
  int reader = -1;

  socket_pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    writer = fds[0];
    reader = fds[1];
    REQUIRE(::fcntl(reader, F_SETFL, ::fcntl(reader, F_GETFL) | O_NONBLOCK) == 0);
  }
  ~socket_pair() {
    ::close(writer);
    if (reader >= 0) ::close(reader);
  }
  socket_pair(const socket_pair&) = delete;
  socket_pair& operator=(const socket_pair&) = delete;

  // Everything the reader has now.
  std::string drain() const {
    std::string out;
    char block[65536];
    for (;;) {
      const ssize_t n = ::read(reader, block, sizeof block);
      if (n <= 0) return out;
      out.append(block, static_cast<std::size_t>(n));
    }
  }
};

}  // namespace

TEST_CASE("write_buffers: empty parts are left out; consume drops whole parts, then a front") {
  write_buffers buffers{"abc", "", "defg", "h"};
  CHECK(std::distance(buffers.begin(), buffers.end()) == 3);
  CHECK(gathered(buffers) == "abcdefgh");
  buffers.consume(2);
  CHECK(gathered(buffers) == "cdefgh");
  buffers.consume(1);
  CHECK(std::distance(buffers.begin(), buffers.end()) == 2);
  CHECK(gathered(buffers) == "defgh");
  buffers.consume(5);
  CHECK(buffers.empty());
  CHECK(write_buffers{"", ""}.empty());
}

TEST_CASE("send_direct: a write the socket takes whole is done at once") {
  socket_pair pair;
  write_buffers out{"GET / HTTP/1.1\r\n", "Host: a\r\n\r\n", "body"};
  std::error_code ec;
  CHECK(send_direct(pair.writer, out, ec));
  CHECK_FALSE(ec);
  CHECK(out.empty());
  CHECK(pair.drain() == "GET / HTTP/1.1\r\nHost: a\r\n\r\nbody");
}

TEST_CASE("send_direct: what a full socket does not take stays, in order, and nothing waits") {
  socket_pair pair;
  const int small = 4096;
  REQUIRE(::setsockopt(pair.writer, SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
  std::string data(4 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 23);
  write_buffers out{std::string_view(data).substr(0, 100), std::string_view(data).substr(100)};
  std::error_code ec;
  CHECK_FALSE(send_direct(pair.writer, out, ec));  // would block: the rest is the caller's
  CHECK_FALSE(ec);
  REQUIRE_FALSE(out.empty());
  std::string received = pair.drain();
  CHECK_FALSE(received.empty());
  CHECK(gathered(out).size() + received.size() == data.size());
  // Sending on as the reader drains it delivers every byte in order.
  for (int round = 0; round < 100000 && !out.empty(); ++round) {
    if (!send_direct(pair.writer, out, ec)) received += pair.drain();
    REQUIRE_FALSE(ec);
  }
  received += pair.drain();
  CHECK(out.empty());
  CHECK(received == data);
}

TEST_CASE("send_direct: a peer that is gone is an error, not a signal") {
  socket_pair pair;
  ::close(pair.reader);
  pair.reader = -1;
  write_buffers out{"lost"};
  std::error_code ec;
  CHECK(send_direct(pair.writer, out, ec));  // done: failed
  CHECK(ec == std::errc::broken_pipe);
}
