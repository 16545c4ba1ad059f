// A microsocks of the test's own on 127.0.0.1 (Debian's microsocks): a
// SOCKS5 proxy (RFC 1928) that connects anywhere and resolves names itself,
// asking for user/password (RFC 1929) when given them; stopped with the
// object. Test-only, POSIX.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace httpc::test {

class microsocks {
 public:
  /// `user` empty: no authentication asked.
  explicit microsocks(const std::string& user = {}, const std::string& password = {}) {
    port_ = unused_port();
    const std::string port = std::to_string(port_);
    std::vector<const char*> argv{"microsocks", "-i", "127.0.0.1", "-p", port.c_str()};
    if (!user.empty()) argv.insert(argv.end(), {"-u", user.c_str(), "-P", password.c_str()});
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const int spawned =
        posix_spawnp(&pid_, "microsocks", &actions, nullptr, const_cast<char**>(argv.data()), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) throw std::runtime_error("cannot start microsocks: install Debian's microsocks");
    // Ready when it accepts; bounded.
    for (int i = 0; i < 250; ++i) {
      if (accepts()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("microsocks did not start listening within 5 s");
  }
  microsocks(const microsocks&) = delete;
  microsocks& operator=(const microsocks&) = delete;
  ~microsocks() { stop(); }

  std::uint16_t port() const noexcept { return port_; }
  /// "scheme://[userinfo@]127.0.0.1:port", scheme socks5 or socks5h.
  std::string url(const std::string& scheme, const std::string& userinfo = {}) const {
    return scheme + "://" + (userinfo.empty() ? "" : userinfo + "@") + "127.0.0.1:" + std::to_string(port_);
  }

 private:
  static std::uint16_t unused_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      close(fd);
      throw std::runtime_error("microsocks: no free port");
    }
    close(fd);
    return ntohs(address.sin_port);
  }

  bool accepts() const {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port_);
    const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return connected;
  }

  void stop() noexcept {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    // Bounded: SIGKILL after 2 s.
    for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = 0;
  }

  std::uint16_t port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace httpc::test
