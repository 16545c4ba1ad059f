// libFuzzer target for httpc::content_decoder: codings and stacks of them
// over arbitrary bytes, or over a valid coded stream with a byte changed.
//
// Input: byte 0 picks the Content-Encoding value (low 4 bits) and whether
// the rest is first coded with it (bit 4: a valid stream, where the
// interesting paths are) and then has one byte flipped (bit 5, at the
// place byte 2 says); byte 1 seeds the sizes of input pieces and of the
// output buffer (1 to 4096 bytes); the rest is the payload.
//
// Checked on every input:
// - decode() never writes past its output (ASan), never returns more than
//   its size, and leaves input unconsumed only when the output is full;
// - the same body and the same outcome however the input is split and
//   whatever the output size: compared with one piece into 64 KiB (up to
//   the output cap, when a run reaches it);
// - a valid stream unchanged decodes to the payload;
// - output stops at 1 MiB: a bomb is read a buffer at a time, never whole.

#include "fuzz_check.hpp"

#include <httpc/content_decoding.hpp>
#include <httpc/error.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../support/encoders.hpp"

namespace {

constexpr std::size_t output_cap = 1 << 20;

constexpr std::array<std::string_view, 16> values{
    "gzip", "x-gzip", "deflate", "br", "zstd", "gzip, br", "br, zstd", "deflate, gzip",
    "zstd, deflate, br", "identity, gzip", "GZIP , zstd", "gzip, gzip", "br, br, br",
    "deflate,zstd,gzip,br", "compress", "gzip, unknown"};

// The payload coded with `value`'s codings, first to last; empty when one
// is not built in or unknown.
std::string encode(std::string_view value, std::string payload) {
  std::string data = std::move(payload);
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    std::string_view name = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (lower == "identity") continue;
#if HTTPC_HAS_ZLIB
    if (lower == "gzip" || lower == "x-gzip") {
      data = test_encoders::gzip(data);
      continue;
    }
    if (lower == "deflate") {
      data = data.size() % 2 ? test_encoders::zlib(data) : test_encoders::raw_deflate(data);
      continue;
    }
#endif
#if HTTPC_HAS_BROTLI
    if (lower == "br") {
      data = test_encoders::brotli(data, 2);
      continue;
    }
#endif
#if HTTPC_HAS_ZSTD
    if (lower == "zstd") {
      data = test_encoders::zstd(data, 1);
      continue;
    }
#endif
    return {};
  }
  return data;
}

struct result {
  std::string body;
  std::error_code ec;
  bool capped = false;
};

result run(std::string_view value, std::string_view data, std::uint32_t seed, bool split) {
  result r;
  httpc::content_decoder decoder(value, httpc::codings::all, r.ec);
  if (r.ec) return r;
  const std::size_t out_size = split ? 1 + seed % 4096 : 64 * 1024;
  std::vector<char> out(out_size);
  std::uint32_t state = seed | 1;
  std::size_t from = 0;
  for (;;) {
    std::size_t piece_size = data.size() - from;
    if (split) {
      state = state * 1664525u + 1013904223u;
      piece_size = std::min<std::size_t>(piece_size, (state >> 16) % 600);
    }
    std::string_view piece = data.substr(from, piece_size);
    from += piece.size();
    const bool end = from == data.size();
    for (;;) {
      const std::size_t n = decoder.decode(piece, out, end, r.ec);
      FUZZ_CHECK(n <= out.size());
      r.body.append(out.data(), n);
      if (r.ec) return r;
      if (r.body.size() >= output_cap) {
        r.body.resize(output_cap);
        r.capped = true;
        return r;
      }
      if (n < out.size()) {
        FUZZ_CHECK(piece.empty());
        break;
      }
    }
    if (end) return r;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 3) return 0;
  const std::string_view value = values[bytes[0] & 0x0f];
  const bool coded = (bytes[0] & 0x10) != 0;
  const bool flip = (bytes[0] & 0x20) != 0;
  const std::uint32_t seed = bytes[1] * 2654435761u;
  const std::string payload(reinterpret_cast<const char*>(bytes) + 3, size - 3);
  std::string data = payload;
  if (coded) {
    data = encode(value, payload);
    if (data.empty()) return 0;
    if (flip) data[bytes[2] * data.size() / 256] ^= static_cast<char>(1 + (bytes[1] & 0x7f));
  }
  const result whole = run(value, data, seed, false);
  const result pieces = run(value, data, seed, true);
  if (whole.capped || pieces.capped) {
    // Stopped at the cap: what came before it agrees (an error just past
    // it may show in one run and not the other).
    const std::size_t common = std::min(whole.body.size(), pieces.body.size());
    FUZZ_CHECK(whole.body.compare(0, common, pieces.body, 0, common) == 0);
  } else {
    FUZZ_CHECK(static_cast<bool>(whole.ec) == static_cast<bool>(pieces.ec));
    if (!whole.ec) FUZZ_CHECK(whole.body == pieces.body);
  }
  if (coded && !flip && payload.size() < output_cap) {
    FUZZ_CHECK(!whole.ec);
    FUZZ_CHECK(whole.body == payload);
  }
  return 0;
}
