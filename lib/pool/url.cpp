// http and https URLs: parsing, resolution of references, basic credentials.

#include "httpc/url.hpp"

#include <asio/ip/address_v6.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <system_error>
#include <vector>

#include "httpc/error.hpp"
#include "httpc/fields.hpp"

namespace httpc {
namespace {

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

// Visible ASCII only, and every '%' starts a pct-encoded triplet (RFC 3986 §2.1).
bool valid_part(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!detail::is_url_byte(static_cast<unsigned char>(s[i]))) return false;
    if (s[i] == '%' && (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))) return false;
  }
  return true;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A reg-name of DNS-style characters, or an IPv4 literal (RFC 3986 §3.2.2).
// Percent-encoded names are refused: nothing resolves them.
bool valid_name(std::string_view host) noexcept {
  if (host.empty()) return false;
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}

std::uint16_t default_port(std::string_view scheme) noexcept { return scheme == "https" ? 443 : 80; }

// RFC 3986 §5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::vector<std::string_view> segments;
  const bool absolute = !in.empty() && in.front() == '/';
  if (absolute) in.remove_prefix(1);
  bool trailing_slash = false;
  while (true) {
    const auto slash = in.find('/');
    const std::string_view segment = in.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = true;
    } else if (segment == ".") {
      trailing_slash = true;
    } else {
      segments.push_back(segment);
      trailing_slash = false;
    }
    if (last) break;
    in.remove_prefix(slash + 1);
  }
  std::string out = absolute ? "/" : "";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i != 0) out += '/';
    out += segments[i];
  }
  if (trailing_slash && !out.empty() && out.back() != '/') out += '/';
  return out;
}

// Splits "path?query" (fragment already gone) and checks both.
bool split_target(std::string_view rest, std::string_view& path, std::string_view& query,
                  bool& has_query) noexcept {
  const auto question = rest.find('?');
  path = rest.substr(0, question);
  has_query = question != std::string_view::npos;
  query = has_query ? rest.substr(question + 1) : std::string_view{};
  return valid_part(path) && valid_part(query);
}

url fail(std::error_code& ec) {
  ec = error::invalid_url;
  return {};
}

}  // namespace

std::string url::authority() const {
  std::string out;
  if (host.find(':') != std::string::npos) {
    out.append(1, '[').append(host).append(1, ']');
  } else {
    out = host;
  }
  if (port != default_port(scheme)) out.append(1, ':').append(std::to_string(port));
  return out;
}

std::string url::text() const { return scheme + "://" + authority() + target; }

url parse_url(std::string_view text, std::error_code& ec, url_options options) {
  ec.clear();
  if (const auto hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return fail(ec);
  url u;
  u.scheme = lowered(text.substr(0, colon));
  if (u.scheme != "http" && u.scheme != "https") return fail(ec);
  text.remove_prefix(colon + 1);
  if (text.substr(0, 2) != "//") return fail(ec);
  text.remove_prefix(2);

  // Not find_first_of: libstdc++ calls memchr once per byte for it.
  const auto authority_end = static_cast<std::size_t>(
      std::find_if(text.begin(), text.end(), [](char c) { return c == '/' || c == '?'; }) - text.begin());
  std::string_view authority = text.substr(0, authority_end);
  const std::string_view rest = text.substr(authority_end);
  for (const char c : authority)
    if (!detail::is_url_byte(static_cast<unsigned char>(c))) return fail(ec);

  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    if (!options.allow_userinfo) return fail(ec);
    const std::string_view userinfo = authority.substr(0, at);
    if (!valid_part(userinfo)) return fail(ec);
    const auto separator = userinfo.find(':');
    u.user = percent_decode(userinfo.substr(0, separator));
    if (separator != std::string_view::npos) u.password = percent_decode(userinfo.substr(separator + 1));
    u.has_userinfo = true;
    authority.remove_prefix(at + 1);
  }

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(ec);
    const std::string literal(authority.substr(1, close - 1));
    std::error_code not_v6;
    asio::ip::make_address_v6(literal, not_v6);
    // No zone identifiers (RFC 6874): a URL for a request names a global address.
    if (not_v6 || literal.find('%') != std::string::npos) return fail(ec);
    u.host = lowered(literal);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(ec);
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const auto port_colon = authority.find(':');
    const std::string_view name = authority.substr(0, port_colon);
    if (!valid_name(name)) return fail(ec);
    u.host = lowered(name);
    if (port_colon != std::string_view::npos) {
      port_text = authority.substr(port_colon + 1);
      has_port = true;
    }
  }
  u.port = default_port(u.scheme);
  // RFC 3986 §3.2.3: an empty port means the default one.
  if (has_port && !port_text.empty()) {
    unsigned value = 0;
    const auto [end, parse_error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (parse_error != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535)
      return fail(ec);
    u.port = static_cast<std::uint16_t>(value);
  }

  std::string_view path, query;
  bool has_query = false;
  if (!split_target(rest, path, query, has_query)) return fail(ec);
  u.target = path.empty() ? "/" : std::string(path);
  if (has_query) u.target.append("?").append(query);
  return u;
}

url parse_url(std::string_view text, url_options options) {
  std::error_code ec;
  url u = parse_url(text, ec, options);
  if (ec) throw std::system_error(ec);
  return u;
}

url resolve_url(const url& base, std::string_view reference, std::error_code& ec,
                url_options options) {
  ec.clear();
  if (const auto hash = reference.find('#'); hash != std::string_view::npos)
    reference = reference.substr(0, hash);
  // A scheme: letters, digits, "+-." before the first ':' that precedes any '/', '?'.
  const auto colon = reference.find(':');
  if (colon != std::string_view::npos && colon < reference.find_first_of("/?")) {
    url u = parse_url(reference, ec, options);
    if (!ec) {
      const auto q = u.target.find('?');
      u.target = remove_dot_segments(std::string_view(u.target).substr(0, q)) +
                 (q == std::string::npos ? std::string() : u.target.substr(q));
    }
    return u;
  }
  if (reference.substr(0, 2) == "//")
    return resolve_url(base, base.scheme + ":" + std::string(reference), ec, options);

  std::string_view path, query;
  bool has_query = false;
  if (!split_target(reference, path, query, has_query)) return fail(ec);
  url u;
  u.scheme = base.scheme;
  u.host = base.host;
  u.port = base.port;
  const std::string_view base_target = base.target;
  const std::string_view base_path = base_target.substr(0, base_target.find('?'));
  if (path.empty()) {
    u.target = base_path;
    if (has_query)
      u.target.append("?").append(query);
    else if (const auto q = base_target.find('?'); q != std::string_view::npos)
      u.target.append(base_target.substr(q));
    return u;
  }
  if (path.front() == '/') {
    u.target = remove_dot_segments(path);
  } else {
    // RFC 3986 §5.2.3: the base path up to its last '/', then the reference.
    const auto slash = base_path.rfind('/');
    std::string merged(slash == std::string_view::npos ? "/" : base_path.substr(0, slash + 1));
    merged += path;
    u.target = remove_dot_segments(merged);
  }
  if (u.target.empty()) u.target.assign(1, '/');
  if (has_query) u.target.append("?").append(query);
  return u;
}

std::string basic_authorization(std::string_view user, std::string_view password) {
  std::string credentials(user);
  credentials += ':';
  credentials += password;
  // EVP_EncodeBlock writes 4 bytes per 3 (rounded up) and a NUL.
  std::string encoded(4 * ((credentials.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(credentials.data()),
                                static_cast<int>(credentials.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return "Basic " + encoded;
}

}  // namespace httpc
