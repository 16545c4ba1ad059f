// Tests of httpc/url.hpp: parsing http and https URLs, resolving Location
// references, basic credentials.
#include "httpc/url.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <system_error>

#include "httpc/error.hpp"

namespace {

httpc::url parse_ok(std::string_view text, httpc::url_options options = {}) {
  std::error_code ec;
  httpc::url u = httpc::parse_url(text, ec, options);
  INFO(text);
  CHECK_FALSE(ec);
  return u;
}

std::error_code parse_error(std::string_view text, httpc::url_options options = {}) {
  std::error_code ec;
  const httpc::url u = httpc::parse_url(text, ec, options);
  if (ec) CHECK(u.host.empty());
  return ec;
}

}  // namespace

TEST_CASE("url: scheme, host, default and explicit ports, target") {
  const auto a = parse_ok("http://example.org");
  CHECK(a.scheme == "http");
  CHECK(a.host == "example.org");
  CHECK(a.port == 80);
  CHECK(a.target == "/");
  CHECK_FALSE(a.is_tls());
  CHECK(a.authority() == "example.org");
  CHECK(a.text() == "http://example.org/");

  const auto b = parse_ok("HTTPS://Example.ORG:8443/a/b?x=1&y=%41#frag");
  CHECK(b.scheme == "https");
  CHECK(b.host == "example.org");
  CHECK(b.port == 8443);
  CHECK(b.target == "/a/b?x=1&y=%41");
  CHECK(b.is_tls());
  CHECK(b.authority() == "example.org:8443");

  CHECK(parse_ok("https://h/").port == 443);
  CHECK(parse_ok("https://h:443/").authority() == "h");
  CHECK(parse_ok("http://h:/x").port == 80);            // empty port: the default
  CHECK(parse_ok("http://h?q").target == "/?q");        // query without a path
  CHECK(parse_ok("http://h#only-fragment").target == "/");
  CHECK(parse_ok("http://h:080/").port == 80);          // leading zeros
  CHECK(parse_ok("http://127.0.0.1:65535/").port == 65535);
}

TEST_CASE("url: IPv6 literals in brackets") {
  const auto u = parse_ok("http://[::1]:8080/p");
  CHECK(u.host == "::1");
  CHECK(u.port == 8080);
  CHECK(u.authority() == "[::1]:8080");
  CHECK(u.text() == "http://[::1]:8080/p");
  CHECK(parse_ok("https://[2001:DB8::1]").host == "2001:db8::1");
  CHECK(parse_error("http://[::1/") == httpc::error::invalid_url);       // no ']'
  CHECK(parse_error("http://[::g]/") == httpc::error::invalid_url);      // not an address
  CHECK(parse_error("http://[::1]x/") == httpc::error::invalid_url);     // junk after ']'
  CHECK(parse_error("http://[fe80::1%25eth0]/") == httpc::error::invalid_url);  // zone id
  CHECK(parse_error("http://::1/") == httpc::error::invalid_url);        // brackets needed
}

TEST_CASE("url: malformed URLs are invalid_url") {
  for (const std::string_view bad : {
           "",                        // nothing
           "example.org/path",        // no scheme
           "ftp://example.org/",      // not http
           "http:/example.org/",      // no authority
           "http://",                 // no host
           "http:///path",            // empty host
           "http://h:0/",             // port 0
           "http://h:65536/",         // too large
           "http://h:+80/",           // not digits
           "http://h: 80/",
           "http://h:8o/",
           "http://h/a%zz",           // bad percent-encoding
           "http://h/a%4",            // truncated
           "http://h/a%",             //
           "http://h/?q=%g0",         // in the query too
           "http://h/a b",            // a space
           "http://h/a\tb",           // a control byte
           "http://h/\x7f",           // DEL
           "http://h/\xc3\xa9",       // not ASCII
           "http://h\r\nX: y/",       // header injection
           "http://ex%41mple.org/",   // percent-encoded host
           "http://exa mple.org/",
       }) {
    INFO(bad);
    CHECK(parse_error(bad) == httpc::error::invalid_url);
  }
  // The fragment is dropped before anything is checked in it.
  CHECK(parse_ok("http://h/p#%zz").target == "/p");
}

TEST_CASE("url: user information refused unless asked for, then decoded") {
  CHECK(parse_error("http://user:pass@h/") == httpc::error::invalid_url);
  CHECK(parse_error("http://user@h/") == httpc::error::invalid_url);
  const httpc::url_options allow{true};
  const auto u = parse_ok("http://us%3Aer:p%40ss:word@h:81/x", allow);
  CHECK(u.has_userinfo);
  CHECK(u.user == "us:er");
  CHECK(u.password == "p@ss:word");
  CHECK(u.host == "h");
  CHECK(u.port == 81);
  CHECK(u.text() == "http://h:81/x");  // never shown again
  CHECK(parse_error("http://a%zz@h/", allow) == httpc::error::invalid_url);
  const auto no_password = parse_ok("http://alone@h/", allow);
  CHECK(no_password.user == "alone");
  CHECK(no_password.password.empty());
  CHECK_FALSE(parse_ok("http://h/").has_userinfo);
}

TEST_CASE("url: the throwing form") {
  CHECK(httpc::parse_url("http://h/x").target == "/x");
  try {
    (void)httpc::parse_url("http://h/%zz");
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == httpc::error::invalid_url);
  }
}

TEST_CASE("url: references resolved against a base (RFC 3986 §5.4 examples)") {
  const auto base = parse_ok("http://a/b/c/d;p?q");
  const auto resolve = [&](std::string_view reference) {
    std::error_code ec;
    const httpc::url u = httpc::resolve_url(base, reference, ec);
    INFO(reference);
    CHECK_FALSE(ec);
    return u.text();
  };
  CHECK(resolve("g") == "http://a/b/c/g");
  CHECK(resolve("./g") == "http://a/b/c/g");
  CHECK(resolve("g/") == "http://a/b/c/g/");
  CHECK(resolve("/g") == "http://a/g");
  CHECK(resolve("//g") == "http://g/");
  CHECK(resolve("?y") == "http://a/b/c/d;p?y");
  CHECK(resolve("g?y") == "http://a/b/c/g?y");
  CHECK(resolve("#s") == "http://a/b/c/d;p?q");
  CHECK(resolve("") == "http://a/b/c/d;p?q");
  CHECK(resolve(".") == "http://a/b/c/");
  CHECK(resolve("..") == "http://a/b/");
  CHECK(resolve("../g") == "http://a/b/g");
  CHECK(resolve("../..") == "http://a/");
  CHECK(resolve("../../../g") == "http://a/g");
  CHECK(resolve("/./g") == "http://a/g");
  CHECK(resolve("g;x=1/../y") == "http://a/b/c/y");
  CHECK(resolve("https://other:8443/x/../y?z") == "https://other:8443/y?z");

  std::error_code ec;
  (void)httpc::resolve_url(base, "ftp://x/", ec);
  CHECK(ec == httpc::error::invalid_url);
  (void)httpc::resolve_url(base, "/a%zz", ec);
  CHECK(ec == httpc::error::invalid_url);
  (void)httpc::resolve_url(base, "http://u:p@x/", ec);
  CHECK(ec == httpc::error::invalid_url);
  const auto with_user = httpc::resolve_url(base, "http://u:p@x/", ec, httpc::url_options{true});
  CHECK_FALSE(ec);
  CHECK(with_user.user == "u");
}

TEST_CASE("url: basic credentials (RFC 7617 §2 example)") {
  CHECK(httpc::basic_authorization("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(httpc::basic_authorization("", "") == "Basic Og==");
  CHECK(httpc::basic_authorization("ab", "") == "Basic YWI6");
}
