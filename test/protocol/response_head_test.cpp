// Tests of the owned response head (httpc/response_head.hpp).
#include "httpc/response_head.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace std::literals;

namespace {

// The head of `text` as parsed, owned; the parser and the bytes are gone
// (overwritten first) when it is returned.
httpc::response_head parse_owned(std::string text) {
  httpc::response_parser parser;
  parser.reset("GET");
  std::error_code ec;
  const auto result = parser.parse(text, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(result.event == httpc::parse_event::head);
  httpc::response_head head(parser);
  text.assign(text.size(), 'x');
  parser.reset("GET");
  return head;
}

// "name: value\n" for each field, in order.
std::string listing(httpc::field_view fields) {
  std::string out;
  for (const httpc::header_field field : fields)
    out += std::string(field.name) + ": " + std::string(field.value) + "\n";
  return out;
}

constexpr std::string_view simple =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\nabc";

}  // namespace

TEST_CASE("a head from the parser outlives the parser and its bytes") {
  const httpc::response_head head = parse_owned(std::string(simple));
  CHECK_FALSE(head.empty());
  CHECK(head.status() == 404);
  CHECK(head.version() == 11);
  CHECK(head.reason() == "Not Found");
  CHECK(head.fields().size() == 3);
  CHECK(listing(head.fields()) == "Content-Length: 3\nSet-Cookie: a=1\nset-cookie: b=2\n");
}

TEST_CASE("header finds the first of repeats, case-insensitive") {
  const httpc::response_head head = parse_owned(std::string(simple));
  CHECK(head.header("SET-COOKIE") == std::optional<std::string_view>("a=1"));
  CHECK(head.header("content-length") == std::optional<std::string_view>("3"));
  CHECK_FALSE(head.header("Content-Type"));
  CHECK(head.fields().count("set-cookie") == 2);
}

TEST_CASE("headers() copies in arrival order, repeats kept") {
  const httpc::response_head head = parse_owned(std::string(simple));
  const httpc::Headers expected{{"Content-Length", "3"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}};
  CHECK(head.headers() == expected);
}

TEST_CASE("views stay valid after a move; a copy has its own") {
  httpc::response_head head = parse_owned(std::string(simple));
  const std::string_view reason = head.reason();
  const std::string_view cookie = *head.header("Set-Cookie");
  httpc::response_head moved(std::move(head));
  CHECK(head.empty());  // NOLINT(bugprone-use-after-move): moved from is empty
  CHECK(head.fields().empty());
  CHECK(head.reason().empty());
  CHECK(moved.reason().data() == reason.data());
  CHECK(moved.header("Set-Cookie")->data() == cookie.data());

  httpc::response_head assigned;
  assigned = std::move(moved);
  CHECK(assigned.reason().data() == reason.data());
  CHECK(reason == "Not Found");
  CHECK(cookie == "a=1");

  httpc::response_head copy(assigned);
  assigned = httpc::response_head();
  CHECK(assigned.empty());
  CHECK(copy.reason() == "Not Found");
  CHECK(copy.headers() == parse_owned(std::string(simple)).headers());
  httpc::response_head copied;
  copied = copy;
  copy = httpc::response_head();
  CHECK(copied.status() == 404);
  CHECK(listing(copied.fields()) == "Content-Length: 3\nSet-Cookie: a=1\nset-cookie: b=2\n");
}

TEST_CASE("folded values are copied beside the head") {
  const httpc::response_head head = parse_owned(
      "HTTP/1.1 200 OK\r\nX-Long: one\r\n two\r\n\tthree\r\nPlain: p\r\nX-Other: a\r\n b\r\n\r\n");
  CHECK(listing(head.fields()) == "X-Long: one two three\nPlain: p\nX-Other: a b\n");
  const httpc::response_head copy = head;
  CHECK(copy.header("x-other") == std::optional<std::string_view>("a b"));
  CHECK(copy.header("X-LONG") == std::optional<std::string_view>("one two three"));
}

TEST_CASE("a head without fields, and an HTTP/0.9 response") {
  const httpc::response_head head = parse_owned("HTTP/1.0 204 \r\n\r\n");
  CHECK_FALSE(head.empty());
  CHECK(head.status() == 204);
  CHECK(head.version() == 10);
  CHECK(head.reason().empty());
  CHECK(head.fields().empty());
  CHECK(head.headers().empty());

  httpc::response_parser parser;  // lenient: HTTP/0.9 allowed
  parser.reset("GET");
  std::error_code ec;
  REQUIRE(parser.parse("<html>", ec).event == httpc::parse_event::head);
  const httpc::response_head simple_response(parser);
  CHECK(simple_response.status() == 200);
  CHECK(simple_response.version() == 9);
  CHECK(simple_response.reason().empty());
  CHECK(simple_response.fields().empty());
}

TEST_CASE("many fields: past the parser's first index") {
  std::string text = "HTTP/1.1 200 OK\r\n";
  httpc::Headers expected;
  for (int i = 0; i < 40; ++i) {
    text += "F" + std::to_string(i) + ": v" + std::to_string(i) + "\r\n";
    expected.emplace_back("F" + std::to_string(i), "v" + std::to_string(i));
  }
  text += "X-Fold: a\r\n b\r\n\r\n";
  expected.emplace_back("X-Fold", "a b");
  const httpc::response_head head = parse_owned(text);
  CHECK(head.fields().size() == 41);
  CHECK(head.headers() == expected);
  CHECK(head.header("f39") == std::optional<std::string_view>("v39"));
  const httpc::response_head copy = head;
  CHECK(copy.headers() == expected);
}

TEST_CASE("a head made of parts round-trips its Headers") {
  const httpc::Headers fields{{"Content-Type", "text/plain"}, {"X-Empty", ""}, {"x-empty", "again"}};
  const httpc::response_head head(201, "Created", 11, fields);
  CHECK(head.status() == 201);
  CHECK(head.version() == 11);
  CHECK(head.reason() == "Created");
  CHECK(head.headers() == fields);
  CHECK(head.header("X-EMPTY") == std::optional<std::string_view>(""));
  CHECK(head.fields().count("x-empty") == 2);

  const httpc::response_head none(0, {}, 0, {});
  CHECK_FALSE(none.empty());
  CHECK(none.reason().empty());
  CHECK(none.headers().empty());
  httpc::response_head target = parse_owned(std::string(simple));
  target = httpc::response_head(head);  // moved over a head it replaces
  CHECK(target.headers() == fields);
  CHECK(target.reason() == "Created");
}

TEST_CASE("a default head is empty") {
  const httpc::response_head head;
  CHECK(head.empty());
  CHECK(head.status() == 0);
  CHECK(head.fields().empty());
  CHECK(head.headers().empty());
  CHECK_FALSE(head.header("Anything"));
}
