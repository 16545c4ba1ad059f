// Tests of the shared header type and the request checks (httpc/fields.hpp).
#include "httpc/fields.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::literals;

namespace {

// RFC 9110 §5.6.2, written out once more, independently of the code.
constexpr std::string_view tchar_punctuation = "!#$%&'*+-.^_`|~";

bool is_alnum(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string one(int c) { return std::string(1, static_cast<char>(c)); }

}  // namespace

// Usable at compile time.
static_assert(httpc::is_token("GET"));
static_assert(!httpc::is_token(""));
static_assert(httpc::valid_header_value("a\tb"));
static_assert(!httpc::valid_target("/a b"));

TEST_CASE("Headers is the public header type: a vector of name/value string pairs") {
  CHECK(std::is_same_v<httpc::Headers, std::vector<std::pair<std::string, std::string>>>);
  const httpc::Headers headers{{"A", "1"}, {"a", "2"}, {"A", "1"}};
  REQUIRE(headers.size() == 3);  // order and repeats kept
  CHECK(headers[1].first == "a");
}

TEST_CASE("is_token accepts exactly the tchar bytes, one or more") {
  for (int c = 0; c < 256; ++c) {
    const bool tchar = is_alnum(c) || tchar_punctuation.find(static_cast<char>(c)) != std::string_view::npos;
    INFO("byte " << c);
    CHECK(httpc::is_token(one(c)) == tchar);
    CHECK(httpc::is_token("X" + one(c) + "Y") == tchar);
  }
  CHECK_FALSE(httpc::is_token(""));
  CHECK(httpc::is_token("!#$%&'*+-.^_`|~09azAZ"));
}

TEST_CASE("methods and field names are tokens, case kept") {
  CHECK(httpc::valid_method("GET"));
  CHECK(httpc::valid_method("get"));
  CHECK(httpc::valid_method("M-SEARCH"));
  CHECK_FALSE(httpc::valid_method(""));
  CHECK_FALSE(httpc::valid_method("GET "));
  CHECK_FALSE(httpc::valid_method("GET\r\n"));
  CHECK_FALSE(httpc::valid_method("G/T"));
  CHECK(httpc::valid_header_name("Content-Type"));
  CHECK(httpc::valid_header_name("x_y.z"));
  CHECK_FALSE(httpc::valid_header_name(""));
  CHECK_FALSE(httpc::valid_header_name("Content Type"));
  CHECK_FALSE(httpc::valid_header_name("Host:"));
  CHECK_FALSE(httpc::valid_header_name("X\r\nY"));
  CHECK_FALSE(httpc::valid_header_name("caf\xc3\xa9"));
}

TEST_CASE("field values refuse every control byte but HTAB, allow obs-text") {
  for (int c = 0; c < 256; ++c) {
    const bool allowed = c == '\t' || (c >= 0x20 && c != 0x7f);
    INFO("byte " << c);
    CHECK(httpc::valid_header_value(one(c)) == allowed);
    CHECK(httpc::valid_header_value("a" + one(c) + "b") == allowed);
  }
  CHECK(httpc::valid_header_value(""));
  CHECK(httpc::valid_header_value(" text/html; q=0.9 "));
  CHECK_FALSE(httpc::valid_header_value("a\r\n b"));  // no obs-fold smuggled in
  CHECK_FALSE(httpc::valid_header_value("a\0b"sv));
}

TEST_CASE("targets and hosts: visible ASCII only, not empty") {
  for (int c = 0; c < 256; ++c) {
    const bool allowed = c > 0x20 && c < 0x7f;
    INFO("byte " << c);
    CHECK(httpc::valid_target("/" + one(c)) == allowed);
    CHECK(httpc::valid_host("h" + one(c)) == allowed);
  }
  CHECK_FALSE(httpc::valid_target(""));
  CHECK_FALSE(httpc::valid_host(""));
  CHECK(httpc::valid_target("*"));
  CHECK(httpc::valid_target("http://example.com/a?b=c#d"));
  CHECK(httpc::valid_host("[::1]"));
  CHECK(httpc::valid_host("fe80::1%eth0"));
  CHECK_FALSE(httpc::valid_host("example.com\r\nX-Injected: 1"));
}
