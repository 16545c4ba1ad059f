// libFuzzer target for httpc::parse_url and httpc::resolve_url.
//
// Input: one options byte (bit 0: allow_userinfo), then a base URL and a
// reference separated by the first LF. When the base does not parse, the
// reference is resolved against a fixed base instead.
//
// Checked: an error is invalid_url with an empty result; a parsed or resolved
// url has a known scheme, a host, a port, a target of URL bytes that starts
// with '/', and round-trips: its text() parses again to the same url, and
// resolves against anything to the same url once dot segments are gone.
// Resolving the empty reference gives the base back.

#include "fuzz_check.hpp"

#include <httpc/error.hpp>
#include <httpc/fields.hpp>
#include <httpc/url.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>

namespace {

bool url_bytes(std::string_view s) {
  for (const char c : s)
    if (!httpc::detail::is_url_byte(static_cast<unsigned char>(c))) return false;
  return true;
}

bool same(const httpc::url& a, const httpc::url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.target == b.target;
}

bool empty(const httpc::url& u) {
  return u.scheme.empty() && u.host.empty() && u.port == 0 && u.target.empty() && u.user.empty() &&
         u.password.empty() && !u.has_userinfo;
}

// The checks on a url that parsed or resolved; `options` were used for it.
void check_url(const httpc::url& u, httpc::url_options options) {
  FUZZ_CHECK(u.scheme == "http" || u.scheme == "https");
  FUZZ_CHECK(u.is_tls() == (u.scheme == "https"));
  FUZZ_CHECK(!u.host.empty() && url_bytes(u.host));
  FUZZ_CHECK(u.port != 0);
  FUZZ_CHECK(!u.target.empty() && u.target.front() == '/' && url_bytes(u.target));
  FUZZ_CHECK(u.has_userinfo || (u.user.empty() && u.password.empty()));
  FUZZ_CHECK(options.allow_userinfo || !u.has_userinfo);

  const std::string text = u.text();
  FUZZ_CHECK(url_bytes(text));
  std::error_code ec;
  const httpc::url again = httpc::parse_url(text, ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(same(again, u));
  FUZZ_CHECK(!again.has_userinfo);
  FUZZ_CHECK(again.same_origin(u));
  FUZZ_CHECK(again.authority() == u.authority());

  // The empty reference is the base itself (RFC 3986 §5.2.2).
  const httpc::url itself = httpc::resolve_url(u, "", ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(same(itself, u));
}

void check_parse(std::string_view text, httpc::url_options options, httpc::url& out, bool& ok) {
  std::error_code ec;
  out = httpc::parse_url(text, ec, options);
  ok = !ec;
  if (ec) {
    FUZZ_CHECK(ec == httpc::error::invalid_url);
    FUZZ_CHECK(empty(out));
    return;
  }
  check_url(out, options);
}

void check_resolve(const httpc::url& base, std::string_view reference, httpc::url_options options) {
  std::error_code ec;
  const httpc::url u = httpc::resolve_url(base, reference, ec, options);
  if (ec) {
    FUZZ_CHECK(ec == httpc::error::invalid_url);
    return;
  }
  check_url(u, options);
  // A resolved url's text is absolute: it resolves against any base to the
  // same origin, and its path without dot segments (a reference of a query
  // alone keeps the base's path as it was, RFC 3986 §5.2.2), after which it
  // resolves to itself.
  const httpc::url again = httpc::resolve_url(base, u.text(), ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(again.same_origin(u));
  FUZZ_CHECK(same(httpc::resolve_url(base, again.text(), ec), again) && !ec);
  // Resolving its target again changes nothing either (unless the target
  // starts with "//", which as a reference names a host).
  if (!again.target.starts_with("//")) {
    const httpc::url target_again = httpc::resolve_url(again, again.target, ec);
    FUZZ_CHECK(!ec);
    FUZZ_CHECK(same(target_again, again));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  httpc::url_options options;
  options.allow_userinfo = (data[0] & 1) != 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto lf = rest.find('\n');
  const std::string_view base_text = rest.substr(0, lf);
  const std::string_view reference = lf == std::string_view::npos ? rest : rest.substr(lf + 1);

  httpc::url base;
  bool ok = false;
  check_parse(base_text, options, base, ok);
  if (!ok) {
    static const httpc::url fixed = httpc::parse_url("http://example.com/a/b/c?q=1");
    base = fixed;
  }
  check_resolve(base, reference, options);
  return 0;
}
