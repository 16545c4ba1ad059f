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

struct head_result {
  head_status status = head_status::partial;
  error failure{};
  std::size_t size = 0;
  std::size_t field_count = 0;
  int status_code = 0;
  int version = 0;
  std::uint32_t reason_offset = 0;
  std::uint32_t reason_size = 0;
  // Fields whose name has the length of one that decides framing or
  // persistence (Connection, Keep-Alive, Content-Length, Proxy-Connection,
  // Transfer-Encoding); when there are more than fit, every field is looked at.
  static constexpr std::size_t max_candidates = 8;
  std::size_t candidate_count = 0;
  std::uint32_t candidates[max_candidates];
};

// Name lengths of the fields that decide framing and persistence.
constexpr std::uint32_t candidate_lengths = 1u << 10 | 1u << 14 | 1u << 16 | 1u << 17;

using head_parser = head_result (*)(const head_request&) noexcept;

// A status line and its fields.
head_result parse_head_scalar(const head_request& request) noexcept;
head_result parse_head_avx2(const head_request& request) noexcept;
// A field section without a status line: trailers.
head_result parse_fields_scalar(const head_request& request) noexcept;

}  // namespace httpc::detail
