#pragma once
// The SOCKS5 messages a client sends (RFC 1928, RFC 1929), as bytes: what
// the core's async_connect_socks5 writes to the proxy.

#include <asio/ip/address.hpp>  // a target resolved here
#include <cstdint>              // std::uint16_t
#include <string>               // the message, appended to
#include <string_view>          // names and credentials

namespace httpc::detail {

/// RFC 1928 §3: version 5 and the methods offered: "no authentication",
/// and "username/password" when there are credentials.
std::string socks5_greeting(bool with_credentials);

/// RFC 1929 §2: version 1, then the name and the password, each after its
/// length byte. False, and nothing written, when the name is empty or
/// either is over 255 bytes.
bool write_socks5_auth(std::string& out, std::string_view user, std::string_view password);

/// RFC 1928 §4: CONNECT to a name (ATYP 3: a length byte and the name).
/// False, and nothing written, for an empty name or one over 255 bytes.
bool write_socks5_connect(std::string& out, std::string_view name, std::uint16_t port);
/// The same to an address (ATYP 1 for IPv4, 4 for IPv6).
void write_socks5_connect(std::string& out, const asio::ip::address& to, std::uint16_t port);

}  // namespace httpc::detail
