#include "httpc/detail/socket_io.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
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

int connect_unix(const std::string& path, std::error_code& ec) noexcept {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // The path and its terminating NUL must fit sun_path.
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    ec = std::make_error_code(std::errc::filename_too_long);
    return -1;
  }
  path.copy(address.sun_path, path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = std::error_code(errno, std::generic_category());
    return -1;
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ec = std::error_code(errno, std::generic_category());
    ::close(fd);
    return -1;
  }
  ec.clear();
  return fd;
}

}  // namespace httpc::detail
