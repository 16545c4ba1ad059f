// Unit tests of the incremental response parser (httpc/parser.hpp).
//
// Most cases are golden transcripts, in the manner of llhttp's tests: an
// input block and the exact log of what a caller saw. Every input goes
// through `grind`, which feeds it the way a real caller does (whole, split
// in two at every offset, one byte at a time; its buffer compacted after
// every call) under every head scanner, and checks that all of them see the
// same transcript.
#include "httpc/parser.hpp"

#include <sys/mman.h>  // a page that faults, past the input
#include <unistd.h>    // sysconf

#include <ostream>  // before doctest: it prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

using namespace std::literals;

namespace {

using httpc::body_framing;
using httpc::parse_event;
using httpc::parser_options;
using httpc::response_parser;

using field_list = std::vector<std::pair<std::string, std::string>>;

// ---------------------------------------------------------------------------
// Rendering

std::string quoted(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

// An input for failure messages: quoted, long ones shortened.
std::string preview(std::string_view input) {
  if (input.size() <= 300) return quoted(input);
  return quoted(input.substr(0, 200)) + "... (" + std::to_string(input.size()) + " bytes)";
}

std::string error_name(const std::error_code& ec) {
  if (ec.category() != httpc::error_category()) return ec.category().name() + (":" + ec.message());
  switch (static_cast<httpc::error>(ec.value())) {
    case httpc::error::remote_disconnected: return "remote_disconnected";
    case httpc::error::bad_status_line: return "bad_status_line";
    case httpc::error::unknown_protocol: return "unknown_protocol";
    case httpc::error::line_too_long: return "line_too_long";
    case httpc::error::too_many_headers: return "too_many_headers";
    case httpc::error::head_too_large: return "head_too_large";
    case httpc::error::bad_header: return "bad_header";
    case httpc::error::incomplete_head: return "incomplete_head";
    case httpc::error::bad_content_length: return "bad_content_length";
    case httpc::error::unknown_transfer_encoding: return "unknown_transfer_encoding";
    case httpc::error::bad_transfer_encoding: return "bad_transfer_encoding";
    case httpc::error::bad_chunk: return "bad_chunk";
    case httpc::error::chunk_size_overflow: return "chunk_size_overflow";
    case httpc::error::incomplete_body: return "incomplete_body";
    default: return "httpc:" + std::to_string(ec.value());
  }
}

const char* framing_name(body_framing framing) {
  switch (framing) {
    case body_framing::none: return "none";
    case body_framing::content_length: return "content_length";
    case body_framing::chunked: return "chunked";
    case body_framing::until_close: return "until_close";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Transcripts

// A head as the caller copied it when the `head` or `interim` event came.
struct head_record {
  int status = 0;
  int version = 0;
  std::string reason;
  field_list fields;
  // Only for final heads.
  body_framing framing = body_framing::none;
  bool keep_alive = false;
  std::optional<std::uint64_t> content_length;
};

struct response_record {
  std::vector<head_record> interims;
  std::optional<head_record> head;
  std::string body;  // every body event's bytes, in order
  field_list trailers;
  bool done = false;
};

enum class outcome {
  waiting,            // input ran out, parse() wants more, finish() not called
  done_by_parse,      // parse() returned done
  done_by_finish,     // finish() returned done (an until-close body)
  error_from_parse,   // parse() set an error
  error_from_finish,  // finish() set an error
};

struct transcript {
  std::vector<std::string> methods;  // the request method of each response
  std::vector<response_record> responses;
  outcome end = outcome::waiting;
  std::error_code error;
  std::size_t unconsumed = 0;           // after the last done from parse()
  std::vector<std::string> violations;  // contract breaches the caller noticed

  void violation(std::string what) {
    for (const auto& seen : violations)
      if (seen == what) return;
    violations.push_back(std::move(what));
  }

  const response_record& last() const { return responses.back(); }
  const head_record& head() const {
    REQUIRE(last().head.has_value());
    return *last().head;
  }

  std::string log() const;
};

void render_fields(std::string& out, const char* indent, const field_list& fields) {
  for (const auto& [name, value] : fields) out += indent + name + ": " + quoted(value) + "\n";
}

std::string transcript::log() const {
  std::string out;
  for (std::size_t i = 0; i < responses.size(); ++i) {
    const response_record& r = responses[i];
    if (i > 0) out += "reset " + methods[i] + "\n";
    for (const head_record& h : r.interims) {
      out += "interim " + std::to_string(h.status) + " " + quoted(h.reason) + " v" +
             std::to_string(h.version) + "\n";
      render_fields(out, "  ", h.fields);
    }
    if (r.head) {
      const head_record& h = *r.head;
      out += "head " + std::to_string(h.status) + " " + quoted(h.reason) + " v" +
             std::to_string(h.version) + " " + framing_name(h.framing);
      if (h.content_length) out += " " + std::to_string(*h.content_length);
      out += h.keep_alive ? " keep-alive\n" : " close\n";
      render_fields(out, "  ", h.fields);
    }
    if (!r.body.empty()) out += "body " + quoted(r.body) + "\n";
    render_fields(out, "trailer ", r.trailers);
  }
  out += "end: ";
  switch (end) {
    case outcome::waiting: out += "waiting\n"; break;
    case outcome::done_by_parse: out += "done, " + std::to_string(unconsumed) + " left\n"; break;
    case outcome::done_by_finish: out += "done at close\n"; break;
    case outcome::error_from_parse: out += "error " + error_name(error) + "\n"; break;
    case outcome::error_from_finish: out += "error " + error_name(error) + " at close\n"; break;
  }
  for (const auto& v : violations) out += "violation: " + v + "\n";
  return out;
}

// For golden logs written as raw strings that start on their own line.
std::string expected(std::string_view text) {
  if (!text.empty() && text.front() == '\n') text.remove_prefix(1);
  return std::string(text);
}

// ---------------------------------------------------------------------------
// The simulated caller

bool within(std::string_view part, const char* begin, const char* end) {
  const auto p = reinterpret_cast<std::uintptr_t>(part.data());
  return p >= reinterpret_cast<std::uintptr_t>(begin) &&
         p + part.size() <= reinterpret_cast<std::uintptr_t>(end);
}

bool overlaps(std::string_view part, const char* begin, const char* end) {
  const auto p = reinterpret_cast<std::uintptr_t>(part.data());
  return !part.empty() && p < reinterpret_cast<std::uintptr_t>(end) &&
         p + part.size() > reinterpret_cast<std::uintptr_t>(begin);
}

field_list copy_fields(httpc::field_view fields) {
  field_list out;
  for (const httpc::header_field field : fields) out.emplace_back(field.name, field.value);
  return out;
}

// Copies what a caller keeps of a head before it drops the head's bytes, and
// checks that the views point where the contract says: names and reason into
// the head's bytes; values there too, unless rewritten (obs-fold) into the
// parser's storage, which is no part of the caller's buffer.
head_record record_head(const response_parser& parser, std::string_view input, std::size_t consumed,
                        bool interim, transcript& t) {
  head_record h;
  h.status = parser.status();
  h.version = parser.version();
  h.reason = std::string(parser.reason());
  const char* begin = input.data();
  const char* head_end = begin + consumed;
  const char* input_end = begin + input.size();
  if (!within(parser.reason(), begin, head_end)) t.violation("reason outside the head's bytes");
  const httpc::field_view fields = parser.fields();
  std::size_t n = 0;
  for (const httpc::header_field field : fields) {
    ++n;
    if (!within(field.name, begin, head_end)) t.violation("field name outside the head's bytes");
    if (!within(field.value, begin, head_end) && overlaps(field.value, begin, input_end))
      t.violation("field value in the buffer but outside the head");
    h.fields.emplace_back(field.name, field.value);
  }
  if (n != fields.size()) t.violation("iteration and size() disagree");
  if (consumed == 0) {
    if (parser.version() != 9 || parser.head_size() != 0)
      t.violation("a head consumed nothing but is no HTTP/0.9 simple response");
  } else if (parser.head_size() != consumed) {
    t.violation("head_size() differs from the bytes consumed");
  }
  if (!interim) {
    if (!parser.head_done()) t.violation("head_done() false after the head event");
    h.framing = parser.framing();
    h.keep_alive = parser.keep_alive();
    h.content_length = parser.content_length();
  }
  return h;
}

struct grind_setup {
  parser_options options{};
  std::vector<std::string> methods{"GET"};
  bool finish = true;  // call finish() when the input runs out
};

// One run of a caller that receives `input` in pieces ending at `cuts`.
transcript run_caller(std::string_view input, const std::vector<std::size_t>& cuts,
                      const grind_setup& setup) {
  transcript t;
  t.methods = setup.methods;
  response_parser parser(setup.options);
  std::size_t next_method = 0;
  parser.reset(setup.methods[next_method++]);
  t.responses.emplace_back();
  std::string buffer;  // the caller's unconsumed bytes
  std::size_t consumed_total = 0;

  // Parses what the buffer holds until the parser needs more input; true
  // when the run is over.
  auto drain = [&]() -> bool {
    int stalls = 0;
    for (;;) {
      std::error_code ec;
      const httpc::parse_result r = parser.parse(buffer, ec);
      if (ec) {
        t.end = outcome::error_from_parse;
        t.error = ec;
        return true;
      }
      if (r.consumed > buffer.size()) {
        t.violation("consumed more bytes than given");
        return true;
      }
      response_record& response = t.responses.back();
      const char* begin = buffer.data();
      switch (r.event) {
        case parse_event::need_more: break;
        case parse_event::interim:
          response.interims.push_back(record_head(parser, buffer, r.consumed, true, t));
          break;
        case parse_event::head:
          if (response.head) t.violation("a second head event");
          response.head = record_head(parser, buffer, r.consumed, false, t);
          break;
        case parse_event::body: {
          const std::string_view body = parser.body();
          if (!within(body, begin, begin + r.consumed))
            t.violation("body() outside the bytes consumed by its call");
          response.body.append(body);
          if (parser.body_received() != response.body.size())
            t.violation("body_received() differs from the body bytes seen");
          break;
        }
        case parse_event::done:
          if (!parser.done()) t.violation("done() false after the done event");
          if (parser.body_received() != response.body.size())
            t.violation("body_received() differs from the body bytes seen");
          response.trailers = copy_fields(parser.trailers());
          response.done = true;
          break;
      }
      buffer.erase(0, r.consumed);  // compaction: the head's views die here
      consumed_total += r.consumed;
      if (r.event == parse_event::done) {
        if (next_method < setup.methods.size()) {
          parser.reset(setup.methods[next_method++]);
          t.responses.emplace_back();
          stalls = 0;
          continue;
        }
        t.end = outcome::done_by_parse;
        t.unconsumed = input.size() - consumed_total;
        return true;
      }
      if (r.event == parse_event::need_more) return false;
      if (r.consumed != 0) {
        stalls = 0;
      } else if (++stalls > 3) {
        t.violation("parse() makes no progress");
        return true;
      }
    }
  };

  std::size_t fed = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t end = i < cuts.size() ? cuts[i] : input.size();
    buffer.append(input.substr(fed, end - fed));
    fed = end;
    if (drain()) return t;
  }
  if (!setup.finish) return t;

  std::error_code ec;
  const httpc::parse_result r = parser.finish(ec);
  if (ec) {
    t.end = outcome::error_from_finish;
    t.error = ec;
  } else if (r.event == parse_event::done) {
    response_record& response = t.responses.back();
    if (parser.body_received() != response.body.size())
      t.violation("body_received() differs from the body bytes seen");
    response.trailers = copy_fields(parser.trailers());
    response.done = true;
    t.end = outcome::done_by_finish;
  } else {
    t.violation("finish() returned neither done nor an error");
  }
  return t;
}

// Inputs up to this size are fed at every split point and one byte at a
// time; larger ones at a few representative points.
constexpr std::size_t exhaustive_limit = 4096;

// Puts the head scanner back as it was.
struct scanner_guard {
  std::string saved{httpc::detail::head_scanner()};
  scanner_guard() = default;
  scanner_guard(const scanner_guard&) = delete;
  scanner_guard& operator=(const scanner_guard&) = delete;
  ~scanner_guard() { httpc::detail::use_head_scanner(saved); }
};

std::vector<std::size_t> pieces_of(std::size_t size, std::size_t total) {
  std::vector<std::size_t> cuts;
  for (std::size_t at = size; at < total; at += size) cuts.push_back(at);
  return cuts;
}

// Runs the caller in every feeding mode under every head scanner; checks
// that all of them agree with the scalar scanner given the whole input, and
// returns that transcript.
transcript grind_with(std::string_view input, const grind_setup& setup) {
  const scanner_guard guard;
  std::optional<transcript> reference;
  std::string reference_log;
  std::size_t differing = 0;
  std::string first_mode;
  std::string first_log;

  for (const std::string_view scanner : {"scalar"sv, "avx2"sv}) {
    if (!httpc::detail::use_head_scanner(scanner)) {
      REQUIRE(scanner != "scalar"sv);  // the scalar scanner always exists
      continue;
    }
    auto compare = [&](const std::string& mode, const std::vector<std::size_t>& cuts) {
      transcript t = run_caller(input, cuts, setup);
      if (!reference) {
        reference_log = t.log();
        reference = std::move(t);
        return;
      }
      std::string log = t.log();
      if (log != reference_log && differing++ == 0) {
        first_mode = std::string(scanner) + " scanner, " + mode;
        first_log = std::move(log);
      }
    };
    const std::size_t n = input.size();
    compare("whole input", {});
    if (n <= exhaustive_limit) {
      for (std::size_t at = 0; at <= n; ++at) compare("split at " + std::to_string(at), {at});
      compare("one byte at a time", pieces_of(1, n));
    } else {
      for (const std::size_t at : {std::size_t{1}, std::size_t{20}, n / 3, n / 2, n - 1})
        compare("split at " + std::to_string(at), {at});
      compare("split at 1, n/2 and n-1", {1, n / 2, n - 1});
      compare("997-byte pieces", pieces_of(997, n));
      compare("4096-byte pieces", pieces_of(4096, n));
    }
  }
  if (differing != 0) {
    INFO("input: ", preview(input));
    INFO(differing, " feeding modes differ from the whole input; the first: ", first_mode);
    CHECK(first_log == reference_log);
  }
  return std::move(*reference);
}

transcript grind(std::string_view input, parser_options options = {},
                 std::string_view method = "GET") {
  return grind_with(input, {options, {std::string(method)}, true});
}

// As grind, but the peer never closes: finish() is not called.
transcript grind_open(std::string_view input, parser_options options = {},
                      std::string_view method = "GET") {
  return grind_with(input, {options, {std::string(method)}, false});
}

// Several responses in one input, with reset(method) before each.
transcript grind_pipeline(std::string_view input, std::vector<std::string> methods,
                          parser_options options = {}) {
  return grind_with(input, {options, std::move(methods), true});
}

}  // namespace

// ===========================================================================
// The harness itself

TEST_CASE("grind restores the head scanner it found") {
  const std::string before(httpc::detail::head_scanner());
  grind("HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(httpc::detail::head_scanner() == before);
  CHECK(httpc::detail::use_head_scanner("scalar"));
  CHECK(httpc::detail::head_scanner() == "scalar");
  CHECK_FALSE(httpc::detail::use_head_scanner("no-such-scanner"));
  CHECK(httpc::detail::use_head_scanner(before));
  CHECK(httpc::detail::head_scanner() == before);
}

TEST_CASE("iequals compares ASCII letters case-insensitively, nothing else") {
  CHECK(httpc::iequals("Content-Type", "content-type"));
  CHECK(httpc::iequals("CONTENT-TYPE", "content-type"));
  CHECK(httpc::iequals("", ""));
  CHECK_FALSE(httpc::iequals("Content-Type", "Content-Typ"));
  CHECK_FALSE(httpc::iequals("a", "b"));
  // Bytes 0x20 apart that are no letters are different bytes.
  CHECK_FALSE(httpc::iequals("@", "`"));
  CHECK_FALSE(httpc::iequals("[", "{"));
  CHECK_FALSE(httpc::iequals("^", "~"));
  CHECK_FALSE(httpc::iequals("\xc9", "\xe9"));
}

// ===========================================================================
// Status line (docs/reference.md, "Status line")

TEST_CASE("status line") {
  SUBCASE("fast path: HTTP/1.1 200 OK") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").log() == expected(R"(
head 200 "OK" v11 content_length 5 keep-alive
  Content-Length: "5"
body "hello"
end: done, 0 left
)"));
  }
  SUBCASE("HTTP/1.0 is version 10") {
    CHECK(grind("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi").log() == expected(R"(
head 200 "OK" v10 content_length 2 close
  Content-Length: "2"
body "hi"
end: done, 0 left
)"));
  }
  SUBCASE("HTTP/1.2 is version 11") {
    CHECK(grind("HTTP/1.2 404 Not Found\r\nContent-Length: 0\r\n\r\n").log() == expected(R"(
head 404 "Not Found" v11 content_length 0 keep-alive
  Content-Length: "0"
end: done, 0 left
)"));
  }
  SUBCASE("HTTP/1.1x is version 11") {
    CHECK(grind("HTTP/1.1x 200 OK\r\nContent-Length: 0\r\n\r\n").log() == expected(R"(
head 200 "OK" v11 content_length 0 keep-alive
  Content-Length: "0"
end: done, 0 left
)"));
  }
  SUBCASE("HTTP/0.9 status line: version 9, no fields, the rest is body until close") {
    CHECK(grind("HTTP/0.9 200 OK\r\nX: y\r\n\r\nhi").log() == expected(R"(
head 200 "OK" v9 until_close close
body "X: y\r\n\r\nhi"
end: done at close
)"));
    CHECK(grind("HTTP/0.9 404 Not Found\r\nsorry").log() == expected(R"(
head 404 "Not Found" v9 until_close close
body "sorry"
end: done at close
)"));
  }
  SUBCASE("other versions are unknown_protocol") {
    for (const std::string_view input :
         {"HTTP/2.0 200 OK\r\n\r\n"sv, "HTTP/2 200 OK\r\n\r\n"sv, "HTTP/3.0 200 OK\r\n\r\n"sv,
          "HTTP/1 200 OK\r\n\r\n"sv, "HTTP/0.8 200 OK\r\n\r\n"sv, "HTTP/ 200 OK\r\n\r\n"sv}) {
      CAPTURE(input);
      CHECK(grind(input).log() == "end: error unknown_protocol\n");
      CHECK(grind(input, {.strict = true}).log() == "end: error unknown_protocol\n");
    }
  }
  SUBCASE("the status check comes before the version check") {
    CHECK(grind("HTTP/2.0 abc\r\n\r\n").log() == "end: error bad_status_line\n");
    CHECK(grind("HTTP/2.0 20\r\n\r\n").log() == "end: error bad_status_line\n");
  }
  SUBCASE("a status that is not three digits of 100-999 is bad_status_line in both modes") {
    for (const std::string_view input :
         {"HTTP/1.1 20 OK\r\n\r\n"sv, "HTTP/1.1 2000 OK\r\n\r\n"sv, "HTTP/1.1 099 OK\r\n\r\n"sv,
          "HTTP/1.1 000 OK\r\n\r\n"sv, "HTTP/1.1 abc OK\r\n\r\n"sv, "HTTP/1.1 20a OK\r\n\r\n"sv,
          "HTTP/1.1 200OK\r\n\r\n"sv, "HTTP/1.1 -99 OK\r\n\r\n"sv, "HTTP/1.0 20\r\n\r\n"sv,
          "HTTP/1.1 2000\r\n\r\n"sv}) {
      CAPTURE(input);
      CHECK(grind(input).log() == "end: error bad_status_line\n");
      CHECK(grind(input, {.strict = true}).log() == "end: error bad_status_line\n");
    }
  }
  SUBCASE("status 999 and 100-199 bounds") {
    CHECK(grind("HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n").head().status == 999);
    CHECK(grind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
              .head()
              .status == 200);
  }
  SUBCASE("empty reason, with and without the space") {
    CHECK(grind("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").log() == expected(R"(
head 200 "" v11 content_length 0 keep-alive
  Content-Length: "0"
end: done, 0 left
)"));
    CHECK(grind("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").head().reason == "");
    CHECK(grind("HTTP/1.0 503\r\nContent-Length: 0\r\n\r\n").head().reason == "");
  }
  SUBCASE("the reason is trimmed of spaces and tabs, inner ones kept") {
    CHECK(grind("HTTP/1.1 404 \t Not  Found \t\r\nContent-Length: 0\r\n\r\n").head().reason ==
          "Not  Found");
    CHECK(grind("HTTP/1.1 404 Not\tFound\r\nContent-Length: 0\r\n\r\n").head().reason ==
          "Not\tFound");
  }
  SUBCASE("several spaces or tabs between the parts") {
    CHECK(grind("HTTP/1.1   404    Not Found\r\nContent-Length: 0\r\n\r\n").log() == expected(R"(
head 404 "Not Found" v11 content_length 0 keep-alive
  Content-Length: "0"
end: done, 0 left
)"));
    CHECK(grind("HTTP/1.1\t404\tNot Found\r\nContent-Length: 0\r\n\r\n").head().reason ==
          "Not Found");
    CHECK(grind("HTTP/1.0  200  OK\r\nContent-Length: 0\r\n\r\n").head().version == 10);
  }
  SUBCASE("obs-text in the reason is kept") {
    CHECK(grind("HTTP/1.1 200 \xc3\x89t\xc3\xa9\r\nContent-Length: 0\r\n\r\n").head().reason ==
          "\xc3\x89t\xc3\xa9");
  }
  SUBCASE("leading whitespace before HTTP/ is skipped, in both modes") {
    const auto input = "  HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"sv;
    const auto log = expected(R"(
head 200 "OK" v11 content_length 0 keep-alive
  Content-Length: "0"
end: done, 0 left
)");
    CHECK(grind(input).log() == log);
    CHECK(grind(input, {.strict = true}).log() == log);
    CHECK(grind("\tHTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").head().version == 10);
  }
  SUBCASE("a valid status line is the same in strict mode") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", {.strict = true}).log() ==
          expected(R"(
head 200 "OK" v11 content_length 5 keep-alive
  Content-Length: "5"
body "hello"
end: done, 0 left
)"));
  }
}

TEST_CASE("HTTP/0.9 simple responses (lenient mode) and strict mode") {
  // Lenient: the first line and everything after it is the body.
  const auto simple = [](std::string_view input) {
    return "head 200 \"\" v9 until_close close\nbody " + quoted(input) + "\nend: done at close\n";
  };
  SUBCASE("a first line that does not start with HTTP/") {
    const auto input = "garbage\r\nmore garbage\r\n\r\nand more"sv;
    CHECK(grind(input).log() == simple(input));
    CHECK(grind(input, {.strict = true}).log() == "end: error bad_status_line\n");
  }
  SUBCASE("binary bytes") {
    const auto input = "\x00\x01\x02\xff\xfe\r\n\x10\x00"sv;
    CHECK(grind(input).log() == simple(input));
    CHECK(grind(input, {.strict = true}).log() == "end: error bad_status_line\n");
  }
  SUBCASE("an HTML document") {
    const auto input = "<html><body>Hello</body></html>\n"sv;
    CHECK(grind(input).log() == simple(input));
    CHECK(grind(input, {.strict = true}).log() == "end: error bad_status_line\n");
  }
  SUBCASE("a first line with fewer than two parts") {
    for (const std::string_view input :
         {"HTTP/1.1\r\nContent-Length: 0\r\n\r\n"sv, "HTTP/1.1   \r\nbody"sv, "HTTP/1.1\nbody"sv}) {
      CAPTURE(input);
      CHECK(grind(input).log() == simple(input));
      CHECK(grind(input, {.strict = true}).log() == "end: error bad_status_line\n");
    }
  }
  SUBCASE("HTTP/ is case-sensitive and must be whole") {
    for (const std::string_view input : {"http/1.1 200 OK\r\n\r\n"sv, "HTTPS/1.1 200 OK\r\n\r\n"sv,
                                         "ICY 200 OK\r\n\r\nmp3"sv, "HTTP 200 OK\r\n\r\n"sv}) {
      CAPTURE(input);
      CHECK(grind(input).log() == simple(input));
      CHECK(grind(input, {.strict = true}).log() == "end: error bad_status_line\n");
    }
  }
  SUBCASE("the simple response's view of the head") {
    response_parser parser;
    parser.reset();
    std::error_code ec;
    const auto input = "garbage\r\n"sv;
    const auto r = parser.parse(input, ec);
    REQUIRE_FALSE(ec);
    CHECK(r.event == parse_event::head);
    CHECK(r.consumed == 0);
    CHECK(parser.status() == 200);
    CHECK(parser.version() == 9);
    CHECK(parser.reason().empty());
    CHECK(parser.fields().empty());
    CHECK(parser.head_size() == 0);
    CHECK(parser.framing() == body_framing::until_close);
    CHECK_FALSE(parser.content_length().has_value());
    CHECK_FALSE(parser.keep_alive());
    CHECK(parser.head_done());
  }
}

TEST_CASE("the peer closes inside the head") {
  SUBCASE("no bytes at all: remote_disconnected") {
    CHECK(grind("").log() == "end: error remote_disconnected at close\n");
    CHECK(grind("", {.strict = true}).log() == "end: error remote_disconnected at close\n");
  }
  SUBCASE("a partial status line: bad_status_line") {
    CHECK(grind("HTTP/1.1 200 O").log() == "end: error bad_status_line at close\n");
    CHECK(grind("HTTP/1.1 200 OK\r").log() == "end: error bad_status_line at close\n");
    CHECK(grind("HTTP/1.1 200 O", {.strict = true}).log() ==
          "end: error bad_status_line at close\n");
  }
  SUBCASE("a status line, then incomplete fields: incomplete_head") {
    CHECK(grind("HTTP/1.1 200 OK\r\n").log() == "end: error incomplete_head at close\n");
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Le").log() == "end: error incomplete_head at close\n");
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n").log() ==
          "end: error incomplete_head at close\n");
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r").log() ==
          "end: error incomplete_head at close\n");
  }
  SUBCASE("after an interim response, before the next status line: remote_disconnected") {
    // CPython reads the next status line and finds nothing.
    CHECK(grind("HTTP/1.1 100 Continue\r\n\r\n").log() == expected(R"(
interim 100 "Continue" v11
end: error remote_disconnected at close
)"));
  }
  SUBCASE("without finish(), an incomplete head waits") {
    CHECK(grind_open("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n").log() == "end: waiting\n");
    CHECK(grind_open("HTTP/1.1 20").log() == "end: waiting\n");
  }
}

// ===========================================================================
// Fields

namespace {

// Parses a whole head handed over in one piece; the parser's views then
// point into `input`, which must outlive their use.
void parse_head(response_parser& parser, std::string_view input, std::string_view method = "GET") {
  parser.reset(method);
  std::error_code ec;
  const httpc::parse_result r = parser.parse(input, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(r.event == parse_event::head);
}

std::string with_head_lines(std::string_view lines) {
  return "HTTP/1.1 200 OK\r\n" + std::string(lines) + "Content-Length: 0\r\n\r\n";
}

}  // namespace

TEST_CASE("fields: lookup, order, repeats") {
  const auto input =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/html\r\n"
      "Set-Cookie: a=1\r\n"
      "X-Empty:\r\n"
      "set-cookie: b=2\r\n"
      "Content-Length: 0\r\n"
      "\r\n"sv;
  SUBCASE("transcript: names as received, values trimmed, order and repeats kept") {
    CHECK(grind(input).log() == expected(R"(
head 200 "OK" v11 content_length 0 keep-alive
  Content-Type: "text/html"
  Set-Cookie: "a=1"
  X-Empty: ""
  set-cookie: "b=2"
  Content-Length: "0"
end: done, 0 left
)"));
  }
  SUBCASE("find() and count() ignore case; find() gives the first") {
    response_parser parser;
    parse_head(parser, input);
    const httpc::field_view fields = parser.fields();
    CHECK(fields.size() == 5);
    CHECK_FALSE(fields.empty());
    CHECK(fields.find("content-type") == "text/html");
    CHECK(fields.find("CONTENT-TYPE") == "text/html");
    CHECK(fields.find("Content-Type") == "text/html");
    CHECK(fields.find("set-cookie") == "a=1");
    CHECK(fields.count("Set-Cookie") == 2);
    CHECK(fields.count("SET-COOKIE") == 2);
    CHECK(fields.count("content-length") == 1);
    CHECK(fields.find("x-empty") == "");
    CHECK(fields.find("x-empty").has_value());
    CHECK_FALSE(fields.find("missing").has_value());
    CHECK_FALSE(fields.find("Content-Typ").has_value());
    CHECK(fields.count("missing") == 0);
  }
  SUBCASE("indexing and iteration") {
    response_parser parser;
    parse_head(parser, input);
    const httpc::field_view fields = parser.fields();
    CHECK(fields[0].name == "Content-Type");
    CHECK(fields[3].name == "set-cookie");
    CHECK(fields[3].value == "b=2");
    std::vector<std::string_view> names;
    for (const httpc::header_field field : fields) names.push_back(field.name);
    CHECK(names == std::vector<std::string_view>{"Content-Type", "Set-Cookie", "X-Empty",
                                                 "set-cookie", "Content-Length"});
    auto it = fields.begin();
    const auto first = it++;
    CHECK((*first).name == "Content-Type");
    CHECK((*it).name == "Set-Cookie");
    CHECK(++it != fields.end());
    std::size_t n = 0;
    for (auto i = fields.begin(); i != fields.end(); ++i) ++n;
    CHECK(n == fields.size());
  }
  SUBCASE("a head without fields") {
    response_parser parser;
    parse_head(parser, "HTTP/1.1 204 No Content\r\n\r\n");
    CHECK(parser.fields().empty());
    CHECK(parser.fields().size() == 0);
    CHECK(parser.fields().begin() == parser.fields().end());
    CHECK_FALSE(parser.fields().find("a").has_value());
  }
}

TEST_CASE("fields: values are trimmed of spaces and tabs") {
  CHECK(grind(with_head_lines("X-A:   value  \r\n"
                              "X-B:\t\tvalue\t \r\n"
                              "X-C: \t \r\n"
                              "X-D:\r\n"
                              "X-E:in  ner\t \tvalue\r\n"))
            .log() == expected(R"(
head 200 "OK" v11 content_length 0 keep-alive
  X-A: "value"
  X-B: "value"
  X-C: ""
  X-D: ""
  X-E: "in  ner\t \tvalue"
  Content-Length: "0"
end: done, 0 left
)"));
}

TEST_CASE("fields: obs-fold becomes one space") {
  SUBCASE("whitespace before and after the fold") {
    CHECK(grind(with_head_lines("X: a  \r\n   b\r\n")).head().fields.at(0) ==
          std::pair<std::string, std::string>{"X", "a b"});
  }
  SUBCASE("several continuation lines") {
    CHECK(grind(with_head_lines("X: a\r\n b\r\n\tc\r\n  d  \r\nY: e\r\n")).log() == expected(R"(
head 200 "OK" v11 content_length 0 keep-alive
  X: "a b c d"
  Y: "e"
  Content-Length: "0"
end: done, 0 left
)"));
  }
  SUBCASE("a continuation line of only whitespace adds nothing") {
    CHECK(grind(with_head_lines("X: a\r\n   \r\n b\r\n")).head().fields.at(0).second == "a b");
    CHECK(grind(with_head_lines("X: a\r\n \t \r\n")).head().fields.at(0).second == "a");
  }
  SUBCASE("an empty value continued") {
    CHECK(grind(with_head_lines("X:\r\n b\r\n")).head().fields.at(0).second == "b");
  }
  SUBCASE("a fold with bare LF") {
    CHECK(grind("HTTP/1.1 200 OK\nX: a\n b\nContent-Length: 0\n\n").head().fields.at(0).second ==
          "a b");
  }
  SUBCASE("the folded value is readable through find()") {
    response_parser parser;
    const std::string input = with_head_lines("X-Long: one\r\n two\r\nX-Short: three\r\n");
    parse_head(parser, input);  // the views point into input: keep it alive
    CHECK(parser.fields().find("x-long") == "one two");
    CHECK(parser.fields().find("x-short") == "three");
  }
  SUBCASE("a value folded across the field index's growth") {
    // A scan that stops inside the fold, then one that takes the rest of it
    // and fills the index (16 lines at first): the rescan after the index
    // grows must start from the value as the first scan left it.
    std::string lines = "X: a\r\n b\r\n c\r\n d\r\n e\r\n";
    for (int i = 0; i < 12; ++i) lines += "F" + std::to_string(i) + ": v\r\n";
    const auto fields = grind(with_head_lines(lines)).head().fields;
    REQUIRE(fields.size() == 14);
    CHECK(fields.at(0) == std::pair<std::string, std::string>{"X", "a b c d e"});
    CHECK(fields.at(12) == std::pair<std::string, std::string>{"F11", "v"});
  }
  SUBCASE("a fold in a field that sets framing") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length:\r\n 3\r\n\r\nabc").log() == expected(R"(
head 200 "OK" v11 content_length 3 keep-alive
  Content-Length: "3"
body "abc"
end: done, 0 left
)"));
  }
}

TEST_CASE("fields: bare LF line endings are accepted everywhere") {
  CHECK(grind("HTTP/1.1 200 OK\nA: b\nTransfer-Encoding: chunked\n\n"
              "5\nhello\n3;ext=1\nabc\n0\nT: v\n\n")
            .log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  A: "b"
  Transfer-Encoding: "chunked"
body "helloabc"
trailer T: "v"
end: done, 0 left
)"));
  CHECK(grind("HTTP/1.0 200 OK\nContent-Length: 2\n\nhi").log() == expected(R"(
head 200 "OK" v10 content_length 2 close
  Content-Length: "2"
body "hi"
end: done, 0 left
)"));
  CHECK(grind("HTTP/1.1 200 OK\r\nA: b\nB: c\r\n\n").head().fields ==
        field_list{{"A", "b"}, {"B", "c"}});
  CHECK(grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nhi\r\n0\r\n\n").log() ==
        expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
body "hi"
end: done, 0 left
)"));
}

TEST_CASE("fields: malformed field lines are bad_header") {
  struct bad_line {
    const char* name;
    std::string_view line;
  };
  for (const bad_line& c : {
           bad_line{"a line without a colon", "NoColon\r\n"sv},
           bad_line{"a line without a colon, bare LF", "NoColon\n"sv},
           bad_line{"a space before the colon", "Name : v\r\n"sv},
           bad_line{"a tab before the colon", "Name\t: v\r\n"sv},
           bad_line{"an empty name", ": x\r\n"sv},
           bad_line{"whitespace first, right after the status line", " X: y\r\n"sv},
           bad_line{"a tab first, right after the status line", "\tX: y\r\n"sv},
           bad_line{"a control byte in the value", "X: a\x01z\r\n"sv},
           bad_line{"NUL in the value", "X: a\0z\r\n"sv},
           bad_line{"a bare CR in the value", "X: a\rz\r\n"sv},
           bad_line{"a bare CR before CRLF", "X: a\r\r\n"sv},
           bad_line{"DEL in the value", "X: a\x7fz\r\n"sv},
           bad_line{"ESC in the value", "X: \x1b[0m\r\n"sv},
           bad_line{"NUL in the name", "X\0Y: z\r\n"sv},
           bad_line{"a separator in the name", "X(Y): z\r\n"sv},
       }) {
    SUBCASE(c.name) {
      const std::string input = with_head_lines(c.line);
      CAPTURE(quoted(input));
      CHECK(grind(input).log() == "end: error bad_header\n");
      CHECK(grind(input, {.strict = true}).log() == "end: error bad_header\n");
    }
  }
}

TEST_CASE("fields: obs-text bytes 0x80-0xFF are accepted in values") {
  CHECK(grind(with_head_lines("X: caf\xc3\xa9 \x80\xff\r\n")).head().fields.at(0).second ==
        "caf\xc3\xa9 \x80\xff");
  std::string all_high;
  for (int c = 0x80; c <= 0xff; ++c) all_high += static_cast<char>(c);
  CHECK(grind(with_head_lines("X: " + all_high + "\r\n")).head().fields.at(0).second == all_high);
}

TEST_CASE("fields: only spaces and tabs are trimmed, not obs-text such as NBSP") {
  CHECK(grind(with_head_lines("X: \xa0v\xa0 \r\n")).head().fields.at(0).second == "\xa0v\xa0");
}

TEST_CASE("fields: every visible ASCII byte is accepted in a value") {
  std::string visible;
  for (int c = 0x21; c < 0x7f; ++c) visible += static_cast<char>(c);
  CHECK(grind(with_head_lines("X: " + visible + " \t" + visible + "\r\n"))
            .head()
            .fields.at(0)
            .second == visible + " \t" + visible);
}

// ===========================================================================
// Limits: 100 field lines, 65536-byte lines (line ending included)

namespace {

// A head with `count` field lines, the last one Content-Length: 0.
std::string head_with_fields(std::size_t count) {
  std::string head = "HTTP/1.1 200 OK\r\n";
  for (std::size_t i = 1; i < count; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  head += "Content-Length: 0\r\n\r\n";
  return head;
}

const std::string chunked_head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

}  // namespace

TEST_CASE("limits: field lines") {
  SUBCASE("100 field lines are accepted") {
    const transcript t = grind(head_with_fields(100));
    CHECK(t.end == outcome::done_by_parse);
    CHECK(t.head().fields.size() == 100);
  }
  SUBCASE("101 field lines are too_many_headers") {
    CHECK(grind(head_with_fields(101)).log() == "end: error too_many_headers\n");
  }
  SUBCASE("continuation lines count: 98 fields + 1 folded over 2 lines = 100 lines") {
    std::string head = head_with_fields(98);
    head.insert(head.size() - 2, "X-Folded: a\r\n b\r\n");
    const transcript t = grind(head);
    CHECK(t.end == outcome::done_by_parse);
    CHECK(t.head().fields.size() == 99);
    CHECK(t.head().fields.back() == std::pair<std::string, std::string>{"X-Folded", "a b"});
  }
  SUBCASE("continuation lines count: 99 fields + 1 folded over 2 lines = 101 lines") {
    std::string head = head_with_fields(99);
    head.insert(head.size() - 2, "X-Folded: a\r\n b\r\n");
    CHECK(grind(head).log() == "end: error too_many_headers\n");
  }
  SUBCASE("a custom max_fields") {
    const parser_options three{.max_fields = 3};
    CHECK(grind(head_with_fields(3), three).head().fields.size() == 3);
    CHECK(grind(head_with_fields(4), three).log() == "end: error too_many_headers\n");
    CHECK(grind("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n c\r\nD: 3\r\n\r\n", three).log() ==
          "end: error too_many_headers\n");
  }
  SUBCASE("too many field lines are reported before the head ends") {
    std::string head = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 150; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
    CHECK(grind_open(head).log() == "end: error too_many_headers\n");
  }
  SUBCASE("trailers: 100 lines accepted, 101 too_many_headers") {
    std::string trailers;
    for (int i = 0; i < 100; ++i) trailers += "T-" + std::to_string(i) + ": v\r\n";
    const transcript ok = grind(chunked_head + "0\r\n" + trailers + "\r\n");
    CHECK(ok.end == outcome::done_by_parse);
    CHECK(ok.last().trailers.size() == 100);
    CHECK(grind(chunked_head + "0\r\n" + trailers + "T-100: v\r\n\r\n").log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
end: error too_many_headers
)"));
  }
}

TEST_CASE("limits: line length") {
  constexpr std::size_t limit = 65536;
  SUBCASE("a field line of exactly 65536 bytes with CRLF is accepted; 65537 is line_too_long") {
    const std::string value(limit - 5, 'v');  // "X: " + value + "\r\n"
    const transcript t = grind(with_head_lines("X: " + value + "\r\n"));
    CHECK(t.end == outcome::done_by_parse);
    CHECK(t.head().fields.at(0).second == value);
    CHECK(grind(with_head_lines("X: " + value + "v\r\n")).log() == "end: error line_too_long\n");
  }
  SUBCASE("the same with a bare LF: 65536 bytes with the LF") {
    const std::string value(limit - 4, 'v');  // "X: " + value + "\n"
    CHECK(grind("HTTP/1.1 200 OK\nX: " + value + "\nContent-Length: 0\n\n").end ==
          outcome::done_by_parse);
    CHECK(grind("HTTP/1.1 200 OK\nX: " + value + "v\nContent-Length: 0\n\n").log() ==
          "end: error line_too_long\n");
  }
  SUBCASE("a status line of 65536 bytes is accepted; 65537 is line_too_long") {
    const std::string reason(limit - 15, 'r');  // "HTTP/1.1 200 " + reason + "\r\n"
    const transcript t = grind("HTTP/1.1 200 " + reason + "\r\nContent-Length: 0\r\n\r\n");
    CHECK(t.end == outcome::done_by_parse);
    CHECK(t.head().reason == reason);
    CHECK(grind("HTTP/1.1 200 " + reason + "r\r\nContent-Length: 0\r\n\r\n").log() ==
          "end: error line_too_long\n");
    // The general path (several spaces) has the same limit.
    const std::string shorter(limit - 16, 'r');
    CHECK(grind("HTTP/1.1  200 " + shorter + "\r\nContent-Length: 0\r\n\r\n").end ==
          outcome::done_by_parse);
    CHECK(grind("HTTP/1.1  200 " + shorter + "r\r\nContent-Length: 0\r\n\r\n").log() ==
          "end: error line_too_long\n");
  }
  SUBCASE("a chunk-size line with a long extension: 65536 accepted, 65537 line_too_long") {
    const std::string ext(limit - 4, 'e');  // "5;" + ext + "\r\n"
    const transcript t = grind(chunked_head + "5;" + ext + "\r\nhello\r\n0\r\n\r\n");
    CHECK(t.end == outcome::done_by_parse);
    CHECK(t.last().body == "hello");
    CHECK(grind(chunked_head + "5;" + ext + "e\r\nhello\r\n0\r\n\r\n").log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
end: error line_too_long
)"));
  }
  SUBCASE("a trailer line: 65536 accepted, 65537 line_too_long") {
    const std::string value(limit - 5, 't');  // "T: " + value + "\r\n"
    const transcript t = grind(chunked_head + "2\r\nhi\r\n0\r\nT: " + value + "\r\n\r\n");
    CHECK(t.end == outcome::done_by_parse);
    CHECK(t.last().trailers == field_list{{"T", value}});
    CHECK(grind(chunked_head + "2\r\nhi\r\n0\r\nT: " + value + "t\r\n\r\n").log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
body "hi"
end: error line_too_long
)"));
  }
  SUBCASE("a line that never ends is reported, not waited for") {
    const std::string endless(70000, 'a');
    SUBCASE("status line") {
      CHECK(grind_open("HTTP/1.1 200 " + endless).log() == "end: error line_too_long\n");
    }
    SUBCASE("field line") {
      CHECK(grind_open("HTTP/1.1 200 OK\r\nX: " + endless).log() == "end: error line_too_long\n");
    }
    SUBCASE("field line after other fields") {
      CHECK(grind_open("HTTP/1.1 200 OK\r\nA: b\r\nC: d\r\nX: " + endless).log() ==
            "end: error line_too_long\n");
    }
    SUBCASE("chunk-size line") {
      CHECK(grind_open(chunked_head + "5;" + endless).log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
end: error line_too_long
)"));
    }
    SUBCASE("trailer line") {
      CHECK(grind_open(chunked_head + "0\r\nT: " + endless).log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
end: error line_too_long
)"));
    }
  }
}

TEST_CASE("limits: a custom max_line_length, every feeding mode") {
  // Small limits let the never-ending lines go through every split point.
  const parser_options o{.max_line_length = 64};
  const std::string v59(59, 'v');
  SUBCASE("field line: 64 bytes accepted, 65 line_too_long") {
    CHECK(grind(with_head_lines("X: " + v59 + "\r\n"), o).end == outcome::done_by_parse);
    CHECK(grind(with_head_lines("X: " + v59 + "v\r\n"), o).log() == "end: error line_too_long\n");
  }
  SUBCASE("a continuation line is a line of its own") {
    CHECK(grind(with_head_lines("X: " + v59 + "\r\n " + v59 + "\r\n"), o)
              .head()
              .fields.at(0)
              .second == v59 + " " + v59);
    // " " + 61 bytes + CRLF is 64 bytes; one more is too long.
    CHECK(grind(with_head_lines("X: a\r\n " + std::string(61, 'v') + "\r\n"), o).end ==
          outcome::done_by_parse);
    CHECK(grind(with_head_lines("X: a\r\n " + std::string(62, 'v') + "\r\n"), o).log() ==
          "end: error line_too_long\n");
  }
  SUBCASE("status line: 64 bytes accepted, 65 line_too_long") {
    const std::string reason(49, 'r');  // "HTTP/1.1 200 " + reason + "\r\n"
    CHECK(grind("HTTP/1.1 200 " + reason + "\r\n\r\n", o).head().reason == reason);
    CHECK(grind("HTTP/1.1 200 " + reason + "r\r\n\r\n", o).log() == "end: error line_too_long\n");
  }
  SUBCASE("chunk-size line: 64 bytes accepted, 65 line_too_long") {
    const std::string ext(60, 'e');  // "5;" + ext + "\r\n"
    CHECK(grind(chunked_head + "5;" + ext + "\r\nhello\r\n0\r\n\r\n", o).last().body == "hello");
    CHECK(grind(chunked_head + "5;" + ext + "e\r\nhello\r\n0\r\n\r\n", o).end ==
          outcome::error_from_parse);
    CHECK(grind(chunked_head + "5;" + ext + "e\r\nhello\r\n0\r\n\r\n", o).error ==
          httpc::error::line_too_long);
  }
  SUBCASE("a chunk size too large for 64 bits: within the line limit or not") {
    // A reader fed a byte at a time meets the 17th significant digit first,
    // or the line limit first; whole input is judged the same way.
    const std::string digits(17, '1');
    const transcript overflow = grind(chunked_head + std::string(10, '0') + digits + "\r\n", o);
    CHECK(overflow.error == httpc::error::chunk_size_overflow);
    const transcript too_long = grind(chunked_head + std::string(60, '0') + digits + "\r\n", o);
    CHECK(too_long.error == httpc::error::line_too_long);
  }
  SUBCASE("trailer line: 64 bytes accepted, 65 line_too_long") {
    CHECK(grind(chunked_head + "0\r\nT: " + v59 + "\r\n\r\n", o).last().trailers ==
          field_list{{"T", v59}});
    CHECK(grind(chunked_head + "0\r\nT: " + v59 + "v\r\n\r\n", o).error ==
          httpc::error::line_too_long);
  }
  SUBCASE("lines that never end are reported") {
    const std::string endless(200, 'a');
    SUBCASE("status line") {
      CHECK(grind_open("HTTP/1.1 200 " + endless, o).log() == "end: error line_too_long\n");
    }
    SUBCASE("field line") {
      CHECK(grind_open("HTTP/1.1 200 OK\r\nX: " + endless, o).log() ==
            "end: error line_too_long\n");
    }
    SUBCASE("continuation line") {
      CHECK(grind_open("HTTP/1.1 200 OK\r\nX: a\r\n " + endless, o).log() ==
            "end: error line_too_long\n");
    }
    SUBCASE("chunk-size line") {
      const transcript t = grind_open(chunked_head + "5;" + endless, o);
      CHECK(t.end == outcome::error_from_parse);
      CHECK(t.error == httpc::error::line_too_long);
    }
    SUBCASE("trailer line") {
      const transcript t = grind_open(chunked_head + "0\r\nT: " + endless, o);
      CHECK(t.end == outcome::error_from_parse);
      CHECK(t.error == httpc::error::line_too_long);
    }
  }
}

TEST_CASE("limits: head size") {
  const parser_options small{.max_head_size = 256};
  const std::string base = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: \r\n\r\n";
  SUBCASE("a head of exactly max_head_size is accepted; one byte more is head_too_large") {
    std::string head = base;
    head.insert(head.size() - 4, std::string(256 - base.size(), 'x'));
    REQUIRE(head.size() == 256);
    CHECK(grind(head, small).end == outcome::done_by_parse);
    // Bytes after the head do not count toward it.
    CHECK(grind(head + std::string(300, 'z'), small).end == outcome::done_by_parse);
    head.insert(head.size() - 4, "x");
    CHECK(grind(head, small).log() == "end: error head_too_large\n");
  }
  SUBCASE("a head over the limit is reported before it ends") {
    std::string head = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 20; ++i) head += "X-Field: 0123456789\r\n";
    CHECK(grind_open(head, small).log() == "end: error head_too_large\n");
  }
  SUBCASE("a trailer section over the limit is head_too_large") {
    std::string trailers;
    for (int i = 0; i < 20; ++i) trailers += "T-Field: 0123456789\r\n";
    CHECK(grind(chunked_head + "0\r\n" + trailers + "\r\n", small).log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
end: error head_too_large
)"));
  }
}

// ===========================================================================
// Framing (RFC 9112 §6.3)

TEST_CASE("framing: responses without a body") {
  SUBCASE("a response to HEAD has none, whatever its Content-Length") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", {}, "HEAD").log() == expected(R"(
head 200 "OK" v11 none keep-alive
  Content-Length: "10"
end: done, 0 left
)"));
  }
  SUBCASE("a response to HEAD ignores chunked and invalid lengths") {
    CHECK(grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", {}, "HEAD").log() ==
          expected(R"(
head 200 "OK" v11 none keep-alive
  Transfer-Encoding: "chunked"
end: done, 0 left
)"));
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", {}, "HEAD").end ==
          outcome::done_by_parse);
    CHECK(grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", {}, "HEAD").end ==
          outcome::done_by_parse);
  }
  SUBCASE("methods are case-sensitive: \"head\" is not HEAD") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", {}, "head").last().body ==
          "abc");
  }
  SUBCASE("interim responses 100, 102 and 103 come before the final one") {
    CHECK(
        grind("HTTP/1.1 100 Continue\r\n\r\n"
              "HTTP/1.1 102 Processing\r\n\r\n"
              "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nLink: </a.js>\r\n\r\n"
              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            .log() == expected(R"(
interim 100 "Continue" v11
interim 102 "Processing" v11
interim 103 "Early Hints" v11
  Link: "</style.css>; rel=preload"
  Link: "</a.js>"
head 200 "OK" v11 content_length 2 keep-alive
  Content-Length: "2"
body "hi"
end: done, 0 left
)"));
  }
  SUBCASE("an interim response's framing fields are ignored") {
    CHECK(grind("HTTP/1.1 100 Continue\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\n\r\n"
                "HTTP/1.1 204 No Content\r\n\r\n")
              .log() == expected(R"(
interim 100 "Continue" v11
  Content-Length: "5"
  Transfer-Encoding: "gzip"
head 204 "No Content" v11 none keep-alive
end: done, 0 left
)"));
  }
  SUBCASE("interim responses to HEAD, then the final one") {
    CHECK(grind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", {},
                "HEAD")
              .log() == expected(R"(
interim 100 "Continue" v11
head 200 "OK" v11 none keep-alive
  Content-Length: "9"
end: done, 0 left
)"));
  }
  SUBCASE("101 is final: no body, the connection is no longer HTTP") {
    CHECK(grind("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nContent-Length: 3\r\n\r\n\x81\x05hello")
              .log() == expected(R"(
head 101 "Switching Protocols" v11 none close
  Upgrade: "websocket"
  Connection: "Upgrade"
  Content-Length: "3"
end: done, 7 left
)"));
  }
  SUBCASE("204 and 304 have no body") {
    CHECK(grind("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n").log() == expected(R"(
head 204 "No Content" v11 none keep-alive
  Content-Length: "5"
end: done, 0 left
)"));
    CHECK(grind("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                "\r\nHTTP/1.1")
              .log() == expected(R"(
head 304 "Not Modified" v11 none keep-alive
  Content-Length: "5"
  Transfer-Encoding: "chunked"
end: done, 8 left
)"));
    CHECK(grind("HTTP/1.0 304 Not Modified\r\n\r\n").log() == expected(R"(
head 304 "Not Modified" v10 none close
end: done, 0 left
)"));
  }
  SUBCASE("a 2xx to CONNECT opens a tunnel: no body, whatever the fields") {
    CHECK(grind("HTTP/1.1 200 Connection established\r\nContent-Length: 5\r\n\r\n\x16\x03\x01", {},
                "CONNECT")
              .log() == expected(R"(
head 200 "Connection established" v11 none close
  Content-Length: "5"
end: done, 3 left
)"));
    CHECK(grind("HTTP/1.1 200 OK\r\n\r\n", {}, "CONNECT").log() == expected(R"(
head 200 "OK" v11 none close
end: done, 0 left
)"));
  }
  SUBCASE("a refused CONNECT has an ordinary body") {
    CHECK(grind("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\nnope", {},
                "CONNECT")
              .log() == expected(R"(
head 407 "Proxy Authentication Required" v11 content_length 4 keep-alive
  Content-Length: "4"
body "nope"
end: done, 0 left
)"));
  }
}

TEST_CASE("framing: Content-Length") {
  SUBCASE("a body of Content-Length bytes") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world").log() == expected(R"(
head 200 "OK" v11 content_length 11 keep-alive
  Content-Length: "11"
body "hello world"
end: done, 0 left
)"));
  }
  SUBCASE("Content-Length: 0") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").log() == expected(R"(
head 200 "OK" v11 content_length 0 keep-alive
  Content-Length: "0"
end: done, 0 left
)"));
  }
  SUBCASE("a body with every byte value") {
    std::string body;
    for (int round = 0; round < 2; ++round)
      for (int c = 0; c < 256; ++c) body += static_cast<char>(c);
    const transcript t =
        grind("HTTP/1.1 200 OK\r\nContent-Length: 512\r\n\r\n" + body + "HTTP/1.1 200 OK\r\n");
    CHECK(t.last().body == body);
    CHECK(t.end == outcome::done_by_parse);
    CHECK(t.unconsumed == 17);
  }
  SUBCASE("a large body") {
    const std::string body(200000, 'b');
    const transcript t = grind("HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + body);
    CHECK(t.last().body.size() == body.size());
    CHECK(t.last().body == body);
    CHECK(t.head().content_length == 200000u);
    CHECK(t.end == outcome::done_by_parse);
  }
  SUBCASE("names are case-insensitive, leading zeros are digits") {
    CHECK(grind("HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 3\r\n\r\nabc").last().body == "abc");
    CHECK(grind("HTTP/1.1 200 OK\r\ncontent-length: 007\r\n\r\n1234567").head().content_length ==
          7u);
  }
  SUBCASE("identical values, as a list or repeated, are one value") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello").log() == expected(R"(
head 200 "OK" v11 content_length 5 keep-alive
  Content-Length: "5, 5"
body "hello"
end: done, 0 left
)"));
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello").log() ==
          expected(R"(
head 200 "OK" v11 content_length 5 keep-alive
  Content-Length: "5"
  Content-Length: "5"
body "hello"
end: done, 0 left
)"));
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 5,5 , 5\r\n\r\nhello").head().content_length ==
          5u);
  }
  for (const std::string_view lines : {
           "Content-Length: 5, 6\r\n"sv,
           "Content-Length: 5\r\nContent-Length: 6\r\n"sv,
           "Content-Length: 5\r\nContent-Length: 5, 6\r\n"sv,
           "Content-Length: -1\r\n"sv,
           "Content-Length: +5\r\n"sv,
           "Content-Length: 5a\r\n"sv,
           "Content-Length: 0x5\r\n"sv,
           "Content-Length: 5 5\r\n"sv,
           "Content-Length: 5.0\r\n"sv,
           "Content-Length:\r\n"sv,
           "Content-Length:    \r\n"sv,
           "Content-Length: ,\r\n"sv,
           "Content-Length: abc\r\n"sv,
           "Content-Length: 99999999999999999999999\r\n"sv,
           "Content-Length: 18446744073709551616\r\n"sv,
       }) {
    SUBCASE(("bad_content_length: " + quoted(lines)).c_str()) {
      CHECK(grind("HTTP/1.1 200 OK\r\n" + std::string(lines) + "\r\nhello").log() ==
            "end: error bad_content_length\n");
    }
  }
  SUBCASE("the peer closes inside the body: incomplete_body") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello").log() == expected(R"(
head 200 "OK" v11 content_length 10 keep-alive
  Content-Length: "10"
body "hello"
end: error incomplete_body at close
)"));
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n").log() == expected(R"(
head 200 "OK" v11 content_length 10 keep-alive
  Content-Length: "10"
end: error incomplete_body at close
)"));
  }
  SUBCASE("without finish(), a short body waits") {
    CHECK(grind_open("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello").end == outcome::waiting);
  }
}

TEST_CASE("framing: until close") {
  SUBCASE("no Content-Length, no Transfer-Encoding: the body ends at finish()") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of\r\nthis").log() ==
          expected(R"(
head 200 "OK" v11 until_close close
  Content-Type: "text/plain"
body "all of\r\nthis"
end: done at close
)"));
  }
  SUBCASE("an empty until-close body") {
    CHECK(grind("HTTP/1.0 200 OK\r\n\r\n").log() == expected(R"(
head 200 "OK" v10 until_close close
end: done at close
)"));
  }
  SUBCASE("without finish(), it waits") {
    CHECK(grind_open("HTTP/1.1 200 OK\r\n\r\nabc").log() == expected(R"(
head 200 "OK" v11 until_close close
body "abc"
end: waiting
)"));
  }
}

TEST_CASE("framing: Transfer-Encoding") {
  SUBCASE("chunked wins over Content-Length, even an invalid one; the connection closes") {
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: abc\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n0\r\n\r\n")
              .log() == expected(R"(
head 200 "OK" v11 chunked close
  Content-Length: "abc"
  Transfer-Encoding: "chunked"
body "abc"
end: done, 0 left
)"));
    CHECK(grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 100\r\n\r\n"
                "3\r\nabc\r\n0\r\n\r\n")
              .log() == expected(R"(
head 200 "OK" v11 chunked close
  Transfer-Encoding: "chunked"
  Content-Length: "100"
body "abc"
end: done, 0 left
)"));
    CHECK(grind("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
              .end == outcome::done_by_parse);
  }
  SUBCASE("the coding name is case-insensitive") {
    CHECK(grind("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n")
              .head()
              .framing == body_framing::chunked);
    CHECK(grind("HTTP/1.1 200 OK\r\ntransfer-encoding: CHUNKED\r\n\r\n1\r\nx\r\n0\r\n\r\n")
              .last()
              .body == "x");
  }
  for (const std::string_view lines : {
           "Transfer-Encoding: gzip\r\n"sv,
           "Transfer-Encoding: gzip, chunked\r\n"sv,
           "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"sv,
           "Transfer-Encoding: identity\r\n"sv,
       }) {
    SUBCASE(("unknown_transfer_encoding: " + quoted(lines)).c_str()) {
      CHECK(grind("HTTP/1.1 200 OK\r\n" + std::string(lines) + "\r\n0\r\n\r\n").log() ==
            "end: error unknown_transfer_encoding\n");
    }
  }
  for (const std::string_view lines : {
           "Transfer-Encoding: chunked, chunked\r\n"sv,
           "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"sv,
       }) {
    SUBCASE(("bad_transfer_encoding: " + quoted(lines)).c_str()) {
      CHECK(grind("HTTP/1.1 200 OK\r\n" + std::string(lines) + "\r\n0\r\n\r\n").log() ==
            "end: error bad_transfer_encoding\n");
    }
  }
}

TEST_CASE("framing: chunked bodies") {
  SUBCASE("several chunks, lowercase and uppercase hex, leading zeros") {
    CHECK(grind(chunked_head + "5\r\nhello\r\n"
                               "a\r\n, chunked!\r\n"
                               "A\r\n0123456789\r\n"
                               "0003\r\nabc\r\n"
                               "1f\r\n0123456789abcdef0123456789abcde\r\n"
                               "1F\r\n0123456789ABCDEF0123456789ABCDE\r\n"
                               "0\r\n\r\n")
              .log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
body "hello, chunked!0123456789abc0123456789abcdef0123456789abcde0123456789ABCDEF0123456789ABCDE"
end: done, 0 left
)"));
  }
  SUBCASE("many leading zeros do not overflow") {
    CHECK(grind(chunked_head + "00000000000000000000000005\r\nhello\r\n000\r\n\r\n").last().body ==
          "hello");
  }
  SUBCASE("chunk extensions are skipped") {
    CHECK(grind(chunked_head + "5;a=b\r\nhello\r\n"
                               "3;a=\"q\"\r\nabc\r\n"
                               "2 ;x\r\nde\r\n"
                               "1\t;y=z;w\r\nf\r\n"
                               "3 ; n = \"semi;colon \\\" quote\"\r\nghi\r\n"
                               "0;last\r\n\r\n")
              .log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
body "helloabcdefghi"
end: done, 0 left
)"));
  }
  SUBCASE("trailers are parsed and exposed") {
    CHECK(grind(chunked_head + "4\r\nbody\r\n0\r\nExpires: never\r\nX-Checksum:  abc \r\n"
                               "X-Folded: a\r\n b\r\n\r\n")
              .log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
body "body"
trailer Expires: "never"
trailer X-Checksum: "abc"
trailer X-Folded: "a b"
end: done, 0 left
)"));
    response_parser parser;
    const std::string input = chunked_head + "0\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n";
    parse_head(parser, input);
    std::error_code ec;
    const auto r = parser.parse(std::string_view(input).substr(chunked_head.size()), ec);
    REQUIRE_FALSE(ec);
    CHECK(r.event == parse_event::done);
    CHECK(parser.done());
    const httpc::field_view trailers = parser.trailers();
    CHECK(trailers.size() == 2);
    CHECK(trailers.find("expires") == "never");
    CHECK(trailers.find("X-CHECKSUM") == "abc");
    CHECK(trailers.count("x-checksum") == 1);
    CHECK_FALSE(trailers.find("content-length").has_value());
  }
  SUBCASE("an empty trailer section") {
    const transcript t = grind(chunked_head + "0\r\n\r\n");
    CHECK(t.last().trailers.empty());
    CHECK(t.end == outcome::done_by_parse);
    response_parser parser;
    parse_head(parser, chunked_head);
    std::error_code ec;
    CHECK(parser.parse("0\r\n\r\n", ec).event == parse_event::done);
    CHECK(parser.trailers().empty());
  }
  SUBCASE("a malformed trailer line is bad_header") {
    CHECK(grind(chunked_head + "0\r\nno colon\r\n\r\n").log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
end: error bad_header
)"));
    CHECK(grind(chunked_head + "0\r\nT: a\x01\r\n\r\n").error == httpc::error::bad_header);
    CHECK(grind(chunked_head + "0\r\n T: v\r\n\r\n").error == httpc::error::bad_header);
    CHECK(grind(chunked_head + "0\r\nT : v\r\n\r\n").error == httpc::error::bad_header);
  }
  SUBCASE("a chunk size of 2^64 or more is chunk_size_overflow") {
    for (const std::string_view size :
         {"10000000000000000"sv, "FFFFFFFFFFFFFFFFF"sv, "100000000000000000000"sv}) {
      CAPTURE(size);
      CHECK(grind(chunked_head + std::string(size) + "\r\n").log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
end: error chunk_size_overflow
)"));
    }
  }
  SUBCASE("the largest chunk size, 2^64-1, is accepted (and then not sent)") {
    CHECK(grind(chunked_head + "FFFFFFFFFFFFFFFF\r\nabc").log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
body "abc"
end: error incomplete_body at close
)"));
  }
  for (const std::string_view size_line : {
           "xyz\r\n"sv,
           "\r\n"sv,
           "-5\r\n"sv,
           "0x5\r\n"sv,
           " 5\r\n"sv,
           "5 5\r\n"sv,
           "5=a\r\n"sv,
           "g\r\n"sv,
           "5;a=\x01\r\n"sv,
       }) {
    SUBCASE(("bad_chunk: chunk-size line " + quoted(size_line)).c_str()) {
      CHECK(grind(chunked_head + std::string(size_line) + "hello\r\n0\r\n\r\n").log() ==
            expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
end: error bad_chunk
)"));
    }
  }
  SUBCASE("chunk data not followed by CRLF is bad_chunk") {
    for (const std::string_view rest : {"5\r\nhelloX\r\n0\r\n\r\n"sv, "5\r\nhello\rX0\r\n\r\n"sv,
                                        "5\r\nhello0\r\n\r\n"sv, "3\r\nhello\r\n0\r\n\r\n"sv}) {
      CAPTURE(rest);
      const transcript t = grind(chunked_head + std::string(rest));
      CHECK(t.end == outcome::error_from_parse);
      CHECK(t.error == httpc::error::bad_chunk);
    }
    CHECK(grind(chunked_head + "5\r\nhelloX\r\n0\r\n\r\n").log() == expected(R"(
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
body "hello"
end: error bad_chunk
)"));
  }
  SUBCASE("the peer closes inside a chunked body: incomplete_body") {
    struct cut {
      const char* where;
      std::string_view rest;
      std::string_view body;
    };
    for (const cut& c : {
             cut{"before the first chunk-size line", ""sv, ""sv},
             cut{"inside a chunk-size line", "1"sv, ""sv},
             cut{"inside chunk data", "5\r\nhel"sv, "hel"sv},
             cut{"before the CRLF after chunk data", "5\r\nhello"sv, "hello"sv},
             cut{"inside the CRLF after chunk data", "5\r\nhello\r"sv, "hello"sv},
             cut{"after a whole chunk", "5\r\nhello\r\n"sv, "hello"sv},
             cut{"after the last chunk, before the trailers", "5\r\nhello\r\n0\r\n"sv, "hello"sv},
             cut{"inside the trailers", "5\r\nhello\r\n0\r\nT: v\r\n"sv, "hello"sv},
             cut{"inside the final CRLF", "5\r\nhello\r\n0\r\n\r"sv, "hello"sv},
         }) {
      SUBCASE(c.where) {
        const transcript t = grind(chunked_head + std::string(c.rest));
        CHECK(t.last().body == c.body);
        CHECK(t.end == outcome::error_from_finish);
        CHECK(t.error == httpc::error::incomplete_body);
      }
    }
  }
  SUBCASE("a large chunked body") {
    std::string input = chunked_head;
    std::string body;
    for (int i = 0; i < 40; ++i) {
      const std::string chunk(1000 + i, static_cast<char>('a' + i % 26));
      char size[16];
      const int n = std::snprintf(size, sizeof size, "%x\r\n", static_cast<unsigned>(chunk.size()));
      input.append(size, static_cast<std::size_t>(n)).append(chunk).append("\r\n");
      body += chunk;
    }
    input += "0\r\n\r\n";
    const transcript t = grind(input);
    CHECK(t.last().body == body);
    CHECK(t.end == outcome::done_by_parse);
  }
}

// ===========================================================================
// Keep-alive (RFC 9112 §9.3, CPython's reading for HTTP/1.0)

TEST_CASE("keep-alive") {
  struct row {
    std::string_view version;
    std::string_view lines;  // field lines after the status line
    bool keep_alive;
  };
  for (const row& r : {
           row{"1.1", "Content-Length: 0\r\n"sv, true},
           row{"1.1", "Connection: close\r\nContent-Length: 0\r\n"sv, false},
           row{"1.1", "Connection: Keep-Alive, Close\r\nContent-Length: 0\r\n"sv, false},
           row{"1.1", "connection: CLOSE\r\nContent-Length: 0\r\n"sv, false},
           row{"1.1", "Connection: keep-alive\r\nConnection: close\r\nContent-Length: 0\r\n"sv,
               false},
           row{"1.1", "Connection: keep-alive\r\nContent-Length: 0\r\n"sv, true},
           row{"1.1", "Transfer-Encoding: chunked\r\n"sv, true},
           row{"1.1", ""sv, false},  // until close
           row{"1.0", "Content-Length: 0\r\n"sv, false},
           row{"1.0", "Connection: keep-alive\r\nContent-Length: 0\r\n"sv, true},
           row{"1.0", "Connection: Keep-Alive\r\nContent-Length: 0\r\n"sv, true},
           row{"1.0", "Keep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n"sv, true},
           row{"1.0", "Proxy-Connection: keep-alive\r\nContent-Length: 0\r\n"sv, true},
           row{"1.0", "Connection: keep-alive, close\r\nContent-Length: 0\r\n"sv, false},
           row{"1.0", "Connection: keep-alive\r\n"sv, false},  // until close
           // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; close after.
           row{"1.0", "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n"sv, false},
       }) {
    const std::string input =
        "HTTP/" + std::string(r.version) + " 200 OK\r\n" + std::string(r.lines) + "\r\n";
    SUBCASE(("HTTP/" + std::string(r.version) + " " + quoted(r.lines)).c_str()) {
      CHECK(grind(input).head().keep_alive == r.keep_alive);
    }
  }
  SUBCASE("101 Switching Protocols") {
    CHECK_FALSE(
        grind("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n").head().keep_alive);
  }
  SUBCASE("HTTP/0.9") {
    CHECK_FALSE(grind("HTTP/0.9 200 OK\r\n").head().keep_alive);
    CHECK_FALSE(grind("garbage").head().keep_alive);
  }
}

// ===========================================================================
// Pipelining

TEST_CASE("pipelining") {
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
  const std::string second = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope";
  SUBCASE("bytes after done are not consumed") {
    CHECK(grind(first + second).log() == expected(R"(
head 200 "OK" v11 content_length 3 keep-alive
  Content-Length: "3"
body "abc"
end: done, 49 left
)"));
    REQUIRE(second.size() == 49);
  }
  SUBCASE("parse the first to done, reset(), parse the rest") {
    CHECK(grind_pipeline(first + second, {"GET", "GET"}).log() == expected(R"(
head 200 "OK" v11 content_length 3 keep-alive
  Content-Length: "3"
body "abc"
reset GET
head 404 "Not Found" v11 content_length 4 keep-alive
  Content-Length: "4"
body "nope"
end: done, 0 left
)"));
  }
  SUBCASE("HEAD, then a chunked response with trailers, then an interim and a final") {
    CHECK(grind_pipeline("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + chunked_head +
                             "2\r\nhi\r\n0\r\nT: v\r\n\r\n"
                             "HTTP/1.1 100 Continue\r\n\r\n" +
                             first + "extra",
                         {"HEAD", "GET", "POST"})
              .log() == expected(R"(
head 200 "OK" v11 none keep-alive
  Content-Length: "10"
reset GET
head 200 "OK" v11 chunked keep-alive
  Transfer-Encoding: "chunked"
body "hi"
trailer T: "v"
reset POST
interim 100 "Continue" v11
head 200 "OK" v11 content_length 3 keep-alive
  Content-Length: "3"
body "abc"
end: done, 5 left
)"));
  }
  SUBCASE("204 then a response") {
    CHECK(
        grind_pipeline("HTTP/1.1 204 No Content\r\n\r\n" + first, {"DELETE", "GET"}).last().body ==
        "abc");
  }
  SUBCASE("after done, parse() stays done and consumes nothing until reset()") {
    response_parser parser;
    const std::string input = first + second;
    parse_head(parser, input);
    std::error_code ec;
    const std::size_t head_size = parser.head_size();
    auto r = parser.parse(std::string_view(input).substr(head_size), ec);
    CHECK(r.event == parse_event::body);
    CHECK(r.consumed == 3);
    r = parser.parse(second, ec);
    CHECK(r.event == parse_event::done);
    CHECK(r.consumed == 0);
    r = parser.parse(second, ec);
    CHECK(r.event == parse_event::done);
    CHECK(r.consumed == 0);
    CHECK_FALSE(ec);
    r = parser.finish(ec);
    CHECK(r.event == parse_event::done);
    CHECK_FALSE(ec);
    parse_head(parser, second);
    CHECK(parser.status() == 404);
    CHECK(parser.reason() == "Not Found");
  }
}

// ===========================================================================
// Zero-copy views and rebase()

TEST_CASE("zero-copy: views point into the caller's buffer") {
  const std::string input =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Empty:\r\nContent-Length: 5\r\n\r\nhello";
  response_parser parser;
  parser.reset();
  std::error_code ec;
  const httpc::parse_result r = parser.parse(input, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(r.event == parse_event::head);
  CHECK(r.consumed == input.size() - 5);
  const char* begin = input.data();
  const char* end = begin + r.consumed;
  CHECK(within(parser.reason(), begin, end));
  CHECK(parser.reason().data() == begin + 13);
  for (const httpc::header_field field : parser.fields()) {
    CAPTURE(field.name);
    CHECK(within(field.name, begin, end));
    CHECK(within(field.value, begin, end));
  }
  CHECK(parser.fields()[0].name.data() == begin + 17);
  CHECK(parser.fields()[0].value.data() == begin + 31);

  // A body view lies in the input of its own call.
  const std::string rest = input.substr(r.consumed);
  const httpc::parse_result b = parser.parse(rest, ec);
  REQUIRE(b.event == parse_event::body);
  CHECK(parser.body().data() == rest.data());
  CHECK(parser.body() == "hello");
  CHECK(parser.body_received() == 5);
}

TEST_CASE("zero-copy: chunk data is handed out in place") {
  const std::string body_part = "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n";
  response_parser parser;
  parse_head(parser, chunked_head);
  std::string_view rest = body_part;
  std::string seen;
  std::error_code ec;
  for (;;) {
    const httpc::parse_result r = parser.parse(rest, ec);
    REQUIRE_FALSE(ec);
    if (r.event == parse_event::body) {
      CHECK(within(parser.body(), rest.data(), rest.data() + r.consumed));
      seen += parser.body();
    }
    rest.remove_prefix(r.consumed);
    if (r.event == parse_event::done) break;
    REQUIRE(r.event == parse_event::body);
  }
  CHECK(seen == "helloabc");
  CHECK(rest.empty());
}

TEST_CASE("rebase(): the head moves, the views follow") {
  const std::string input =
      "HTTP/1.1 201 Created\r\nLocation: /x\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nhi";
  std::string buffer = input;
  response_parser parser;
  parser.reset();
  std::error_code ec;
  const httpc::parse_result r = parser.parse(buffer, ec);
  REQUIRE(r.event == parse_event::head);

  std::string moved = "~~~~" + buffer.substr(0, r.consumed);  // a new home, at an offset
  std::string rest = buffer.substr(r.consumed);
  buffer.assign(buffer.size(), '#');  // the old bytes are gone
  parser.rebase(moved.data() + 4);

  const char* begin = moved.data() + 4;
  const char* end = moved.data() + moved.size();
  CHECK(parser.reason() == "Created");
  CHECK(within(parser.reason(), begin, end));
  CHECK(parser.fields().size() == 3);
  CHECK(parser.fields()[0].name == "Location");
  CHECK(parser.fields()[0].value == "/x");
  CHECK(within(parser.fields()[0].name, begin, end));
  CHECK(within(parser.fields()[0].value, begin, end));
  CHECK(parser.fields().find("x-folded") == "a b");  // in the parser's storage
  CHECK(parser.fields().find("content-length") == "2");
  CHECK(parser.status() == 201);
  CHECK(parser.content_length() == 2u);

  const httpc::parse_result b = parser.parse(rest, ec);
  CHECK(b.event == parse_event::body);
  CHECK(parser.body() == "hi");
  CHECK(parser.parse({}, ec).event == parse_event::done);
  CHECK_FALSE(ec);
}

TEST_CASE(
    "an incomplete head is re-sent with the new bytes; nothing is consumed until it is whole") {
  const std::string input = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
  response_parser parser;
  parser.reset();
  std::error_code ec;
  for (std::size_t n = 0; n < input.size() - 2; ++n) {
    const std::string piece = input.substr(0, n);  // a fresh copy each time: a new address
    const httpc::parse_result r = parser.parse(piece, ec);
    REQUIRE_FALSE(ec);
    CHECK(r.event == parse_event::need_more);
    CHECK(r.consumed == 0);
    CHECK_FALSE(parser.head_done());
  }
  const std::string whole = input.substr(0, input.size() - 2);
  const httpc::parse_result r = parser.parse(whole, ec);
  REQUIRE(r.event == parse_event::head);
  CHECK(r.consumed == whole.size());
  CHECK(parser.head_done());
  CHECK(parser.fields()[0].name.data() == whole.data() + 17);
}

// ===========================================================================
// direct_body_limit() and advance_body()

TEST_CASE("direct body reads") {
  std::error_code ec;
  SUBCASE("Content-Length: part read directly, the rest parsed") {
    response_parser parser;
    parse_head(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
    CHECK(parser.direct_body_limit() == 10);
    parser.advance_body(4);  // "0123" went straight into the caller's buffer
    CHECK(parser.direct_body_limit() == 6);
    CHECK(parser.body_received() == 4);
    auto r = parser.parse("456789", ec);
    CHECK(r.event == parse_event::body);
    CHECK(r.consumed == 6);
    CHECK(parser.body() == "456789");
    CHECK(parser.body_received() == 10);
    CHECK(parser.direct_body_limit() == 0);
    r = parser.parse({}, ec);
    CHECK(r.event == parse_event::done);
    CHECK_FALSE(ec);
  }
  SUBCASE("Content-Length: all of it read directly") {
    response_parser parser;
    parse_head(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
    parser.advance_body(parser.direct_body_limit());
    CHECK(parser.body_received() == 10);
    CHECK(parser.parse("HTTP/1.1", ec).event == parse_event::done);
    CHECK(parser.parse("HTTP/1.1", ec).consumed == 0);
    CHECK_FALSE(ec);
  }
  SUBCASE("chunked: within the current chunk only") {
    response_parser parser;
    parse_head(parser, chunked_head);
    CHECK(parser.direct_body_limit() == 0);  // the chunk size is not known yet
    auto r = parser.parse("5\r\nhe", ec);
    CHECK(r.event == parse_event::body);
    CHECK(r.consumed == 5);
    CHECK(parser.body() == "he");
    CHECK(parser.direct_body_limit() == 3);
    parser.advance_body(3);  // "llo"
    CHECK(parser.direct_body_limit() == 0);
    CHECK(parser.body_received() == 5);
    const std::string rest = "\r\n3\r\nabc\r\n0\r\n\r\n";
    r = parser.parse(rest, ec);
    CHECK(r.event == parse_event::body);
    CHECK(parser.body() == "abc");
    r = parser.parse(std::string_view(rest).substr(r.consumed), ec);
    CHECK(r.event == parse_event::done);
    CHECK(parser.body_received() == 8);
    CHECK_FALSE(ec);
  }
  SUBCASE("chunked: a whole chunk read directly") {
    response_parser parser;
    parse_head(parser, chunked_head);
    auto r = parser.parse("4\r\n", ec);
    CHECK(r.consumed == 3);
    CHECK(r.event == parse_event::need_more);
    CHECK(parser.direct_body_limit() == 4);
    parser.advance_body(4);
    r = parser.parse("\r\n0\r\n\r\n", ec);
    CHECK(r.event == parse_event::done);
    CHECK(r.consumed == 7);
    CHECK(parser.body_received() == 4);
    CHECK_FALSE(ec);
  }
  SUBCASE("until close: unbounded") {
    response_parser parser;
    parse_head(parser, "HTTP/1.1 200 OK\r\n\r\n");
    CHECK(parser.direct_body_limit() == std::numeric_limits<std::uint64_t>::max());
    parser.advance_body(12345);
    CHECK(parser.body_received() == 12345);
    CHECK(parser.finish(ec).event == parse_event::done);
    CHECK_FALSE(ec);
  }
  SUBCASE("no body: nothing") {
    response_parser parser;
    parse_head(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD");
    CHECK(parser.direct_body_limit() == 0);
    CHECK(parser.parse({}, ec).event == parse_event::done);
  }
  SUBCASE("the head itself: nothing") {
    response_parser parser;
    CHECK(parser.direct_body_limit() == 0);
  }
}

// ===========================================================================
// Errors are sticky; reset() recovers

TEST_CASE("error stickiness") {
  response_parser parser;
  parser.reset();
  std::error_code ec;
  const auto r = parser.parse("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhello", ec);
  CHECK(ec == httpc::error::bad_content_length);
  CHECK(r.consumed == 0);
  CHECK_FALSE(parser.head_done());
  CHECK_FALSE(parser.done());

  SUBCASE("parse() again gives the same error, whatever the input") {
    for (const std::string_view input :
         {""sv, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"sv, "more"sv}) {
      std::error_code again;
      const auto r2 = parser.parse(input, again);
      CHECK(again == httpc::error::bad_content_length);
      CHECK(r2.consumed == 0);
    }
  }
  SUBCASE("finish() gives the same error") {
    std::error_code again;
    parser.finish(again);
    CHECK(again == httpc::error::bad_content_length);
  }
  SUBCASE("reset() recovers for a new response") {
    parser.reset();
    std::error_code fresh;
    const std::string input = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    auto r2 = parser.parse(input, fresh);
    REQUIRE_FALSE(fresh);
    CHECK(r2.event == parse_event::head);
    r2 = parser.parse(std::string_view(input).substr(r2.consumed), fresh);
    CHECK(r2.event == parse_event::body);
    CHECK(parser.body() == "ok");
    CHECK(parser.parse({}, fresh).event == parse_event::done);
    CHECK_FALSE(fresh);
  }
  SUBCASE("an error in the body is sticky too") {
    parser.reset();
    std::error_code body_ec;
    parse_head(parser, chunked_head);
    parser.parse("zz\r\n", body_ec);
    CHECK(body_ec == httpc::error::bad_chunk);
    std::error_code again;
    parser.parse("0\r\n\r\n", again);
    CHECK(again == httpc::error::bad_chunk);
    std::error_code at_close;
    parser.finish(at_close);
    CHECK(at_close == httpc::error::bad_chunk);
  }
}

TEST_CASE("reset() in the middle of a response starts over") {
  response_parser parser;
  parse_head(parser, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nX-Old: 1\r\n\r\n");
  std::error_code ec;
  CHECK(parser.parse("partial body", ec).event == parse_event::body);
  CHECK(parser.body_received() == 12);
  parse_head(parser, "HTTP/1.0 404 Not Found\r\n\r\n");
  CHECK(parser.status() == 404);
  CHECK(parser.version() == 10);
  CHECK(parser.body_received() == 0);
  CHECK(parser.fields().empty());
  CHECK(parser.framing() == body_framing::until_close);
  CHECK_FALSE(parser.fields().find("x-old").has_value());
  CHECK(parser.parse("x", ec).event == parse_event::body);
  CHECK(parser.finish(ec).event == parse_event::done);
  CHECK_FALSE(ec);
}

TEST_CASE("options() reports the options in force") {
  const response_parser parser(parser_options{.strict = true, .max_fields = 7});
  CHECK(parser.options().strict);
  CHECK(parser.options().max_fields == 7);
  CHECK(parser.options().max_line_length == 65536);
}

// ===========================================================================
// Memory: the AVX2 scanner loads 32 bytes at a time, also near the end of
// the input, so every end of input at the end of a readable page is tried.

namespace {

/// What a whole-input parse gave, for comparing the scanners.
std::string parse_summary(std::string_view input) {
  response_parser parser;
  std::error_code ec;
  const httpc::parse_result r = parser.parse(input, ec);
  std::string out = std::to_string(static_cast<int>(r.event)) + " " + std::to_string(r.consumed) +
                    " " + ec.message();
  if (!ec && (r.event == parse_event::head || r.event == parse_event::interim)) {
    out += " " + std::to_string(parser.status()) + " " + std::string(parser.reason());
    for (const auto field : parser.fields()) out += "|" + std::string(field.name) + "=" + std::string(field.value);
  }
  return out;
}

}  // namespace

TEST_CASE("input that ends where a readable page ends: no fault, and the scanners agree") {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  void* mapped = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mapped != MAP_FAILED);
  auto* region = static_cast<char*>(mapped);
  REQUIRE(::mprotect(region + page, page, PROT_NONE) == 0);  // a load past the page faults

  const std::string heads[] = {
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 22 Nov 2026 10:00:00 GMT\r\n"
      "Content-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n",
      "HTTP/1.1 404 Not Found\nX-Long: " + std::string(100, 'v') + "\n  folded\n\n",
      "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
      "HTTP/1.0 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
  };
  const scanner_guard guard;
  std::size_t compared = 0;
  for (const std::string& head : heads) {
    // Every prefix, ending at the page's last byte: the scan's last load
    // starts at every distance from the end.
    for (std::size_t size = 1; size <= head.size(); ++size) {
      char* begin = region + page - size;
      std::memcpy(begin, head.data(), size);
      const std::string_view input(begin, size);
      REQUIRE(httpc::detail::use_head_scanner("scalar"));
      const std::string scalar = parse_summary(input);
      if (!httpc::detail::use_head_scanner("avx2")) continue;
      INFO("prefix of ", size, " bytes: ", preview(input));
      CHECK(parse_summary(input) == scalar);
      ++compared;
    }
  }
  ::munmap(mapped, 2 * page);
  if (httpc::detail::use_head_scanner("avx2")) CHECK(compared > 300);
}
