// Tests of httpc/url.hpp: parsing http and https URLs, resolving Location
// references, basic credentials.
#include "httpc/url.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <system_error>
#include <utility>

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

// The rules parse_url keeps, written out byte by byte, apart from the
// library's own tables, for the tests below that try every byte.
constexpr bool is_visible(unsigned char c) { return c >= 0x21 && c <= 0x7e; }
constexpr bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_alpha(unsigned char c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }
constexpr bool is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_name_byte(unsigned char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
constexpr bool ends_authority(unsigned char c) { return c == '/' || c == '?' || c == '#'; }
constexpr char lower(unsigned char c) { return static_cast<char>(is_upper(c) ? c + ('a' - 'A') : c); }
constexpr int hex_value(unsigned char c) {
  return is_digit(c) ? c - '0' : is_upper(c) ? c - 'A' + 10 : c - 'a' + 10;
}

std::string with_byte(std::string_view before, int byte, std::string_view after) {
  std::string text(before);
  text += static_cast<char>(byte);
  text += after;
  return text;
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

TEST_CASE("url: every byte in a host name") {
  const httpc::url_options allow{true};
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    const std::string text = with_byte("http://a", b, "1/x");
    CAPTURE(b);
    std::error_code ec;
    const auto u = httpc::parse_url(text, ec);
    if (is_name_byte(c)) {
      REQUIRE_FALSE(ec);
      CHECK(u.host == std::string{'a', lower(c), '1'});
      CHECK(u.port == 80);
      CHECK(u.target == "/x");
    } else if (c == ':') {
      REQUIRE_FALSE(ec);
      CHECK(u.host == "a");
      CHECK(u.port == 1);
    } else if (ends_authority(c)) {  // the host is "a", the rest is the target
      REQUIRE_FALSE(ec);
      CHECK(u.host == "a");
      CHECK(u.target == (c == '#' ? "/" : c == '/' ? "/1/x" : "/?1/x"));
    } else {  // '@' starts user information, not allowed
      CHECK(ec == httpc::error::invalid_url);
      CHECK(u.host.empty());
    }
    // With user information allowed, only '@' changes: "a" is the user.
    const auto with_user = httpc::parse_url(text, ec, allow);
    if (c == '@') {
      REQUIRE_FALSE(ec);
      CHECK(with_user.user == "a");
      CHECK(with_user.host == "1");
    } else {
      CHECK(bool(ec) == bool(!is_name_byte(c) && !ends_authority(c) && c != ':'));
    }
  }
  // Lowered whatever the mix of cases, IPv4 literals as they are.
  CHECK(parse_ok("http://WWW.Example-Host_1.~ORG/").host == "www.example-host_1.~org");
  CHECK(parse_ok("http://10.0.0.1/").host == "10.0.0.1");
  CHECK(parse_ok("http://ABC/").host == "abc");
  CHECK(parse_ok("http://abC:1/").host == "abc");
}

TEST_CASE("url: every byte in the user information") {
  const httpc::url_options allow{true};
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    const std::string text = with_byte("http://u", b, "v@h/");
    CAPTURE(b);
    std::error_code ec;
    const auto u = httpc::parse_url(text, ec, allow);
    if (ends_authority(c)) {  // the authority ends before the '@'
      REQUIRE_FALSE(ec);
      CHECK_FALSE(u.has_userinfo);
      CHECK(u.host == "u");
    } else if (is_visible(c) && c != '%') {
      REQUIRE_FALSE(ec);
      CHECK(u.has_userinfo);
      CHECK(u.host == "h");
      if (c == ':') {
        CHECK(u.user == "u");
        CHECK(u.password == "v");
      } else {
        CHECK(u.user == std::string{'u', static_cast<char>(c), 'v'});  // '@' too: the last one splits
        CHECK(u.password.empty());
      }
    } else {  // a control byte, a space, DEL, not ASCII, or '%' without two hex digits
      CHECK(ec == httpc::error::invalid_url);
      CHECK(u.user.empty());
      CHECK_FALSE(u.has_userinfo);
    }
    // Not allowed: refused whenever the '@' is in the authority.
    (void)httpc::parse_url(text, ec);
    CHECK(bool(ec) == !ends_authority(c));
  }
}

TEST_CASE("url: every byte in the path and in the query") {
  for (const std::string_view before : {"http://h/a", "http://h/?a", "http://h?a", "http://h/p?q?a"}) {
    const std::string expected_before =
        before == "http://h?a" ? "/?a" : std::string(before.substr(std::string_view("http://h").size()));
    for (int b = 0; b < 256; ++b) {
      const auto c = static_cast<unsigned char>(b);
      const std::string text = with_byte(before, b, "z");
      CAPTURE(before);
      CAPTURE(b);
      std::error_code ec;
      const auto u = httpc::parse_url(text, ec);
      if (c == '#') {
        REQUIRE_FALSE(ec);
        CHECK(u.target == expected_before);
      } else if (is_visible(c) && c != '%') {  // '%' is followed by "z"
        REQUIRE_FALSE(ec);
        CHECK(u.target == with_byte(expected_before, b, "z"));
      } else {
        CHECK(ec == httpc::error::invalid_url);
        CHECK(u.target.empty());
      }
    }
  }
}

TEST_CASE("url: every byte after a '%'") {
  const httpc::url_options allow{true};
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    CAPTURE(b);
    for (const std::string_view before : {"http://h/%", "http://h/?%", "http://h/p%4", "http://h/?q=%4"}) {
      CAPTURE(before);
      std::error_code ec;
      (void)httpc::parse_url(with_byte(before, b, "0"), ec);
      CHECK(bool(ec) != is_hex(c));
    }
    std::error_code ec;
    const auto first = httpc::parse_url(with_byte("http://%", b, "1@h/"), ec, allow);
    if (is_hex(c)) {
      REQUIRE_FALSE(ec);
      CHECK(first.user == std::string(1, static_cast<char>(hex_value(c) * 16 + 1)));
    } else {
      CHECK(ec == httpc::error::invalid_url);
    }
    const auto second = httpc::parse_url(with_byte("http://u:%4", b, "@h/"), ec, allow);
    if (is_hex(c)) {
      REQUIRE_FALSE(ec);
      CHECK(second.password == std::string(1, static_cast<char>(0x40 + hex_value(c))));
    } else {
      CHECK(ec == httpc::error::invalid_url);
    }
  }
  CHECK(parse_ok("http://h/%41%4a%4A?%7e").target == "/%41%4a%4A?%7e");  // kept as written
  CHECK(parse_error("http://h/%4") == httpc::error::invalid_url);
  CHECK(parse_error("http://h/%%41") == httpc::error::invalid_url);
  CHECK(parse_error("http://h/%4?1") == httpc::error::invalid_url);  // no triplet across the '?'
}

TEST_CASE("url: nothing is read past the end of the text") {
  // Each text is cut short of a string that goes on: what follows the cut
  // would make it valid, or a different URL.
  const std::string_view longer = "https://u:p%41@h:80/a%41?q=%41#f";
  const auto cut = [&](std::size_t size, httpc::url_options options = {}) {
    std::error_code ec;
    httpc::url u = httpc::parse_url(longer.substr(0, size), ec, options);
    return std::pair{ec, u};
  };
  const httpc::url_options allow{true};
  CHECK(cut(4).first == httpc::error::invalid_url);  // "http"
  CHECK(cut(5).first == httpc::error::invalid_url);  // "https"
  CHECK(cut(7).first == httpc::error::invalid_url);  // "https:/"
  CHECK(cut(9, allow).second.host == "u");
  CHECK(cut(10, allow).second.host == "u");  // an empty port
  CHECK(cut(12, allow).first == httpc::error::invalid_url);  // "p%" is no port
  CHECK(cut(17, allow).second.port == 443);
  CHECK(cut(18, allow).second.port == 8);
  CHECK(cut(21, allow).second.target == "/a");
  CHECK(cut(22, allow).first == httpc::error::invalid_url);  // "/a%"
  CHECK(cut(23, allow).first == httpc::error::invalid_url);  // "/a%4"
  CHECK(cut(24, allow).second.target == "/a%41");
  CHECK(cut(29, allow).first == httpc::error::invalid_url);  // "?q=%4"
  CHECK(cut(30, allow).second.target == "/a%41?q=%41");
  const std::string_view user = "http://u%41@h/";
  std::error_code ec;
  (void)httpc::parse_url(user.substr(0, 10), ec, allow);  // "http://u%4": a host with a '%'
  CHECK(ec == httpc::error::invalid_url);
  const std::string_view v6 = "http://[::1]:80/";
  CHECK(httpc::parse_url(v6.substr(0, 12), ec).host == "::1");
  (void)httpc::parse_url(v6.substr(0, 11), ec);  // no ']'
  CHECK(ec == httpc::error::invalid_url);
}

TEST_CASE("url: every byte in the port") {
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    CAPTURE(b);
    std::error_code ec;
    const auto u = httpc::parse_url(with_byte("http://h:8", b, "/"), ec);
    if (is_digit(c)) {
      REQUIRE_FALSE(ec);
      CHECK(u.port == 80 + (c - '0'));
    } else if (ends_authority(c)) {
      REQUIRE_FALSE(ec);
      CHECK(u.port == 8);
    } else {
      CHECK(ec == httpc::error::invalid_url);
    }
    const auto v6 = httpc::parse_url(with_byte("http://[::1]:8", b, "/"), ec);
    CHECK(bool(ec) == bool(!is_digit(c) && !ends_authority(c)));
    if (!ec) CHECK(v6.host == "::1");
  }
}

TEST_CASE("url: every port number, with and without leading zeros") {
  for (unsigned n = 0; n <= 70000; ++n) {
    const std::string digits = std::to_string(n);
    for (const std::string& text : {"http://h:" + digits, "https://h:0000000000000000000000" + digits + "/"}) {
      std::error_code ec;
      const auto u = httpc::parse_url(text, ec);
      if (n >= 1 && n <= 65535) {
        if (ec || u.port != n) FAIL_CHECK(text);
      } else if (ec != httpc::error::invalid_url) {
        FAIL_CHECK(text);
      }
    }
  }
  CHECK(parse_error("http://h:4294967376/") == httpc::error::invalid_url);  // 2^32 + 80
  CHECK(parse_error("http://h:18446744073709551696/") == httpc::error::invalid_url);  // 2^64 + 80
  CHECK(parse_error("http://h:99999999999999999999999999999999/") == httpc::error::invalid_url);
  CHECK(parse_error("http://h:00000000000000000000000000000000/") == httpc::error::invalid_url);
  CHECK(parse_ok("https://h:").port == 443);  // empty: the default
  CHECK(parse_ok("https://h:?q").port == 443);
  CHECK(parse_ok("http://[::1]:").port == 80);
  CHECK(parse_error("http://h:80:80/") == httpc::error::invalid_url);
  CHECK(parse_error("http://h::80/") == httpc::error::invalid_url);
  CHECK(parse_error("http://h:-1/") == httpc::error::invalid_url);
}

TEST_CASE("url: every byte in each letter of the scheme") {
  for (const std::string_view good : {"http://h/", "https://h/"}) {
    for (std::size_t position = 0; position < good.find(':'); ++position) {
      for (int b = 0; b < 256; ++b) {
        std::string text(good);
        text[position] = static_cast<char>(b);
        CAPTURE(text);
        std::error_code ec;
        const auto u = httpc::parse_url(text, ec);
        if (lower(static_cast<unsigned char>(b)) == good[position]) {
          REQUIRE_FALSE(ec);
          CHECK(u.scheme == good.substr(0, good.find(':')));
        } else {
          CHECK(ec == httpc::error::invalid_url);
          CHECK(u.scheme.empty());
        }
      }
    }
  }
  for (const std::string_view bad : {"http", "https", "http:", "http:/", "https:/h/", "http//h/", "httpss://h/",
                                     "htp://h/", "https:://h/", "http ://h/", " http://h/", "http#://h/"}) {
    INFO(bad);
    CHECK(parse_error(bad) == httpc::error::invalid_url);
  }
}

TEST_CASE("url: the fragment ends the text wherever it comes") {
  CHECK(parse_ok("http://u#@h/").host == "u");
  CHECK(parse_ok("http://h#:99999").port == 80);
  CHECK(parse_ok("http://h:81#x").port == 81);
  CHECK(parse_ok("http://[::1]#]").host == "::1");
  CHECK(parse_ok("http://h/p?q#f?g").target == "/p?q");
  CHECK(parse_ok("http://h?#").target == "/?");
  CHECK(parse_ok("http://h#\x01\x80 ").target == "/");
  CHECK(parse_ok("http://h:8#0").port == 8);
  CHECK(parse_error("http://[::1#]/") == httpc::error::invalid_url);
}

TEST_CASE("url: user information with '@', ':', nothing, and before IPv6 literals") {
  const httpc::url_options allow{true};
  const auto two_ats = parse_ok("http://a@b@h/", allow);
  CHECK(two_ats.user == "a@b");
  CHECK(two_ats.host == "h");
  const auto empty = parse_ok("http://@h/", allow);
  CHECK(empty.has_userinfo);
  CHECK(empty.user.empty());
  const auto colon = parse_ok("http://:@h/", allow);
  CHECK(colon.has_userinfo);
  CHECK(colon.user.empty());
  CHECK(colon.password.empty());
  const auto v6 = parse_ok("http://u:p@[::1]:8080/x", allow);
  CHECK(v6.user == "u");
  CHECK(v6.password == "p");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 8080);
  const auto brackets = parse_ok("http://[::1]@h/", allow);  // user information, split at its first ':'
  CHECK(brackets.user == "[");
  CHECK(brackets.password == ":1]");
  CHECK(brackets.host == "h");
  CHECK(parse_error("http://u@/", allow) == httpc::error::invalid_url);       // no host after it
  CHECK(parse_error("http://u@:80/", allow) == httpc::error::invalid_url);
  CHECK(parse_error("http://u@[::1]x/", allow) == httpc::error::invalid_url);
  CHECK(parse_error("http://u@h:0/", allow) == httpc::error::invalid_url);
}

TEST_CASE("url: every byte in an IPv6 literal") {
  for (int b = 0; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    CAPTURE(b);
    std::error_code ec;
    // The literal is read whole before it is checked: a NUL must not end it.
    const auto u = httpc::parse_url(with_byte("http://[::1", b, "]/"), ec);
    if (is_hex(c)) {
      REQUIRE_FALSE(ec);
      CHECK(u.host == std::string{':', ':', '1', lower(c)});
    } else {
      CHECK(ec == httpc::error::invalid_url);
      CHECK(u.host.empty());
    }
  }
}

TEST_CASE("url: more IPv6 literals") {
  CHECK(parse_ok("http://[::FFFF:1.2.3.4]/").host == "::ffff:1.2.3.4");
  CHECK(parse_ok("http://[2001:DB8:0:0:0:0:0:1]:1/").host == "2001:db8:0:0:0:0:0:1");
  CHECK(parse_ok("http://[::1]?q").target == "/?q");
  for (const std::string_view bad : {"http://[]/", "http://[::1/]/", "http://[::1]]/", "http://[[::1]/",
                                     "http://[::1]:0/", "http://[::1]:65536/", "http://[::1]:x/",
                                     "http://[::1%eth0]/", "http://[v1.x]/", "http://x[::1]/"}) {
    INFO(bad);
    CHECK(parse_error(bad) == httpc::error::invalid_url);
  }
}

TEST_CASE("url: basic credentials (RFC 7617 §2 example)") {
  CHECK(httpc::basic_authorization("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(httpc::basic_authorization("", "") == "Basic Og==");
  CHECK(httpc::basic_authorization("ab", "") == "Basic YWI6");
}
