// Counts the bytes a test binary holds through operator new, and the peak,
// so a test can show that memory follows the bytes received and not a
// number a server announced. Replaces the global operator new and delete:
// include it in exactly one file of a test executable.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <malloc.h>
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

// The size of a block is malloc's own (malloc_usable_size), not a header of
// ours: a block that a sanitizer's or a library's operator new made is
// freed here correctly too.
inline void* counted_new(std::size_t n) {
  void* block = std::malloc(n == 0 ? 1 : n);
  if (block == nullptr) throw std::bad_alloc();
  allocation_counter::add(malloc_usable_size(block));
  return block;
}

inline void counted_delete(void* p) noexcept {
  if (p == nullptr) return;
  allocation_counter::remove(malloc_usable_size(p));
  std::free(p);
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
