#pragma once
// The interface between the parser's state machine (parser.cpp) and the head
// scanners, one per instruction set (head_parse.ipp, built once per set).

#include <cstddef>
#include <cstdint>

#include "httpc/error.hpp"
#include "httpc/parser.hpp"

namespace httpc::detail {

// Receives the rewritten value of a folded field; returns where it put it.
struct fold_sink {
  void* context;
  std::size_t (*append)(void* context, const char* data, std::size_t size);
};

struct head_request {
  const char* begin;
  const char* end;  // at most max_head_size bytes after begin
  field_view::entry* fields;
  std::size_t max_fields;
  std::size_t max_line;
  fold_sink folds;
  bool strict;
};

enum class head_status : unsigned char { partial, complete, failed, simple_response };

// The fields that decide framing or persistence, recognised while scanning.
enum class framing_field : unsigned char {
  connection,
  keep_alive,
  content_length,
  proxy_connection,
  transfer_encoding,
};

// What the framing fields of a head say. The scanner reads the usual
// single-token values itself; anything else (a list, a folded value, an odd
// Content-Length) it leaves for the parser's general reading, with `review`.
struct framing_facts {
  bool close = false;
  bool keep = false;
  bool has_length = false;
  bool length_ok = true;
  bool has_coding = false;
  bool other_coding = false;
  bool review = false;
  unsigned chunked = 0;
  std::uint64_t length = 0;
};

// A partial result keeps in its progress where the scan stopped: the lines
// before it are taken (in the field index and the fold storage), and a scan
// of the same bytes and more, given that result, goes on from there. The
// framing facts of the lines taken are not kept.
struct head_result : scan_progress {
  head_status status = head_status::partial;
  error failure{};
  std::size_t size = 0;
  framing_facts framing;
};

// Which framing field a name is: false for any other.
bool classify_framing_field(const char* name, std::size_t size, framing_field& kind) noexcept;

using head_parser = void (*)(const head_request&, head_result&) noexcept;

// A status line and its fields, into a result with a partial scan's progress
// (none at first).
void parse_head_scalar(const head_request& request, head_result& out) noexcept;
void parse_head_avx2(const head_request& request, head_result& out) noexcept;
// A field section without a status line: trailers. The same way.
void parse_fields_scalar(const head_request& request, head_result& out) noexcept;

}  // namespace httpc::detail
