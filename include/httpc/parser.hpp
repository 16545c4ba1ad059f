#pragma once
/// \file
/// A sans-I/O, incremental HTTP/1.x response parser (RFC 9112).
///
/// The caller owns the bytes. `parse()` is handed whatever the caller has
/// received and says how many bytes it consumed and what it found; the
/// caller drops the consumed bytes and calls again, with more input when the
/// event is `need_more`. Input may be split at any byte.
///
/// Views and their lifetime:
/// - The head (status line and fields) is consumed in one piece: `parse()`
///   consumes nothing until the whole head is in its input, then returns
///   `head` (or `interim`) with `consumed` equal to the head's size. The
///   reason, field names and values are views into that input, valid while
///   those bytes stay where they are and until the next `reset()`. A caller
///   that moves the head bytes (compacting its buffer) calls `rebase()` with
///   their new address; the parser keeps offsets, never pointers, to them.
/// - While the head is incomplete, pass the unconsumed bytes again, followed
///   by the new ones: the parser remembers how far it has looked.
/// - A `body` event's `body()` is a view into that call's input, valid until
///   the caller reuses those bytes.
/// - Trailer fields are copied (they are rare): valid until `reset()`.
/// - Values that contained an obs-fold are rewritten with one space into
///   storage of the parser's: valid until `reset()`.

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t, std::uint32_t
#include <optional>      // std::optional, for lookups
#include <string>        // std::string, storage for folded values and trailers
#include <string_view>   // std::string_view, every view handed out
#include <system_error>  // std::error_code
#include <vector>        // std::vector, the field index

#include "httpc/error.hpp"

namespace httpc {

namespace detail {
struct head_request;
struct head_result;
struct framing_facts;

/// How far a scan of an incomplete head or trailer section got, so that the
/// next scan, of the same bytes and more, goes on from there.
struct scan_progress {
  std::size_t next_line = 0;      ///< offset of the first line not taken; 0: none was
  std::size_t field_count = 0;    ///< index entries filled
  std::size_t continuations = 0;  ///< obs-fold lines taken (they count as field lines)
  int status_code = 0;
  int version = 0;
  std::uint32_t reason_offset = 0;
  std::uint32_t reason_size = 0;
};
}  // namespace detail

/// Limits and modes. The defaults follow CPython's http.client.
struct parser_options {
  /// With strict, a first line that is no `HTTP/` status line is
  /// `error::bad_status_line`; without, it starts an HTTP/0.9 simple response.
  bool strict = false;
  /// Field lines per head or trailer section, continuation lines included.
  std::size_t max_fields = 100;
  /// Status, field, chunk-size and trailer lines, line ending included.
  std::size_t max_line_length = 65536;
  /// The whole head, and the whole trailer section.
  std::size_t max_head_size = 1024 * 1024;
};

/// What a call to `parse()` or `finish()` found.
enum class parse_event : unsigned char {
  need_more,  ///< more input is needed (the bytes consumed were framing)
  interim,    ///< a 1xx head other than 101 (its fields are readable now); a new head follows
  head,       ///< the final head is complete
  body,       ///< `body()` holds body bytes from this call's input
  done,       ///< the response is complete; `reset()` starts the next one
};

/// How the body is delimited (RFC 9112 §6.3).
enum class body_framing : unsigned char {
  none,            ///< no body: HEAD, 1xx, 204, 304, or a tunnel or upgrade
  content_length,  ///< exactly `content_length()` bytes
  chunked,         ///< chunked transfer coding
  until_close,     ///< everything until the server closes
};

/// Bytes consumed and the event, as `parse()` returns them.
struct parse_result {
  std::size_t consumed = 0;
  parse_event event = parse_event::need_more;
};

/// One field: name as received, value trimmed of surrounding whitespace.
struct header_field {
  std::string_view name;
  std::string_view value;
};

/// Compares field names the HTTP way (ASCII, case-insensitive).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// A parsed field section: the head's fields or the trailers. Cheap to copy
/// (it refers to the parser's storage); valid as the views it hands out.
class field_view {
 public:
  class iterator;
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  header_field operator[](std::size_t i) const noexcept;
  iterator begin() const noexcept;
  iterator end() const noexcept;
  /// The first field of that name (case-insensitive), if any.
  std::optional<std::string_view> find(std::string_view name) const noexcept;
  /// How many fields have that name.
  std::size_t count(std::string_view name) const noexcept;

  /// Where a field's bytes are: offsets from the section's base, or from the
  /// parser's fold storage when `folded` is set.
  struct entry {
    std::uint32_t name_offset;
    std::uint32_t name_size;
    std::uint32_t value_offset;
    std::uint32_t value_size : 31;
    std::uint32_t folded : 1;
  };

 private:
  friend class response_parser;
  friend class response_head;  // a view over its own block
  field_view(const char* base, const char* fold_base, const entry* entries,
             std::size_t count) noexcept
      : base_(base), fold_base_(fold_base), entries_(entries), count_(count) {}
  const char* base_ = nullptr;
  const char* fold_base_ = nullptr;
  const entry* entries_ = nullptr;
  std::size_t count_ = 0;
};

class field_view::iterator {
 public:
  using value_type = header_field;
  using difference_type = std::ptrdiff_t;
  iterator() = default;
  header_field operator*() const noexcept { return (*view_)[index_]; }
  iterator& operator++() noexcept { ++index_; return *this; }
  iterator operator++(int) noexcept { auto copy = *this; ++index_; return copy; }
  bool operator==(const iterator& other) const noexcept { return index_ == other.index_; }

 private:
  friend class field_view;
  iterator(const field_view* view, std::size_t index) noexcept : view_(view), index_(index) {}
  const field_view* view_ = nullptr;
  std::size_t index_ = 0;
};

inline header_field field_view::operator[](std::size_t i) const noexcept {
  const entry& e = entries_[i];
  const char* value_base = e.folded ? fold_base_ : base_;
  return {{base_ + e.name_offset, e.name_size}, {value_base + e.value_offset, e.value_size}};
}
inline field_view::iterator field_view::begin() const noexcept { return {this, 0}; }
inline field_view::iterator field_view::end() const noexcept { return {this, count_}; }

/// The incremental response parser. One object serves any number of
/// responses in a row: `reset()` before each.
class response_parser {
 public:
  explicit response_parser(parser_options options = {});

  /// Starts a new response to a request with this method: a response to HEAD
  /// has no body, a 2xx to CONNECT opens a tunnel.
  void reset(std::string_view request_method = "GET") noexcept;

  /// Parses as much of `input` as it can. On error `ec` is set and the
  /// parser stays failed until `reset()`.
  parse_result parse(std::string_view input, std::error_code& ec) noexcept;

  /// The peer closed: ends an until-close body (`done`), or sets `ec`
  /// (`remote_disconnected`, `incomplete_head`, `incomplete_body`, ...).
  /// For an HTTP/0.9 or until-close body that still has unparsed bytes in
  /// the caller's buffer, pass them to `parse()` first.
  parse_result finish(std::error_code& ec) noexcept;

  /// The head bytes were moved to `head_start` by the caller.
  void rebase(const char* head_start) noexcept { head_base_ = head_start; }

  bool head_done() const noexcept { return state_ != state::head && state_ != state::failed; }
  bool done() const noexcept { return state_ == state::done; }

  // The head, once `head` or `interim` was returned.
  int status() const noexcept { return status_; }
  /// 9, 10 or 11.
  int version() const noexcept { return version_; }
  std::string_view reason() const noexcept {
    return {head_base_ + reason_offset_, reason_size_};
  }
  field_view fields() const noexcept {
    return {head_base_, folds_.data(), fields_.data(), field_count_};
  }
  /// The head's size in bytes (0 for HTTP/0.9 simple responses).
  std::size_t head_size() const noexcept { return head_size_; }

  body_framing framing() const noexcept { return framing_; }
  /// The Content-Length, when the body is framed by it.
  std::optional<std::uint64_t> content_length() const noexcept {
    if (framing_ != body_framing::content_length) return std::nullopt;
    return content_length_;
  }
  /// Whether the connection may carry another request after this response.
  bool keep_alive() const noexcept { return keep_alive_; }

  /// Body bytes from the last `body` event.
  std::string_view body() const noexcept { return body_; }
  /// Body bytes received so far.
  std::uint64_t body_received() const noexcept { return body_received_; }

  /// How many body bytes may be read now without the parser looking at them
  /// (straight into a caller's buffer): the rest of a Content-Length body or
  /// of the current chunk, unbounded for an until-close body, else 0.
  std::uint64_t direct_body_limit() const noexcept;
  /// Tells the parser that `n` (at most `direct_body_limit()`) body bytes
  /// were read by the caller without passing through `parse()`.
  void advance_body(std::uint64_t n) noexcept;

  /// Trailer fields of a chunked body, once `done`.
  field_view trailers() const noexcept {
    return {trailer_bytes_.data(), trailer_folds_.data(), trailers_.data(), trailer_count_};
  }

  const parser_options& options() const noexcept { return options_; }

 private:
  enum class state : unsigned char {
    head,
    body_length,
    body_until_close,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailers,
    done,
    failed,
  };

  // Those marked inline are defined in parser.cpp, their only user, so that
  // they are merged into their callers even where the library is built
  // position-independent (and its other functions might be interposed).
  parse_result parse_head(std::string_view input, std::error_code& ec) noexcept;
  parse_result parse_chunked(std::string_view input, std::error_code& ec) noexcept;
  // All of chunked framing, a step at a time; parse_chunked does the usual
  // step between two chunks itself, lean.
  parse_result parse_chunk_steps(std::string_view input, std::error_code& ec) noexcept;
  parse_result parse_trailers(std::string_view input, std::error_code& ec) noexcept;
  parse_result start_simple_response(std::string_view input) noexcept;
  inline parse_result finish_head(std::string_view input, detail::head_result& head,
                                  std::error_code& ec) noexcept;
  enum class scan_result : unsigned char { nothing_new, new_lines, end_found };
  scan_result scan_lines(std::string_view input) noexcept;
  bool over_limits(std::string_view input) const noexcept;
  error overflow(std::string_view input) const noexcept;
  inline detail::head_request section_request(std::string_view input, field_view::entry* fields,
                                              std::size_t field_room,
                                              std::string& folds) const noexcept;
  inline void restart_scan() noexcept;
  inline error decide_framing(const detail::framing_facts& facts) noexcept;
  parse_result fail(std::error_code& ec, error e) noexcept;
  // A proxy's answer to CONNECT is never an HTTP/0.9 simple response: taken
  // as one, any bytes would "establish" the tunnel.
  bool strict() const noexcept { return options_.strict || connect_request_; }

  parser_options options_;
  state state_ = state::head;
  bool head_request_ = false;
  bool connect_request_ = false;
  bool keep_alive_ = false;
  body_framing framing_ = body_framing::none;
  int status_ = 0;
  int version_ = 0;
  const char* head_base_ = nullptr;
  std::uint32_t reason_offset_ = 0;
  std::uint32_t reason_size_ = 0;
  std::size_t head_size_ = 0;
  std::size_t field_count_ = 0;
  error failure_{};
  // How far an incomplete head or trailer section was searched for its end:
  // bytes, where the last unfinished line starts, and lines seen; and what
  // the scanner took of it. For an incomplete chunk-size line: bytes searched
  // for its LF, and how many of them are digits (their value in remaining_).
  std::size_t scanned_ = 0;
  std::size_t line_start_ = 0;
  std::size_t scanned_lines_ = 0;
  detail::scan_progress progress_;
  std::uint64_t content_length_ = 0;
  std::uint64_t remaining_ = 0;  // of the Content-Length body or the current chunk
  std::uint64_t body_received_ = 0;
  std::string_view body_;
  std::vector<field_view::entry> fields_;
  std::vector<field_view::entry> trailers_;
  std::size_t trailer_count_ = 0;
  std::string trailer_bytes_;
  std::string folds_;
  std::string trailer_folds_;
};

namespace detail {
/// The head scanner in use: "avx2" or "scalar". For tests and benchmarks.
std::string_view head_scanner() noexcept;
/// Switches the scanner for every parser (not while any is parsing); false
/// when this processor or build lacks it.
bool use_head_scanner(std::string_view name) noexcept;
}  // namespace detail

}  // namespace httpc
