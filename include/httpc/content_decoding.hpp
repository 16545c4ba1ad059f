#pragma once
/// \file
/// Content codings (RFC 9110 §8.4): which ones httpc can decode, the
/// `Accept-Encoding` value that asks for them, and a streaming decoder for
/// a response body. No Asio: bytes in, bytes out, in pieces the caller owns.
///
///     std::error_code ec;
///     httpc::content_decoder d(response.fields(), httpc::available_codings(), ec);
///     std::string_view in = piece;            // e.g. from async_next
///     std::size_t n = d.decode(in, out, false, ec);
///     // `in` now holds what was not consumed (the output was full)
///
/// Memory is bounded: output goes only into the caller's buffer, stacked
/// codings pass through fixed 16 KiB buffers, and each codec's window is
/// bounded (deflate 32 KiB, brotli 16 MiB, zstd 8 MiB as RFC 9659 asks).

#include <cstddef>       // std::size_t
#include <span>          // output buffers
#include <string>        // accept_encoding
#include <string_view>   // input pieces, field values
#include <system_error>  // std::error_code
#include <utility>       // std::exchange, std::swap

#include "httpc/parser.hpp"  // field_view

namespace httpc {

/// A set of content codings.
enum class codings : unsigned {
  none = 0,
  gzip = 1,     ///< gzip and x-gzip (RFC 1952), concatenated members too
  deflate = 2,  ///< zlib-wrapped (RFC 1950) or, as browsers accept, raw (RFC 1951)
  br = 4,       ///< brotli (RFC 7932)
  zstd = 8,     ///< Zstandard (RFC 8878), window at most 8 MiB
  all = 15,
};

constexpr codings operator|(codings a, codings b) noexcept {
  return static_cast<codings>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr codings operator&(codings a, codings b) noexcept {
  return static_cast<codings>(static_cast<unsigned>(a) & static_cast<unsigned>(b));
}
constexpr codings& operator|=(codings& a, codings b) noexcept { return a = a | b; }
/// Whether every coding of `wanted` is in `set`.
constexpr bool contains(codings set, codings wanted) noexcept { return (set & wanted) == wanted; }

/// The codings this build decodes (zlib, brotli and zstd are each optional
/// at configure time).
codings available_codings() noexcept;

/// The `Accept-Encoding` value asking for `set` ("gzip, deflate, br, zstd",
/// those in it, in that order); empty for none.
std::string accept_encoding(codings set);

/// Decodes a body whose Content-Encoding lists one coding or more. Codings
/// are undone in reverse order of the list, each into the next through a
/// fixed buffer. Move-only; a default-constructed one is inactive.
class content_decoder {
 public:
  /// More codings than this in one response is unsupported_content_encoding.
  static constexpr std::size_t max_codings = 4;

  content_decoder() noexcept = default;
  /// From every `Content-Encoding` field of `fields` (comma lists and
  /// repeated fields, case-insensitive; `identity` ignored; `x-gzip` is
  /// gzip). A coding that is unknown or not in `allowed`:
  /// error::unsupported_content_encoding, and the decoder is inactive.
  content_decoder(field_view fields, codings allowed, std::error_code& ec);
  /// From one Content-Encoding value, as above.
  content_decoder(std::string_view content_encoding, codings allowed, std::error_code& ec);
  // Inline, so that an inactive decoder costs its owner a pointer and no call.
  content_decoder(content_decoder&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  content_decoder& operator=(content_decoder&& other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~content_decoder() {
    if (state_ != nullptr) destroy(state_);
  }

  /// Some coding is to be undone (none: pass the body as it is).
  bool active() const noexcept { return state_ != nullptr; }

  /// Decodes from the front of `input` into `output`; returns the bytes
  /// written and leaves in `input` what was not consumed. It returns once
  /// `output` is full, or `input` is consumed and nothing more comes out
  /// without more input. `end`: `input` holds the last bytes of the body;
  /// a call with `end` that leaves room in `output` has finished, and
  /// checks that every coding ended cleanly. A corrupt, truncated stream,
  /// or bytes after a stream's end (but another gzip member, or zstd
  /// frame): error::bad_content_encoding, and the decoder stays failed.
  /// An empty body is no error, whatever its codings.
  std::size_t decode(std::string_view& input, std::span<char> output, bool end, std::error_code& ec);

  struct state;

 private:
  static void destroy(state* s) noexcept;

  state* state_ = nullptr;  // owned; null: inactive
};

}  // namespace httpc
