// A proxy setting read once into what the pool's requests need of it.

#include "pool_internal.hpp"

namespace httpc::detail {

std::unique_ptr<proxy_route> parse_proxy(std::string_view text, std::error_code& ec) {
  ec.clear();
  if (text.empty()) return nullptr;
  // No scheme means http, as curl takes a bare "host:port".
  const bool has_scheme = text.find("://") != std::string_view::npos;
  const url address = parse_url(has_scheme ? std::string(text) : "http://" + std::string(text), ec,
                                url_options{true});
  if (ec) return nullptr;
  // Only HTTP proxies so far: an https:// one would need TLS to the proxy.
  if (address.scheme != "http") {
    ec = make_error_code(error::invalid_url);
    return nullptr;
  }
  auto route = std::make_unique<proxy_route>();
  route->host = address.host;
  route->port = address.port;
  if (address.has_userinfo) route->authorization = basic_authorization(address.user, address.password);
  // Credentials are part of a tunnel's identity: one opened with them is
  // never lent to a request that has other ones.
  route->identity = address.authority() + ' ' + route->authorization;
  return route;
}

std::error_code pool_state::route_for(const url& target, const request_options& request,
                                      std::unique_ptr<proxy_route>& own, const proxy_route*& route) const {
  std::error_code ec;
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
