// A microsocks of the test's own on 127.0.0.1 (Debian's microsocks): a
// SOCKS5 proxy (RFC 1928) that connects anywhere and resolves names itself,
// asking for user/password (RFC 1929) when given them; stopped with the
// object. Test-only, POSIX.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server_process.hpp"

namespace httpc::test {

class microsocks {
 public:
  /// `user` empty: no authentication asked.
  explicit microsocks(const std::string& user = {}, const std::string& password = {})
      : microsocks(user, password, server_process::unused_port()) {}

  std::uint16_t port() const noexcept { return process_.port(); }
  /// "scheme://[userinfo@]127.0.0.1:port", scheme socks5 or socks5h.
  std::string url(const std::string& scheme, const std::string& userinfo = {}) const {
    return scheme + "://" + (userinfo.empty() ? "" : userinfo + "@") + "127.0.0.1:" + std::to_string(port());
  }

 private:
  microsocks(const std::string& user, const std::string& password, std::uint16_t port)
      : process_(arguments(user, password, port), port, "microsocks") {}

  static std::vector<std::string> arguments(const std::string& user, const std::string& password,
                                            std::uint16_t port) {
    std::vector<std::string> argv{"microsocks", "-i", "127.0.0.1", "-p", std::to_string(port)};
    if (!user.empty()) argv.insert(argv.end(), {"-u", user, "-P", password});
    return argv;
  }

  server_process process_;
};

}  // namespace httpc::test
