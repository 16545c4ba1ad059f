// The head scanner, included once per instruction set: parser.cpp with the
// scalar scan, parser_avx2.cpp with the AVX2 one. Everything here has internal
// linkage and calls no inline library function, so code built for AVX2 can
// never be picked by the linker for a caller on a processor without it.
//
// Requires before inclusion: head_parse.hpp, httpc/fields.hpp (is_tchar, used
// at compile time only) and <cstring> (memchr, memcmp).

namespace httpc::detail {
namespace {

inline std::uint64_t load64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Compares with a literal of lowercase letters and '-'. Field names and
// values hold no control bytes, so OR-ing 0x20 into each byte lowers letters
// and makes no other byte equal to a lowercase letter or '-'.
template <std::size_t N>
bool lower_is(const char* text, std::size_t size, const char (&lower)[N]) {
  constexpr std::size_t n = N - 1;
  if (size != n) return false;
  constexpr std::uint64_t case_bits = 0x2020202020202020;
  if constexpr (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8)
      if ((load64(text + i) | case_bits) != load64(lower + i)) return false;
    return (load64(text + n - 8) | case_bits) == load64(lower + n - 8);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      if ((text[i] | 0x20) != lower[i]) return false;
    return true;
  }
}

// The framing fields' names are 10, 14, 16 and 17 bytes long: one bit test
// passes over most other names (classify_name has the last word).
inline bool may_be_framing(std::size_t size) {
  constexpr std::uint64_t sizes = 1u << 10 | 1u << 14 | 1u << 16 | 1u << 17;
  return (sizes >> (size & 63) & 1) != 0;  // a size of 74 or more is let through
}

inline bool classify_name(const char* name, std::size_t size, framing_field& kind) {
  switch (size) {
    case 10:
      if (lower_is(name, size, "connection")) kind = framing_field::connection;
      else if (lower_is(name, size, "keep-alive")) kind = framing_field::keep_alive;
      else return false;
      return true;
    case 14:
      kind = framing_field::content_length;
      return lower_is(name, size, "content-length");
    case 16:
      kind = framing_field::proxy_connection;
      return lower_is(name, size, "proxy-connection");
    case 17:
      kind = framing_field::transfer_encoding;
      return lower_is(name, size, "transfer-encoding");
    default:
      return false;
  }
}

// The scanner's reading of a framing field's value: the usual single token
// or number, else a review by the parser.
inline void read_framing_value(framing_field kind, const char* value, std::size_t size,
                               framing_facts& facts) {
  switch (kind) {
    case framing_field::connection:
      if (lower_is(value, size, "keep-alive")) facts.keep = true;
      else if (lower_is(value, size, "close")) facts.close = true;
      else facts.review = true;
      return;
    case framing_field::keep_alive:
      facts.keep = true;
      return;
    case framing_field::proxy_connection:
      if (lower_is(value, size, "keep-alive")) facts.keep = true;
      else facts.review = true;
      return;
    case framing_field::transfer_encoding:
      facts.has_coding = true;
      if (lower_is(value, size, "chunked")) ++facts.chunked;
      else facts.review = true;
      return;
    case framing_field::content_length: {
      std::uint64_t n = 0;
      bool digits = size != 0 && size <= 18;  // 18 digits cannot overflow
      for (std::size_t i = 0; digits && i < size; ++i) {
        digits = value[i] >= '0' && value[i] <= '9';
        n = n * 10 + static_cast<std::uint64_t>(value[i] - '0');
      }
      if (!digits || (facts.has_length && n != facts.length)) facts.review = true;
      facts.has_length = true;
      facts.length = n;
      return;
    }
  }
}

struct tchar_table {
  bool member[256];
  constexpr tchar_table() : member() {
    for (int c = 0; c < 256; ++c) member[c] = is_tchar(static_cast<unsigned char>(c));
  }
};
constexpr tchar_table tchars;

// Field values and the reason phrase may hold HTAB, SP, VCHAR and obs-text;
// any other control byte (CR and LF among them) stops a scan.
constexpr bool is_ctl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }
inline bool is_ws(char c) { return c == ' ' || c == '\t'; }
// What Python's str.split() without arguments splits a status line on.
inline bool is_status_ws(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A scanner walks one head from its start to its end, forwards only. It
// provides find_ctl (the first control byte, or end), skip_token (the first
// byte that is no tchar, or end), and scan_line, both at once from the start
// of a field line: as tchars and ':' are no control bytes, the first control
// byte of a well-formed field line ends its value. Static find_ctl serves the
// rare paths that may look back.
class scalar_scan {
 public:
  scalar_scan(const char*, const char* end) : end_(end) {}

  static const char* find_ctl(const char* p, const char* end) {
    while (p != end && !is_ctl(static_cast<unsigned char>(*p))) ++p;
    return p;
  }
  static const char* skip_token(const char* p, const char* end) {
    while (p != end && tchars.member[static_cast<unsigned char>(*p)]) ++p;
    return p;
  }
  const char* find_ctl(const char* p) const { return find_ctl(p, end_); }
  void scan_line(const char* p, const char*& name_end, const char*& stop) const {
    name_end = skip_token(p, end_);
    stop = find_ctl(name_end, end_);
  }

 private:
  const char* end_;
};

inline std::uint32_t offset(const head_request& in, const char* p) {
  return static_cast<std::uint32_t>(p - in.begin);
}

inline void fail(head_result& out, error e) {
  out.status = head_status::failed;
  out.failure = e;
}

// A malformed line fails only once it is whole (its LF has come), so that
// the outcome is the same however the input was split; until then the head
// is incomplete.
// A line over the limit is reported as such, whatever else is wrong in it.
inline void fail_line(const head_request& in, head_result& out, error e, const char* line,
                      const char* from) {
  const auto* lf = static_cast<const char*>(
      std::memchr(from, '\n', static_cast<std::size_t>(in.end - from)));
  if (lf == nullptr) return;
  fail(out, static_cast<std::size_t>(lf + 1 - line) > in.max_line ? error::line_too_long : e);
}

// After a line's content ends at `stop` (a control byte), returns the start of
// the next line, nullptr for "need more input", or fails with `bad`.
inline const char* after_line_end(const head_request& in, const char* line, const char* stop,
                                  head_result& out, error bad) {
  const char* end = in.end;
  if (end - stop >= 2 && stop[0] == '\r' && stop[1] == '\n') return stop + 2;
  if (stop == end || (stop[0] == '\r' && stop + 1 == end)) return nullptr;
  if (*stop == '\n') return stop + 1;  // a bare LF ends a line, as in CPython
  fail_line(in, out, bad, line, stop);
  return nullptr;
}

// The general status-line rule (docs/reference.md, "Status line"), for what the fast path declines.
template <class Scan>
const char* parse_status_line_slow(const head_request& in, head_result& out) {
  const char* line = in.begin;
  auto* lf = static_cast<const char*>(std::memchr(line, '\n', static_cast<std::size_t>(in.end - line)));
  if (lf == nullptr) return nullptr;
  const char* next = lf + 1;
  if (static_cast<std::size_t>(next - line) > in.max_line) {
    fail(out, error::line_too_long);
    return nullptr;
  }
  const char* end = lf;
  if (end != line && end[-1] == '\r') --end;

  const char* version = line;
  while (version != end && is_status_ws(*version)) ++version;
  const char* version_end = version;
  while (version_end != end && !is_status_ws(*version_end)) ++version_end;
  const char* code = version_end;
  while (code != end && is_status_ws(*code)) ++code;
  const char* code_end = code;
  while (code_end != end && !is_status_ws(*code_end)) ++code_end;

  const bool http = version_end - version >= 5 && std::memcmp(version, "HTTP/", 5) == 0;
  if (code == end || !http) {
    if (in.strict) fail(out, error::bad_status_line);
    else out.status = head_status::simple_response;
    return nullptr;
  }
  if (code_end - code != 3 || !is_digit(code[0]) || !is_digit(code[1]) || !is_digit(code[2]) ||
      code[0] == '0') {
    fail(out, error::bad_status_line);
    return nullptr;
  }
  out.status_code = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');

  const auto version_size = static_cast<std::size_t>(version_end - version);
  if (version_size == 8 && std::memcmp(version, "HTTP/1.0", 8) == 0) {
    out.version = 10;
  } else if (version_size >= 7 && std::memcmp(version, "HTTP/1.", 7) == 0) {
    out.version = 11;
  } else if (version_size == 8 && std::memcmp(version, "HTTP/0.9", 8) == 0) {
    out.version = 9;
  } else {
    fail(out, error::unknown_protocol);
    return nullptr;
  }

  const char* reason = code_end;
  while (reason != end && is_status_ws(*reason)) ++reason;
  const char* reason_end = end;
  while (reason_end != reason && is_status_ws(reason_end[-1])) --reason_end;
  if (Scan::find_ctl(reason, reason_end) != reason_end) {
    fail(out, error::bad_status_line);
    return nullptr;
  }
  out.reason_offset = offset(in, reason);
  out.reason_size = static_cast<std::uint32_t>(reason_end - reason);
  return next;
}

// Returns the start of the first field line, or nullptr with `out.status`
// saying why not.
template <class Scan>
const char* parse_status_line(const head_request& in, Scan& scan, head_result& out) {
  const char* p = in.begin;
  // Fast path: "HTTP/1.1 200 " or "HTTP/1.0 200 ".
  if (in.end - p >= 13 && (std::memcmp(p, "HTTP/1.1", 8) == 0 || std::memcmp(p, "HTTP/1.0", 8) == 0) &&
      p[8] == ' ' && p[9] >= '1' && p[9] <= '9' && is_digit(p[10]) && is_digit(p[11]) &&
      p[12] == ' ') {
    const char* reason = p + 13;
    const char* stop = scan.find_ctl(reason);
    const char* next;
    if (in.end - stop >= 2 && std::memcmp(stop, "\r\n", 2) == 0) {
      next = stop + 2;
    } else {
      next = after_line_end(in, p, stop, out, error::bad_status_line);
      if (next == nullptr) return nullptr;
    }
    if (static_cast<std::size_t>(next - p) > in.max_line) {
      fail(out, error::line_too_long);
      return nullptr;
    }
    // The line ends in CR or LF, where the first trim stops. Usually there
    // is nothing to trim.
    while (is_ws(*reason)) ++reason;
    if (static_cast<unsigned char>(stop[-1]) <= ' ')
      while (stop != reason && is_ws(stop[-1])) --stop;
    out.version = p[7] == '1' ? 11 : 10;
    out.status_code = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    out.reason_offset = offset(in, reason);
    out.reason_size = static_cast<std::uint32_t>(stop - reason);
    return next;
  }
  return parse_status_line_slow<Scan>(in, out);
}

// Continuation lines (obs-fold, RFC 9112 §5.2) from `line` on, after the
// field `entry`: the whole value goes to the fold sink with each fold, and
// the whitespace around it, replaced by one space. Moves `line` past the
// continuation lines taken; false when it stopped at one it cannot take yet
// (or failed). `room` is how many more lines the section may have.
template <class Scan>
bool parse_folded_value(const head_request& in, const char*& line, std::size_t& room,
                        field_view::entry& entry, head_result& out) {
  std::size_t size = entry.value_size;
  // A value folded by an earlier, partial scan ends the sink's storage: it
  // grows on in place.
  const std::size_t at = entry.folded ? entry.value_offset
                                      : in.folds.append(in.folds.context,
                                                        in.begin + entry.value_offset, size);
  bool whole = true;
  while (line != in.end && is_ws(*line)) {
    const char* piece = line;
    while (piece != in.end && is_ws(*piece)) ++piece;
    const char* stop = Scan::find_ctl(piece, in.end);
    const char* next = after_line_end(in, line, stop, out, error::bad_header);
    if (next == nullptr) {
      whole = false;
      break;
    }
    if (static_cast<std::size_t>(next - line) > in.max_line) {
      fail(out, error::line_too_long);
      return false;
    }
    if (room == 0) {
      fail(out, error::too_many_headers);
      return false;
    }
    --room;
    line = next;
    while (stop != piece && is_ws(stop[-1])) --stop;
    if (stop == piece) continue;
    if (size != 0) {
      in.folds.append(in.folds.context, " ", 1);
      ++size;
    }
    in.folds.append(in.folds.context, piece, static_cast<std::size_t>(stop - piece));
    size += static_cast<std::size_t>(stop - piece);
  }
  entry.folded = 1;
  entry.value_offset = static_cast<std::uint32_t>(at);
  entry.value_size = static_cast<std::uint32_t>(size);
  return whole;
}

// Where a scan of field lines stops for more input: the next one goes on at
// `line`, with the index filled up to `slot` and the line limit at `limit`.
// Out of line and by value, so that the scan loop keeps them in registers.
[[gnu::cold, gnu::noinline]] void pause(const head_request& in, head_result& out,
                                        const char* line, const field_view::entry* slot,
                                        const field_view::entry* limit) {
  out.next_line = offset(in, line);
  out.field_count = static_cast<std::size_t>(slot - in.fields);
  out.continuations = static_cast<std::size_t>(in.fields + in.max_fields - limit);
}

// Field lines from `p` up to and including the empty line that ends them.
// Lines are only measured when the input could hold one over the limit.
// From `slot` on, the index is free; `limit` is the line limit as a slot:
// each continuation line brings it one closer. A partial result says where
// the next scan goes on (head_result).
template <bool MeasureLines, class Scan>
void parse_fields(const head_request& in, Scan& scan, const char* p, field_view::entry* slot,
                  field_view::entry* limit, head_result& out) {
  const char* const begin = in.begin;
  const char* const end = in.end;
  if (p == end) return pause(in, out, p, slot, limit);
  const char* const last = end - 1;
  for (;;) {
    const char* line = p;
    const char* name_end;
    const char* stop;
    scan.scan_line(p, name_end, stop);
    if (name_end == line) {
      // No field name starts here: the end of the input, the empty line, a
      // continuation line or a bad line.
      if (p == end) return pause(in, out, p, slot, limit);
      if (*p == '\r' || *p == '\n') {
        const char* next = after_line_end(in, p, p, out, error::bad_header);
        if (next == nullptr) return pause(in, out, p, slot, limit);
        out.status = head_status::complete;
        out.size = static_cast<std::size_t>(next - begin);
        out.field_count = static_cast<std::size_t>(slot - in.fields);
        return;
      }
      // A continuation line may not come before the first field.
      if (!is_ws(*p) || slot == in.fields) {
        fail_line(in, out, error::bad_header, p, p);
        return pause(in, out, p, slot, limit);
      }
      auto room = static_cast<std::size_t>(limit - slot);
      const bool whole = parse_folded_value<Scan>(in, p, room, slot[-1], out);
      if (out.status == head_status::failed) return;
      limit = slot + room;
      if (!whole) return pause(in, out, p, slot, limit);
      // The value read before the fold was not the whole value.
      framing_field kind;
      if (classify_name(begin + slot[-1].name_offset, slot[-1].name_size, kind))
        out.framing.review = true;
      continue;
    }
    // RFC 9112 §5.1: no whitespace between name and colon; a line without a
    // colon is no field line. A tchar is no control byte, so name_end <= stop,
    // which the usual line, ended by CRLF, holds as a byte before end.
    const char* next;
    if (stop < last && std::memcmp(stop, "\r\n", 2) == 0 && *name_end == ':') {
      next = stop + 2;
    } else {
      if (name_end == stop || *name_end != ':') {
        fail_line(in, out, error::bad_header, line, name_end);
        return pause(in, out, line, slot, limit);
      }
      next = after_line_end(in, line, stop, out, error::bad_header);
      if (next == nullptr) return pause(in, out, line, slot, limit);
    }
    if (MeasureLines && static_cast<std::size_t>(next - line) > in.max_line) {
      fail(out, error::line_too_long);
      return;
    }
    if (slot == limit) {  // counted once whole, as the partial scan does
      fail(out, error::too_many_headers);
      return;
    }
    // The line ends in CR or LF, so neither trim passes stop. Usually one SP
    // leads the value and nothing trails it.
    const char* value = name_end + 1;
    if (*value == ' ' && static_cast<unsigned char>(value[1]) > ' ') ++value;
    else while (is_ws(*value)) ++value;
    if (static_cast<unsigned char>(stop[-1]) <= ' ')
      while (stop != value && is_ws(stop[-1])) --stop;
    const auto name_size = static_cast<std::uint32_t>(name_end - line);
    if (framing_field kind; may_be_framing(name_size) && classify_name(line, name_size, kind))
      read_framing_value(kind, value, static_cast<std::size_t>(stop - value), out.framing);
    *slot++ = {static_cast<std::uint32_t>(line - begin), name_size,
               static_cast<std::uint32_t>(value - begin), static_cast<std::uint32_t>(stop - value),
               0};
    p = next;
  }
}

// Field lines from where a partial scan stopped (or from the start of a
// section without a status line): out of the way of a head parsed at once.
template <class Scan>
[[gnu::noinline]] void resume_fields(const head_request& in, head_result& out) {
  const char* from = in.begin + out.next_line;
  Scan scan(from, in.end);
  parse_fields<true>(in, scan, from, in.fields + out.field_count,
                     in.fields + in.max_fields - out.continuations, out);
}

template <class Scan>
void parse_head_with(const head_request& in, head_result& out) {
  // A partial scan took the status line and some fields.
  if (out.next_line != 0) return resume_fields<Scan>(in, out);
  Scan scan(in.begin, in.end);
  const char* fields = parse_status_line(in, scan, out);
  if (fields == nullptr) return;
  if (out.version == 9) {  // an HTTP/0.9 status line has no fields after it
    out.status = head_status::complete;
    out.size = static_cast<std::size_t>(fields - in.begin);
    return;
  }
  field_view::entry* const limit = in.fields + in.max_fields;
  if (static_cast<std::size_t>(in.end - in.begin) <= in.max_line)
    parse_fields<false>(in, scan, fields, in.fields, limit, out);
  else
    parse_fields<true>(in, scan, fields, in.fields, limit, out);
}

}  // namespace
}  // namespace httpc::detail
