// libFuzzer target for httpc::response_parser.
//
// Input layout:
// - If the first byte is 0x80 or above (and there are at least two bytes),
//   it is an options byte and the second byte seeds the split pattern; the
//   rest is the response stream:
//     bit 0     strict
//     bits 1-2  request method: 0 GET, 1 HEAD, 2 CONNECT, 3 GET
//     bit 3     small limits (max_fields 4, max_line_length 64, max_head_size 256)
//     bits 4-6  split pattern (see make_cuts)
// - Otherwise the whole input is the response stream, parsed with the default
//   options for a GET, and the split pattern comes from a hash of the input.
//   So the seed corpus (test/data/corpus) holds raw responses, which the
//   differential test reads as well.
//
// The stream is parsed like a caller would: a std::string of unconsumed
// bytes, new bytes appended, parse() until need_more, consumed bytes erased
// from the front, finish() at the end. After `done` the parser is reset and
// the bytes left over are parsed as the next response (pipelining).
//
// Each run produces a transcript (events, heads, fields, framing,
// keep-alive, body bytes, trailers, errors, bytes left over). The
// transcripts must be equal when the stream is fed whole, in pieces at the
// chosen split points, one byte at a time (streams up to 4096 bytes), in
// pieces with the body read directly (direct_body_limit / advance_body), and
// whole with the scalar head scanner instead of the default one. Invariants
// on views, counts and states are checked after every call; a violation
// prints what failed and calls __builtin_trap().
//
// Error codes are compared exactly. With HTTPC_PARSER_FUZZ_LAX_HEAD_ERRORS=1
// in the environment, the errors of an unfinished head other than
// remote_disconnected (bad_status_line ... incomplete_head) count as one,
// whether parse() or finish() reports them, so that fuzzing can go on past a
// known split-dependent error classification.

#include "fuzz_check.hpp"

#include <httpc/error.hpp>
#include <httpc/parser.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

constexpr std::size_t max_bytewise_size = 4096;
bool lax_head_errors = false;
constexpr std::size_t max_responses = 16;

struct setup {
  httpc::parser_options options;
  std::string_view method = "GET";
  unsigned split_mode = 0;
  std::uint32_t seed = 0;
};

std::uint32_t fnv1a(std::string_view bytes) {
  std::uint32_t h = 2166136261u;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

// xorshift32: split points only, so quality hardly matters.
struct rng {
  std::uint32_t state;
  explicit rng(std::uint32_t seed) : state(seed * 2654435761u ^ 0x9e3779b9u) {
    if (state == 0) state = 1;
  }
  std::uint32_t next() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : next() % n; }
};

setup decode(const std::uint8_t*& data, std::size_t& size) {
  setup s;
  if (size >= 2 && data[0] >= 0x80) {
    const unsigned bits = data[0];
    s.options.strict = (bits & 1) != 0;
    switch ((bits >> 1) & 3) {
      case 1: s.method = "HEAD"; break;
      case 2: s.method = "CONNECT"; break;
      default: s.method = "GET"; break;
    }
    if ((bits & 8) != 0) {
      s.options.max_fields = 4;
      s.options.max_line_length = 64;
      s.options.max_head_size = 256;
    }
    s.split_mode = (bits >> 4) & 7;
    s.seed = data[1];
    data += 2;
    size -= 2;
  } else {
    s.seed = fnv1a({reinterpret_cast<const char*>(data), size});
    s.split_mode = s.seed % 8;
  }
  return s;
}

// The ends of the pieces the stream is fed in: increasing, the last is the
// stream's size (or none for an empty stream).
std::vector<std::size_t> make_cuts(std::string_view stream, unsigned mode, std::uint32_t seed) {
  const std::size_t n = stream.size();
  std::vector<std::size_t> cuts;
  rng r(seed ^ static_cast<std::uint32_t>(n));
  switch (mode) {
    case 0:
    case 4: {  // 1 to 8 cuts anywhere
      const std::size_t count = 1 + r.below(8);
      for (std::size_t i = 0; i < count; ++i) cuts.push_back(r.below(n + 1));
      break;
    }
    case 1:
    case 5: {  // pieces of one size, 1 to 16 bytes
      const std::size_t step = 1 + seed % 16;
      for (std::size_t at = step; at < n; at += step) cuts.push_back(at);
      break;
    }
    case 2:  // at line ends: after each LF, and between a CR and what follows
      for (std::size_t i = 0; i < n; ++i)
        if (stream[i] == '\n' || stream[i] == '\r') cuts.push_back(i + 1);
      break;
    case 3: {  // random piece sizes up to 1..32 bytes
      const std::size_t most = 1 + seed % 32;
      for (std::size_t at = 1 + r.below(most); at < n; at += 1 + r.below(most)) cuts.push_back(at);
      break;
    }
    case 6:  // the first and the last byte alone
      cuts.push_back(1);
      if (n > 1) cuts.push_back(n - 1);
      break;
    default:  // two halves
      cuts.push_back(n / 2);
      break;
  }
  cuts.push_back(n);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  if (!cuts.empty() && cuts.front() == 0) cuts.erase(cuts.begin());
  while (!cuts.empty() && cuts.back() > n) cuts.pop_back();
  return cuts;
}

std::vector<std::size_t> bytewise_cuts(std::size_t n) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i <= n; ++i) cuts.push_back(i);
  return cuts;
}

bool within(std::string_view inner, std::string_view outer) {
  const auto a = reinterpret_cast<std::uintptr_t>(inner.data());
  const auto b = reinterpret_cast<std::uintptr_t>(outer.data());
  return a >= b && a + inner.size() <= b + outer.size();
}

bool overlaps(std::string_view a, std::string_view b) {
  const auto a0 = reinterpret_cast<std::uintptr_t>(a.data());
  const auto b0 = reinterpret_cast<std::uintptr_t>(b.data());
  return a0 < b0 + b.size() && b0 < a0 + a.size();
}

bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_ctl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }
bool is_ws(char c) { return c == ' ' || c == '\t'; }

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  return true;
}

bool valid_value(std::string_view value) {
  for (char c : value)
    if (is_ctl(static_cast<unsigned char>(c))) return false;
  return value.empty() || (!is_ws(value.front()) && !is_ws(value.back()));
}

bool has_fold(std::string_view head) {
  for (std::size_t i = 0; i + 1 < head.size(); ++i)
    if (head[i] == '\n' && is_ws(head[i + 1])) return true;
  return false;
}

// Length-prefixed, so that no field can fake another's record.
void put(std::string& out, std::string_view bytes) {
  out += std::to_string(bytes.size());
  out += ':';
  out += bytes;
}

void put(std::string& out, std::uint64_t number) {
  out += std::to_string(number);
  out += ' ';
}

enum class style { events, direct };

class runner {
 public:
  runner(const setup& s, std::string_view stream, style how, bool exact_copies)
      : setup_(s), stream_(stream), style_(how), exact_copies_(exact_copies), parser_(s.options) {
    parser_.reset(setup_.method);
  }

  std::string run(const std::vector<std::size_t>& cuts) {
    std::size_t at = 0;
    for (const std::size_t cut : cuts) {
      FUZZ_CHECK(cut > at && cut <= stream_.size());
      buffer_.append(stream_.substr(at, cut - at));
      response_bytes_ += cut - at;
      head_bytes_ += cut - at;
      at = cut;
      if (!drain()) return finish_transcript();
    }
    FUZZ_CHECK(at == stream_.size());
    // The peer closed. A response reset after `done` that got no byte is no
    // response at all; anything else is asked to finish.
    if (response_bytes_ != 0 || responses_ == 0) end_of_stream();
    return finish_transcript();
  }

 private:
  std::string finish_transcript() {
    // Bytes left over matter only on a clean end: after an error, how much
    // had arrived when it was found depends on the pieces.
    // (Counted from the stream, not the buffer: after the last response we
    // parse, how much had been appended depends on the pieces.)
    if (!failed_) {
      out_ += "L";
      put(out_, stream_.size() - consumed_);
    }
    return std::move(out_);
  }

  // Parses what the buffer holds. False when the stream is over for us: an
  // error, or enough responses.
  bool drain() {
    std::size_t stalls = 0;
    for (;;) {
      if (style_ == style::direct && !buffer_.empty()) {
        const std::uint64_t limit = parser_.direct_body_limit();
        if (limit != 0) {
          FUZZ_CHECK(parser_.head_done());
          const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(limit, buffer_.size()));
          const std::uint64_t before = parser_.body_received();
          body_.append(buffer_, 0, n);
          parser_.advance_body(n);
          FUZZ_CHECK(parser_.body_received() == before + n);
          FUZZ_CHECK(parser_.direct_body_limit() == limit - n ||
                     limit == UINT64_MAX);
          consume(n);
          stalls = 0;
          continue;
        }
      }

      // parse() gets a copy of exactly the buffer's size, so that ASan sees
      // a read past the input's end (the std::string has spare capacity).
      std::string_view input(buffer_);
      std::unique_ptr<char[]> exact;
      if (exact_copies_ && !buffer_.empty()) {
        exact.reset(new char[buffer_.size()]);
        std::memcpy(exact.get(), buffer_.data(), buffer_.size());
        input = {exact.get(), buffer_.size()};
      }
      std::error_code ec;
      const httpc::parse_result r = parser_.parse(input, ec);
      FUZZ_CHECK(r.consumed <= input.size());
      if (ec) {
        // (consumed is mostly 0 here, but an error in a trailer section
        // reports the chunk framing consumed before it in the same call.)
        FUZZ_CHECK(r.event == httpc::parse_event::need_more);
        record_error(ec);
        // The parser stays failed.
        std::error_code again;
        const auto r2 = parser_.parse(input, again);
        FUZZ_CHECK(again == ec && r2.consumed == 0 && r2.event == httpc::parse_event::need_more);
        again.clear();
        const auto r3 = parser_.finish(again);
        FUZZ_CHECK(again == ec && r3.consumed == 0 && r3.event == httpc::parse_event::need_more);
        FUZZ_CHECK(!parser_.head_done() && !parser_.done());
        return false;
      }

      if (r.consumed == 0 && r.event != httpc::parse_event::need_more) {
        // Only an HTTP/0.9 head and `done` may consume nothing; either way
        // the loop must not go on forever.
        FUZZ_CHECK(r.event == httpc::parse_event::head || r.event == httpc::parse_event::done);
        if (++stalls > stream_.size() + 10)
          httpc::fuzz::violation(__FILE__, __LINE__, "parse() makes no progress");
      } else if (r.consumed != 0) {
        stalls = 0;
      }

      switch (r.event) {
        case httpc::parse_event::need_more:
          // Bytes consumed with need_more are framing (chunk lines).
          FUZZ_CHECK(r.consumed == 0 || parser_.head_done());
          // An unfinished head is never let grow past the limit.
          if (!parser_.head_done())
            FUZZ_CHECK(input.size() <= parser_.options().max_head_size);
          consume(r.consumed);
          return true;
        case httpc::parse_event::interim:
          FUZZ_CHECK(!parser_.head_done());
          FUZZ_CHECK(parser_.status() >= 100 && parser_.status() < 200 && parser_.status() != 101);
          record_head('I', input, r);
          consume(r.consumed);
          head_bytes_ = buffer_.size();
          break;
        case httpc::parse_event::head:
          FUZZ_CHECK(parser_.head_done());
          record_head('H', input, r);
          consume(r.consumed);
          break;
        case httpc::parse_event::body: {
          FUZZ_CHECK(parser_.head_done() && !parser_.done());
          FUZZ_CHECK(body_allowed_);
          const std::string_view body = parser_.body();
          FUZZ_CHECK(!body.empty());
          FUZZ_CHECK(within(body, input));
          // The body bytes end where the consumed bytes end.
          FUZZ_CHECK(body.data() + body.size() == input.data() + r.consumed);
          body_.append(body);
          FUZZ_CHECK(parser_.body_received() == body_.size());
          consume(r.consumed);
          break;
        }
        case httpc::parse_event::done:
          record_done();
          consume(r.consumed);
          if (++responses_ >= max_responses) return false;
          next_response();
          break;
      }
    }
  }

  void consume(std::size_t n) {
    FUZZ_CHECK(n <= buffer_.size());
    buffer_.erase(0, n);
    consumed_ += n;
  }

  void next_response() {
    parser_.reset(setup_.method);
    FUZZ_CHECK(!parser_.head_done() && !parser_.done());
    FUZZ_CHECK(parser_.body_received() == 0 && parser_.trailers().empty());
    body_.clear();
    body_allowed_ = false;
    response_bytes_ = buffer_.size();
    head_bytes_ = buffer_.size();
  }

  void end_of_stream() {
    const bool in_head = !parser_.head_done();
    std::error_code ec;
    const httpc::parse_result r = parser_.finish(ec);
    FUZZ_CHECK(r.consumed == 0);
    if (!(ec && in_head && lax_head_errors)) out_ += "F";
    if (ec) {
      FUZZ_CHECK(r.event == httpc::parse_event::need_more);
      // remote_disconnected exactly when no byte of a head arrived.
      if (in_head)
        FUZZ_CHECK((ec == httpc::error::remote_disconnected) == (head_bytes_ == 0));
      else
        FUZZ_CHECK(ec == httpc::error::incomplete_body);
      record_error(ec);
      return;
    }
    FUZZ_CHECK(r.event == httpc::parse_event::done);
    FUZZ_CHECK(parser_.done());
    record_done();
  }

  void record_error(const std::error_code& ec) {
    FUZZ_CHECK(ec.category() == httpc::error_category());
    FUZZ_CHECK(ec.value() >= static_cast<int>(httpc::error::remote_disconnected) &&
               ec.value() <= static_cast<int>(httpc::error::incomplete_body));
    failed_ = true;
    out_ += "E";
    int code = ec.value();
    if (lax_head_errors && code > static_cast<int>(httpc::error::remote_disconnected) &&
        code <= static_cast<int>(httpc::error::incomplete_head))
      code = static_cast<int>(httpc::error::bad_status_line);
    put(out_, static_cast<std::uint64_t>(code));
    // Body bytes handed out before the error.
    put(out_, body_);
  }

  void record_fields(const httpc::field_view& fields) {
    put(out_, fields.size());
    for (const httpc::header_field field : fields) {
      put(out_, field.name);
      put(out_, field.value);
    }
  }

  void record_head(char kind, std::string_view input, const httpc::parse_result& r) {
    const std::string_view head = input.substr(0, r.consumed);
    FUZZ_CHECK(r.consumed == parser_.head_size());
    const int status = parser_.status();
    const int version = parser_.version();
    FUZZ_CHECK(status >= 100 && status <= 999);
    FUZZ_CHECK(version == 9 || version == 10 || version == 11);

    const std::string_view reason = parser_.reason();
    FUZZ_CHECK(within(reason, head));
    FUZZ_CHECK(reason.find_first_of("\r\n") == std::string_view::npos);
    FUZZ_CHECK(reason.empty() || (reason.front() != ' ' && reason.back() != ' '));

    const httpc::field_view fields = parser_.fields();
    FUZZ_CHECK(fields.size() <= setup_.options.max_fields);
    std::size_t index = 0;
    for (const httpc::header_field field : fields) {
      FUZZ_CHECK(index < fields.size());
      ++index;
      FUZZ_CHECK(within(field.name, head));
      FUZZ_CHECK(valid_name(field.name));
      FUZZ_CHECK(valid_value(field.value));
      // A value is a view into the head, or, when it was folded, into the
      // parser's own storage, never partly into the caller's bytes.
      if (!within(field.value, head)) {
        FUZZ_CHECK(!overlaps(field.value, input) || field.value.empty());
        FUZZ_CHECK(has_fold(head));
      }
      const auto first = fields.find(field.name);
      FUZZ_CHECK(first.has_value());
      FUZZ_CHECK(fields.count(field.name) >= 1);
    }
    FUZZ_CHECK(index == fields.size());

    if (r.consumed == 0) {  // an HTTP/0.9 simple response
      FUZZ_CHECK(kind == 'H');
      FUZZ_CHECK(!setup_.options.strict);
      FUZZ_CHECK(version == 9 && status == 200 && reason.empty() && fields.empty());
      FUZZ_CHECK(parser_.framing() == httpc::body_framing::until_close);
      FUZZ_CHECK(!input.empty());
    }

    out_ += kind;
    put(out_, static_cast<std::uint64_t>(status));
    put(out_, static_cast<std::uint64_t>(version));
    put(out_, r.consumed);
    put(out_, reason);
    record_fields(fields);

    if (kind == 'H') {
      const httpc::body_framing framing = parser_.framing();
      // (An HTTP/0.9 simple response runs until close even for HEAD, as in
      // Python 2's httplib.)
      const bool no_body = setup_.method == "HEAD" || status < 200 || status == 204 || status == 304;
      if (no_body && r.consumed != 0) FUZZ_CHECK(framing == httpc::body_framing::none);
      if (framing == httpc::body_framing::until_close || version == 9)
        FUZZ_CHECK(!parser_.keep_alive());
      FUZZ_CHECK(parser_.content_length().has_value() ==
                 (framing == httpc::body_framing::content_length));
      FUZZ_CHECK(parser_.body_received() == 0);
      body_allowed_ = framing != httpc::body_framing::none;
      out_ += "f";
      put(out_, static_cast<std::uint64_t>(framing));
      put(out_, parser_.content_length().value_or(UINT64_MAX));
      put(out_, parser_.keep_alive() ? 1u : 0u);
    }

    // The caller moves the head bytes: rebase() finds them at the new place.
    const std::string moved(head);
    std::vector<std::string> before;
    for (const httpc::header_field field : fields) {
      before.emplace_back(field.name);
      before.emplace_back(field.value);
    }
    const std::string reason_before(reason);
    parser_.rebase(moved.data());
    FUZZ_CHECK(parser_.reason() == reason_before);
    FUZZ_CHECK(within(parser_.reason(), moved));
    std::size_t i = 0;
    for (const httpc::header_field field : parser_.fields()) {
      FUZZ_CHECK(field.name == before[i] && field.value == before[i + 1]);
      FUZZ_CHECK(within(field.name, moved));
      i += 2;
    }
    FUZZ_CHECK(i == before.size());
  }

  void record_done() {
    FUZZ_CHECK(parser_.done() && parser_.head_done());
    FUZZ_CHECK(parser_.body_received() == body_.size());
    if (const auto length = parser_.content_length()) FUZZ_CHECK(*length == body_.size());
    if (parser_.framing() == httpc::body_framing::none) FUZZ_CHECK(body_.empty());
    const httpc::field_view trailers = parser_.trailers();
    if (parser_.framing() != httpc::body_framing::chunked) FUZZ_CHECK(trailers.empty());
    FUZZ_CHECK(trailers.size() <= setup_.options.max_fields);
    for (const httpc::header_field field : trailers) {
      FUZZ_CHECK(valid_name(field.name));
      FUZZ_CHECK(valid_value(field.value));
      // Copied: never a view into the caller's buffer.
      FUZZ_CHECK(!overlaps(field.name, buffer_));
    }
    FUZZ_CHECK(parser_.direct_body_limit() == 0);
    out_ += "D";
    put(out_, body_);
    record_fields(trailers);
  }

  const setup& setup_;
  std::string_view stream_;
  style style_;
  bool exact_copies_;
  httpc::response_parser parser_;
  std::string buffer_;        // bytes not consumed yet
  std::string body_;          // of the current response
  std::string out_;           // the transcript
  bool body_allowed_ = false;
  bool failed_ = false;
  std::size_t responses_ = 0;
  std::size_t consumed_ = 0;        // stream bytes consumed, all responses
  std::size_t response_bytes_ = 0;  // bytes the current response was given
  std::size_t head_bytes_ = 0;      // bytes given since the current head began
};

std::string transcript(const setup& s, std::string_view stream, const std::vector<std::size_t>& cuts,
                       style how = style::events, bool exact_copies = true) {
  return runner(s, stream, how, exact_copies).run(cuts);
}

std::string printable(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && u != '\\') {
      out += c;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", u);
      out += escaped;
    }
  }
  return out;
}

void expect_same(const std::string& expected, const std::string& actual, const char* how) {
  if (expected == actual) return;
  std::fprintf(stderr, "parser_fuzz: transcripts differ (whole input vs %s)\n", how);
  std::fprintf(stderr, "--- whole:\n%s\n--- %s:\n%s\n", printable(expected).c_str(), how,
               printable(actual).c_str());
  httpc::fuzz::violation(__FILE__, __LINE__, "the same stream, fed differently, gave a different transcript");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* lax = std::getenv("HTTPC_PARSER_FUZZ_LAX_HEAD_ERRORS");
  lax_head_errors = lax != nullptr && std::string_view(lax) == "1";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const setup s = decode(data, size);
  const std::string_view stream(reinterpret_cast<const char*>(data), size);

  std::vector<std::size_t> whole;
  if (!stream.empty()) whole.push_back(stream.size());
  const std::string expected = transcript(s, stream, whole);

  const auto cuts = make_cuts(stream, s.split_mode, s.seed);
  expect_same(expected, transcript(s, stream, cuts), "split");
  expect_same(expected, transcript(s, stream, cuts, style::direct), "split, direct body reads");
  if (stream.size() <= max_bytewise_size)
    expect_same(expected, transcript(s, stream, bytewise_cuts(stream.size()), style::events, false),
                "one byte at a time");

  // The other head scanner must agree with the default one.
  const std::string_view scanner = httpc::detail::head_scanner();
  if (scanner != "scalar" && httpc::detail::use_head_scanner("scalar")) {
    const std::string scalar = transcript(s, stream, whole);
    httpc::detail::use_head_scanner(scanner);
    expect_same(expected, scalar, "whole input, scalar head scanner");
  }
  return 0;
}
