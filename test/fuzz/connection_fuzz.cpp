// libFuzzer target for a whole httpc::connection (the core): a request and
// its response, and a second one when the connection stays reusable, from a
// fake server whose bytes, splits, stalls and close come from the input.
//
// The core's stream is a real asio::ip::tcp::socket (it takes no other), so
// the server is a loopback listener on the same io_context, one thread:
// every input runs to its end deterministically but for the kernel's timing
// of loopback delivery.
//
// Input layout: an options byte, a seed byte, then the bytes the server
// sends (the parser corpus's raw responses are good seeds after two bytes).
//   options bit 0    strict parser
//   options bit 1    HEAD instead of GET
//   options bit 2    small parser limits
//   options bit 3    body through async_next rather than async_read_all
//   options bit 4    the server keeps the connection open after its bytes
//                    (the client's read timeout must end it)
//   options bit 5    a POST with a body and Expect: 100-continue
//   options bit 6    the server resets the connection after its bytes
// The seed drives the piece sizes (1 to 64 bytes) and stalls between pieces
// (up to 30 ms, longer than the read timeout now and then).
//
// Checked: the client's operations complete (success or an error of
// httpc's category, the OS's, or timed_out) within a hard bound of time;
// no crash, no sanitizer report; a successful body matches its framing.

#include "fuzz_check.hpp"

#include <httpc/async.hpp>
#include <httpc/error.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>

namespace {

using namespace std::chrono_literals;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
constexpr auto tuple_awaitable = asio::experimental::as_tuple(use_awaitable);

// xorshift32: split points and stalls only.
struct rng {
  std::uint32_t state;
  explicit rng(std::uint32_t seed) : state(seed * 2654435761u ^ 0x9e3779b9u) {
    if (state == 0) state = 1;
  }
  std::uint32_t next() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  }
};

struct script {
  unsigned options = 0;
  std::uint8_t seed = 0;
  std::string_view bytes;
};

// The errors a caller may see: httpc's, the OS's, a timeout.
void check_error(const std::error_code& ec) {
  if (!ec) return;
  if (ec.category() == httpc::error_category()) return;
  if (ec == std::errc::timed_out) return;
  if (ec.category() == std::system_category()) return;
  std::fprintf(stderr, "connection_fuzz: undocumented error %s: %s\n", ec.category().name(),
               ec.message().c_str());
  httpc::fuzz::violation(__FILE__, __LINE__, "an error of no documented kind");
}

// Sends the script's bytes in pieces with stalls, then closes (or not).
awaitable<void> serve(tcp::acceptor& acceptor, const script& s, bool& client_done) {
  auto [accept_error, peer] = co_await acceptor.async_accept(tuple_awaitable);
  if (accept_error) co_return;
  rng r(s.seed);
  asio::steady_timer timer(peer.get_executor());
  std::size_t at = 0;
  auto stall_budget = 60ms;
  while (at < s.bytes.size()) {
    const std::size_t n = std::min<std::size_t>(1 + r.next() % 64, s.bytes.size() - at);
    auto [ec, written] =
        co_await asio::async_write(peer, asio::buffer(s.bytes.data() + at, n), tuple_awaitable);
    if (ec) co_return;  // the client closed
    at += n;
    if (r.next() % 8 == 0 && stall_budget > 0ms) {
      const auto stall = std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(r.next() % 31), stall_budget);
      stall_budget -= stall;
      timer.expires_after(stall);
      co_await timer.async_wait(tuple_awaitable);
    }
  }
  std::error_code ignored;
  if ((s.options & 64) != 0) {
    // An abortive close: the client's next read or write fails with a reset.
    peer.set_option(asio::socket_base::linger(true, 0), ignored);
    peer.close(ignored);
  } else if ((s.options & 16) == 0) {
    peer.shutdown(tcp::socket::shutdown_send, ignored);
  }
  // Keep the socket until the client is done (it reads until it decides).
  while (!client_done) {
    timer.expires_after(5ms);
    co_await timer.async_wait(tuple_awaitable);
  }
}

// One exchange; returns its error.
awaitable<std::error_code> exchange(httpc::connection& c, const script& s) {
  const bool post = (s.options & 32) != 0;
  const std::string_view method = post ? "POST" : (s.options & 2) != 0 ? "HEAD" : "GET";
  httpc::Headers headers;
  if (post) headers.emplace_back("Expect", "100-continue");
  auto [request_error] = co_await c.async_request(
      method, "/", post ? httpc::request_body("body") : httpc::request_body{}, headers,
      tuple_awaitable);
  if (request_error) co_return request_error;
  auto [head_error, response] = co_await c.async_getresponse(tuple_awaitable);
  if (head_error) co_return head_error;
  FUZZ_CHECK(response.status() >= 100 && response.status() <= 999);
  std::string body;
  if ((s.options & 8) != 0) {
    for (int pieces = 0;; ++pieces) {
      FUZZ_CHECK(pieces <= 1 << 20);
      auto [ec, piece] = co_await response.async_next(tuple_awaitable);
      if (ec) co_return ec;
      if (piece.empty()) break;
      body.append(piece);
    }
  } else {
    auto [ec, all] = co_await response.async_read_all(1 << 20, tuple_awaitable);
    if (ec) co_return ec;
    body = std::move(all);
  }
  FUZZ_CHECK(response.done());
  if (const auto length = response.content_length()) FUZZ_CHECK(*length == body.size());
  // (An HTTP/0.9 response has no head to say so: its body runs until close.)
  if (method == "HEAD" && response.version() != 9) FUZZ_CHECK(body.empty());
  co_return std::error_code{};
}

awaitable<void> client(std::uint16_t port, const script& s, bool& done) {
  httpc::connection_options options;
  options.parser.strict = (s.options & 1) != 0;
  if ((s.options & 4) != 0) {
    options.parser.max_fields = 4;
    options.parser.max_line_length = 64;
    options.parser.max_head_size = 256;
  }
  options.connect_timeout = 500ms;
  options.write_timeout = 100ms;
  options.read_timeout = 20ms;
  options.request_timeout = 200ms;
  options.expect_continue_timeout = 20ms;
  httpc::connection c(co_await asio::this_coro::executor, options);
  auto [connect_error] = co_await c.async_connect("127.0.0.1", port, tuple_awaitable);
  check_error(connect_error);
  if (!connect_error) {
    for (int i = 0; i < 2; ++i) {
      const std::error_code ec = co_await exchange(c, s);
      check_error(ec);
      if (ec) {
        FUZZ_CHECK(!c.is_open());  // any error closes the connection
        break;
      }
      if (!c.is_reusable()) break;
    }
  }
  c.close();
  done = true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > 4096) return 0;
  script s;
  s.options = data[0];
  s.seed = data[1];
  s.bytes = {reinterpret_cast<const char*>(data) + 2, size - 2};

  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const auto port = acceptor.local_endpoint().port();
  bool client_done = false;
  asio::co_spawn(io, serve(acceptor, s, client_done), asio::detached);
  asio::co_spawn(io, client(port, s, client_done), asio::detached);
  // Stalls (60 ms at most), the request timeout and the read timeouts of a
  // second exchange stay well within this.
  io.run_for(3s);
  FUZZ_CHECK(client_done);  // else the client hung
  return 0;
}
