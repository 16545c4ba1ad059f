// The routes of the pool's connections: a proxy setting, or a Unix socket's
// path, read once into what the requests that take them need.

#include "pool_internal.hpp"

namespace httpc::detail {

namespace {

// Whether the authority in `rest` (what follows "scheme://") ends with a
// port: digits after a ':' that is not inside an IPv6 literal.
bool names_port(std::string_view rest) {
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  const auto colon = rest.rfind(':');
  const auto bracket = rest.rfind(']');
  return colon != std::string_view::npos && colon + 1 < rest.size() &&
         (bracket == std::string_view::npos || colon > bracket);
}

}  // namespace

std::unique_ptr<connection_route> parse_proxy(std::string_view text, std::error_code& ec) {
  ec.clear();
  if (text.empty()) return nullptr;
  // No scheme means http, as curl takes a bare "host:port".
  const auto scheme_end = text.find("://");
  const std::string_view scheme = scheme_end == std::string_view::npos ? "http" : text.substr(0, scheme_end);
  const std::string_view rest = scheme_end == std::string_view::npos ? text : text.substr(scheme_end + 3);
  auto route = std::make_unique<connection_route>();
  // Only these so far: an https:// one would need TLS to the proxy.
  if (iequals(scheme, "socks5")) {
    route->kind = route_kind::socks5;
  } else if (iequals(scheme, "socks5h")) {
    route->kind = route_kind::socks5h;
  } else if (!iequals(scheme, "http")) {
    ec = make_error_code(error::invalid_url);
    return nullptr;
  }
  // The authority reads as an http URL's.
  const url address = parse_url("http://" + std::string(rest), ec, url_options{true});
  if (ec) return nullptr;
  route->host = address.host;
  route->port = address.port;
  std::string secret;
  if (route->kind == route_kind::http) {
    if (address.has_userinfo) route->authorization = basic_authorization(address.user, address.password);
    secret = route->authorization;
  } else {
    // RFC 1928 §3: SOCKS listens on 1080 unless told otherwise.
    if (!names_port(rest)) route->port = 1080;
    route->socks.resolve_locally = route->kind == route_kind::socks5;
    if (address.has_userinfo) {
      route->socks.credentials = socks5_credentials{address.user, address.password};
      // The name's length first: user "a:b" and password "c" are not "a" and "b:c".
      secret = std::to_string(address.user.size()) + ':' + address.user + address.password;
    }
  }
  // Credentials are part of a connection's identity: one opened with them
  // is never lent to a request that has other ones.
  route->identity = std::string(scheme) + "://" + address.host + ':' + std::to_string(route->port) + ' ' + secret;
  return route;
}

std::unique_ptr<connection_route> unix_route(std::string_view path) {
  if (path.empty()) return nullptr;
  auto route = std::make_unique<connection_route>();
  route->kind = route_kind::unix_socket;
  route->host = path;
  route->identity = "unix:" + std::string(path);
  return route;
}

std::error_code pool_state::route_for(const url& target, const request_options& request,
                                      std::unique_ptr<connection_route>& own, const connection_route*& route) const {
  std::error_code ec;
  if (request.unix_socket) {
    own = unix_route(*request.unix_socket);
    route = own.get();
    if (route) return ec;
  } else if (unix_socket) {
    route = unix_socket.get();
    return ec;
  }
  if (request.proxy) {
    own = parse_proxy(*request.proxy, ec);
    route = own.get();
  } else if (proxy_environment) {
    // Per target: NO_PROXY may exempt where a redirect leads.
    own = parse_proxy(proxy_from_environment(target, proxy_environment), ec);
    route = own.get();
  } else {
    ec = proxy_error;
    route = proxy.get();
  }
  return ec;
}

}  // namespace httpc::detail
