// The head scanner built for AVX2 (this file alone is compiled with -mavx2);
// parser.cpp calls it only on processors that have AVX2.

#include <immintrin.h>

#include <cstring>

#include "head_parse.hpp"
#include "head_parse.ipp"

namespace httpc::detail {
namespace {

// Token bytes classified 32 at a time: a byte is a tchar when the bit for its
// high nibble is set in the low-nibble table (tchars are all below 0x80).
struct nibble_tables {
  unsigned char low[16];
  unsigned char high[16];
  constexpr nibble_tables() : low(), high() {
    for (int c = 0; c < 128; ++c)
      if (tchars.member[c]) low[c & 15] = static_cast<unsigned char>(low[c & 15] | (1u << (c >> 4)));
    for (int h = 0; h < 8; ++h) high[h] = static_cast<unsigned char>(1u << h);
  }
};
constexpr nibble_tables nibbles;

struct avx2_scan {
  static const char* find_ctl(const char* p, const char* end) {
    const __m256i below_space = _mm256_set1_epi8(0x1f);
    const __m256i tab = _mm256_set1_epi8('\t');
    const __m256i del = _mm256_set1_epi8(0x7f);
    while (end - p >= 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      const __m256i control = _mm256_cmpeq_epi8(_mm256_min_epu8(v, below_space), v);
      const __m256i stop = _mm256_or_si256(_mm256_andnot_si256(_mm256_cmpeq_epi8(v, tab), control),
                                           _mm256_cmpeq_epi8(v, del));
      if (const auto mask = static_cast<unsigned>(_mm256_movemask_epi8(stop)); mask != 0)
        return p + __builtin_ctz(mask);
      p += 32;
    }
    return scalar_scan::find_ctl(p, end);
  }

  static const char* skip_token(const char* p, const char* end) {
    const __m256i low_table = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(nibbles.low)));
    const __m256i high_table = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(nibbles.high)));
    const __m256i nibble = _mm256_set1_epi8(0x0f);
    while (end - p >= 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      const __m256i low = _mm256_shuffle_epi8(low_table, _mm256_and_si256(v, nibble));
      const __m256i high =
          _mm256_shuffle_epi8(high_table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
      const __m256i other = _mm256_cmpeq_epi8(_mm256_and_si256(low, high), _mm256_setzero_si256());
      if (const auto mask = static_cast<unsigned>(_mm256_movemask_epi8(other)); mask != 0)
        return p + __builtin_ctz(mask);
      p += 32;
    }
    return scalar_scan::skip_token(p, end);
  }
};

}  // namespace

head_result parse_head_avx2(const head_request& request) noexcept {
  return parse_head_with<avx2_scan>(request);
}

}  // namespace httpc::detail
