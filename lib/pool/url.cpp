// http and https URLs: parsing, resolution of references, basic credentials.

#include "httpc/url.hpp"

#include <asio/ip/address_v6.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string>
#include <system_error>
#include <vector>

#include "httpc/error.hpp"
#include "httpc/fields.hpp"

namespace httpc {
namespace {

// Each byte classified once, at compile time, so that a scan does one lookup
// per byte instead of a chain of range tests. A URL byte is visible ASCII
// (detail::is_url_byte).
enum byte_class : unsigned char {
  hex_digit = 1,              // in a pct-encoded triplet
  name_byte = 2,              // in a host name: ALPHA DIGIT "-._~"
  lower_name_byte = 4,        // a name byte but 'A'-'Z' (a host holding one is lowered)
  plain_byte = 8,             // a URL byte but '%' and '#': in a path or query, no second look
  plain_authority_byte = 16,  // a URL byte but '/', '?', '#' and '@'
  ends_authority = 32,        // '/', '?', '#' (RFC 3986 §3.2)
};

constexpr std::array<unsigned char, 256> byte_classes = [] {
  std::array<unsigned char, 256> classes{};
  for (int i = 0; i < 256; ++i) {
    const auto c = static_cast<unsigned char>(i);
    const bool digit = c >= '0' && c <= '9';
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool ends = c == '/' || c == '?' || c == '#';
    unsigned char k = 0;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) k |= hex_digit;
    if (digit || alpha || c == '-' || c == '.' || c == '_' || c == '~') k |= name_byte;
    if ((k & name_byte) && !(c >= 'A' && c <= 'Z')) k |= lower_name_byte;
    if (detail::is_url_byte(c) && c != '%' && c != '#') k |= plain_byte;
    if (detail::is_url_byte(c) && !ends && c != '@') k |= plain_authority_byte;
    if (ends) k |= ends_authority;
    classes[c] = k;
  }
  return classes;
}();

unsigned char class_of(char c) noexcept { return byte_classes[static_cast<unsigned char>(c)]; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

void lower_in_place(std::string& s) noexcept {
  for (char& c : s) c = lower(c);
}

// Visible ASCII, and every '%' starts a pct-encoded triplet (RFC 3986 §2.1),
// up to a '#' or the end of `s`: returns where that is, or npos when a byte
// is refused. One pass for path and query together: '?' is no hex digit, so
// no triplet spans it.
std::size_t part_end(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    if (class_of(s[i]) & plain_byte) {
      ++i;
    } else if (s[i] == '#') {
      return i;
    } else if (s[i] == '%' && s.size() - i >= 3 && (class_of(s[i + 1]) & class_of(s[i + 2]) & hex_digit)) {
      i += 3;
    } else {
      return std::string_view::npos;
    }
  }
  return i;
}

// For parts that hold no '#' (it was cut off, or ended the authority).
bool valid_part(std::string_view s) noexcept { return part_end(s) == s.size(); }

void append_decoded(std::string& out, std::string_view s) {
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
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

// True when `text` starts with `letters` (lower case) in any case, without a
// lowered copy: | 0x20 lowers 'A'-'Z' and makes a letter of no other byte.
bool starts_with_letters(std::string_view text, std::string_view letters) noexcept {
  if (text.size() < letters.size()) return false;
  for (std::size_t i = 0; i < letters.size(); ++i)
    if ((text[i] | 0x20) != letters[i]) return false;
  return true;
}

bool ends_authority_at(std::string_view text, std::size_t i) noexcept {
  return i == text.size() || (i < text.size() && (class_of(text[i]) & ends_authority));
}

// The host and port at the start of an authority, as far as the kinds of
// their bytes go: a name (or IPv4 literal) of name bytes or an IPv6 literal
// in brackets, then ':' and digits if any.
struct host_and_port {
  std::string_view host;  // without the brackets
  bool bracketed = false;
  bool has_upper = false;  // a name holding 'A'-'Z'
  bool has_port = false;   // one digit or more
  unsigned port = 0;       // stops growing at 65536: any more is as refused
  std::size_t end = 0;     // where the bytes stop fitting; npos for a '[' without ']'
};

host_and_port split_host_and_port(std::string_view s) noexcept {
  host_and_port out;
  std::size_t i = 0;
  if (!s.empty() && s.front() == '[') {
    out.bracketed = true;
    i = s.find(']');
    if (i == std::string_view::npos) {
      out.end = i;
      return out;
    }
    out.host = s.substr(1, i - 1);
    ++i;
  } else {
    // Most names are in lower case: the first loop need not note the case.
    while (i < s.size() && (class_of(s[i]) & lower_name_byte)) ++i;
    if (i < s.size() && (class_of(s[i]) & name_byte)) {
      out.has_upper = true;
      while (i < s.size() && (class_of(s[i]) & name_byte)) ++i;
    }
    out.host = s.substr(0, i);
  }
  if (i < s.size() && s[i] == ':') {
    const std::size_t digits = ++i;
    unsigned port = 0;
    for (; i < s.size(); ++i) {
      const unsigned digit = static_cast<unsigned char>(s[i]) - unsigned{'0'};
      if (digit > 9) break;
      port = std::min(port * 10 + digit, 65536U);
    }
    out.port = port;
    out.has_port = i > digits;
  }
  out.end = i;
  return out;
}

// Any authority, at the start of `text`: its end found first (URL bytes up
// to '/', '?', '#' or the end of the text), then user information before
// its last '@' (it may hold one of its own), then exactly a host and a port.
// Returns the authority's end, or npos to refuse it.
std::size_t split_authority(std::string_view text, url_options options, url& u, host_and_port& parts) {
  constexpr auto refused = std::string_view::npos;
  std::size_t end = 0;
  std::size_t at = refused;
  while (true) {
    while (end < text.size() && (class_of(text[end]) & plain_authority_byte)) ++end;
    if (end == text.size() || text[end] != '@') break;
    at = end++;
  }
  if (!ends_authority_at(text, end)) return refused;
  std::string_view authority = text.substr(0, end);
  if (at != refused) {
    if (!options.allow_userinfo) return refused;
    const std::string_view userinfo = authority.substr(0, at);
    if (!valid_part(userinfo)) return refused;
    const auto separator = userinfo.find(':');
    append_decoded(u.user, userinfo.substr(0, separator));
    if (separator != std::string_view::npos) append_decoded(u.password, userinfo.substr(separator + 1));
    u.has_userinfo = true;
    authority.remove_prefix(at + 1);
  }
  parts = split_host_and_port(authority);
  return parts.end == authority.size() ? end : refused;
}

// parse_url's work, into a url fresh from its default constructor (its
// strings are filled by append, which need not allow for overlap as assign
// must); false leaves it partly filled. A '#' ends the text wherever it comes.
bool parse_into(std::string_view text, url_options options, url& u) {
  if (!starts_with_letters(text, "http")) return false;
  const bool tls = text.size() > 4 && (text[4] | 0x20) == 's';
  if (tls)
    u.scheme.append("https");
  else
    u.scheme.append("http");
  if (text.substr(u.scheme.size(), 3) != "://") return false;
  text.remove_prefix(u.scheme.size() + 3);

  // Most authorities are a name and a port, read at once: they hold no '@',
  // so no user information, and no byte but name bytes, ':' and digits. An
  // IPv6 literal goes the long way: its bytes are not checked yet, and a NUL
  // among them would end the C string that make_address_v6 reads.
  auto parts = split_host_and_port(text);
  std::size_t authority_end = parts.end;
  if (parts.bracketed || !ends_authority_at(text, parts.end)) {
    authority_end = split_authority(text, options, u, parts);
    if (authority_end == std::string_view::npos) return false;
  }

  if (parts.bracketed) {
    // No zone identifiers (RFC 6874): a URL for a request names a global address.
    if (parts.host.find('%') != std::string_view::npos) return false;
    // Checked once lowered: the hex digits of an address read the same in either case.
    u.host.append(parts.host);
    lower_in_place(u.host);
    std::error_code not_v6;
    asio::ip::make_address_v6(u.host.c_str(), not_v6);
    if (not_v6) return false;
  } else {
    // A reg-name of DNS-style characters, or an IPv4 literal (RFC 3986 §3.2.2).
    // Percent-encoded names are refused: nothing resolves them.
    if (parts.host.empty()) return false;
    u.host.append(parts.host);
    if (parts.has_upper) lower_in_place(u.host);
  }
  // RFC 3986 §3.2.3: an empty port means the default one.
  u.port = tls ? 443 : 80;
  if (parts.has_port) {
    if (parts.port == 0 || parts.port > 65535) return false;
    u.port = static_cast<std::uint16_t>(parts.port);
  }

  text.remove_prefix(authority_end);
  const auto target_end = part_end(text);
  if (target_end == std::string_view::npos) return false;
  const std::string_view target = text.substr(0, target_end);
  // The authority ended at '/', '?' or '#': without a path the target is "/".
  if (target.empty() || target.front() != '/') {
    u.target.reserve(target.size() + 1);
    u.target.push_back('/');
  }
  u.target.append(target);
  return true;
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
  // One named result, so that it is built in place.
  url u;
  if (!parse_into(text, options, u)) {
    ec = error::invalid_url;
    u = url{};
  }
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
