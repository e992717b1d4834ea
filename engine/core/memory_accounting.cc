#include "engine/core/memory_accounting.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

namespace bazaar::engine::core {
namespace {

// Relaxed: a total read from time to time, never used to order other memory.
std::atomic<int64_t> used_bytes{0};
std::atomic<size_t> peak_bytes{0};
std::atomic<size_t> startup_bytes{0};

void* Allocate(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  used_bytes.fetch_add(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}

void* AllocateAligned(size_t n, std::align_val_t align) {
  void* p = std::aligned_alloc(static_cast<size_t>(align), n == 0 ? static_cast<size_t>(align) : n);
  if (p == nullptr) throw std::bad_alloc();
  used_bytes.fetch_add(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}

}  // namespace

size_t UsedMemory() {
  int64_t n = used_bytes.load(std::memory_order_relaxed);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

size_t PeakMemory() {
  const size_t used = UsedMemory();
  size_t peak = peak_bytes.load(std::memory_order_relaxed);
  while (used > peak && !peak_bytes.compare_exchange_weak(peak, used, std::memory_order_relaxed)) {
  }
  return std::max(peak, used);
}

void MarkStartupMemory() { startup_bytes.store(UsedMemory(), std::memory_order_relaxed); }
size_t StartupMemory() { return startup_bytes.load(std::memory_order_relaxed); }

void* CountedRealloc(void* p, size_t n) {
  const size_t before = p ? malloc_usable_size(p) : 0;
  void* q = std::realloc(p, n);
  if (q == nullptr) return nullptr;  // p is untouched
  used_bytes.fetch_add(static_cast<int64_t>(malloc_usable_size(q)) - static_cast<int64_t>(before),
                       std::memory_order_relaxed);
  return q;
}

void CountedFree(void* p) {
  if (p == nullptr) return;
  used_bytes.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}

}  // namespace bazaar::engine::core

// The replaceable global allocation functions (every form, so that a block is always released
// by the matching counted function).
using bazaar::engine::core::CountedFree;

void* operator new(size_t n) { return bazaar::engine::core::Allocate(n); }
void* operator new[](size_t n) { return bazaar::engine::core::Allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return bazaar::engine::core::Allocate(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(size_t n, std::align_val_t a) {
  return bazaar::engine::core::AllocateAligned(n, a);
}
void* operator new[](size_t n, std::align_val_t a) {
  return bazaar::engine::core::AllocateAligned(n, a);
}
void operator delete(void* p) noexcept { CountedFree(p); }
void operator delete[](void* p) noexcept { CountedFree(p); }
void operator delete(void* p, size_t) noexcept { CountedFree(p); }
void operator delete[](void* p, size_t) noexcept { CountedFree(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { CountedFree(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { CountedFree(p); }
void operator delete(void* p, std::align_val_t) noexcept { CountedFree(p); }
void operator delete[](void* p, std::align_val_t) noexcept { CountedFree(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { CountedFree(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { CountedFree(p); }
