#include "httpc/parser.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "head_parse.hpp"
#include "httpc/fields.hpp"
#include "head_parse.ipp"

namespace httpc {

namespace detail {

void parse_head_scalar(const head_request& request, head_result& out) noexcept {
  parse_head_with<scalar_scan>(request, out);
}

bool classify_framing_field(const char* name, std::size_t size, framing_field& kind) noexcept {
  return classify_name(name, size, kind);
}

void parse_fields_scalar(const head_request& request, head_result& out) noexcept {
  resume_fields<scalar_scan>(request, out);
}

namespace {

// The AVX2 scanner needs BMI1 and BMI2 too (parser_avx2.cpp).
bool has_avx2() noexcept {
#if defined(HTTPC_NO_AVX2) || !(defined(__x86_64__) || defined(_M_X64))
  return false;
#else
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
         __builtin_cpu_supports("bmi2");
#endif
}

head_parser active_head_parser = has_avx2() ? parse_head_avx2 : parse_head_scalar;

}  // namespace

std::string_view head_scanner() noexcept {
  return active_head_parser == parse_head_scalar ? "scalar" : "avx2";
}

bool use_head_scanner(std::string_view name) noexcept {
  if (name == "scalar") {
    active_head_parser = parse_head_scalar;
    return true;
  }
  if (name == "avx2" && has_avx2()) {
    active_head_parser = parse_head_avx2;
    return true;
  }
  return false;
}

}  // namespace detail

namespace {

using detail::next_list_element;

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// RFC 9110 §8.6: Content-Length = 1*DIGIT; a list of identical values is one
// value (a recipient may take it as one). False for anything else, or for a
// value that disagrees with one seen before.
bool parse_content_length(std::string_view list, bool& seen, std::uint64_t& length) noexcept {
  bool any = false;
  for (auto element = next_list_element(list); !element.empty(); element = next_list_element(list)) {
    std::uint64_t n = 0;
    for (const char c : element) {
      if (c < '0' || c > '9' || n > (std::numeric_limits<std::uint64_t>::max() >> 4)) return false;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (seen && n != length) return false;
    seen = true;
    any = true;
    length = n;
  }
  return any;
}

std::size_t append_fold(void* context, const char* data, std::size_t size) {
  auto& storage = *static_cast<std::string*>(context);
  const std::size_t at = storage.size();
  storage.append(data, size);
  return at;
}

struct hex_table {
  signed char value[256];
  constexpr hex_table() : value() {
    for (int c = 0; c < 256; ++c) {
      if (c >= '0' && c <= '9') value[c] = static_cast<signed char>(c - '0');
      else if (c >= 'a' && c <= 'f') value[c] = static_cast<signed char>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value[c] = static_cast<signed char>(c - 'A' + 10);
      else value[c] = -1;
    }
  }
};
constexpr hex_table hex_digits;

int hex_value(char c) noexcept { return hex_digits.value[static_cast<unsigned char>(c)]; }

bool is_ctl(unsigned char c) noexcept { return (c < 0x20 && c != '\t') || c == 0x7f; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

std::optional<std::string_view> field_view::find(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    const auto field = (*this)[i];
    if (iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

std::size_t field_view::count(std::string_view name) const noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < count_; ++i)
    if (iequals((*this)[i].name, name)) ++n;
  return n;
}

response_parser::response_parser(parser_options options) : options_(options) {
  // Offsets into a head are 32-bit, sizes 31-bit.
  options_.max_head_size = std::min<std::size_t>(options_.max_head_size, 1u << 30);
  options_.max_line_length = std::min(options_.max_line_length, options_.max_head_size);
  // Room for a usual head; it grows for one with more fields.
  fields_.resize(std::min<std::size_t>(options_.max_fields, 16));
  reset();
}

void response_parser::reset(std::string_view request_method) noexcept {
  // RFC 9110 §9.1: methods are case-sensitive.
  head_request_ = request_method.size() == 4 && std::memcmp(request_method.data(), "HEAD", 4) == 0;
  connect_request_ =
      request_method.size() == 7 && std::memcmp(request_method.data(), "CONNECT", 7) == 0;
  state_ = state::head;
  failure_ = {};
  keep_alive_ = false;
  framing_ = body_framing::none;
  status_ = 0;
  version_ = 0;
  head_base_ = nullptr;
  reason_offset_ = 0;
  reason_size_ = 0;
  head_size_ = 0;
  field_count_ = 0;
  content_length_ = 0;
  remaining_ = 0;
  body_received_ = 0;
  body_ = {};
  trailer_count_ = 0;
  trailer_bytes_.clear();
  folds_.clear();
  trailer_folds_.clear();
  restart_scan();
}

void response_parser::restart_scan() noexcept {
  scanned_ = 0;
  line_start_ = 0;
  scanned_lines_ = 0;
  progress_.next_line = 0;  // the rest means nothing without it
}

parse_result response_parser::fail(std::error_code& ec, error e) noexcept {
  state_ = state::failed;
  failure_ = e;
  ec = e;
  return {0, parse_event::need_more};
}

parse_result response_parser::parse(std::string_view input, std::error_code& ec) noexcept {
  body_ = {};
  switch (state_) {
    case state::head:
      return parse_head(input, ec);
    case state::body_length: {
      if (remaining_ == 0) {
        state_ = state::done;
        return {0, parse_event::done};
      }
      if (input.empty()) return {0, parse_event::need_more};
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
      body_ = input.substr(0, take);
      remaining_ -= take;
      body_received_ += take;
      return {take, parse_event::body};
    }
    case state::body_until_close:
      if (input.empty()) return {0, parse_event::need_more};
      body_ = input;
      body_received_ += input.size();
      return {input.size(), parse_event::body};
    case state::chunk_size:
    case state::chunk_data:
    case state::chunk_data_end:
    case state::trailers:
      return parse_chunked(input, ec);
    case state::done:
      return {0, parse_event::done};
    case state::failed:
      ec = failure_;
      return {0, parse_event::need_more};
  }
  return {0, parse_event::need_more};
}

// Searches the bytes of an incomplete head or trailer section not searched
// yet for line ends, up to the empty line that ends the section. A head is
// worth a scan again whenever a line was completed: the scan goes on from
// the first line it has not taken and judges every whole line, in order, so
// the outcome is the same however the input was split; the limits on what it
// has not seen come after it.
response_parser::scan_result response_parser::scan_lines(std::string_view input) noexcept {
  if (input.size() < scanned_) restart_scan();  // the caller started over
  const char* data = input.data();
  scan_result result = scan_result::nothing_new;
  while (scanned_ < input.size()) {
    const void* found = std::memchr(data + scanned_, '\n', input.size() - scanned_);
    if (found == nullptr) break;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(found) - data);
    const bool empty = at == line_start_ || (at == line_start_ + 1 && data[line_start_] == '\r');
    ++scanned_lines_;
    scanned_ = at + 1;
    line_start_ = at + 1;
    if (empty) return scan_result::end_found;
    result = scan_result::new_lines;
  }
  scanned_ = input.size();
  return result;
}

// An incomplete head or trailer section may grow no further: its last line
// is over the line limit, or it all is over the size limit.
bool response_parser::over_limits(std::string_view input) const noexcept {
  return input.size() - line_start_ > options_.max_line_length ||
         input.size() > options_.max_head_size;
}

// The section is over a limit: which one, as a reader fed a byte at a time
// would meet them, so that the answer does not depend on how the input was
// split. A line over the limit is met max_line_length bytes after it starts;
// the size limit, at max_head_size.
error response_parser::overflow(std::string_view input) const noexcept {
  const std::size_t max_line = options_.max_line_length;
  for (std::size_t start = 0; start < input.size();) {
    const void* found = std::memchr(input.data() + start, '\n', input.size() - start);
    const std::size_t end = found ? static_cast<std::size_t>(static_cast<const char*>(found) -
                                                            input.data()) + 1
                                  : input.size();
    if (start + max_line > options_.max_head_size) break;
    if (end - start > max_line) return error::line_too_long;
    start = end;
  }
  return error::head_too_large;
}

// What the scanner gets for a head or trailer section: at most max_head_size
// bytes of it, the field index to fill, the storage for folded values.
detail::head_request response_parser::section_request(std::string_view input,
                                                      field_view::entry* fields,
                                                      std::size_t field_room,
                                                      std::string& folds) const noexcept {
  return {input.data(),
          input.data() + std::min(input.size(), options_.max_head_size),
          fields,
          field_room,
          options_.max_line_length,
          {&folds, append_fold},
          strict()};
}

parse_result response_parser::parse_head(std::string_view input, std::error_code& ec) noexcept {
  if (input.empty()) return {0, parse_event::need_more};
  const bool http = input.size() >= 5 ? std::memcmp(input.data(), "HTTP/", 5) == 0
                                      : std::string_view("HTTP/").starts_with(input);
  if (!http && scanned_lines_ == 0 && !strict()) {
    // A first line that cannot begin with "HTTP/" is an HTTP/0.9 simple
    // response; leading whitespace makes us wait for the whole line.
    const char c = input.front();
    if (c != ' ' && c != '\t' && c != '\v' && c != '\f' && c != '\r')
      return start_simple_response(input);
  }
  if (scanned_ == 0 || scan_lines(input) != scan_result::nothing_new) {
    if (progress_.next_line == 0 && !folds_.empty()) folds_.clear();
    const std::size_t folds_size = folds_.size();
    // A scan may fold more lines into the last field taken before it: a
    // restart must see that field as it was.
    const std::size_t last_taken = progress_.next_line != 0 ? progress_.field_count : 0;
    const field_view::entry last_entry = last_taken != 0 ? fields_[last_taken - 1] : field_view::entry{};
    detail::head_result head;
    // The field index grows, doubling up to max_fields, when a head fills
    // it: the scan starts again from where this call started.
    for (;;) {
      if (progress_.next_line != 0) {
        static_cast<detail::scan_progress&>(head) = progress_;
        head.framing.review = true;  // for the lines taken before
      }
      detail::active_head_parser(section_request(input, fields_.data(), fields_.size(), folds_), head);
      if (head.status != detail::head_status::failed || head.failure != error::too_many_headers ||
          fields_.size() == options_.max_fields)
        break;
      fields_.resize(std::min(options_.max_fields, fields_.size() * 2));
      folds_.resize(folds_size);
      if (last_taken != 0) fields_[last_taken - 1] = last_entry;
      head = {};
    }
    switch (head.status) {
      case detail::head_status::complete:
        return finish_head(input, head, ec);
      case detail::head_status::failed:
        return fail(ec, head.failure);
      case detail::head_status::simple_response:
        return start_simple_response(input);
      case detail::head_status::partial:
        progress_ = head;
        break;
    }
    if (scanned_ == 0) scan_lines(input);
  }
  if (over_limits(input)) return fail(ec, overflow(input));
  return {0, parse_event::need_more};
}

parse_result response_parser::start_simple_response(std::string_view input) noexcept {
  // Nothing of an interim head before it may show through.
  head_base_ = input.data();
  head_size_ = 0;
  reason_offset_ = 0;
  reason_size_ = 0;
  field_count_ = 0;
  status_ = 200;
  version_ = 9;
  framing_ = body_framing::until_close;
  keep_alive_ = false;
  state_ = state::body_until_close;
  restart_scan();
  return {0, parse_event::head};
}

namespace {

using detail::framing_facts;
using detail::framing_field;

bool token_is(std::string_view token, const char* lower, std::size_t size) noexcept {
  if (token.size() != size) return false;
  for (std::size_t i = 0; i < size; ++i)
    if (ascii_lower(token[i]) != lower[i]) return false;
  return true;
}

// The general reading of one framing field: token lists (RFC 9110 §5.6.1),
// Content-Length lists.
void read_framing_field(framing_field kind, std::string_view value, framing_facts& facts) noexcept {
  if (kind == framing_field::content_length) {
    facts.length_ok = parse_content_length(value, facts.has_length, facts.length) && facts.length_ok;
    facts.has_length = true;
    return;
  }
  if (kind == framing_field::keep_alive) {
    facts.keep = true;
    return;
  }
  if (kind == framing_field::transfer_encoding) facts.has_coding = true;
  for (auto token = next_list_element(value); !token.empty(); token = next_list_element(value)) {
    if (kind == framing_field::transfer_encoding) {
      if (token_is(token, "chunked", 7)) ++facts.chunked;
      else facts.other_coding = true;
    } else if (token_is(token, "keep-alive", 10)) {
      facts.keep = true;
    } else if (kind == framing_field::connection && token_is(token, "close", 5)) {
      facts.close = true;
    }
  }
}

// The general reading of every framing field, for a head the scanner could
// not read alone (rare): out of line, to keep the usual path short.
[[gnu::noinline]] framing_facts review_framing(field_view fields) noexcept {
  framing_facts facts;
  for (const header_field field : fields)
    if (framing_field kind;
        detail::classify_framing_field(field.name.data(), field.name.size(), kind))
      read_framing_field(kind, field.value, facts);
  return facts;
}

}  // namespace

// RFC 9112 §6.3, message body length, in its order:
// 1. responses to HEAD, 1xx, 204 and 304 have no body, whatever their fields;
// 2. a 2xx to CONNECT starts a tunnel;
// 3. Transfer-Encoding with chunked last is chunked, and overrides any
//    Content-Length (the connection must close after the response);
// 5. a valid Content-Length gives the length; an invalid one is an error;
// 7. otherwise the body runs until the server closes.
// Persistence: RFC 9112 §9.3, with CPython's reading of HTTP/1.0 keep-alive.
error response_parser::decide_framing(const framing_facts& facts) noexcept {
  if (version_ == 11) keep_alive_ = !facts.close;
  else if (version_ == 10) keep_alive_ = facts.keep && !facts.close;
  else keep_alive_ = false;

  const bool no_body = head_request_ || status_ < 200 || status_ == 204 || status_ == 304;
  if (no_body || (connect_request_ && status_ < 300)) {
    framing_ = body_framing::none;
    content_length_ = 0;
    if (status_ == 101 || connect_request_) keep_alive_ = false;
    return {};
  }
  if (facts.has_coding) {
    // We ask for no codings (TE is never sent), so any but chunked is one we
    // cannot decode: refuse it rather than hand over encoded bytes as body.
    if (facts.other_coding) return error::unknown_transfer_encoding;
    if (facts.chunked != 1) return error::bad_transfer_encoding;
    framing_ = body_framing::chunked;
    // RFC 9112 §6.1: with Content-Length too, or in HTTP/1.0, the framing is
    // suspect; close after this response.
    if (facts.has_length || version_ == 10) keep_alive_ = false;
    return {};
  }
  if (facts.has_length) {
    if (!facts.length_ok) return error::bad_content_length;
    framing_ = body_framing::content_length;
    content_length_ = facts.length;
    return {};
  }
  framing_ = body_framing::until_close;
  keep_alive_ = false;
  return {};
}

parse_result response_parser::finish_head(std::string_view input, detail::head_result& head,
                                          std::error_code& ec) noexcept {
  head_base_ = input.data();
  head_size_ = head.size;
  status_ = head.status_code;
  version_ = head.version;
  reason_offset_ = head.reason_offset;
  reason_size_ = head.reason_size;
  field_count_ = head.field_count;
  restart_scan();
  // RFC 9110 §15.2: a client must be able to parse one or more 1xx responses
  // before the final one; 101 is final, the connection then speaks another
  // protocol.
  if (status_ >= 100 && status_ < 200 && status_ != 101) return {head.size, parse_event::interim};
  if (head.framing.review) head.framing = review_framing(fields());
  if (const error e = decide_framing(head.framing); e != error{}) return fail(ec, e);
  switch (framing_) {
    case body_framing::none:
    case body_framing::content_length:
      state_ = state::body_length;
      remaining_ = content_length_;
      break;
    case body_framing::chunked:
      state_ = state::chunk_size;
      break;
    case body_framing::until_close:
      state_ = state::body_until_close;
      break;
  }
  return {head.size, parse_event::head};
}

parse_result response_parser::parse_chunked(std::string_view input, std::error_code& ec) noexcept {
  // The usual step between two chunks, "\r\n" "40\r\n" and data, in one go.
  if (state_ == state::chunk_data_end && input.size() > 4 && input[0] == '\r' &&
      input[1] == '\n') {
    std::size_t at = 2;
    std::uint64_t size = 0;
    for (int digit; at < 18 && at < input.size() && (digit = hex_value(input[at])) >= 0; ++at)
      size = size << 4 | static_cast<std::uint64_t>(digit);
    // At most 16 digits: the size fits 64 bits.
    if (at > 2 && size != 0 && input.size() - at > 2 && input[at] == '\r' &&
        input[at + 1] == '\n') {
      at += 2;
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(size, input.size() - at));
      body_ = input.substr(at, take);
      body_received_ += take;
      remaining_ = size - take;
      state_ = remaining_ == 0 ? state::chunk_data_end : state::chunk_data;
      return {at + take, parse_event::body};
    }
  }
  return parse_chunk_steps(input, ec);
}

parse_result response_parser::parse_chunk_steps(std::string_view input,
                                                std::error_code& ec) noexcept {
  std::size_t used = 0;
  for (;;) {
    const char* p = input.data() + used;
    const std::size_t available = input.size() - used;
    switch (state_) {
      case state::chunk_data: {
        if (available == 0) return {used, parse_event::need_more};
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, available));
        body_ = {p, take};
        remaining_ -= take;
        body_received_ += take;
        if (remaining_ == 0) state_ = state::chunk_data_end;
        return {used + take, parse_event::body};
      }
      case state::chunk_data_end:
        // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
        if (available == 0) return {used, parse_event::need_more};
        if (p[0] == '\r') {
          if (available < 2) return {used, parse_event::need_more};
          if (p[1] != '\n') return fail(ec, error::bad_chunk);
          used += 2;
        } else if (p[0] == '\n') {
          used += 1;
        } else {
          return fail(ec, error::bad_chunk);
        }
        state_ = state::chunk_size;
        break;
      case state::chunk_size: {
        // chunk-size = 1*HEXDIG; chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
        // A line that came in pieces goes on where the last call stopped:
        // its first `searched` bytes hold no LF, the first `at` of them are
        // digits worth `size`. (Unless the caller started over.)
        std::uint64_t size = 0;
        std::size_t at = 0;
        std::size_t searched = 0;
        if (scanned_ != 0 && scanned_ <= available) {
          size = remaining_;
          at = line_start_;
          searched = scanned_;
        }
        // Digits as far as a reader fed a byte at a time would have taken
        // them before the line was too long, so that an overflow is found
        // alike however the input was split.
        const std::size_t window = std::min(available, options_.max_line_length);
        if (at == searched) {  // all bytes seen so far are digits
          for (int digit; at < window && (digit = hex_value(p[at])) >= 0; ++at) {
            if (size >> 60 != 0) return fail(ec, error::chunk_size_overflow);
            size = size << 4 | static_cast<std::uint64_t>(digit);
          }
        }
        std::size_t line_size;
        if (at != 0 && available - at >= 2 && p[at] == '\r' && p[at + 1] == '\n') {
          line_size = at + 2;  // the usual "40\r\n"
        } else {
          // Digits are no LF, nor are the bytes searched before.
          const std::size_t from = std::max(searched, at);
          const auto* lf = from < window ? static_cast<const char*>(
                                               std::memchr(p + from, '\n', window - from))
                                         : nullptr;
          if (lf == nullptr) {
            if (available >= options_.max_line_length) return fail(ec, error::line_too_long);
            scanned_ = available;
            line_start_ = at;
            remaining_ = size;
            return {used, parse_event::need_more};
          }
          if (at == 0) return fail(ec, error::bad_chunk);
          const char* end = lf;
          if (end[-1] == '\r') --end;
          const char* q = p + at;
          while (q < end && (*q == ' ' || *q == '\t')) ++q;
          if (q < end && *q != ';') return fail(ec, error::bad_chunk);
          for (; q < end; ++q)  // extensions are skipped, but must be text
            if (is_ctl(static_cast<unsigned char>(*q))) return fail(ec, error::bad_chunk);
          line_size = static_cast<std::size_t>(lf + 1 - p);
        }
        if (line_size > options_.max_line_length) return fail(ec, error::line_too_long);
        used += line_size;
        if (scanned_ != 0) restart_scan();  // for the next chunk-size line, or the trailers
        if (size == 0) {
          state_ = state::trailers;
        } else {
          remaining_ = size;
          state_ = state::chunk_data;
        }
        break;
      }
      case state::trailers: {
        auto result = parse_trailers(input.substr(used), ec);
        result.consumed += used;
        return result;
      }
      default:
        return {used, parse_event::need_more};
    }
  }
}

// trailer-section = *( field-line CRLF ) CRLF, after the last chunk.
parse_result response_parser::parse_trailers(std::string_view input, std::error_code& ec) noexcept {
  if (input.empty()) return {0, parse_event::need_more};
  if (scanned_ == 0 && (input[0] == '\n' || (input[0] == '\r' && input.size() >= 2 &&
                                             input[1] == '\n'))) {
    state_ = state::done;  // the usual empty trailer section
    return {input[0] == '\n' ? 1u : 2u, parse_event::done};
  }
  // Parsed again whenever a line completes, as a head is, so that a bad line
  // fails alike however the input was split.
  if (scanned_ != 0 && scan_lines(input) == scan_result::nothing_new) {
    if (over_limits(input)) return fail(ec, overflow(input));
    return {0, parse_event::need_more};
  }
  detail::head_result section;
  if (progress_.next_line == 0) {
    trailers_.resize(options_.max_fields);
    trailer_folds_.clear();
  } else {
    static_cast<detail::scan_progress&>(section) = progress_;
  }
  detail::parse_fields_scalar(section_request(input, trailers_.data(), trailers_.size(), trailer_folds_), section);
  if (section.status == detail::head_status::failed) return fail(ec, section.failure);
  if (section.status == detail::head_status::complete) {
    // Kept in storage of our own (trailers are rare); offsets stay valid.
    trailer_bytes_.assign(input.data(), section.size);
    trailer_count_ = section.field_count;
    state_ = state::done;
    return {section.size, parse_event::done};
  }
  progress_ = section;
  if (scanned_ == 0) scan_lines(input);
  if (over_limits(input)) return fail(ec, overflow(input));
  return {0, parse_event::need_more};
}

parse_result response_parser::finish(std::error_code& ec) noexcept {
  body_ = {};
  switch (state_) {
    case state::head:
      if (scanned_ == 0) return fail(ec, error::remote_disconnected);
      return fail(ec, scanned_lines_ == 0 ? error::bad_status_line : error::incomplete_head);
    case state::body_until_close:
      state_ = state::done;
      return {0, parse_event::done};
    case state::body_length:
      if (remaining_ != 0) return fail(ec, error::incomplete_body);
      state_ = state::done;
      return {0, parse_event::done};
    case state::chunk_size:
    case state::chunk_data:
    case state::chunk_data_end:
    case state::trailers:
      return fail(ec, error::incomplete_body);
    case state::done:
      return {0, parse_event::done};
    case state::failed:
      ec = failure_;
      return {0, parse_event::need_more};
  }
  return {0, parse_event::need_more};
}

std::uint64_t response_parser::direct_body_limit() const noexcept {
  switch (state_) {
    case state::body_length:
    case state::chunk_data:
      return remaining_;
    case state::body_until_close:
      return std::numeric_limits<std::uint64_t>::max();
    default:
      return 0;
  }
}

void response_parser::advance_body(std::uint64_t n) noexcept {
  body_received_ += n;
  if (state_ == state::body_length || state_ == state::chunk_data) {
    remaining_ -= std::min(n, remaining_);
    if (state_ == state::chunk_data && remaining_ == 0) state_ = state::chunk_data_end;
  }
}

}  // namespace httpc
