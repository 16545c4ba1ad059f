#pragma once
// Socket calls beside Asio's: writes that skip its reactor when the socket
// takes the bytes at once, and a Unix domain socket's connect.

#include <asio/buffer.hpp>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>

namespace httpc::detail {

/// Up to four buffers of one gather write; the front is dropped as the
/// kernel takes it, so what is left goes to asio::async_write as it is.
class write_buffers {
 public:
  write_buffers(std::initializer_list<std::string_view> parts) noexcept {
    for (const std::string_view part : parts)
      if (!part.empty()) parts_[count_++] = asio::buffer(part);
  }
  const asio::const_buffer* begin() const noexcept { return parts_.data() + first_; }
  const asio::const_buffer* end() const noexcept { return parts_.data() + count_; }
  bool empty() const noexcept { return first_ == count_; }
  void consume(std::size_t n) noexcept {
    while (first_ != count_ && n >= parts_[first_].size()) n -= parts_[first_++].size();
    if (first_ != count_) parts_[first_] += n;
  }

 private:
  std::array<asio::const_buffer, 4> parts_{};
  std::size_t first_ = 0;
  std::size_t count_ = 0;
};

/// One non-blocking send of `out` on the socket `fd`, dropping from `out`
/// what the kernel took: true when that was all (or the send failed: `ec`),
/// false when the rest must wait for the socket.
bool send_direct(int fd, write_buffers& out, std::error_code& ec) noexcept;

/// A stream socket connected to the Unix domain socket at `path`
/// (non-blocking, close-on-exec), or -1 and `ec`. The connect never waits:
/// a listener whose queue is full is EAGAIN at once (Linux).
int connect_unix(const std::string& path, std::error_code& ec) noexcept;

}  // namespace httpc::detail
