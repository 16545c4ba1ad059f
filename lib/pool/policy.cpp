// The pool's rules: when a failed request is sent again, and how a
// redirect changes the request.

#include <algorithm>
#include <initializer_list>

#include "pool_internal.hpp"

namespace httpc::detail {
namespace {

// RFC 9110 §9.2.2.
bool is_idempotent(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

// What a kept-alive connection that the server closed meanwhile looks like.
bool is_stale_connection_error(const std::error_code& ec) noexcept {
  return ec == error::remote_disconnected || ec == std::errc::connection_reset ||
         ec == std::errc::broken_pipe || ec == std::errc::connection_aborted ||
         ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

// A request the server tolerates twice (Go's net/http: the method, or an
// idempotency key field of the IETF draft and its X- form).
bool may_repeat(std::string_view method, const Headers& headers, const request_options& options) noexcept {
  return is_idempotent(method) || options.idempotent || find_header(headers, "Idempotency-Key") ||
         find_header(headers, "X-Idempotency-Key");
}

void drop_fields(Headers& headers, std::initializer_list<std::string_view> names) {
  std::erase_if(headers, [&](const auto& field) {
    return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return iequals(field.first, n); });
  });
}

}  // namespace

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) noexcept {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

bool is_redirect(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// RFC 9110 §15.4.4: 303 asks for a GET (HEAD stays); §15.4.2, §15.4.3: a
// POST may become a GET after 301 and 302, as browsers and Go do.
bool becomes_get(int status, std::string_view method) noexcept {
  return (status == 303 && method != "HEAD") || ((status == 301 || status == 302) && method == "POST");
}

// Sent again when the server cannot have acted on it (nothing of it went
// out), or may act twice (idempotent); once only, and only on a kept-alive
// connection: a fresh one that fails says something about the server.
bool may_retry(const request_spec& spec, const exchange& x, bool reused, bool resendable) noexcept {
  return reused && x.before_response && is_stale_connection_error(x.ec) && resendable &&
         (!x.wrote || may_repeat(spec.method, spec.headers, spec.options));
}

std::error_code follow_redirect(request_spec& spec, url& current, request_body& body, const exchange& x) {
  std::error_code ec;
  const auto location = x.head.header("Location");
  url next = resolve_url(current, *location, ec, url_options{spec.options.basic_auth});
  if (ec) return ec;
  // What TLS protected must not go out in clear text unasked.
  const bool downgrade = current.is_tls() && !next.is_tls();
  if (downgrade && !spec.options.allow_insecure_redirects) return make_error_code(error::insecure_redirect);
  // RFC 9110 §15.4: credentials are for the origin they were given to
  // (and an https to http redirect changes the origin); a caller's Host
  // names the old one. A Location with user information replaces the
  // Authorization, but never into clear text.
  if (!next.same_origin(current))
    drop_fields(spec.headers, {"Authorization", "Proxy-Authorization", "Cookie", "Host"});
  if (next.has_userinfo) {
    drop_fields(spec.headers, {"Authorization"});
    if (!downgrade) spec.headers.emplace_back("Authorization", basic_authorization(next.user, next.password));
  }
  if (becomes_get(x.head.status(), spec.method)) {
    // RFC 9110 §15.4: the body goes, and the fields that describe it.
    spec.method = "GET";
    body = request_body{};
    drop_fields(spec.headers, {"Content-Length", "Transfer-Encoding", "Content-Type", "Content-Encoding",
                               "Content-Language", "Content-Location", "Expect"});
  }
  current = std::move(next);
  return {};
}

}  // namespace httpc::detail
