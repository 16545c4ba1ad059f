// A tinyproxy of the test's own on 127.0.0.1 (Debian's tinyproxy): its
// configuration in a temporary directory, run in the foreground, stopped
// with the object. HTTP proxying and CONNECT to any port; Basic
// credentials when given. Test-only, POSIX.
#pragma once

#include <stdlib.h>  // mkdtemp

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "server_process.hpp"

namespace httpc::test {

class tinyproxy {
 public:
  /// `user` and `password` empty: no authentication asked.
  explicit tinyproxy(const std::string& user = {}, const std::string& password = {}) {
    char pattern[] = "/tmp/httpc-tinyproxy-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("tinyproxy: mkdtemp");
    dir_ = pattern;
    const std::uint16_t port = server_process::unused_port();
    const std::filesystem::path config = dir_ / "tinyproxy.conf";
    {
      std::ofstream out(config);
      out << "Port " << port << "\nListen 127.0.0.1\nTimeout 20\nMaxClients 64\nAllow 127.0.0.1\n"
          << "LogLevel Error\nLogFile \"" << (dir_ / "log").string() << "\"\n";
      if (!user.empty()) out << "BasicAuth " << user << ' ' << password << '\n';
    }
    try {
      process_.emplace(std::vector<std::string>{"tinyproxy", "-d", "-c", config.string()}, port, "tinyproxy");
    } catch (...) {
      remove_dir();
      throw;
    }
  }
  tinyproxy(const tinyproxy&) = delete;
  tinyproxy& operator=(const tinyproxy&) = delete;
  ~tinyproxy() {
    process_.reset();
    remove_dir();
  }

  std::uint16_t port() const noexcept { return process_->port(); }
  /// "http://[user:password@]127.0.0.1:port"
  std::string url(const std::string& userinfo = {}) const {
    return "http://" + (userinfo.empty() ? "" : userinfo + "@") + "127.0.0.1:" + std::to_string(port());
  }

 private:
  void remove_dir() noexcept {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::filesystem::path dir_;
  std::optional<server_process> process_;
};

}  // namespace httpc::test
