#include "httpc/detail/socket_io.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

namespace httpc::detail {

bool send_direct(int fd, write_buffers& out, std::error_code& ec) noexcept {
  std::array<iovec, 4> parts{};
  std::size_t count = 0;
  for (const asio::const_buffer& buffer : out)
    parts[count++] = {const_cast<void*>(buffer.data()), buffer.size()};
  msghdr message{};
  message.msg_iov = parts.data();
  message.msg_iovlen = count;
  const ssize_t sent = ::sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return false;
    ec = std::error_code(errno, std::system_category());
    return true;
  }
  out.consume(static_cast<std::size_t>(sent));
  return out.empty();
}

}  // namespace httpc::detail
