#include "engine/core/intset.h"

#include <cstring>

namespace bazaar::engine::core {
namespace {

uint64_t LoadLE(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

void StoreLE(char* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

// The i-th value of an array of `width`-byte values, sign-extended.
int64_t ReadValue(const char* values, size_t i, size_t width) {
  const uint64_t raw = LoadLE(values + i * width, width);
  const unsigned shift = 64 - 8 * static_cast<unsigned>(width);
  return static_cast<int64_t>(raw << shift) >> shift;
}

}  // namespace

IntSet::IntSet() : blob_(kHeader, '\0') { SetHeader(2, 0); }

std::optional<IntSet> IntSet::FromBlob(std::string_view blob) {
  if (blob.size() < kHeader) return std::nullopt;
  const uint64_t width = LoadLE(blob.data(), 4);
  const uint64_t count = LoadLE(blob.data() + 4, 4);
  if ((width != 2 && width != 4 && width != 8) || blob.size() != kHeader + width * count) {
    return std::nullopt;
  }
  IntSet set;
  set.blob_.assign(blob);
  for (size_t i = 1; i < count; ++i) {
    if (set.Read(i - 1, width) >= set.Read(i, width)) return std::nullopt;
  }
  return set;
}

size_t IntSet::size() const { return LoadLE(blob_.data() + 4, 4); }

size_t IntSet::width() const { return LoadLE(blob_.data(), 4); }

size_t IntSet::heap_capacity() const {
  // libstdc++ keeps up to 15 bytes inside the string object; the header alone is 8.
  return blob_.capacity() > 15 ? blob_.capacity() + 1 : 0;  // + the terminating NUL
}

size_t IntSet::WidthFor(int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX) return 8;
  if (v < INT16_MIN || v > INT16_MAX) return 4;
  return 2;
}

int64_t IntSet::Read(size_t i, size_t width) const {
  return ReadValue(blob_.data() + kHeader, i, width);
}

void IntSet::Write(size_t i, int64_t v, size_t width) {
  StoreLE(blob_.data() + kHeader + i * width, static_cast<uint64_t>(v), width);
}

void IntSet::SetHeader(size_t width, size_t count) {
  StoreLE(blob_.data(), width, 4);
  StoreLE(blob_.data() + 4, count, 4);
}

size_t IntSet::LowerBound(int64_t v) const {
  const size_t w = width();
  size_t lo = 0, hi = size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (Read(mid, w) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

bool IntSet::Contains(int64_t v) const {
  if (WidthFor(v) > width()) return false;
  const size_t pos = LowerBound(v);
  return pos < size() && At(pos) == v;
}

void IntSet::Upgrade(size_t new_width) {
  const size_t old_width = width(), count = size();
  const std::string old = std::move(blob_);
  blob_.assign(kHeader + count * new_width, '\0');
  for (size_t i = 0; i < count; ++i) {
    Write(i, ReadValue(old.data() + kHeader, i, old_width), new_width);
  }
  SetHeader(new_width, count);
}

bool IntSet::Insert(int64_t v) {
  const size_t count = size();
  if (WidthFor(v) > width()) {
    // A value too wide for every present one is below or above all of them.
    Upgrade(WidthFor(v));
    const size_t w = width();
    blob_.resize(blob_.size() + w);
    if (v < 0) {
      std::memmove(blob_.data() + kHeader + w, blob_.data() + kHeader, count * w);
      Write(0, v, w);
    } else {
      Write(count, v, w);
    }
    SetHeader(w, count + 1);
    return true;
  }
  const size_t pos = LowerBound(v);
  if (pos < count && At(pos) == v) return false;
  const size_t w = width();
  blob_.insert(kHeader + pos * w, w, '\0');
  Write(pos, v, w);
  SetHeader(w, count + 1);
  return true;
}

bool IntSet::Erase(int64_t v) {
  if (WidthFor(v) > width()) return false;
  const size_t pos = LowerBound(v);
  const size_t count = size();
  if (pos >= count || At(pos) != v) return false;
  const size_t w = width();
  blob_.erase(kHeader + pos * w, w);
  SetHeader(w, count - 1);
  return true;
}

}  // namespace bazaar::engine::core
