// detail::tls_pipe: the client side of TLS over a socket, against Asio's own
// SSL stream as the server, on loopback.
#include "httpc/detail/tls_pipe.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "support/coroutines.hpp"
#include "support/script_server.hpp"

using asio::ip::tcp;
using asio::experimental::awaitable_operators::operator&&;
using httpc::detail::tls_pipe;
using httpc::detail::write_buffers;
using httpc::test::run_bounded;
using server_stream = asio::ssl::stream<tcp::socket>;

namespace {

constexpr auto as_result = asio::experimental::as_tuple(asio::use_awaitable);

const httpc::test::self_signed_certificate& certificate() {
  static const auto cert = httpc::test::make_self_signed("localhost");
  return cert;
}

asio::ssl::context server_context() {
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.use_certificate_chain(asio::buffer(certificate().cert_pem));
  context.use_private_key(asio::buffer(certificate().key_pem), asio::ssl::context::pem);
  return context;
}

asio::ssl::context client_context(bool trusting = true) {
  asio::ssl::context context(asio::ssl::context::tls_client);
  if (trusting) context.add_certificate_authority(asio::buffer(certificate().cert_pem));
  context.set_verify_mode(asio::ssl::verify_peer);
  return context;
}

// Both ends of one loopback connection: the pipe's client, Asio's server.
struct ends {
  asio::ssl::context server_tls = server_context();
  asio::ssl::context client_tls;
  server_stream server;
  tcp::socket socket;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl;
  tls_pipe pipe;
  bool stopped = false;

  ends(const asio::any_io_executor& executor, bool trusting = true)
      : client_tls(client_context(trusting)),
        server(executor, server_tls),
        socket(executor),
        ssl(SSL_new(client_tls.native_handle()), &SSL_free) {
    REQUIRE(ssl != nullptr);
    pipe.attach(ssl.get());
  }

  asio::awaitable<void> connect() {
    tcp::acceptor acceptor(socket.get_executor(), {asio::ip::make_address("127.0.0.1"), 0});
    co_await (socket.async_connect(acceptor.local_endpoint(), asio::use_awaitable) &&
              acceptor.async_accept(server.next_layer(), asio::use_awaitable));
  }

  asio::awaitable<std::error_code> server_handshake() {
    auto [ec] = co_await server.async_handshake(asio::ssl::stream_base::server, as_result);
    co_return ec;
  }

  asio::awaitable<std::string> read(std::size_t size) {
    std::string out(size, '\0');
    std::size_t got = 0;
    while (got < size) {
      const auto result = co_await pipe.async_read_some(socket, out.data() + got, size - got, stopped);
      const std::error_code ec = std::get<0>(result);  // not a binding: clang 14's doctest lambdas
      REQUIRE_MESSAGE(!ec, ec.message());
      got += std::get<1>(result);
    }
    co_return out;
  }

  asio::awaitable<std::error_code> write(std::string_view bytes) {
    write_buffers out{bytes};
    std::error_code ec;
    if (!pipe.send_now(socket, out, ec)) ec = std::get<0>(co_await pipe.async_write(socket, out, stopped));
    co_return ec;
  }
};

asio::awaitable<void> handshake_both(ends& e) {
  co_await e.connect();
  const auto results = co_await (e.pipe.async_handshake(e.socket, e.stopped) && e.server_handshake());
  const std::error_code client = std::get<0>(results), server = std::get<1>(results);
  REQUIRE_MESSAGE(!client, client.message());
  REQUIRE_MESSAGE(!server, server.message());
}

}  // namespace

TEST_CASE("tls_pipe: a handshake, bytes each way, and close_notify ending the stream") {
  run_bounded([]() -> asio::awaitable<void> {
    ends e(co_await asio::this_coro::executor);
    co_await handshake_both(e);
    auto client_side = [&]() -> asio::awaitable<void> {
      CHECK_FALSE(co_await e.write("ping"));
      CHECK(co_await e.read(4) == "pong");
      char byte;
      auto [ec, n] = co_await e.pipe.async_read_some(e.socket, &byte, 1, e.stopped);
      CHECK(ec == asio::error::eof);
      CHECK(n == 0);
      e.socket.close();
    };
    auto server_side = [&]() -> asio::awaitable<void> {
      std::string request(4, '\0');
      co_await asio::async_read(e.server, asio::buffer(request), asio::use_awaitable);
      CHECK(request == "ping");
      co_await asio::async_write(e.server, asio::buffer(std::string_view("pong")), asio::use_awaitable);
      co_await e.server.async_shutdown(as_result);  // close_notify; the client does not answer it
    };
    co_await (client_side() && server_side());
  });
}

TEST_CASE("tls_pipe: a close without close_notify is stream_truncated") {
  run_bounded([]() -> asio::awaitable<void> {
    ends e(co_await asio::this_coro::executor);
    co_await handshake_both(e);
    co_await asio::async_write(e.server, asio::buffer(std::string_view("partial")), asio::use_awaitable);
    e.server.next_layer().close();
    CHECK(co_await e.read(7) == "partial");
    char byte;
    auto [ec, n] = co_await e.pipe.async_read_some(e.socket, &byte, 1, e.stopped);
    CHECK(ec == asio::ssl::error::stream_truncated);
  });
}

TEST_CASE("tls_pipe: a large write goes in slices as the socket takes it, byte-exact") {
  run_bounded([]() -> asio::awaitable<void> {
    ends e(co_await asio::this_coro::executor);
    co_await handshake_both(e);
    std::string data(8 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 % 251);
    std::string received(data.size(), '\0');
    auto client_side = [&]() -> asio::awaitable<void> {
      write_buffers out{std::string_view(data).substr(0, 10), std::string_view(data).substr(10)};
      std::error_code ec;
      CHECK_FALSE(e.pipe.send_now(e.socket, out, ec));  // one slice at most: the rest waits
      CHECK_FALSE(ec);
      auto [write_error, n] = co_await e.pipe.async_write(e.socket, out, e.stopped);
      CHECK_FALSE(write_error);
      CHECK(out.empty());
    };
    auto server_side = [&]() -> asio::awaitable<void> {
      co_await asio::async_read(e.server, asio::buffer(received), asio::use_awaitable);
    };
    co_await (client_side() && server_side());
    const bool same = received == data;
    CHECK(same);
  }, std::chrono::seconds(20));
}

TEST_CASE("tls_pipe: after a key update both directions go on") {
  run_bounded([]() -> asio::awaitable<void> {
    ends e(co_await asio::this_coro::executor);
    co_await handshake_both(e);
    REQUIRE(SSL_key_update(e.server.native_handle(), SSL_KEY_UPDATE_REQUESTED) == 1);
    co_await asio::async_write(e.server, asio::buffer(std::string_view("updated")), asio::use_awaitable);
    CHECK(co_await e.read(7) == "updated");
    CHECK_FALSE(co_await e.write("answer"));
    std::string answer(6, '\0');
    co_await asio::async_read(e.server, asio::buffer(answer), asio::use_awaitable);
    CHECK(answer == "answer");
    CHECK(SSL_get_key_update_type(e.ssl.get()) == SSL_KEY_UPDATE_NONE);  // answered
  });
}

TEST_CASE("tls_pipe: stopped ends an operation before its next socket operation") {
  run_bounded([]() -> asio::awaitable<void> {
    ends e(co_await asio::this_coro::executor);
    co_await handshake_both(e);
    e.stopped = true;  // as a timer that fired while nothing was pending
    char byte;
    auto [read_error, n] = co_await e.pipe.async_read_some(e.socket, &byte, 1, e.stopped);
    CHECK(read_error == asio::error::operation_aborted);  // no wait for bytes that never come
    write_buffers out{"held"};
    auto [write_error, written] = co_await e.pipe.async_write(e.socket, out, e.stopped);
    CHECK(write_error == asio::error::operation_aborted);
  });
}

TEST_CASE("tls_pipe: a certificate the context does not trust fails the handshake") {
  run_bounded([]() -> asio::awaitable<void> {
    ends e(co_await asio::this_coro::executor, false);
    co_await e.connect();
    const auto results = co_await (e.pipe.async_handshake(e.socket, e.stopped) && e.server_handshake());
    const std::error_code client = std::get<0>(results), server = std::get<1>(results);
    CHECK(client.category() == asio::error::get_ssl_category());
    CHECK_MESSAGE(client.message().find("certificate verify failed") != std::string::npos, client.message());
    CHECK(server);
  });
}
