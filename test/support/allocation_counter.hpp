// Counts the bytes a test binary holds through operator new, and the peak,
// so a test can show that memory follows the bytes received and not a
// number a server announced. Replaces the global operator new and delete:
// include it in exactly one file of a test executable.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace httpc::test {

struct allocation_counter {
  static inline std::atomic<std::size_t> held{0};
  static inline std::atomic<std::size_t> peak{0};

  /// Starts a new peak from what is held now.
  static void reset_peak() noexcept { peak = held.load(); }
  /// The largest amount held since reset_peak(), above what was held then.
  static std::size_t peak_since(std::size_t start) noexcept {
    const std::size_t p = peak.load();
    return p > start ? p - start : 0;
  }

  static void add(std::size_t n) noexcept {
    const std::size_t now = held += n;
    std::size_t seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
  }
  static void remove(std::size_t n) noexcept { held -= n; }
};

// Each block carries its size in front, in 16 bytes so that the address
// handed out keeps malloc's alignment.
inline constexpr std::size_t allocation_header = 16;

inline void* counted_new(std::size_t n) {
  auto* block = static_cast<char*>(std::malloc(n + allocation_header));
  if (block == nullptr) throw std::bad_alloc();
  *reinterpret_cast<std::size_t*>(block) = n;
  allocation_counter::add(n);
  return block + allocation_header;
}

inline void counted_delete(void* p) noexcept {
  if (p == nullptr) return;
  char* block = static_cast<char*>(p) - allocation_header;
  allocation_counter::remove(*reinterpret_cast<std::size_t*>(block));
  std::free(block);
}

}  // namespace httpc::test

void* operator new(std::size_t n) { return httpc::test::counted_new(n); }
void* operator new[](std::size_t n) { return httpc::test::counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return httpc::test::counted_new(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept { return operator new(n, tag); }
void operator delete(void* p) noexcept { httpc::test::counted_delete(p); }
void operator delete[](void* p) noexcept { httpc::test::counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { httpc::test::counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { httpc::test::counted_delete(p); }
