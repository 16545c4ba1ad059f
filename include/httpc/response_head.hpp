#pragma once
/// \file
/// A response head that owns its bytes: status, version, reason and the
/// fields, kept past the next request on a connection.
///
///     httpc::response_head head = r.owned_head();  // from the core's response
///     head.status(); head.reason(); head.header("Content-Type");
///     for (const httpc::header_field f : head.fields()) use(f.name, f.value);
///
/// One heap block holds the field index and the bytes (the head as received,
/// then any folded values), so a copy is one allocation and one memcpy. The
/// views it hands out point into that block: they stay valid while the head
/// lives, and a move keeps them valid (the block moves, not the bytes).

#include <cstddef>      // std::size_t
#include <cstdint>      // the block's offsets
#include <memory>       // std::unique_ptr, the block
#include <optional>     // lookups
#include <string_view>  // every view handed out
#include <utility>      // std::exchange, std::move

#include "httpc/fields.hpp"
#include "httpc/parser.hpp"

namespace httpc {

/// Status, version, reason and fields of one response, owned.
class response_head {
 public:
  /// No head: `empty()`.
  response_head() noexcept = default;
  /// A copy of the head `parser` parsed last (`head` returned): its bytes
  /// where the parser's views point, and any folded values.
  explicit response_head(const response_parser& parser);
  /// A head made of parts, e.g. fields a caller wrote: `fields()` in the
  /// order of `headers`, repeats kept.
  response_head(int status, std::string_view reason, int version, const Headers& headers);

  response_head(const response_head& other);
  response_head& operator=(const response_head& other);
  response_head(response_head&& other) noexcept
      : block_(std::move(other.block_)), shape_(std::exchange(other.shape_, {})) {}
  response_head& operator=(response_head&& other) noexcept {
    block_ = std::move(other.block_);
    shape_ = std::exchange(other.shape_, {});
    return *this;
  }

  int status() const noexcept { return shape_.status; }
  /// 9, 10 or 11.
  int version() const noexcept { return shape_.version; }
  std::string_view reason() const noexcept { return {bytes() + shape_.reason_offset, shape_.reason_size}; }
  /// The fields in arrival order, values trimmed.
  field_view fields() const noexcept { return {bytes(), bytes(), entries(), shape_.count}; }
  /// The first field of that name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return fields().find(name);
  }
  /// The fields copied into a `Headers`, for a caller that wants one.
  Headers headers() const;
  /// No head: default-constructed or moved from.
  bool empty() const noexcept { return block_ == nullptr; }

 private:
  // The block: `count` index entries, then the bytes the entries and the
  // reason point into.
  struct shape {
    std::size_t size = 0;  // of the block
    std::uint32_t count = 0;
    std::uint32_t reason_offset = 0;
    std::uint32_t reason_size = 0;
    int status = 0;
    int version = 0;
  };

  void allocate(std::size_t count, std::size_t bytes);
  field_view::entry* entries() const noexcept {
    return reinterpret_cast<field_view::entry*>(block_.get());
  }
  char* bytes() const noexcept { return block_.get() + shape_.count * sizeof(field_view::entry); }

  std::unique_ptr<char[]> block_;
  shape shape_;
};

/// Fields copied into a `Headers`, in order: one sized allocation for the list.
Headers to_headers(field_view fields);

}  // namespace httpc
