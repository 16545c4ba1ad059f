#include "proxy.hpp"

#include <httpc/proxy_env.hpp>
#include <httpc/url.hpp>

#include <optional>
#include <system_error>

namespace httpc::tool {
namespace {

// Bytes of user information that need no percent-encoding (RFC 3986).
bool is_unreserved(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string percent_encoded(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      out += '%';
      out += hex[static_cast<unsigned char>(c) >> 4];
      out += hex[static_cast<unsigned char>(c) & 0xf];
    }
  }
  return out;
}

// curl's proxy port when the URL names none; --proxy-user's credentials in
// place of the URL's.
std::string completed(std::string proxy, const options& o) {
  if (proxy.find("://") == std::string::npos) proxy.insert(0, "http://");
  const std::size_t authority = proxy.find("://") + 3;
  const std::size_t end = proxy.find_first_of("/?#", authority);
  std::string_view host_port = std::string_view(proxy).substr(authority, end - authority);
  if (const auto at = host_port.rfind('@'); at != std::string_view::npos) host_port.remove_prefix(at + 1);
  // A port follows the last ':' unless that is inside an IPv6 literal.
  const auto colon = host_port.rfind(':');
  const auto bracket = host_port.rfind(']');
  const bool has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  if (!has_port) proxy.insert(end == std::string::npos ? proxy.size() : end, ":1080");
  if (o.proxy_user) {
    const std::size_t at = proxy.find('@', authority);
    if (at != std::string::npos && at < proxy.find_first_of("/?#", authority)) proxy.erase(authority, at + 1 - authority);
    const auto colon_at = o.proxy_user->find(':');
    std::string userinfo = percent_encoded(o.proxy_user->substr(0, colon_at));
    if (colon_at != std::string::npos) userinfo += ':' + percent_encoded(o.proxy_user->substr(colon_at + 1));
    proxy.insert(authority, userinfo + '@');
  }
  return proxy;
}

}  // namespace

std::string proxy_for(const options& o, std::string_view url_text) {
  std::error_code ec;
  const url target = parse_url(url_text, ec, url_options{.allow_userinfo = true});
  if (ec) return {};
  std::string proxy;
  if (o.noproxy) {
    // --noproxy replaces NO_PROXY and applies to -x too.
    if (no_proxy_exempts(*o.noproxy, target.host)) return {};
    const environment without_no_proxy = [all = process_environment()](std::string_view name) {
      return name == "no_proxy" || name == "NO_PROXY" ? std::nullopt : all(name);
    };
    proxy = o.proxy ? *o.proxy : proxy_from_environment(target, without_no_proxy);
  } else {
    proxy = o.proxy ? *o.proxy : proxy_from_environment(target);
  }
  // -x "" turns the environment's proxy off, as in curl.
  return proxy.empty() ? proxy : completed(std::move(proxy), o);
}

}  // namespace httpc::tool
