#pragma once
// Content codings made in the test, from the codec libraries' encoders:
// test data without binary files. Each exists when its library was built
// in (HTTPC_HAS_ZLIB, HTTPC_HAS_BROTLI, HTTPC_HAS_ZSTD).

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#if HTTPC_HAS_ZLIB
#include <zlib.h>
#endif
#if HTTPC_HAS_BROTLI
#include <brotli/encode.h>
#endif
#if HTTPC_HAS_ZSTD
#include <zstd.h>
#endif

namespace test_encoders {

#if HTTPC_HAS_ZLIB
// window_bits: 31 gzip, 15 zlib, -15 raw deflate.
inline std::string zlib_encode(std::string_view data, int window_bits, int level = 6) {
  z_stream s{};
  if (deflateInit2(&s, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&s, static_cast<uLong>(data.size())) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  if (result != Z_STREAM_END) throw std::runtime_error("deflate");
  return out;
}
inline std::string gzip(std::string_view data, int level = 6) { return zlib_encode(data, 31, level); }
inline std::string zlib(std::string_view data) { return zlib_encode(data, 15); }
inline std::string raw_deflate(std::string_view data) { return zlib_encode(data, -15); }
#endif

#if HTTPC_HAS_BROTLI
inline std::string brotli(std::string_view data, int quality = 5) {
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  std::string out(size == 0 ? data.size() + 1024 : size, '\0');
  size = out.size();
  if (!BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, data.size(),
                             reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data())))
    throw std::runtime_error("BrotliEncoderCompress");
  out.resize(size);
  return out;
}
#endif

#if HTTPC_HAS_ZSTD
inline std::string zstd(std::string_view data, int level = 3) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t size = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(size)) throw std::runtime_error("ZSTD_compress");
  out.resize(size);
  return out;
}
#endif

// Text that compresses, but not to nothing.
inline std::string sample_text(std::size_t size) {
  std::string text;
  unsigned state = 12345;
  while (text.size() < size) {
    state = state * 1103515245u + 12345u;
    text += "word" + std::to_string((state >> 16) % 97) + (state % 7 == 0 ? "\n" : " ");
  }
  text.resize(size);
  return text;
}

}  // namespace test_encoders
