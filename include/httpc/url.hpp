#pragma once
/// \file
/// http and https URLs, as the pool takes them (RFC 3986, the subset that
/// names an origin server): scheme, host, port, target; the fragment is
/// dropped, user information is refused unless asked for.
///
///     std::error_code ec;
///     httpc::url u = httpc::parse_url("https://[::1]:8443/a%20b?q=1#top", ec);
///     // u.host == "::1", u.port == 8443, u.target == "/a%20b?q=1"

#include <cstdint>       // std::uint16_t, the port
#include <string>        // the parts
#include <string_view>   // the input
#include <system_error>  // std::error_code

namespace httpc {

/// An absolute http or https URL, split into what a request needs.
struct url {
  std::string scheme;        ///< "http" or "https", lower case
  std::string host;          ///< a name (lower case), an IPv4 literal, or an IPv6 literal without brackets
  std::uint16_t port = 0;    ///< given, or the scheme's default (80, 443)
  std::string target;        ///< path and query, percent-encoding kept; "/" when the path is empty
  std::string user;          ///< user information, percent-decoded (only with allow_userinfo)
  std::string password;
  bool has_userinfo = false;  ///< the URL had an "@" in its authority

  bool is_tls() const noexcept { return scheme == "https"; }
  /// The authority as a Host field writes it: brackets for IPv6, the port
  /// unless it is the scheme's default.
  std::string authority() const;
  /// scheme://authority/target, without user information.
  std::string text() const;
  /// Same scheme, host and port.
  bool same_origin(const url& other) const noexcept {
    return scheme == other.scheme && host == other.host && port == other.port;
  }
};

/// How parse_url treats the parts a request may not want.
struct url_options {
  /// Accept "user:password@" (for basic authentication); otherwise it is invalid_url.
  bool allow_userinfo = false;
};

/// Parses an absolute http or https URL. On error `ec` is error::invalid_url
/// (an unknown scheme, no host, a bad port, a malformed percent-encoding, a
/// byte that no URL may hold, or user information not allowed) and the
/// result is empty.
url parse_url(std::string_view text, std::error_code& ec, url_options options = {});
/// As above; throws std::system_error on error.
url parse_url(std::string_view text, url_options options = {});

/// Resolves a reference (a Location field: absolute, "//host/...", "/path",
/// "path", "?query") against `base` (RFC 3986 §5.2), dot segments removed.
url resolve_url(const url& base, std::string_view reference, std::error_code& ec,
                url_options options = {});

/// "Basic " and base64 of "user:password" (RFC 7617), for an Authorization field.
std::string basic_authorization(std::string_view user, std::string_view password);

}  // namespace httpc
