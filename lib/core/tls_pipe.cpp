#include "httpc/detail/tls_pipe.hpp"

#include "httpc/detail/completion.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <algorithm>
#include <asio/error.hpp>
#include <asio/ssl/error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <climits>
#include <cstring>
#include <new>

namespace httpc::detail {
namespace {

// A full record (16 KiB and its overhead) fits, so one read can take it.
constexpr std::size_t input_capacity = 17 * 1024;

// A large body is encrypted a slice at a time, not held twice in memory.
constexpr std::size_t encrypt_slice = 64 * 1024;

long control(BIO*, int command, long, void*) {
  // OpenSSL flushes after each handshake flight; the bytes are in output_
  // already, and the pipe sends them.
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

// SSL_get_error reads the thread's error queue, which must be empty before
// each call; clearing an empty queue still costs a few hundred instructions.
void clear_errors() noexcept {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

int clamp(std::size_t size) noexcept {
  return static_cast<int>(std::min<std::size_t>(size, INT_MAX));
}

}  // namespace

void tls_pipe::attach(SSL* ssl) {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "httpc tls_pipe");
    if (m == nullptr || BIO_meth_set_read(m, &tls_pipe::read_input) != 1 ||
        BIO_meth_set_write(m, &tls_pipe::write_output) != 1 || BIO_meth_set_ctrl(m, &control) != 1)
      throw std::bad_alloc();
    return m;
  }();
  BIO* bio = BIO_new(method);
  if (bio == nullptr) throw std::bad_alloc();
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl, bio, bio);  // frees the BIO pair Asio's stream had put there
  SSL_set_connect_state(ssl);
  // Asio's stream frees the record buffers whenever they are empty: a
  // malloc and a free per record. Kept, they cost only the pages records
  // reach.
  SSL_clear_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  ssl_ = ssl;
  input_start_ = input_end_ = 0;
  output_.clear();
  output_sent_ = 0;
}

asio::awaitable<std::error_code> tls_pipe::async_handshake(asio::ip::tcp::socket& socket,
                                                          const bool& stopped) {
  for (;;) {
    std::error_code ec;
    const bool done = handshake_step(ec);
    if (!output().empty()) {
      auto [write_error, n] = co_await asio::async_write(socket, asio::buffer(output()), as_result);
      sent(n);
      if (!ec) ec = write_error;
    }
    if (done || ec) co_return ec;
    if (stopped) co_return asio::error::operation_aborted;
    auto [read_error, n] = co_await socket.async_read_some(input_space(), as_result);
    if ((ec = received(read_error, n))) co_return ec;
  }
}

bool tls_pipe::send_now(asio::ip::tcp::socket& socket, write_buffers& out, std::error_code& ec) {
  if (!output().empty()) return false;  // an earlier write is still under way
  if (!encrypt_some(out, ec)) return true;
  write_buffers records{output()};
  const std::size_t size = output().size();
  const bool all = send_direct(socket.native_handle(), records, ec);
  sent(size - asio::buffer_size(records));
  return ec || (all && out.empty());
}

asio::awaitable<tls_pipe::io_result> tls_pipe::async_write(asio::ip::tcp::socket& socket,
                                                           write_buffers& out,
                                                           const bool& stopped) {
  for (;;) {
    if (stopped) co_return io_result{asio::error::operation_aborted, 0};
    if (!output().empty()) {
      auto [write_error, n] = co_await asio::async_write(socket, asio::buffer(output()), as_result);
      sent(n);
      if (write_error) co_return io_result{write_error, 0};
    }
    std::error_code ec;
    if (out.empty() || !encrypt_some(out, ec)) co_return io_result{ec, 0};
  }
}

asio::awaitable<tls_pipe::io_result> tls_pipe::async_read_some(asio::ip::tcp::socket& socket,
                                                               char* data, std::size_t size,
                                                               const bool& stopped) {
  // Decrypting before a read only when bytes are waiting spares a failing
  // SSL_read per response; after a read it always goes first.
  for (bool decrypt_first = has_input();; decrypt_first = true) {
    std::error_code ec;
    if (decrypt_first) {
      const std::size_t n = decrypt(data, size, ec);
      if (!ec && !output().empty()) {  // a key update's answer, an alert
        auto [write_error, written] =
            co_await asio::async_write(socket, asio::buffer(output()), as_result);
        sent(written);
        ec = write_error;
      }
      if (n != 0 || ec) co_return io_result{ec, n};
    }
    if (stopped) co_return io_result{asio::error::operation_aborted, 0};
    auto [read_error, n] = co_await socket.async_read_some(input_space(), as_result);
    if ((ec = received(read_error, n))) co_return io_result{ec, 0};
  }
}

bool tls_pipe::settle_idle(asio::ip::tcp::socket& socket) noexcept {
  if (!input_ || !output().empty()) return false;
  for (;;) {
    const asio::mutable_buffer space = input_space();
    if (space.size() == 0) return false;
    const ssize_t n = ::recv(socket.native_handle(), space.data(), space.size(), MSG_DONTWAIT);
    if (n > 0) {
      input_end_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return false;
    break;
  }
  char probe = 0;
  std::error_code ec;
  if (decrypt(&probe, 1, ec) != 0 || ec) return false;
  // SSL_has_pending also sees a record OpenSSL holds only in part.
  if (input_start_ != input_end_ || SSL_has_pending(ssl_) != 0) return false;
  if (output().empty()) return true;
  write_buffers answer{output()};
  const std::size_t size = output().size();
  const bool all = send_direct(socket.native_handle(), answer, ec);
  sent(size - asio::buffer_size(answer));
  return all && !ec;
}

int tls_pipe::read_input(BIO* bio, char* data, int size) {
  auto* pipe = static_cast<tls_pipe*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (pipe->input_start_ == pipe->input_end_) {
    BIO_set_retry_read(bio);
    return -1;
  }
  const std::size_t n = std::min(pipe->input_end_ - pipe->input_start_, static_cast<std::size_t>(size));
  std::memcpy(data, pipe->input_.get() + pipe->input_start_, n);
  pipe->input_start_ += n;
  return static_cast<int>(n);
}

int tls_pipe::write_output(BIO* bio, const char* data, int size) {
  auto* pipe = static_cast<tls_pipe*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  pipe->output_.append(data, static_cast<std::size_t>(size));
  return size;
}

// As Asio's stream reports OpenSSL's failures: the first queued error in
// Asio's SSL category, so messages and comparisons stay what they were.
std::error_code tls_pipe::failure(int result) const noexcept {
  const int reason = SSL_get_error(ssl_, result);
  if (reason == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return asio::ssl::error::unexpected_result;
  return {static_cast<int>(code), asio::error::get_ssl_category()};
}

bool tls_pipe::handshake_step(std::error_code& ec) {
  clear_errors();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) return true;
  if (SSL_get_error(ssl_, result) != SSL_ERROR_WANT_READ) ec = failure(result);
  return false;
}

bool tls_pipe::encrypt_some(write_buffers& out, std::error_code& ec) {
  std::size_t taken = 0;
  while (!out.empty() && taken < encrypt_slice) {
    const asio::const_buffer part = *out.begin();
    clear_errors();
    const int result = SSL_write(ssl_, part.data(), clamp(std::min(part.size(), encrypt_slice - taken)));
    if (result <= 0) {
      ec = failure(result);
      return false;
    }
    out.consume(static_cast<std::size_t>(result));
    taken += static_cast<std::size_t>(result);
  }
  return true;
}

std::size_t tls_pipe::decrypt(void* data, std::size_t size, std::error_code& ec) {
  clear_errors();
  const int result = SSL_read(ssl_, data, clamp(size));
  if (result > 0) return static_cast<std::size_t>(result);
  if (SSL_get_error(ssl_, result) != SSL_ERROR_WANT_READ) ec = failure(result);
  return 0;
}

bool tls_pipe::has_input() const noexcept {
  return input_start_ != input_end_ || SSL_pending(ssl_) > 0;
}

asio::mutable_buffer tls_pipe::input_space() {
  if (!input_) input_ = std::make_unique_for_overwrite<char[]>(input_capacity);
  if (input_start_ == input_end_) {
    input_start_ = input_end_ = 0;
  } else if (input_start_ != 0) {
    std::memmove(input_.get(), input_.get() + input_start_, input_end_ - input_start_);
    input_end_ -= input_start_;
    input_start_ = 0;
  }
  return asio::buffer(input_.get() + input_end_, input_capacity - input_end_);
}

// A socket read's outcome: its bytes join the input; its end means the
// stream's end only after the peer's close_notify.
std::error_code tls_pipe::received(std::error_code read_error, std::size_t n) noexcept {
  input_end_ += n;
  if (read_error != asio::error::eof) return read_error;
  if ((SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0) return asio::error::eof;
  return asio::ssl::error::stream_truncated;
}

void tls_pipe::sent(std::size_t n) noexcept {
  output_sent_ += n;
  if (output_sent_ == output_.size()) {
    output_.clear();
    output_sent_ = 0;
  }
}

}  // namespace httpc::detail
