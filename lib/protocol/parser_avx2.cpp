// The head scanner built for AVX2 (this file alone is compiled with -mavx2),
// with BMI1 and BMI2 (tzcnt, shrx), which every AVX2 processor has; parser.cpp
// calls it only on processors that have all three.

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("bmi,bmi2"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC target("bmi,bmi2")
#endif

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

inline __m256i broadcast_table(const unsigned char (&table)[16]) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table)));
}

// The tables in registers, loaded once per head.
struct classifier {
  __m256i high, token_low, control_low, nibble;
  classifier()
      : high(broadcast_table(nibbles.high)),
        token_low(broadcast_table(nibbles.token_low)),
        control_low(broadcast_table(nibbles.control_low)),
        nibble(_mm256_set1_epi8(0x0f)) {}

  // Bit i of `control` is set when byte i stops a value; of `other`, when it
  // is no tchar. The low nibble needs no mask: a byte at or above 0x80 looks
  // up zero, and is in neither set.
  void operator()(__m256i v, std::uint32_t& control, std::uint32_t& other) const {
    const __m256i row =
        _mm256_shuffle_epi8(high, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
    const __m256i zero = _mm256_setzero_si256();
    const __m256i token = _mm256_and_si256(_mm256_shuffle_epi8(token_low, v), row);
    const __m256i stop = _mm256_and_si256(_mm256_shuffle_epi8(control_low, v), row);
    other = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(token, zero)));
    control = ~static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(stop, zero)));
  }
};

// The masks of the 32 bytes from p, where bytes from end on count as control
// bytes and no tchars, so that every scan stops at end. With fewer than 32
// bytes left, a load that stays in p's memory page cannot fault, so it is
// done (as glibc's string functions do); one that would cross into the next
// page is done as the 32 bytes that end at end instead, which start in p's
// page, and its masks shifted. Hence no address or thread sanitizing here:
// both would report the bytes past the end, which may be another object's.
__attribute__((no_sanitize("address", "thread"))) inline void classify_block(
    const classifier& classify, const char* p, const char* end, std::uint32_t& control,
    std::uint32_t& other) {
  const auto available = end - p;
  if (available >= 32) [[likely]] {
    classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), control, other);
    return;
  }
  if (available <= 0) {
    control = other = ~0u;
    return;
  }
  if ((reinterpret_cast<std::uintptr_t>(p) & 4095) <= 4096 - 32) {
    classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), control, other);
  } else {
    classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(end - 32)), control, other);
    control >>= 32 - available;
    other >>= 32 - available;
  }
  const std::uint32_t past_end = ~0u << available;
  control |= past_end;
  other |= past_end;
}

// The byte of the lowest bit set in a mask of the bytes from p.
inline const char* at_first_bit(const char* p, std::uint64_t mask) {
  return p + _tzcnt_u64(mask);
}

// Classifies the head into a 64-byte window of bitmasks that moves forward
// to the line that does not end inside it, so that a line costs a shift and
// a bit scan, not a load of its own. As every control byte is also no tchar,
// a line that ends inside the window has its name end there too.
class avx2_scan {
 public:
  avx2_scan(const char* begin, const char* end) : end_(end) { fill(begin); }

  static const char* find_ctl(const char* p, const char* end) {
    for (std::uint32_t control, other; p < end; p += 32) {
      classify_block(classifier{}, p, end, control, other);
      if (control != 0) return p + __builtin_ctz(control);
    }
    return end;
  }

  static const char* skip_token(const char* p, const char* end) {
    for (std::uint32_t control, other; p < end; p += 32) {
      classify_block(classifier{}, p, end, control, other);
      if (other != 0) return p + __builtin_ctz(other);
    }
    return end;
  }

  [[gnu::always_inline]] const char* find_ctl(const char* p) {
    const char* name_end;
    const char* stop;
    scan_line(p, name_end, stop);
    return stop;
  }

  [[gnu::always_inline]] void scan_line(const char* p, const char*& name_end, const char*& stop) {
    if (const auto shift = static_cast<std::uint64_t>(p - base_); shift < 64) {
      if (const std::uint64_t control = control_ >> shift; control != 0) [[likely]] {
        name_end = at_first_bit(p, other_ >> shift);
        stop = at_first_bit(p, control);
        return;
      }
    }
    scan_line_past_window(p, name_end, stop);
  }

 private:
  // The line at p does not end inside the window: the window moves to p
  // when p is past its first half (else the line is long); what a line has
  // past the window is scanned without it.
  [[gnu::always_inline]] void scan_line_past_window(const char* p, const char*& name_end,
                                                    const char*& stop) {
    auto shift = static_cast<std::uint64_t>(p - base_);
    if (shift >= 32) {
      fill(p);
      shift = 0;
    }
    const std::uint64_t control = control_ >> shift;
    const std::uint64_t other = other_ >> shift;
    name_end = other != 0 ? at_first_bit(p, other) : skip_token(base_ + 64, end_);
    stop = control != 0 ? at_first_bit(p, control) : find_ctl(base_ + 64, end_);
  }

  void fill(const char* base) {
    base_ = base;
    std::uint32_t control[2], other[2];
    classify_block(classify_, base, end_, control[0], other[0]);
    classify_block(classify_, base + 32, end_, control[1], other[1]);
    control_ = control[0] | std::uint64_t{control[1]} << 32;
    other_ = other[0] | std::uint64_t{other[1]} << 32;
  }

  classifier classify_;
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

#if defined(__clang__)
#pragma clang attribute pop
#endif
