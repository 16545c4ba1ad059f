// The head scanner built for AVX2 (this file alone is compiled with -mavx2);
// parser.cpp calls it only on processors that have AVX2.

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "head_parse.hpp"
#include "httpc/fields.hpp"
#include "head_parse.ipp"

namespace httpc::detail {
namespace {

// Bytes classified 32 at a time with two table lookups: a byte is in a set
// when the bit for its high nibble is set in the set's entry for its low
// nibble. Both sets lie below 0x80, whose high nibbles have bits 0 to 7.
struct nibble_tables {
  unsigned char token_low[16];   // RFC 9110 tchar
  unsigned char control_low[16];  // what stops a value: CTLs but HTAB, and DEL
  unsigned char high[16];
  constexpr nibble_tables() : token_low(), control_low(), high() {
    for (int c = 0; c < 128; ++c) {
      const auto bit = static_cast<unsigned char>(1u << (c >> 4));
      if (tchars.member[c]) token_low[c & 15] = static_cast<unsigned char>(token_low[c & 15] | bit);
      if (is_ctl(static_cast<unsigned char>(c)))
        control_low[c & 15] = static_cast<unsigned char>(control_low[c & 15] | bit);
    }
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

inline __m256i broadcast_table(const unsigned char (&table)[16]) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table)));
}

// Bit i of `control` is set when byte i stops a value; of `other`, when it
// is no tchar.
inline void classify(__m256i v, std::uint32_t& control, std::uint32_t& other) {
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i high = _mm256_shuffle_epi8(broadcast_table(nibbles.high),
                                           _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
  const __m256i low = _mm256_and_si256(v, nibble);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i token =
      _mm256_and_si256(_mm256_shuffle_epi8(broadcast_table(nibbles.token_low), low), high);
  const __m256i stop =
      _mm256_and_si256(_mm256_shuffle_epi8(broadcast_table(nibbles.control_low), low), high);
  other = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(token, zero)));
  control = ~static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(stop, zero)));
}

// Classifies each byte of the head once: a 64-byte window of bitmasks slides
// forward 32 bytes at a time as the lines are walked, so short lines cost a
// shift and a bit scan, not a load of their own.
class avx2_scan {
 public:
  avx2_scan(const char* begin, const char* end) : end_(end) { fill(begin); }

  static const char* find_ctl(const char* p, const char* end) {
    for (std::uint32_t control, other; p < end; p += 32) {
      classify(load_block(p, end), control, other);
      if (control != 0) return p + __builtin_ctz(control);
    }
    return end;
  }

  static const char* skip_token(const char* p, const char* end) {
    for (std::uint32_t control, other; p < end; p += 32) {
      classify(load_block(p, end), control, other);
      if (other != 0) return p + __builtin_ctz(other);
    }
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
    std::uint32_t control[2], other[2];
    classify(load_block(base, end_), control[0], other[0]);
    classify(load_block(base + 32, end_), control[1], other[1]);
    control_ = control[0] | std::uint64_t{control[1]} << 32;
    other_ = other[0] | std::uint64_t{other[1]} << 32;
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
    std::uint32_t control, other;
    classify(load_block(base_ + 32, end_), control, other);
    control_ = control_ >> 32 | std::uint64_t{control} << 32;
    other_ = other_ >> 32 | std::uint64_t{other} << 32;
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
