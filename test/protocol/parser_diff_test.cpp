// Differential test: httpc::response_parser against nodejs http-parser 2.9.4
// (Debian's libhttp-parser-dev), on the seed corpus of the fuzzer
// (test/data/corpus) and on a generated corpus of a few thousand responses.
//
// Both parsers read each input whole, as a response to GET (or HEAD, for some
// generated ones), and the peer closes after the last byte. Compared: the
// interim (1xx) heads, the final head (status, version, reason, fields), the
// body bytes, how the body ended (by its framing, or at the close), whether
// the connection may be kept alive, the trailer fields, and whether the input
// was refused at all. Which error each parser reports is not compared.
//
// Where RFC 9112 or docs/reference.md make httpc differ from http-parser on purpose, the
// difference is listed in `known_differences` below, with the input feature
// that triggers it (found by a loose scan of the raw bytes, independent of
// either parser) and the parts of the result it may change. An input that
// differs in a part that no listed difference present in it explains fails
// the test. HTTPC_PARSER_DIFF_VERBOSE=1 in the environment shows each
// explained difference as well.

#include <http_parser.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "httpc/parser.hpp"

#ifndef HTTPC_CORPUS_DIR
#error "HTTPC_CORPUS_DIR must name test/data/corpus (set by test/CMakeLists.txt)"
#endif

namespace {

using field_list = std::vector<std::pair<std::string, std::string>>;

// ---------------------------------------------------------------------------
// What a parser made of one input.

struct head_record {
  int status = 0;
  int version = 0;  // 10 for HTTP/1.0, 11 for HTTP/1.1, major * 10 + minor otherwise
  std::string reason;
  field_list fields;
  bool has_body = false;  // an interim head that was given body bytes
};

enum class ending { framed, at_close, none };

struct result {
  bool refused = false;  // an error, or the close came before the response ended
  std::string error;
  std::vector<head_record> interims;
  head_record head;
  std::string body;
  ending end = ending::none;
  bool keep_alive = false;
  field_list trailers;
};

std::string rtrim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// --- httpc ---

head_record head_of(const httpc::response_parser& parser) {
  head_record head;
  head.status = parser.status();
  head.version = parser.version();
  head.reason = std::string(parser.reason());
  for (const httpc::header_field field : parser.fields())
    head.fields.emplace_back(std::string(field.name), std::string(field.value));
  return head;
}

result run_httpc(std::string_view bytes, std::string_view method) {
  result out;
  httpc::response_parser parser;  // default options: not strict, CPython's limits
  parser.reset(method);
  std::string_view rest = bytes;
  for (;;) {
    std::error_code ec;
    const httpc::parse_result r = parser.parse(rest, ec);
    if (ec) {
      out.refused = true;
      out.error = ec.message();
      return out;
    }
    switch (r.event) {
      case httpc::parse_event::need_more: {
        // Everything was given: the peer closes.
        const httpc::parse_result f = parser.finish(ec);
        if (ec || f.event != httpc::parse_event::done) {
          out.refused = true;
          out.error = ec ? ec.message() : "no end";
          return out;
        }
        out.end = ending::at_close;
        return out;
      }
      case httpc::parse_event::interim:
        out.interims.push_back(head_of(parser));
        break;
      case httpc::parse_event::head:
        out.head = head_of(parser);
        out.keep_alive = parser.keep_alive();
        break;
      case httpc::parse_event::body:
        out.body += parser.body();
        break;
      case httpc::parse_event::done:
        out.end = ending::framed;
        for (const httpc::header_field field : parser.trailers())
          out.trailers.emplace_back(std::string(field.name), std::string(field.value));
        return out;
    }
    rest.remove_prefix(r.consumed);
  }
}

// --- http-parser ---

struct http_parser_run {
  result out;
  bool head_request = false;
  bool at_close = false;     // executing the end of input
  bool final_head = false;   // the current message is the final response
  bool final_done = false;
  head_record current;
  std::string field;
  std::string value;
  bool in_value = false;

  void flush_field() {
    if (!in_value && field.empty()) return;
    auto& target = final_head ? out.trailers : current.fields;
    target.emplace_back(field, rtrim(value));
    field.clear();
    value.clear();
    in_value = false;
  }
};

http_parser_run& run_of(http_parser* parser) { return *static_cast<http_parser_run*>(parser->data); }

int version_of(const http_parser* parser) {
  return parser->http_major * 10 + parser->http_minor;
}

const http_parser_settings& settings() {
  static const http_parser_settings s = [] {
    http_parser_settings x;
    http_parser_settings_init(&x);
    x.on_message_begin = [](http_parser* p) {
      auto& run = run_of(p);
      run.current = {};
      run.final_head = false;
      return 0;
    };
    x.on_status = [](http_parser* p, const char* at, std::size_t n) {
      run_of(p).current.reason.append(at, n);
      return 0;
    };
    x.on_header_field = [](http_parser* p, const char* at, std::size_t n) {
      auto& run = run_of(p);
      if (run.in_value) run.flush_field();
      run.field.append(at, n);
      return 0;
    };
    x.on_header_value = [](http_parser* p, const char* at, std::size_t n) {
      auto& run = run_of(p);
      run.value.append(at, n);
      run.in_value = true;
      return 0;
    };
    x.on_headers_complete = [](http_parser* p) {
      auto& run = run_of(p);
      run.flush_field();
      run.current.status = static_cast<int>(p->status_code);
      run.current.version = version_of(p);
      run.current.reason = rtrim(run.current.reason);
      const int status = run.current.status;
      if (status >= 100 && status < 200 && status != 101) {
        run.out.interims.push_back(run.current);
      } else {
        run.final_head = true;
        run.out.head = run.current;
      }
      return run.head_request ? 1 : 0;  // 1: a response to HEAD, no body
    };
    x.on_body = [](http_parser* p, const char* at, std::size_t n) {
      auto& run = run_of(p);
      if (run.final_head) run.out.body.append(at, n);
      else if (!run.out.interims.empty()) run.out.interims.back().has_body = true;
      return 0;
    };
    x.on_message_complete = [](http_parser* p) {
      auto& run = run_of(p);
      if (!run.final_head) return 0;  // an interim response; the next one follows
      run.flush_field();                // the last trailer
      run.final_done = true;
      run.out.end = run.at_close ? ending::at_close : ending::framed;
      // Asked here, not in on_headers_complete: a HEAD response's "no body"
      // (the 1 returned there) is in the flags only afterwards.
      run.out.keep_alive = http_should_keep_alive(p) != 0;
      http_parser_pause(p, 1);  // what follows the final response is not ours
      return 0;
    };
    return x;
  }();
  return s;
}

result run_http_parser(std::string_view bytes, std::string_view method) {
  http_parser_run run;
  run.head_request = method == "HEAD";
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &run;
  http_parser_execute(&parser, &settings(), bytes.data(), bytes.size());
  auto error = HTTP_PARSER_ERRNO(&parser);
  if (error == HPE_OK && !run.final_done && !parser.upgrade) {
    run.at_close = true;  // the peer closes
    http_parser_execute(&parser, &settings(), nullptr, 0);
    error = HTTP_PARSER_ERRNO(&parser);
  }
  if (!run.final_done) {
    run.out.refused = true;
    run.out.error = error == HPE_OK ? "no end" : http_errno_name(error);
  }
  return std::move(run.out);
}

// ---------------------------------------------------------------------------
// Comparison: the parts of a result that differ.

enum aspect : unsigned {
  refusal = 1u << 0,     // one parser refused the input, the other did not
  interims = 1u << 1,    // the 1xx heads
  status_line = 1u << 2, // status, version, reason
  fields = 1u << 3,
  body = 1u << 4,
  ending_kind = 1u << 5, // framed or at the close
  keep_alive = 1u << 6,
  trailers = 1u << 7,
  every_aspect = 0xff,
};

constexpr std::array<std::string_view, 8> aspect_names = {
    "refusal", "interims", "status line", "fields", "body", "ending", "keep-alive", "trailers"};

bool same_head_line(const head_record& a, const head_record& b) {
  return a.status == b.status && a.version == b.version && a.reason == b.reason;
}

bool same_head(const head_record& a, const head_record& b) {
  return same_head_line(a, b) && a.fields == b.fields && a.has_body == b.has_body;
}

unsigned differences(const result& ours, const result& theirs) {
  if (ours.refused || theirs.refused) return ours.refused == theirs.refused ? 0u : unsigned{refusal};
  unsigned d = 0;
  if (!std::equal(ours.interims.begin(), ours.interims.end(), theirs.interims.begin(),
                  theirs.interims.end(), same_head))
    d |= interims;
  if (!same_head_line(ours.head, theirs.head)) d |= status_line;
  if (ours.head.fields != theirs.head.fields) d |= fields;
  if (ours.body != theirs.body) d |= body;
  if (ours.end != theirs.end) d |= ending_kind;
  if (ours.keep_alive != theirs.keep_alive) d |= keep_alive;
  if (ours.trailers != theirs.trailers) d |= trailers;
  return d;
}

// ---------------------------------------------------------------------------
// Input features: a loose scan of the raw bytes, independent of both parsers.

struct features {
  bool simple_response = false;       // no HTTP/ status line, or HTTP/0.9
  bool status_line_syntax = false;    // other than "HTTP/1.x SP 3DIGIT [SP reason]"
  bool obs_fold = false;
  bool bare_lf = false;               // in a head, a chunk line or the trailers
  bool space_before_colon = false;
  bool cl_and_te = false;
  bool cl_repeated = false;           // several Content-Length fields, or a list
  bool te_not_chunked = false;        // a transfer coding other than chunked
  bool no_body_framing = false;       // 1xx, 204, 304 or HEAD with Content-Length or T-E
  bool http10_keep_alive = false;     // HTTP/1.0 with Keep-Alive or Proxy-Connection
  bool http10_chunked = false;
  bool close_and_keep_alive = false;  // Connection: close and keep-alive together
  bool switching_protocols = false;   // a 101 final response
  bool chunk_framing = false;         // a chunk line or chunk end httpc refuses
};

bool iequal(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> tokens(std::string_view list) {
  std::vector<std::string_view> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto token = trim(list.substr(0, comma));
    if (!token.empty()) out.push_back(token);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

class line_reader {
 public:
  explicit line_reader(std::string_view bytes) : bytes_(bytes) {}
  // The next line without its ending; false when no LF is left.
  bool next(std::string_view& line, features& f) {
    const auto lf = bytes_.find('\n', pos_);
    if (lf == std::string_view::npos) return false;
    std::size_t end = lf;
    if (end > pos_ && bytes_[end - 1] == '\r') --end;
    else f.bare_lf = true;
    line = bytes_.substr(pos_, end - pos_);
    pos_ = lf + 1;
    return true;
  }
  std::size_t pos() const { return pos_; }
  void skip(std::size_t n) { pos_ = std::min(bytes_.size(), pos_ + n); }
  std::string_view rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

void scan_chunks(line_reader& in, features& f) {
  std::string_view line;
  while (in.next(line, f)) {
    std::size_t i = 0;
    std::uint64_t size = 0;
    while (i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i]))) {
      if (i >= 16) {
        f.chunk_framing = true;
        return;
      }
      const char c = line[i++];
      size = size * 16 + static_cast<std::uint64_t>(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    std::size_t j = i;
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
    if (i == 0 || (j < line.size() && line[j] != ';')) {
      f.chunk_framing = true;
      return;
    }
    if (size == 0) {  // the trailer section
      while (in.next(line, f) && !line.empty()) {
      }
      return;
    }
    in.skip(static_cast<std::size_t>(std::min<std::uint64_t>(size, in.rest().size())));
    const std::string_view after = in.rest();
    if (after.substr(0, 2) == "\r\n") {
      in.skip(2);
    } else if (after.substr(0, 1) == "\n") {
      f.bare_lf = true;
      in.skip(1);
    } else {
      if (!after.empty() && after != "\r") f.chunk_framing = true;
      return;
    }
  }
}

features scan(std::string_view bytes, std::string_view method) {
  features f;
  line_reader in(bytes);
  for (int message = 0; message < 8; ++message) {
    std::string_view line;
    const std::size_t start = in.pos();
    const bool complete_line = in.next(line, f);
    if (!complete_line) line = bytes.substr(start);
    // The status line, split as CPython splits it.
    std::vector<std::string_view> parts;
    for (std::size_t i = 0; i < line.size();) {
      while (i < line.size() && std::string_view(" \t\v\f\r").find(line[i]) != std::string_view::npos) ++i;
      const std::size_t s = i;
      while (i < line.size() && std::string_view(" \t\v\f\r").find(line[i]) == std::string_view::npos) ++i;
      if (i > s) parts.push_back(line.substr(s, i - s));
    }
    if (parts.size() < 2 || parts[0].substr(0, 5) != "HTTP/" || parts[0] == "HTTP/0.9") {
      f.simple_response = true;
      return f;
    }
    if (!complete_line) return f;
    const bool exact = line.size() >= 12 && (line.substr(0, 9) == "HTTP/1.1 " || line.substr(0, 9) == "HTTP/1.0 ") &&
                       is_digit(line[9]) && is_digit(line[10]) && is_digit(line[11]) &&
                       (line.size() == 12 || (line[12] == ' ' && (line.size() == 13 || line[13] != ' ')));
    if (!exact) f.status_line_syntax = true;
    const bool http10 = parts[0] == "HTTP/1.0";
    int status = 0;
    for (const char c : parts[1].substr(0, 3)) status = status * 10 + (is_digit(c) ? c - '0' : 0);

    int lengths = 0;
    bool length_list = false;
    bool coding = false;
    bool chunked_last = false;
    bool other_coding = false;
    bool close = false;
    bool keep = false;
    bool keep_alive_field = false;
    bool ended = false;
    while (in.next(line, f)) {
      if (line.empty()) {
        ended = true;
        break;
      }
      if (line.front() == ' ' || line.front() == '\t') {
        f.obs_fold = true;
        continue;
      }
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view name = line.substr(0, colon);
      if (!name.empty() && (name.back() == ' ' || name.back() == '\t')) f.space_before_colon = true;
      const std::string_view field_name = trim(name);
      const std::string_view value = trim(line.substr(colon + 1));
      if (iequal(field_name, "content-length")) {
        ++lengths;
        if (value.find(',') != std::string_view::npos) length_list = true;
      } else if (iequal(field_name, "transfer-encoding")) {
        coding = true;
        for (const auto t : tokens(value)) {
          chunked_last = iequal(t, "chunked");
          if (!chunked_last) other_coding = true;
        }
      } else if (iequal(field_name, "connection")) {
        for (const auto t : tokens(value)) {
          if (iequal(t, "close")) close = true;
          if (iequal(t, "keep-alive")) keep = true;
        }
      } else if (iequal(field_name, "keep-alive") || iequal(field_name, "proxy-connection")) {
        keep_alive_field = true;
      }
    }
    const bool no_body = method == "HEAD" || status < 200 || status == 204 || status == 304;
    if (no_body && (lengths != 0 || coding)) f.no_body_framing = true;
    if (close && keep) f.close_and_keep_alive = true;
    if (status >= 100 && status < 200 && status != 101) {
      if (!ended) return f;
      continue;  // an interim response; the next head follows
    }
    if (status == 101) f.switching_protocols = true;
    if (lengths != 0 && coding) f.cl_and_te = true;
    if (lengths > 1 || length_list) f.cl_repeated = true;
    if (coding && (other_coding || !chunked_last)) f.te_not_chunked = true;
    if (http10 && keep_alive_field) f.http10_keep_alive = true;
    if (http10 && coding) f.http10_chunked = true;
    if (ended && !no_body && coding && chunked_last) scan_chunks(in, f);
    return f;
  }
  return f;
}

// ---------------------------------------------------------------------------
// The deliberate differences.

struct known_difference {
  std::string_view name;
  std::string_view reason;
  unsigned aspects;          // what it may change
  bool features::*present;   // the input feature that triggers it
};

constexpr known_difference known_differences[] = {
    {"http09",
     "No HTTP/ status line (or an HTTP/0.9 one): an HTTP/0.9 simple response (docs/reference.md: Status line) "
     "(the bytes are the body, until the close); http-parser refuses the input",
     every_aspect, &features::simple_response},
    {"status_line_syntax",
     "The status line is split on whitespace as CPython does (docs/reference.md: Status line; several spaces or tabs "
     "are fine, any HTTP/1.x is 1.1, HTTP/2.0 is UnknownProtocol); http-parser wants one "
     "SP and takes any digit.digit version",
     every_aspect, &features::status_line_syntax},
    {"obs_fold",
     "RFC 9112 §5.2 / docs/reference.md, Field values: an obs-fold and the whitespace around it become one space; "
     "http-parser hands over the continuation lines as they are",
     fields | trailers, &features::obs_fold},
    {"bare_lf",
     "A bare LF ends a line everywhere for us, as in CPython; http-parser 2.9.4 accepts it "
     "in a head but not after a chunk-size line",
     every_aspect, &features::bare_lf},
    {"space_before_colon",
     "RFC 9112 §5.1: whitespace between a field name and its colon must be rejected; "
     "http-parser keeps it as part of the name",
     every_aspect, &features::space_before_colon},
    {"content_length_and_chunked",
     "RFC 9112 §6.1 / docs/reference.md, Framing errors: with Transfer-Encoding: chunked and Content-Length, chunked "
     "wins and the connection closes after the response; http-parser 2.9.4 refuses the "
     "response (HPE_UNEXPECTED_CONTENT_LENGTH)",
     every_aspect, &features::cl_and_te},
    {"content_length_repeated",
     "RFC 9110 §8.6 / docs/reference.md, Framing errors: identical Content-Length values, repeated or as a list, are one "
     "value; http-parser refuses any second Content-Length and any list",
     every_aspect, &features::cl_repeated},
    {"transfer_coding_not_chunked",
     "A transfer coding other than a final chunked: we refuse it (UnknownTransferEncoding, as "
     "CPython; we never ask for codings); http-parser reads the body until the close",
     every_aspect, &features::te_not_chunked},
    {"no_body_status_with_framing",
     "RFC 9112 §6.3 rule 1 / docs/reference.md, Framing errors: responses to HEAD and 1xx, 204, 304 responses have no "
     "body whatever their framing fields say; http-parser 2.9.4 reads a body for 1xx/204/304 "
     "with Content-Length or Transfer-Encoding",
     every_aspect, &features::no_body_framing},
    {"http10_keep_alive_field",
     "HTTP/1.0 persistence as CPython's _check_close: a Keep-Alive field or Proxy-Connection: "
     "keep-alive keeps the connection; http-parser only honours Connection: keep-alive",
     keep_alive, &features::http10_keep_alive},
    {"http10_chunked",
     "RFC 9112 §6.1: a chunked HTTP/1.0 response has suspect framing, so we close the "
     "connection after it; http-parser keeps it alive when asked",
     keep_alive, &features::http10_chunked},
    {"close_and_keep_alive",
     "Connection: close wins over keep-alive in the same response (RFC 9112 §9.6); "
     "http-parser 2.9.4 keeps an HTTP/1.0 connection alive",
     keep_alive, &features::close_and_keep_alive},
    {"switching_protocols",
     "docs/reference.md, Interim responses: 101 is the final response and the connection leaves HTTP/1.1, so it is not "
     "kept alive for another request; http-parser reports it as a kept-alive 1xx or upgrade",
     keep_alive | refusal | ending_kind, &features::switching_protocols},
    {"chunk_framing",
     "A chunk-size line with bytes other than BWS and extensions, or chunk data not followed "
     "by CRLF: we refuse it (bad_chunk); http-parser 2.9.4 does not check those bytes",
     every_aspect, &features::chunk_framing},
};

// ---------------------------------------------------------------------------
// Running a corpus.

std::string printable(std::string_view bytes, std::size_t most = 600) {
  std::string out;
  for (const char c : bytes.substr(0, most)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (u >= 0x20 && u < 0x7f && c != '\\') out += c;
    else {
      constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  if (bytes.size() > most) out += "...";
  return out;
}

std::string describe(const result& r) {
  std::ostringstream s;
  if (r.refused) {
    s << "refused (" << r.error << ")";
    return s.str();
  }
  for (const auto& h : r.interims) s << "[" << h.status << (h.has_body ? " with body" : "") << "] ";
  s << r.head.status << " v" << r.head.version << " '" << printable(r.head.reason) << "' fields{";
  for (const auto& [n, v] : r.head.fields) s << printable(n) << "=" << printable(v) << ";";
  s << "} body " << r.body.size() << "B ending "
    << (r.end == ending::framed ? "framed" : r.end == ending::at_close ? "at close" : "none")
    << " keep-alive " << r.keep_alive << " trailers{";
  for (const auto& [n, v] : r.trailers) s << printable(n) << "=" << printable(v) << ";";
  s << "}";
  return s.str();
}

std::string aspect_list(unsigned d) {
  std::string out;
  for (std::size_t i = 0; i < aspect_names.size(); ++i)
    if ((d & (1u << i)) != 0) out += (out.empty() ? "" : ", ") + std::string(aspect_names[i]);
  return out;
}

struct tally {
  std::size_t cases = 0;
  std::size_t same = 0;
  std::array<std::size_t, std::size(known_differences)> by_reason{};

  std::string summary() const {
    std::ostringstream s;
    s << cases << " cases, " << same << " identical, " << cases - same << " differ";
    for (std::size_t i = 0; i < by_reason.size(); ++i)
      if (by_reason[i] != 0) s << "\n  " << known_differences[i].name << ": " << by_reason[i];
    return s.str();
  }
};

// HTTPC_PARSER_DIFF_VERBOSE=1 shows every explained difference too.
bool verbose() {
  static const bool on = [] {
    const char* v = std::getenv("HTTPC_PARSER_DIFF_VERBOSE");
    return v != nullptr && std::string_view(v) == "1";
  }();
  return on;
}

// Runs both parsers on one input; fails the test for an unexplained difference.
void check(std::string_view name, std::string_view bytes, std::string_view method, tally& t) {
  ++t.cases;
  const result ours = run_httpc(bytes, method);
  const result theirs = run_http_parser(bytes, method);
  const unsigned d = differences(ours, theirs);
  if (d == 0) {
    ++t.same;
    return;
  }
  const features f = scan(bytes, method);
  unsigned explained = 0;
  std::size_t first = std::size(known_differences);
  for (std::size_t i = 0; i < std::size(known_differences); ++i) {
    const auto& k = known_differences[i];
    if (!(f.*k.present)) continue;
    explained |= k.aspects;
    if (first == std::size(known_differences) && (k.aspects & d) != 0) first = i;
  }
  const unsigned unexplained = d & ~explained;
  if (unexplained != 0 || first == std::size(known_differences)) {
    FAIL_CHECK("unexplained difference in " << name << " (" << method << ")\n  differs in: "
               << aspect_list(d) << "\n  unexplained: " << aspect_list(unexplained)
               << "\n  input: " << printable(bytes) << "\n  httpc:       " << describe(ours)
               << "\n  http-parser: " << describe(theirs));
    return;
  }
  ++t.by_reason[first];
  if (verbose())
    MESSAGE(name << " (" << method << "): " << known_differences[first].name << ", differs in "
            << aspect_list(d) << "\n  input: " << printable(bytes, 300) << "\n  httpc:       "
            << describe(ours) << "\n  http-parser: " << describe(theirs));
}

std::vector<std::pair<std::string, std::string>> seed_corpus() {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry : std::filesystem::directory_iterator(HTTPC_CORPUS_DIR)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    files.emplace_back(entry.path().filename().string(), std::move(bytes));
  }
  std::sort(files.begin(), files.end());
  return files;
}

// ---------------------------------------------------------------------------
// The generated corpus.

// splitmix64: a fixed seed gives the same corpus everywhere (std::
// distributions are not portable between standard libraries).
class prng {
 public:
  explicit prng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + below(hi - lo + 1); }
  bool percent(unsigned p) { return below(100) < p; }
  template <class T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

 private:
  std::uint64_t state_;
};

constexpr std::string_view tchars =
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

bool special_name(std::string_view name) {
  for (const std::string_view s : {"content-length", "transfer-encoding", "connection", "keep-alive",
                                   "proxy-connection", "upgrade", "trailer"})
    if (iequal(name, s)) return true;
  return false;
}

std::string token(prng& r, std::size_t lo, std::size_t hi) {
  std::string out;
  const std::size_t n = r.between(lo, hi);
  for (std::size_t i = 0; i < n; ++i) out += tchars[r.below(tchars.size())];
  return out;
}

std::string field_name(prng& r) {
  for (;;) {
    std::string name = token(r, 1, 16);
    if (!special_name(name)) return name;
  }
}

// VCHAR, SP, HTAB and some obs-text; whitespace at either end is allowed
// (both parsers skip it in front; trailing whitespace is trimmed to compare).
std::string field_value(prng& r) {
  std::string out;
  const std::size_t n = r.between(0, 40);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = r.below(100);
    if (k < 8) out += ' ';
    else if (k < 10) out += '\t';
    else if (k < 14) out += static_cast<char>(0x80 + r.below(0x80));
    else out += static_cast<char>(0x21 + r.below(0x7f - 0x21));
  }
  return out;
}

// A lowercase name as lowercase, UPPERCASE, Title-Case or rAnDoM case.
std::string random_case(prng& r, std::string_view lower) {
  std::string out(lower);
  const std::size_t style = r.below(4);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const bool word_start = i == 0 || out[i - 1] == '-';
    const bool upper = style == 1 || (style == 2 && word_start) || (style == 3 && r.percent(50));
    if (upper && out[i] >= 'a' && out[i] <= 'z') out[i] = static_cast<char>(out[i] - 32);
  }
  return out;
}

std::string reason_phrase(prng& r) {
  static constexpr std::string_view words[] = {"OK", "Not", "Found", "Created", "Moved", "Permanently",
                                               "Server", "Error", "Gone", "I'm", "a", "teapot",
                                               "(custom)", "x-y_z", "\xc3\xa9t\xc3\xa9"};
  std::string out;
  const std::size_t n = r.below(4);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out += ' ';
    out += words[r.below(std::size(words))];
  }
  return out;
}

std::string random_bytes(prng& r, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(r.below(256));
  return out;
}

std::string hex(std::size_t n, bool upper, std::size_t zeros) {
  // Not a choice between two local arrays: g++ 12 with -fsanitize=address,
  // undefined indexes the wrong one.
  const std::string_view digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[n % 16]);
    n /= 16;
  } while (n != 0);
  return std::string(zeros, '0') + out;
}

struct generated {
  std::string bytes;
  std::string method;
};

// Where one expression would make two draws, they are separate statements,
// in the order g++ has always made them: the order in which a call's
// arguments (or an overloaded operator's operands) are evaluated is
// unspecified, and clang's differs, which would make another corpus.
generated generate(prng& r) {
  generated g;
  g.method = r.percent(5) ? "HEAD" : "GET";
  const bool bare_lf = r.percent(3);
  const std::string eol = bare_lf ? "\n" : "\r\n";
  std::string& out = g.bytes;
  const std::string version = r.percent(30) ? "HTTP/1.0" : "HTTP/1.1";

  auto status_line = [&](int status, const std::string& reason) {
    out += version + " " + std::to_string(status);
    if (!reason.empty() || r.percent(50)) out += " " + reason;
    out += eol;
  };
  auto random_fields = [&](std::vector<std::string>& lines, std::size_t most) {
    const std::size_t n = r.between(0, most);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string value = field_value(r);
      lines.push_back(field_name(r) + ":" + value);
    }
  };
  auto shuffle_in = [&](std::vector<std::string>& lines, std::string line) {
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(r.below(lines.size() + 1)), std::move(line));
  };
  auto emit_fields = [&](const std::vector<std::string>& lines) {
    for (const auto& line : lines) out += line + eol;
    out += eol;
  };

  // Interim responses.
  if (r.percent(8)) {
    const std::size_t n = r.between(1, 2);
    for (std::size_t i = 0; i < n; ++i) {
      static constexpr int codes[] = {100, 102, 103, 199};
      const std::string reason = r.percent(50) ? "Continue" : reason_phrase(r);
      status_line(r.pick(codes), reason);
      std::vector<std::string> lines;
      random_fields(lines, 2);
      if (r.percent(3)) shuffle_in(lines, "Content-Length: " + std::to_string(r.between(1, 9)));
      emit_fields(lines);
    }
  }

  // The final response.
  static constexpr int common[] = {200, 200, 200, 201, 204, 206, 301, 302, 304, 400, 403, 404, 500, 503};
  int status = r.percent(75) ? r.pick(common) : static_cast<int>(r.between(200, 999));
  if (r.percent(1)) status = 101;
  status_line(status, reason_phrase(r));

  std::vector<std::string> lines;
  random_fields(lines, 10);

  // Persistence fields.
  if (r.percent(25)) {
    static constexpr std::string_view values[] = {"close", "keep-alive", "Keep-Alive", "CLOSE",
                                                  "foo, close", "keep-alive, bar", "TE",
                                                  "keep-alive, close"};
    const std::string value(r.pick(values));
    shuffle_in(lines, random_case(r, "connection") + ": " + value);
  }
  if (r.percent(8)) shuffle_in(lines, random_case(r, "keep-alive") + ": timeout=5, max=100");
  if (r.percent(2)) shuffle_in(lines, "Proxy-Connection: keep-alive");

  // A folded field.
  if (r.percent(3) && !lines.empty()) {
    auto& line = lines[r.below(lines.size())];
    const std::string value = field_value(r);
    line += eol + (r.percent(50) ? " " : "\t") + value + "x";
  }

  const bool head = g.method == "HEAD";
  const bool no_body_status = status < 200 || status == 204 || status == 304;
  enum class framing { length, chunked, close, none } how;
  if (no_body_status) {
    how = framing::none;
  } else {
    const std::size_t k = r.below(100);
    how = k < 50 ? framing::length : k < 82 ? framing::chunked : framing::close;
  }
  std::string body;

  switch (how) {
    case framing::length: {
      body = random_bytes(r, r.between(0, 200));
      const std::string n = std::to_string(body.size());
      const bool space = r.percent(80);
      shuffle_in(lines, random_case(r, "content-length") + ":" + (space ? " " : "") + n);
      if (r.percent(3)) shuffle_in(lines, "Content-Length: " + n);              // repeated
      if (r.percent(2)) shuffle_in(lines, "Transfer-Encoding: chunked");        // and chunked
      break;
    }
    case framing::chunked: {
      std::string coding = "chunked";
      if (r.percent(3)) coding = r.percent(50) ? "gzip, chunked" : "chunked, gzip";
      shuffle_in(lines, random_case(r, "transfer-encoding") + ": " + coding);
      if (r.percent(3)) shuffle_in(lines, "Content-Length: " + std::to_string(r.between(0, 50)));
      break;
    }
    case framing::close:
      body = random_bytes(r, r.between(0, 200));
      if (version == "HTTP/1.1" && r.percent(70)) shuffle_in(lines, "Connection: close");
      break;
    case framing::none:
      if (r.percent(6)) shuffle_in(lines, "Content-Length: " + std::to_string(r.between(0, 20)));
      break;
  }
  // Whatever the first case chose, a chunked field makes the body chunked.
  bool chunked = false;
  for (const auto& line : lines)
    if (line.size() >= 17 && iequal(std::string_view(line).substr(0, 17), "transfer-encoding")) chunked = true;
  if (chunked && how == framing::length) {
    how = framing::chunked;
    body.clear();
  }
  emit_fields(lines);

  if (head || how == framing::none) return g;
  if (how != framing::chunked) {
    out += body;
    return g;
  }
  const std::size_t chunks = r.between(0, 5);
  for (std::size_t i = 0; i < chunks; ++i) {
    const std::string data = random_bytes(r, r.between(1, 60));
    const std::size_t zeros = r.percent(10) ? r.between(1, 3) : 0;
    out += hex(data.size(), r.percent(50), zeros);
    if (r.percent(15)) {
      const std::string name = token(r, 1, 8);
      out += (r.percent(30) ? " ;" : ";") + name;
    }
    if (r.percent(10)) out += "=" + (r.percent(50) ? token(r, 1, 8) : "\"quoted; value\"");
    out += eol + data + eol;
  }
  out += r.percent(10) ? "000" : "0";
  out += eol;
  if (r.percent(25)) {
    const std::size_t n = r.between(1, 3);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string value = field_value(r);
      out += field_name(r) + ": " + value + eol;
    }
  }
  out += eol;
  return g;
}

constexpr std::size_t generated_cases = 4000;

}  // namespace

TEST_CASE("parser_diff: the seed corpus agrees with http-parser but for listed differences") {
  tally t;
  const auto files = seed_corpus();
  REQUIRE(files.size() >= 20);
  for (const auto& [name, bytes] : files) check(name, bytes, "GET", t);
  MESSAGE("seed corpus (" HTTPC_CORPUS_DIR "): " << t.summary());
}

TEST_CASE("parser_diff: a generated corpus agrees with http-parser but for listed differences") {
  tally t;
  prng r(20261122);
  for (std::size_t i = 0; i < generated_cases; ++i) {
    const generated g = generate(r);
    check("generated #" + std::to_string(i), g.bytes, g.method, t);
  }
  MESSAGE("generated corpus: " << t.summary());
  // Most generated responses are plain ones, which must agree outright.
  CHECK(t.same * 4 > t.cases * 3);
}

TEST_CASE("parser_diff: the generator makes what it is meant to") {
  prng r(20261122);
  std::size_t chunked = 0, length = 0, interim = 0, head = 0;
  for (std::size_t i = 0; i < generated_cases; ++i) {
    const generated g = generate(r);
    const result ours = run_httpc(g.bytes, g.method);
    if (ours.refused) continue;
    interim += ours.interims.empty() ? 0 : 1;
    head += g.method == "HEAD" ? 1 : 0;
    for (const auto& [n, v] : ours.head.fields) {
      if (iequal(n, "transfer-encoding")) ++chunked;
      if (iequal(n, "content-length")) ++length;
    }
  }
  CHECK(chunked > generated_cases / 5);
  CHECK(length > generated_cases / 4);
  CHECK(interim > generated_cases / 30);
  CHECK(head > generated_cases / 40);
}
