#pragma once
// TLS records between OpenSSL and a connection's socket. Asio's SSL stream
// keeps the SSL object with its context's settings and verify callback; a
// tls_connection moves the bytes itself, through this pipe, so that a write
// goes to the kernel at once and a read needs no composed operation (Asio's
// stream sends each record through its scheduler and copies it through a
// BIO pair).

#include <openssl/ssl.h>

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>

#include "httpc/detail/socket_io.hpp"

namespace httpc::detail {

class tls_pipe {
 public:
  using io_result = std::tuple<std::error_code, std::size_t>;

  tls_pipe() = default;
  tls_pipe(const tls_pipe&) = delete;
  tls_pipe& operator=(const tls_pipe&) = delete;

  /// Makes the pipe `ssl`'s transport, in place of the one it had, for a
  /// client handshake; both directions start empty.
  void attach(SSL* ssl);

  // The operations below take several socket operations. A timer that
  // cancels the socket may fire between two of them, when there is nothing
  // to cancel: `stopped` set by it ends the operation with
  // operation_aborted before the next one starts.

  /// The client handshake over `socket`, with the settings made on the SSL
  /// object before (SNI, ALPN, verification).
  asio::awaitable<std::error_code> async_handshake(asio::ip::tcp::socket& socket, const bool& stopped);
  /// Encrypts `out` and sends the records if the socket takes them at once:
  /// true when all went (or on a failure: `ec`); else async_write(), which
  /// sends the rest.
  bool send_now(asio::ip::tcp::socket& socket, write_buffers& out, std::error_code& ec);
  asio::awaitable<io_result> async_write(asio::ip::tcp::socket& socket, write_buffers& out,
                                         const bool& stopped);
  /// As a stream's read_some: decrypted bytes into [data, data + size), at
  /// least one; asio::error::eof after the peer's close_notify, and
  /// asio::ssl::error::stream_truncated for a close without it.
  asio::awaitable<io_result> async_read_some(asio::ip::tcp::socket& socket, char* data,
                                             std::size_t size, const bool& stopped);
  /// For an idle connection: takes what the socket holds, without waiting,
  /// and lets OpenSSL read it. True when that was only handshake messages
  /// (TLS 1.3 session tickets; a key update, answered at once) and nothing
  /// is left over; false for application data nobody asked for, part of a
  /// record, a close, an alert, or an answer the socket would not take.
  bool settle_idle(asio::ip::tcp::socket& socket) noexcept;

 private:
  static int read_input(BIO* bio, char* data, int size);
  static int write_output(BIO* bio, const char* data, int size);
  std::error_code failure(int result) const noexcept;
  bool handshake_step(std::error_code& ec);
  bool encrypt_some(write_buffers& out, std::error_code& ec);
  std::size_t decrypt(void* data, std::size_t size, std::error_code& ec);
  bool has_input() const noexcept;
  asio::mutable_buffer input_space();
  std::error_code received(std::error_code read_error, std::size_t n) noexcept;
  std::string_view output() const noexcept {
    return std::string_view(output_).substr(output_sent_);
  }
  void sent(std::size_t n) noexcept;

  SSL* ssl_ = nullptr;
  std::unique_ptr<char[]> input_;  // records received, [input_start_, input_end_) not yet decrypted
  std::size_t input_start_ = 0;
  std::size_t input_end_ = 0;
  std::string output_;  // records to send, from output_sent_ on
  std::size_t output_sent_ = 0;
};

}  // namespace httpc::detail
