// Tests of the request serializer (httpc/serializer.hpp): exact bytes for
// every rule, CPython 3.11's http.client being the reference for the
// automatic fields and their order.
#include "httpc/serializer.hpp"

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>
#include <string_view>
#include <system_error>

using namespace std::literals;
using httpc::body_encoding;
using httpc::body_kind;
using httpc::error;
using httpc::Headers;
using httpc::request_head;

// --- Allocation counting ------------------------------------------------------
// Replaced global operator new: the reuse test counts the allocations a
// warmed-up buffer makes. Counting is off except inside that test.

namespace {
bool counting = false;
std::size_t allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

// The head write_request appends to an empty buffer; fails the test on error.
std::string head_of(const request_head& head, const Headers& headers = {},
                    body_encoding* encoding = nullptr) {
  std::string out;
  std::error_code ec;
  const body_encoding e = httpc::write_request(out, head, headers, ec);
  CHECK_FALSE(ec);
  if (encoding != nullptr) *encoding = e;
  return out;
}

request_head get(std::string_view host = "example.com") {
  request_head h;
  h.method = "GET";
  h.target = "/";
  h.host = host;
  return h;
}

request_head with_body(std::string_view method, body_kind kind, std::uint64_t length = 0) {
  request_head h = get();
  h.method = method;
  h.body = kind;
  h.content_length = length;
  return h;
}

// write_request on a buffer that already holds bytes: the error, and that
// the bytes are exactly as before.
std::error_code refused(const request_head& head, const Headers& headers = {}) {
  std::string out = "kept";
  std::error_code ec;
  const body_encoding e = httpc::write_request(out, head, headers, ec);
  CHECK(out == "kept");
  CHECK(e == body_encoding::none);
  return ec;
}

constexpr std::string_view auto_fields = "Host: example.com\r\nAccept-Encoding: identity\r\n";

}  // namespace

// --- The request line and the automatic fields ------------------------------

TEST_CASE("a GET: request line, Host, Accept-Encoding, empty line") {
  body_encoding encoding = body_encoding::raw;
  CHECK(head_of(get(), {}, &encoding) ==
        "GET / HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: identity\r\n\r\n");
  CHECK(encoding == body_encoding::none);
}

TEST_CASE("method and target are sent as given; an empty target is /") {
  request_head h = get();
  h.method = "get";
  h.target = "/a/b?c=d&e=%20#frag";
  CHECK(head_of(h) == "get /a/b?c=d&e=%20#frag HTTP/1.1\r\n"s + std::string(auto_fields) + "\r\n");
  h.method = "OPTIONS";
  h.target = "*";
  CHECK(head_of(h).starts_with("OPTIONS * HTTP/1.1\r\n"));
  h.target = "";  // CPython: url = url or '/'
  CHECK(head_of(h).starts_with("OPTIONS / HTTP/1.1\r\n"));
}

TEST_CASE("Host: the port only when it is not the scheme's default") {
  request_head h = get();
  auto host_line = [&] {
    const std::string out = head_of(h);
    const auto start = out.find("Host: ");
    return out.substr(start, out.find("\r\n", start) - start);
  };
  h.port = 0;
  CHECK(host_line() == "Host: example.com");
  h.port = 80;
  CHECK(host_line() == "Host: example.com");
  h.port = 8080;
  CHECK(host_line() == "Host: example.com:8080");
  h.port = 443;
  CHECK(host_line() == "Host: example.com:443");
  h.tls = true;
  CHECK(host_line() == "Host: example.com");
  h.port = 80;
  CHECK(host_line() == "Host: example.com:80");
  h.port = 0;
  CHECK(host_line() == "Host: example.com");
  h.port = 65535;
  CHECK(host_line() == "Host: example.com:65535");
  h.port = 1;
  CHECK(host_line() == "Host: example.com:1");

  SUBCASE("IPv4") {
    h.host = "127.0.0.1";
    h.tls = false;
    h.port = 8080;
    CHECK(host_line() == "Host: 127.0.0.1:8080");
  }
  SUBCASE("IPv6 literals get brackets, and lose a zone id") {
    h.tls = false;
    h.host = "::1";
    h.port = 8080;
    CHECK(host_line() == "Host: [::1]:8080");
    h.port = 80;
    CHECK(host_line() == "Host: [::1]");
    h.host = "[::1]";  // already in brackets
    h.port = 8080;
    CHECK(host_line() == "Host: [::1]:8080");
    h.host = "fe80::1%eth0";
    CHECK(host_line() == "Host: [fe80::1]:8080");
    h.host = "[fe80::1%25eth0]";
    h.port = 0;
    CHECK(host_line() == "Host: [fe80::1]");
    h.host = "2001:db8::a:b";
    h.tls = true;
    h.port = 443;
    CHECK(host_line() == "Host: [2001:db8::a:b]");
  }
}

TEST_CASE("Host from an absolute-form target (a request to a proxy)") {
  request_head h = get("proxy.local");
  h.port = 3128;
  h.target = "http://example.org:8080/path?q";
  CHECK(head_of(h) ==
        "GET http://example.org:8080/path?q HTTP/1.1\r\nHost: example.org:8080\r\n"
        "Accept-Encoding: identity\r\n\r\n");
  h.target = "https://example.org";
  CHECK(head_of(h).find("\r\nHost: example.org\r\n") != std::string::npos);
  // Userinfo is no part of Host (RFC 9112 §3.2.2): credentials stay out of it.
  h.target = "http://user:secret@example.org/";
  CHECK(head_of(h).find("\r\nHost: example.org\r\n") != std::string::npos);
  CHECK(head_of(h).find("Host: user") == std::string::npos);
  h.target = "http://[fe80::1%25eth0]:8443/x";
  CHECK(head_of(h).find("\r\nHost: [fe80::1]:8443\r\n") != std::string::npos);
  h.target = "http://[::1]:81#f";
  CHECK(head_of(h).find("\r\nHost: [::1]:81\r\n") != std::string::npos);
  // No authority: the connection's host.
  h.target = "http://";
  CHECK(head_of(h).find("\r\nHost: proxy.local:3128\r\n") != std::string::npos);
  h.target = "http:/relative";
  CHECK(head_of(h).find("\r\nHost: proxy.local:3128\r\n") != std::string::npos);
  h.target = "httpdocs/x";
  CHECK(head_of(h).find("\r\nHost: proxy.local:3128\r\n") != std::string::npos);
  // Not the http family: as CPython, only targets starting with "http".
  h.target = "ftp://files.example/";
  CHECK(head_of(h).find("\r\nHost: proxy.local:3128\r\n") != std::string::npos);
  // A caller's Host still wins.
  h.target = "http://example.org/";
  CHECK(head_of(h, {{"Host", "other"}}) ==
        "GET http://example.org/ HTTP/1.1\r\nAccept-Encoding: identity\r\nHost: other\r\n\r\n");
}

TEST_CASE("a caller's Host or Accept-Encoding, any case, replaces the automatic one") {
  CHECK(head_of(get(), {{"host", "h.example"}}) ==
        "GET / HTTP/1.1\r\nAccept-Encoding: identity\r\nhost: h.example\r\n\r\n");
  CHECK(head_of(get(), {{"ACCEPT-ENCODING", "gzip"}}) ==
        "GET / HTTP/1.1\r\nHost: example.com\r\nACCEPT-ENCODING: gzip\r\n\r\n");
  CHECK(head_of(get(), {{"X-A", "1"}, {"Accept-encoding", "br"}, {"HoSt", "x"}}) ==
        "GET / HTTP/1.1\r\nX-A: 1\r\nAccept-encoding: br\r\nHoSt: x\r\n\r\n");
  // With a caller's Host, the connection's host is not used, so not checked.
  request_head h = get("bad host");
  CHECK(head_of(h, {{"Host", "good"}}) ==
        "GET / HTTP/1.1\r\nAccept-Encoding: identity\r\nHost: good\r\n\r\n");
}

TEST_CASE("skip_host and skip_accept_encoding") {
  request_head h = get();
  h.skip_host = true;
  CHECK(head_of(h) == "GET / HTTP/1.1\r\nAccept-Encoding: identity\r\n\r\n");
  h.skip_accept_encoding = true;
  CHECK(head_of(h) == "GET / HTTP/1.1\r\n\r\n");
  h.skip_host = false;
  CHECK(head_of(h) == "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
  h.host = "";  // skipped Host: the host is not needed
  h.skip_host = true;
  CHECK(head_of(h) == "GET / HTTP/1.1\r\n\r\n");
}

TEST_CASE("the caller's fields follow the automatic ones, in order, repeats kept") {
  const Headers headers{{"Accept", "text/plain"}, {"X-Rep", "1"}, {"Cookie", "a=b"},
                        {"X-Rep", "2"}, {"Empty", ""}, {"Obs", "caf\xc3\xa9\tx"}};
  CHECK(head_of(get(), headers) ==
        "GET / HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: identity\r\n"
        "Accept: text/plain\r\nX-Rep: 1\r\nCookie: a=b\r\nX-Rep: 2\r\nEmpty: \r\n"
        "Obs: caf\xc3\xa9\tx\r\n\r\n");
}

// --- Body framing -------------------------------------------------------------

TEST_CASE("no body: Content-Length: 0 only for POST, PUT and PATCH, any case") {
  for (const std::string_view method : {"POST"sv, "PUT"sv, "PATCH"sv, "post"sv, "Put"sv, "pAtCh"sv}) {
    INFO(method);
    body_encoding encoding = body_encoding::raw;
    CHECK(head_of(with_body(method, body_kind::none), {}, &encoding) ==
          std::string(method) + " / HTTP/1.1\r\n" + std::string(auto_fields) +
              "Content-Length: 0\r\n\r\n");
    CHECK(encoding == body_encoding::none);
  }
  for (const std::string_view method :
       {"GET"sv, "HEAD"sv, "DELETE"sv, "OPTIONS"sv, "TRACE"sv, "CONNECT"sv, "POSTX"sv}) {
    INFO(method);
    CHECK(head_of(with_body(method, body_kind::none)) ==
          std::string(method) + " / HTTP/1.1\r\n" + std::string(auto_fields) + "\r\n");
  }
}

TEST_CASE("no body with the caller's framing fields: nothing added") {
  const request_head post = with_body("POST", body_kind::none);
  body_encoding encoding = body_encoding::raw;
  CHECK(head_of(post, {{"content-length", "0"}}, &encoding) ==
        "POST / HTTP/1.1\r\n" + std::string(auto_fields) + "content-length: 0\r\n\r\n");
  CHECK(encoding == body_encoding::none);
  CHECK(head_of(post, {{"Transfer-Encoding", "chunked"}}, &encoding) ==
        "POST / HTTP/1.1\r\n" + std::string(auto_fields) + "Transfer-Encoding: chunked\r\n\r\n");
  CHECK(encoding == body_encoding::none);
  request_head chunked = post;
  chunked.encode_chunked = true;  // no body: nothing to chunk, as CPython
  CHECK(head_of(chunked, {{"Transfer-Encoding", "chunked"}}, &encoding) ==
        "POST / HTTP/1.1\r\n" + std::string(auto_fields) + "Transfer-Encoding: chunked\r\n\r\n");
  CHECK(encoding == body_encoding::none);
}

TEST_CASE("an empty body is not no body: Content-Length: 0 for any method") {
  for (const std::string_view method : {"GET"sv, "POST"sv, "DELETE"sv}) {
    INFO(method);
    body_encoding encoding = body_encoding::none;
    CHECK(head_of(with_body(method, body_kind::sized, 0), {}, &encoding) ==
          std::string(method) + " / HTTP/1.1\r\n" + std::string(auto_fields) +
              "Content-Length: 0\r\n\r\n");
    CHECK(encoding == body_encoding::raw);
  }
}

TEST_CASE("a sized body: Content-Length before the caller's fields, as CPython") {
  body_encoding encoding = body_encoding::none;
  CHECK(head_of(with_body("POST", body_kind::sized, 13),
                {{"Content-type", "application/x-www-form-urlencoded"}, {"Accept", "text/plain"}},
                &encoding) ==
        "POST / HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: identity\r\n"
        "Content-Length: 13\r\nContent-type: application/x-www-form-urlencoded\r\n"
        "Accept: text/plain\r\n\r\n");
  CHECK(encoding == body_encoding::raw);
  CHECK(head_of(with_body("PUT", body_kind::sized, std::numeric_limits<std::uint64_t>::max()))
            .find("\r\nContent-Length: 18446744073709551615\r\n") != std::string::npos);
  CHECK(head_of(with_body("PUT", body_kind::sized, 1000000))
            .find("\r\nContent-Length: 1000000\r\n") != std::string::npos);
  // encode_chunked means nothing without the caller's Transfer-Encoding.
  request_head h = with_body("POST", body_kind::sized, 5);
  h.encode_chunked = true;
  CHECK(head_of(h, {}, &encoding).find("\r\nContent-Length: 5\r\n") != std::string::npos);
  CHECK(encoding == body_encoding::raw);
}

TEST_CASE("a sized body with the caller's Content-Length or Transfer-Encoding") {
  body_encoding encoding = body_encoding::none;
  CHECK(head_of(with_body("POST", body_kind::sized, 5), {{"CONTENT-LENGTH", "5"}}, &encoding) ==
        "POST / HTTP/1.1\r\n" + std::string(auto_fields) + "CONTENT-LENGTH: 5\r\n\r\n");
  CHECK(encoding == body_encoding::raw);
  // The caller frames it (CPython: sent as it is, the caller chunked it)...
  CHECK(head_of(with_body("POST", body_kind::sized, 5), {{"transfer-encoding", "chunked"}},
                &encoding) ==
        "POST / HTTP/1.1\r\n" + std::string(auto_fields) + "transfer-encoding: chunked\r\n\r\n");
  CHECK(encoding == body_encoding::raw);
  // ...unless it asks for encode_chunked.
  request_head h = with_body("POST", body_kind::sized, 5);
  h.encode_chunked = true;
  head_of(h, {{"Transfer-Encoding", "chunked"}}, &encoding);
  CHECK(encoding == body_encoding::chunked);
  // Content-Length given: encode_chunked is ignored, as in CPython.
  head_of(h, {{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}, &encoding);
  CHECK(encoding == body_encoding::raw);
}

TEST_CASE("strict_framing: the caller's framing fields must agree with the body") {
  request_head sized = with_body("POST", body_kind::sized, 4);
  sized.strict_framing = true;
  request_head none = get();
  none.strict_framing = true;
  request_head stream = with_body("POST", body_kind::streaming);
  stream.strict_framing = true;
  const auto framing = make_error_code(httpc::error::invalid_request_framing);
  CHECK(refused(sized, {{"Content-Length", "3"}}) == framing);
  CHECK(refused(sized, {{"Content-Length", "5"}}) == framing);
  CHECK(refused(sized, {{"Content-Length", "4"}, {"Content-Length", "5"}}) == framing);
  CHECK(refused(sized, {{"Content-Length", "4, 5"}}) == framing);
  CHECK(refused(sized, {{"Content-Length", "+4"}}) == framing);
  CHECK(refused(sized, {{"Content-Length", ""}}) == framing);
  CHECK(refused(sized, {{"Content-Length", "4"}, {"Transfer-Encoding", "chunked"}}) == framing);
  CHECK(refused(sized, {{"Transfer-Encoding", "gzip, chunked"}}) == framing);
  CHECK(refused(none, {{"Transfer-Encoding", "chunked"}}) == framing);
  CHECK(refused(none, {{"Content-Length", "1"}}) == framing);
  CHECK(refused(stream, {{"Content-Length", "x"}}) == framing);

  body_encoding encoding = body_encoding::none;
  head_of(sized, {{"Content-Length", "4"}}, &encoding);
  CHECK(encoding == body_encoding::raw);
  head_of(sized, {{"content-length", " 4 , 4 "}}, &encoding);
  CHECK(encoding == body_encoding::raw);
  head_of(none, {{"Content-Length", "0"}}, &encoding);
  CHECK(encoding == body_encoding::none);
  head_of(stream, {{"Content-Length", "100"}}, &encoding);  // counted as it goes out
  CHECK(encoding == body_encoding::raw);
  // A caller's chunked is encoded here, never taken as already framed.
  head_of(sized, {{"Transfer-Encoding", " Chunked"}}, &encoding);
  CHECK(encoding == body_encoding::chunked);
}

TEST_CASE("content_length_field: one number, repeats and lists only when equal") {
  std::error_code ec;
  CHECK_FALSE(httpc::content_length_field({{"Host", "x"}}, ec).has_value());
  CHECK_FALSE(ec);
  CHECK(httpc::content_length_field({{"Content-Length", "12"}}, ec) == 12u);
  CHECK(httpc::content_length_field({{"content-length", "7"}, {"CONTENT-LENGTH", "7, 7"}}, ec) == 7u);
  CHECK_FALSE(ec);
  for (const char* bad : {"", " ", "1 2", "0x10", "-1", "+1", "1,", ",1", "3, 4", "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(httpc::content_length_field({{"Content-Length", bad}}, ec).has_value());
    CHECK(ec == httpc::error::bad_content_length);
  }
}

TEST_CASE("a streaming body: Transfer-Encoding: chunked unless the caller frames it") {
  body_encoding encoding = body_encoding::none;
  CHECK(head_of(with_body("PUT", body_kind::streaming), {{"X-A", "1"}}, &encoding) ==
        "PUT / HTTP/1.1\r\n" + std::string(auto_fields) +
            "Transfer-Encoding: chunked\r\nX-A: 1\r\n\r\n");
  CHECK(encoding == body_encoding::chunked);
  // GET too: CPython chunks a file body whatever the method.
  CHECK(head_of(with_body("GET", body_kind::streaming), {}, &encoding) ==
        "GET / HTTP/1.1\r\n" + std::string(auto_fields) + "Transfer-Encoding: chunked\r\n\r\n");
  CHECK(encoding == body_encoding::chunked);
  // The caller's Content-Length: the pieces go as they are.
  CHECK(head_of(with_body("PUT", body_kind::streaming), {{"Content-Length", "100"}}, &encoding) ==
        "PUT / HTTP/1.1\r\n" + std::string(auto_fields) + "Content-Length: 100\r\n\r\n");
  CHECK(encoding == body_encoding::raw);
  // The caller's Transfer-Encoding: raw, or chunked on request.
  request_head h = with_body("PUT", body_kind::streaming);
  CHECK(head_of(h, {{"Transfer-Encoding", "gzip, chunked"}}, &encoding) ==
        "PUT / HTTP/1.1\r\n" + std::string(auto_fields) + "Transfer-Encoding: gzip, chunked\r\n\r\n");
  CHECK(encoding == body_encoding::raw);
  h.encode_chunked = true;
  head_of(h, {{"Transfer-Encoding", "gzip, chunked"}}, &encoding);
  CHECK(encoding == body_encoding::chunked);
}

TEST_CASE("the whole request, head and chunked body, as CPython sends it") {
  // http.client: conn.request("POST", "/up", body=iter([b"hello", b"", b" world"]))
  std::string wire;
  const request_head h = with_body("POST", body_kind::streaming);
  REQUIRE(httpc::write_request(wire, h, {}) == body_encoding::chunked);
  for (const std::string_view piece : {"hello"sv, ""sv, " world"sv}) {
    if (piece.empty()) continue;  // an empty chunk would end the body
    const httpc::chunk_header size(piece.size());
    wire.append(size.view()).append(piece).append(httpc::chunk_end);
  }
  wire.append(httpc::last_chunk);
  CHECK(wire ==
        "POST / HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: identity\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
}

// --- Refusals -----------------------------------------------------------------

TEST_CASE("an invalid method is refused, the buffer unchanged") {
  for (const std::string_view method :
       {""sv, "GET "sv, " GET"sv, "GE T"sv, "GET\r\n"sv, "GET\n"sv, "G\0T"sv, "G/T"sv,
        "G:T"sv, "G\x7fT"sv, "G\xc3\x89T"sv, "GET\r\nHost: evil"sv}) {
    request_head h = get();
    h.method = method;
    INFO("method " << std::string(method));
    CHECK(refused(h) == error::invalid_method);
  }
}

TEST_CASE("an invalid target is refused, the buffer unchanged") {
  for (const std::string_view target :
       {"/a b"sv, "/a\tb"sv, "/\r\n"sv, "/\n"sv, "/\r"sv, "/a\0"sv, "/\x7f"sv, "/\x80"sv,
        "/caf\xc3\xa9"sv, "/\x1f"sv, " /"sv, "/ HTTP/1.1\r\nX: y"sv}) {
    request_head h = get();
    h.target = target;
    INFO("target " << std::string(target));
    CHECK(refused(h) == error::invalid_target);
  }
}

TEST_CASE("an invalid host is refused as invalid_url when Host is made from it") {
  for (const std::string_view host :
       {""sv, "exa mple.com"sv, "example.com\r\nX: 1"sv, "a\0"sv, "a\x7f"sv, "\tb"sv,
        "b\xc3\xa9.example"sv}) {
    INFO("host " << std::string(host));
    CHECK(refused(get(host)) == error::invalid_url);
  }
}

TEST_CASE("an invalid field name or value is refused, the buffer unchanged") {
  for (const std::string_view name :
       {""sv, "X Y"sv, "X:"sv, "X\r\nY"sv, "X\n"sv, "(X)"sv, "X\0"sv, "caf\xc3\xa9"sv, " X"sv}) {
    INFO("name " << std::string(name));
    CHECK(refused(get(), {{"Good", "1"}, {std::string(name), "v"}}) == error::invalid_header_name);
  }
  for (const std::string_view value :
       {"a\r\nX-Injected: 1"sv, "a\nb"sv, "a\rb"sv, "a\0b"sv, "a\x7f"sv, "\x01"sv, "a\r\n b"sv,
        "\x1b[31m"sv}) {
    INFO("value " << std::string(value));
    CHECK(refused(get(), {{"Good", "1"}, {"X", std::string(value)}}) ==
          error::invalid_header_value);
  }
}

TEST_CASE("checks come before anything, in order: method, target, host, fields") {
  request_head h = get("bad host");
  h.method = "BAD METHOD";
  h.target = "/bad target";
  const Headers bad{{"Bad Name", "v"}};
  CHECK(refused(h, bad) == error::invalid_method);
  h.method = "GET";
  CHECK(refused(h, bad) == error::invalid_target);
  h.target = "/";
  CHECK(refused(h, bad) == error::invalid_url);
  h.host = "ok";
  CHECK(refused(h, bad) == error::invalid_header_name);
}

TEST_CASE("the throwing overloads throw std::system_error with the code") {
  std::string out = "kept";
  request_head h = get();
  h.method = "A B";
  try {
    httpc::write_request(out, h, {});
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == error::invalid_method);
  }
  CHECK(out == "kept");
  CHECK_THROWS_AS(httpc::write_field(out, "X", "a\nb"), std::system_error);
  CHECK_THROWS_AS(httpc::write_connect(out, "a b", 1, {}), std::system_error);
  CHECK_THROWS_AS(httpc::write_last_chunk(out, {{"", ""}}), std::system_error);
  CHECK_THROWS_AS(httpc::write_request_start(out, h), std::system_error);
  CHECK(out == "kept");
  std::error_code ec = error::bad_chunk;  // a success clears a previous error
  httpc::write_request(out, get(), {}, ec);
  CHECK_FALSE(ec);
}

// --- putrequest / putheader / endheaders ----------------------------------------

TEST_CASE("write_request_start, write_field, write_head_end: CPython's put* calls") {
  std::string out;
  request_head h = get("[::1]");
  h.method = "PUT";
  h.target = "/x";
  h.port = 8080;
  h.body = body_kind::sized;  // not used here: putrequest adds no framing field
  h.content_length = 3;
  httpc::write_request_start(out, h);
  CHECK(out == "PUT /x HTTP/1.1\r\nHost: [::1]:8080\r\nAccept-Encoding: identity\r\n");
  httpc::write_field(out, "Content-Length", "3");
  httpc::write_head_end(out);
  CHECK(out ==
        "PUT /x HTTP/1.1\r\nHost: [::1]:8080\r\nAccept-Encoding: identity\r\n"
        "Content-Length: 3\r\n\r\n");

  out.clear();
  h.skip_host = true;
  h.skip_accept_encoding = true;
  httpc::write_request_start(out, h);
  CHECK(out == "PUT /x HTTP/1.1\r\n");

  std::error_code ec;
  out = "kept";
  h.target = "/a b";
  httpc::write_request_start(out, h, ec);
  CHECK(ec == error::invalid_target);
  CHECK(out == "kept");
}

TEST_CASE("several values of one field: continuation lines") {
  std::string out;
  const std::array<std::string_view, 3> three{"v1", "v2", "v 3"};
  httpc::write_field(out, "X-Multi", three);
  CHECK(out == "X-Multi: v1\r\n\tv2\r\n\tv 3\r\n");

  out.clear();
  const std::array<std::string_view, 1> single{"only"};
  httpc::write_field(out, "X", single);
  CHECK(out == "X: only\r\n");

  out.clear();
  httpc::write_field(out, "X", std::span<const std::string_view>{});  // putheader("X")
  CHECK(out == "X: \r\n");

  std::error_code ec;
  out = "kept";
  const std::array<std::string_view, 2> bad_value{"ok", "no\r\n"};
  httpc::write_field(out, "X", bad_value, ec);
  CHECK(ec == error::invalid_header_value);
  httpc::write_field(out, "X Y", three, ec);
  CHECK(ec == error::invalid_header_name);
  httpc::write_field(out, "X:", "v", ec);
  CHECK(ec == error::invalid_header_name);
  httpc::write_field(out, "X", "\x7f", ec);
  CHECK(ec == error::invalid_header_value);
  CHECK(out == "kept");
  httpc::write_field(out, "X", "v", ec);
  CHECK_FALSE(ec);
  CHECK(out == "keptX: v\r\n");
}

// --- Chunks ---------------------------------------------------------------------

static_assert(httpc::chunk_header(0x1f).view() == "1F\r\n");

TEST_CASE("chunk size lines: hex digits and CRLF, in a buffer of their own") {
  CHECK(httpc::chunk_header(1).view() == "1\r\n");
  CHECK(httpc::chunk_header(9).view() == "9\r\n");
  CHECK(httpc::chunk_header(10).view() == "A\r\n");
  CHECK(httpc::chunk_header(255).view() == "FF\r\n");
  CHECK(httpc::chunk_header(4096).view() == "1000\r\n");
  CHECK(httpc::chunk_header(8192).view() == "2000\r\n");
  CHECK(httpc::chunk_header(0xabcdef).view() == "ABCDEF\r\n");
  CHECK(httpc::chunk_header(std::numeric_limits<std::uint64_t>::max()).view() ==
        "FFFFFFFFFFFFFFFF\r\n");
  const httpc::chunk_header h(300);
  CHECK(std::string_view(h.data(), h.size()) == "12C\r\n");
  CHECK(httpc::chunk_end == "\r\n");
  CHECK(httpc::last_chunk == "0\r\n\r\n");
}

TEST_CASE("the last chunk with trailer fields") {
  std::string out;
  httpc::write_last_chunk(out, {});
  CHECK(out == httpc::last_chunk);
  out.clear();
  httpc::write_last_chunk(out, {{"Digest", "sha-256=abc"}, {"X-T", ""}});
  CHECK(out == "0\r\nDigest: sha-256=abc\r\nX-T: \r\n\r\n");
  std::error_code ec;
  out = "kept";
  httpc::write_last_chunk(out, {{"Ok", "1"}, {"Bad", "\r\n"}}, ec);
  CHECK(ec == error::invalid_header_value);
  httpc::write_last_chunk(out, {{"Bad Name", "1"}}, ec);
  CHECK(ec == error::invalid_header_name);
  CHECK(out == "kept");
}

// --- CONNECT --------------------------------------------------------------------

TEST_CASE("CONNECT as CPython 3.11's tunnel sends it") {
  std::string out;
  httpc::write_connect(out, "example.com", 443, {});
  CHECK(out == "CONNECT example.com:443 HTTP/1.0\r\n\r\n");
  out.clear();
  httpc::write_connect(out, "example.com", 80,
                       {{"Proxy-Authorization", "Basic dXNlcjpwYXNz"}, {"User-Agent", "t"}});
  CHECK(out ==
        "CONNECT example.com:80 HTTP/1.0\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n"
        "User-Agent: t\r\n\r\n");
  out.clear();
  httpc::write_connect(out, "::1", 8443, {});
  CHECK(out == "CONNECT [::1]:8443 HTTP/1.0\r\n\r\n");
  out.clear();
  httpc::write_connect(out, "[2001:db8::1]", 443, {});
  CHECK(out == "CONNECT [2001:db8::1]:443 HTTP/1.0\r\n\r\n");
  out.clear();
  httpc::write_connect(out, "fe80::1%eth0", 443, {});
  CHECK(out == "CONNECT [fe80::1]:443 HTTP/1.0\r\n\r\n");

  std::error_code ec;
  out = "kept";
  httpc::write_connect(out, "exa mple.com", 443, {}, ec);
  CHECK(ec == error::invalid_url);
  httpc::write_connect(out, "", 443, {}, ec);
  CHECK(ec == error::invalid_url);
  httpc::write_connect(out, "example.com\r\n", 443, {}, ec);
  CHECK(ec == error::invalid_url);
  httpc::write_connect(out, "example.com", 443, {{"Proxy-Authorization", "a\r\nb"}}, ec);
  CHECK(ec == error::invalid_header_value);
  httpc::write_connect(out, "example.com", 443, {{"Bad:", "a"}}, ec);
  CHECK(ec == error::invalid_header_name);
  CHECK(out == "kept");
}

// --- The buffer ---------------------------------------------------------------

TEST_CASE("every function appends: the buffer's bytes before it are kept") {
  std::string out = "previous";
  httpc::write_request(out, get(), {});
  CHECK(out == "previousGET / HTTP/1.1\r\n" + std::string(auto_fields) + "\r\n");
}

TEST_CASE("a reused buffer keeps its capacity and allocates nothing after warm-up") {
  const Headers headers{{"User-Agent", "httpc-test/1.0"},
                        {"Accept", "*/*"},
                        {"Authorization", "Bearer 0123456789abcdef0123456789abcdef"},
                        {"Cookie", "session=abcdefghijklmnopqrstuvwxyz; theme=dark"}};
  std::string out;
  request_head h = get("api.example.com");
  h.port = 8443;
  h.tls = true;
  h.method = "POST";
  h.target = "/v1/items?page=2&limit=50";
  h.body = body_kind::sized;
  h.content_length = 1234;

  httpc::write_request(out, h, headers);
  const std::string first = out;
  // Warm-up: the longest of the heads below (Transfer-Encoding: chunked is
  // longer than this Content-Length line).
  h.body = body_kind::streaming;
  out.clear();
  httpc::write_request(out, h, headers);
  const std::size_t capacity = out.capacity();
  REQUIRE(capacity >= out.size());

  bool same = true;
  bool stable = true;
  allocations = 0;
  counting = true;
  for (int i = 0; i < 10000; ++i) {
    out.clear();
    std::error_code ec;
    h.body = i % 3 == 0 ? body_kind::sized : (i % 3 == 1 ? body_kind::none : body_kind::streaming);
    h.content_length = static_cast<std::uint64_t>(i);
    httpc::write_request(out, h, headers, ec);
    const httpc::chunk_header size(static_cast<std::uint64_t>(i) + 1);
    if (ec) same = false;
    if (out.capacity() != capacity) stable = false;
    (void)size;
  }
  // And the pieces of putrequest / putheader.
  const std::array<std::string_view, 2> values{"a", "b"};
  for (int i = 0; i < 1000; ++i) {
    out.clear();
    httpc::write_request_start(out, h);
    httpc::write_field(out, "X-Multi", values);
    httpc::write_head_end(out);
    if (out.capacity() != capacity) stable = false;
  }
  counting = false;

  CHECK(same);
  CHECK(stable);
  CHECK(allocations == 0);
  out.clear();
  h.body = body_kind::sized;
  h.content_length = 1234;
  httpc::write_request(out, h, headers);
  CHECK(out == first);
}
