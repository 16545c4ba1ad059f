// The head scanner built for AVX2 (this file alone is compiled with -mavx2);
// parser.cpp calls it only on processors that have AVX2.

#include <immintrin.h>

#include <cstdint>
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

// 32 bytes from p; past end, zeros (a control byte and no tchar, so every
// scan stops at end). Near the end of the input, a load that stays inside
// p's memory page cannot fault, so it is done and its tail cleared (as
// glibc's string functions do); only a load that would cross into the next
// page copies. Hence no address sanitizing here.
__attribute__((no_sanitize("address"))) inline __m256i load_block(const char* p,
                                                                  const char* end) {
  const auto available = end - p;
  if (available >= 32) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  if (available <= 0) return _mm256_setzero_si256();
  if ((reinterpret_cast<std::uintptr_t>(p) & 4095) <= 4096 - 32) {
    const __m256i index = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                           17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    const __m256i inside = _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(available)), index);
    return _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), inside);
  }
  alignas(32) char block[32] = {};
  std::memcpy(block, p, static_cast<std::size_t>(available));
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(block));
}

inline std::uint32_t control_mask(__m256i v) {
  const __m256i control = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v);
  const __m256i stop = _mm256_or_si256(
      _mm256_andnot_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t')), control),
      _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f)));
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(stop));
}

inline std::uint32_t other_than_token_mask(__m256i v) {
  const __m256i low_table = _mm256_broadcastsi128_si256(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(nibbles.low)));
  const __m256i high_table = _mm256_broadcastsi128_si256(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(nibbles.high)));
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i low = _mm256_shuffle_epi8(low_table, _mm256_and_si256(v, nibble));
  const __m256i high =
      _mm256_shuffle_epi8(high_table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
  const __m256i other = _mm256_cmpeq_epi8(_mm256_and_si256(low, high), _mm256_setzero_si256());
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(other));
}

// Classifies each byte of the head once: a 64-byte window of bitmasks slides
// forward 32 bytes at a time as the lines are walked, so short lines cost a
// shift and a bit scan, not a load of their own.
class avx2_scan {
 public:
  avx2_scan(const char* begin, const char* end) : end_(end) { fill(begin); }

  static const char* find_ctl(const char* p, const char* end) {
    for (; p < end; p += 32)
      if (const std::uint32_t mask = control_mask(load_block(p, end)); mask != 0)
        return p + __builtin_ctz(mask);
    return end;
  }

  static const char* skip_token(const char* p, const char* end) {
    for (; p < end; p += 32)
      if (const std::uint32_t mask = other_than_token_mask(load_block(p, end)); mask != 0)
        return p + __builtin_ctz(mask);
    return end;
  }

  const char* find_ctl(const char* p) {
    slide_to(p);
    const std::uint64_t control = control_ >> (p - base_);
    return control != 0 ? p + __builtin_ctzll(control) : find_ctl(base_ + 64, end_);
  }

  void scan_line(const char* p, const char*& name_end, const char*& stop) {
    slide_to(p);
    const auto shift = p - base_;
    const std::uint64_t other = other_ >> shift;
    const std::uint64_t control = control_ >> shift;
    name_end = other != 0 ? p + __builtin_ctzll(other) : skip_token(base_ + 64, end_);
    stop = control != 0 ? p + __builtin_ctzll(control) : find_ctl(base_ + 64, end_);
  }

 private:
  void fill(const char* base) {
    base_ = base;
    const __m256i first = load_block(base, end_);
    const __m256i second = load_block(base + 32, end_);
    control_ = control_mask(first) | std::uint64_t{control_mask(second)} << 32;
    other_ = other_than_token_mask(first) | std::uint64_t{other_than_token_mask(second)} << 32;
  }

  // Keeps p in the window's first half, so a line has at least 32 bytes of
  // masks ahead of it.
  void slide_to(const char* p) {
    if (p - base_ < 32) return;
    if (p - base_ >= 64) {
      fill(p);
      return;
    }
    base_ += 32;
    const __m256i next = load_block(base_ + 32, end_);
    control_ = control_ >> 32 | std::uint64_t{control_mask(next)} << 32;
    other_ = other_ >> 32 | std::uint64_t{other_than_token_mask(next)} << 32;
  }

  const char* end_;
  const char* base_ = nullptr;
  std::uint64_t control_ = 0;
  std::uint64_t other_ = 0;
};

}  // namespace

void parse_head_avx2(const head_request& request, head_result& out) noexcept {
  parse_head_with<avx2_scan>(request, out);
}

}  // namespace httpc::detail
