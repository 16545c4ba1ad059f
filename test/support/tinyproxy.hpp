// A tinyproxy of the test's own on 127.0.0.1 (Debian's tinyproxy): its
// configuration in a temporary directory, run in the foreground, stopped
// with the object. HTTP proxying and CONNECT to any port; Basic
// credentials when given. Test-only, POSIX.
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
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

extern char** environ;

namespace httpc::test {

class tinyproxy {
 public:
  /// `user` and `password` empty: no authentication asked.
  explicit tinyproxy(const std::string& user = {}, const std::string& password = {}) {
    char pattern[] = "/tmp/httpc-tinyproxy-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("tinyproxy: mkdtemp");
    dir_ = pattern;
    port_ = unused_port();
    {
      std::ofstream config(dir_ / "tinyproxy.conf");
      config << "Port " << port_ << "\nListen 127.0.0.1\nTimeout 20\nMaxClients 64\nAllow 127.0.0.1\n"
             << "LogLevel Error\nLogFile \"" << (dir_ / "log").string() << "\"\n";
      if (!user.empty()) config << "BasicAuth " << user << ' ' << password << '\n';
    }
    const std::string config = (dir_ / "tinyproxy.conf").string();
    const char* argv[] = {"tinyproxy", "-d", "-c", config.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const int spawned =
        posix_spawnp(&pid_, "tinyproxy", &actions, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) throw std::runtime_error("cannot start tinyproxy: install Debian's tinyproxy");
    // Ready when it accepts; bounded.
    for (int i = 0; i < 250; ++i) {
      if (accepts()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("tinyproxy did not start listening within 5 s");
  }
  tinyproxy(const tinyproxy&) = delete;
  tinyproxy& operator=(const tinyproxy&) = delete;
  ~tinyproxy() { stop(); }

  std::uint16_t port() const noexcept { return port_; }
  /// "http://[user:password@]127.0.0.1:port"
  std::string url(const std::string& userinfo = {}) const {
    return "http://" + (userinfo.empty() ? "" : userinfo + "@") + "127.0.0.1:" + std::to_string(port_);
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
      throw std::runtime_error("tinyproxy: no free port");
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
    if (pid_ > 0) {
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
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace httpc::test
