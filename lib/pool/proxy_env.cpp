// Proxies from the environment, decided as curl 7.88 decides (libcurl's
// url.c and noproxy.c of that release, checked against its binary by
// test/pool/proxy_env_test.cpp).

#include "httpc/proxy_env.hpp"

#include <asio/ip/address_v4.hpp>
#include <asio/ip/address_v6.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace httpc {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int digit_value(char c) noexcept {
  if (is_digit(c)) return c - '0';
  const char l = lower(c);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : 99;
}

// curl's URL parser reads a host of 1 to 4 numbers (each decimal, octal
// with a leading 0, or hex with 0x) as an IPv4 address, "127.1" being
// 127.0.0.1, and the list is checked against that; other hosts are names.
std::optional<std::uint32_t> ipv4_host(std::string_view host) noexcept {
  std::array<std::uint64_t, 4> parts{};
  std::size_t count = 0;
  std::size_t i = 0;
  while (true) {
    if (i == host.size() || !is_digit(host[i])) return std::nullopt;
    unsigned base = 10;
    if (host[i] == '0') {
      base = 8;
      if (i + 1 < host.size() && lower(host[i + 1]) == 'x') {
        base = 16;
        i += 2;
        if (i == host.size() || digit_value(host[i]) >= 16) return std::nullopt;
      }
    }
    std::uint64_t value = 0;
    for (; i < host.size() && digit_value(host[i]) < static_cast<int>(base); ++i) {
      value = value * base + static_cast<unsigned>(digit_value(host[i]));
      if (value > 0xffffffff) return std::nullopt;
    }
    parts[count++] = value;
    if (i == host.size()) break;
    if (host[i] != '.' || count == 4) return std::nullopt;
    ++i;
  }
  // Each part but the last is one byte; the last fills the bytes left.
  std::uint32_t address = 0;
  for (std::size_t k = 0; k + 1 < count; ++k) {
    if (parts[k] > 0xff) return std::nullopt;
    address |= static_cast<std::uint32_t>(parts[k]) << (24 - 8 * k);
  }
  const unsigned last_bits = 32 - 8 * static_cast<unsigned>(count - 1);
  if (last_bits < 32 && parts[count - 1] >> last_bits != 0) return std::nullopt;
  return address | static_cast<std::uint32_t>(parts[count - 1]);
}

// curl writes an IPv6 literal in its canonical form (inet_ntop) only when
// that is shorter: "0:0::1" becomes "::1", but "::ffff:7f00:1" stays.
std::string ipv6_host(std::string_view host) {
  std::error_code ec;
  const auto address = asio::ip::make_address_v6(std::string(host), ec);
  if (ec) return std::string(host);
  std::string canonical = address.to_string();
  return canonical.size() < host.size() ? canonical : std::string(host);
}

// The number after a CIDR entry's '/', as curl reads it: glibc's atoi, that
// is strtol (white space, a sign, saturation at the long's limits) cut to
// an int, then taken as unsigned.
std::uint32_t prefix_bits(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r'))) ++i;
  const bool negative = i < text.size() && text[i] == '-';
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  constexpr std::uint64_t long_max = 0x7fffffffffffffff;
  const std::uint64_t limit = negative ? long_max + 1 : long_max;
  std::uint64_t value = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    const auto digit = static_cast<unsigned>(text[i] - '0');
    value = value > (limit - digit) / 10 ? limit : value * 10 + digit;
  }
  return static_cast<std::uint32_t>(negative ? 0 - value : value);
}

// An entry against an IPv4 host: an address, or address/bits. Bits of 0
// (or none after the '/') compare the whole address, as 32 do; more than
// 32 match nothing.
bool ipv4_entry_matches(std::uint32_t host, std::string_view entry) {
  // curl copies an entry into 128 bytes first: a longer one matches nothing.
  if (entry.size() >= 128) return false;
  const auto slash = entry.find('/');
  const std::uint32_t bits = slash == std::string_view::npos ? 0 : prefix_bits(entry.substr(slash + 1));
  if (bits > 32) return false;
  std::error_code ec;
  const auto network = asio::ip::make_address_v4(std::string(entry.substr(0, slash)), ec);
  if (ec) return false;
  const std::uint32_t mask = bits == 0 || bits == 32 ? 0xffffffff : 0xffffffff << (32 - bits);
  return ((host ^ network.to_uint()) & mask) == 0;
}

// An entry against a name (an IPv6 literal is one too, in curl 7.88): one
// trailing dot and then one leading dot of the entry are dropped; it
// matches the name itself or a suffix that starts a label.
bool name_entry_matches(std::string_view name, std::string_view entry) noexcept {
  if (entry.back() == '.') entry.remove_suffix(1);
  if (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
  if (entry.size() == name.size()) return equals_ignoring_case(entry, name);
  return entry.size() < name.size() && name[name.size() - entry.size() - 1] == '.' &&
         equals_ignoring_case(entry, name.substr(name.size() - entry.size()));
}

bool is_separator(char c) noexcept { return c == ',' || c == ' ' || c == '\t'; }

// A variable's value; curl takes an empty one as not set.
std::string variable(const environment& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  return value ? std::move(*value) : std::string();
}

std::string first_set(const environment& env, std::string_view name, std::string_view fallback) {
  std::string value = variable(env, name);
  return value.empty() ? variable(env, fallback) : value;
}

bool is_scheme_byte(char c) noexcept {
  return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z') || c == '+' || c == '-' || c == '.';
}

// curl sees a scheme in "<scheme bytes>:/"; without one it guesses from the
// host's first label, as for a URL typed without a scheme: a proxy named
// "ftp.corp:3128" is an ftp:// one, which curl then refuses.
std::string with_scheme(std::string proxy) {
  std::size_t i = 0;
  while (i < proxy.size() && is_scheme_byte(proxy[i])) ++i;
  if (i > 0 && proxy.compare(i, 2, ":/") == 0) return proxy;
  for (const std::string_view scheme : {"ftp", "dict", "ldap", "imap", "smtp", "pop3"}) {
    if (proxy.size() > scheme.size() && proxy[scheme.size()] == '.' &&
        equals_ignoring_case(std::string_view(proxy).substr(0, scheme.size()), scheme))
      return std::string(scheme) + "://" + proxy;
  }
  return "http://" + proxy;
}

}  // namespace

environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

environment proxy_environment_snapshot() {
  std::vector<std::pair<std::string, std::string>> values;
  for (const char* name :
       {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    if (const char* value = std::getenv(name)) values.emplace_back(name, value);
  }
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    for (const auto& [known, value] : values)
      if (known == name) return value;
    return std::nullopt;
  };
}

bool no_proxy_exempts(std::string_view no_proxy_list, std::string_view host) {
  if (host.empty()) return false;
  // Only the whole list "*" is the wildcard; a "*" among other entries is a name.
  if (no_proxy_list == "*") return true;
  const std::optional<std::uint32_t> address = ipv4_host(host);
  std::string name = host.find(':') != std::string_view::npos ? ipv6_host(host) : std::string(host);
  if (!address && name.back() == '.') name.pop_back();
  // Entries are split at commas, spaces and tabs (curl 7.88 warns of spaces but splits there too).
  std::size_t at = 0;
  while (at < no_proxy_list.size()) {
    if (is_separator(no_proxy_list[at])) {
      ++at;
      continue;
    }
    std::size_t end = at;
    while (end < no_proxy_list.size() && !is_separator(no_proxy_list[end])) ++end;
    const std::string_view entry = no_proxy_list.substr(at, end - at);
    if (address ? ipv4_entry_matches(*address, entry) : name_entry_matches(name, entry)) return true;
    at = end;
  }
  return false;
}

std::string proxy_from_environment(const url& target, const environment& env) {
  // no_proxy is consulted first; an empty one gives way to NO_PROXY.
  if (no_proxy_exempts(first_set(env, "no_proxy", "NO_PROXY"), target.host)) return {};
  // Only the lower-case http_proxy: a CGI program's HTTP_PROXY comes from a
  // request's "Proxy" field (httpoxy), so curl never reads it.
  std::string proxy = target.is_tls() ? first_set(env, "https_proxy", "HTTPS_PROXY") : variable(env, "http_proxy");
  if (proxy.empty()) proxy = first_set(env, "all_proxy", "ALL_PROXY");
  if (proxy.empty()) return {};
  return with_scheme(std::move(proxy));
}

}  // namespace httpc
