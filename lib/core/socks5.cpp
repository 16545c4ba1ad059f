// SOCKS5 (RFC 1928) and its user/password authentication (RFC 1929): the
// client's messages, and the meaning of the proxy's reply codes.

#include "httpc/connection.hpp"

namespace httpc {
namespace detail {
namespace {

constexpr char version = 5;
constexpr char method_none = 0;      // X'00' NO AUTHENTICATION REQUIRED
constexpr char method_password = 2;  // X'02' USERNAME/PASSWORD
constexpr char command_connect = 1;  // X'01' CONNECT

void append_port(std::string& out, std::uint16_t port) {
  // Network byte order, as every number in RFC 1928.
  out += static_cast<char>(port >> 8);
  out += static_cast<char>(port & 0xff);
}

void append_request_start(std::string& out) { out.append({version, command_connect, 0}); }

}  // namespace

std::string socks5_greeting(bool with_credentials) {
  if (with_credentials) return {version, 2, method_none, method_password};
  return {version, 1, method_none};
}

bool write_socks5_auth(std::string& out, std::string_view user, std::string_view password) {
  if (user.empty() || user.size() > 255 || password.size() > 255) return false;
  out += '\1';  // the sub-negotiation's version
  out += static_cast<char>(user.size());
  out.append(user);
  out += static_cast<char>(password.size());
  out.append(password);
  return true;
}

bool write_socks5_connect(std::string& out, std::string_view name, std::uint16_t port) {
  if (name.empty() || name.size() > 255) return false;
  append_request_start(out);
  out += '\3';
  out += static_cast<char>(name.size());
  out.append(name);
  append_port(out, port);
  return true;
}

void write_socks5_connect(std::string& out, const asio::ip::address& to, std::uint16_t port) {
  append_request_start(out);
  if (to.is_v4()) {
    const auto bytes = to.to_v4().to_bytes();
    out += '\1';
    out.append(bytes.begin(), bytes.end());
  } else {
    const auto bytes = to.to_v6().to_bytes();
    out += '\4';
    out.append(bytes.begin(), bytes.end());
  }
  append_port(out, port);
}

}  // namespace detail

std::string_view socks5_reply_text(std::uint8_t code) noexcept {
  switch (code) {
    case 0: return "succeeded";
    case 1: return "general SOCKS server failure";
    case 2: return "connection not allowed by ruleset";
    case 3: return "network unreachable";
    case 4: return "host unreachable";
    case 5: return "connection refused";
    case 6: return "TTL expired";
    case 7: return "command not supported";
    case 8: return "address type not supported";
    default: return "unassigned";
  }
}

}  // namespace httpc
