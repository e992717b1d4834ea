#include "engine/core/list_value.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <new>

#include "engine/core/memory_usage.h"

namespace bazaar::engine::core {

size_t ListValue::AllocatedBytes() const {
  size_t bytes = chunks_.capacity() ? MallocBlock(chunks_.capacity() * sizeof(Chunk)) : 0;
  for (const Chunk& c : chunks_) bytes += c.capacity ? MallocBlock(c.capacity) : 0;
  return bytes;
}
namespace {

size_t VarintSize(size_t v) {
  size_t n = 1;
  for (; v >= 128; v >>= 7) ++n;
  return n;
}

// Reads a LEB128 varint whose bytes are at p[0], p[step], p[2 * step]...; returns its length.
size_t ReadVarint(const char* p, ptrdiff_t step, size_t* value) {
  size_t v = 0, n = 0;
  unsigned char b;
  do {
    b = static_cast<unsigned char>(p[static_cast<ptrdiff_t>(n) * step]);
    v |= static_cast<size_t>(b & 127) << (7 * n);
    ++n;
  } while (b & 128);
  *value = v;
  return n;
}

// Buffers below this grow to just what they need (see Reserve).
constexpr size_t kSmallBytes = 512;

// What glibc malloc hands out anyway for a request of at least n bytes (16-byte granules less
// its 8-byte header), so asking for it costs nothing more.
size_t MallocRounded(size_t n) { return ((n + 8 + 15) & ~size_t{15}) - 8; }

}  // namespace

size_t ListValue::EncodedSize(std::string_view value) {
  return value.size() + 2 * VarintSize(value.size());
}

void ListValue::Encode(char* p, std::string_view value) {
  const size_t len = value.size();
  const size_t k = VarintSize(len);
  size_t v = len;
  for (size_t i = 0; i < k; ++i, v >>= 7) {
    p[i] = static_cast<char>((v & 127) | (i + 1 < k ? 128 : 0));
  }
  if (len) std::memcpy(p + k, value.data(), len);
  // The same varint, mirrored, ends the element so it can be read from its end.
  for (size_t i = 0; i < k; ++i) p[k + len + k - 1 - i] = p[i];
}

std::string_view ListValue::DecodeAt(const char* p, size_t* size) {
  size_t len;
  const size_t k = ReadVarint(p, 1, &len);
  *size = len + 2 * k;
  return std::string_view(p + k, len);
}

std::string_view ListValue::DecodeBefore(const char* end, size_t* size) {
  size_t len;
  const size_t k = ReadVarint(end - 1, -1, &len);
  *size = len + 2 * k;
  return std::string_view(end - k - len, len);
}

ListValue::Pos ListValue::Locate(size_t index) const {
  size_t ci;
  if (index < size_ / 2) {
    for (ci = 0; index >= chunks_[ci].count; ++ci) index -= chunks_[ci].count;
  } else {
    size_t from_back = size_ - index;
    for (ci = chunks_.size() - 1; from_back > chunks_[ci].count; --ci) {
      from_back -= chunks_[ci].count;
    }
    index = chunks_[ci].count - from_back;
  }
  const Chunk& chunk = chunks_[ci];
  const char* p;
  size_t n;
  if (index <= chunk.count / 2) {
    p = chunk.begin();
    for (size_t i = 0; i < index; ++i) {
      DecodeAt(p, &n);
      p += n;
    }
  } else {
    p = chunk.end();
    for (size_t i = index; i < chunk.count; ++i) {
      DecodeBefore(p, &n);
      p -= n;
    }
  }
  return {ci, static_cast<size_t>(p - chunk.begin())};
}

void ListValue::Reserve(Chunk& chunk, size_t needed) {
  if (needed <= chunk.capacity) return;
  // An eighth to spare within the bound, so a filling chunk is copied a few dozen times, not on
  // every push. Small buffers (most lists are short) and a lone big element get no more than
  // malloc's rounding: copying a few hundred bytes is cheap, and the slack would cost every short
  // list a sixth more memory than Redis's.
  size_t capacity = needed;
  if (needed >= kSmallBytes && needed <= kChunkBytes) {
    capacity = std::min(needed + needed / 8, kChunkBytes);
  }
  capacity = MallocRounded(capacity);
  char* p = static_cast<char*>(CountedRealloc(chunk.data.get(), capacity));
  if (p == nullptr) throw std::bad_alloc();
  static_cast<void>(chunk.data.release());
  chunk.data.reset(p);
  chunk.capacity = capacity;
}

void ListValue::ShrinkIfSparse(Chunk& chunk) {
  if (chunk.bytes == 0 || chunk.bytes >= chunk.capacity / 2) return;
  const size_t capacity = MallocRounded(chunk.bytes + chunk.bytes / 8);
  if (capacity >= chunk.capacity) return;
  char* p = static_cast<char*>(CountedRealloc(chunk.data.get(), capacity));
  if (p == nullptr) return;  // the old block is still valid
  static_cast<void>(chunk.data.release());
  chunk.data.reset(p);
  chunk.capacity = capacity;
}

void ListValue::Splice(Chunk& chunk, size_t pos, size_t old_len, size_t new_len) {
  if (new_len > old_len) Reserve(chunk, chunk.bytes + new_len - old_len);
  char* base = chunk.begin();
  std::memmove(base + pos + new_len, base + pos + old_len, chunk.bytes - pos - old_len);
  chunk.bytes = chunk.bytes + new_len - old_len;
}

void ListValue::PushBack(std::string_view value) {
  const size_t n = EncodedSize(value);
  if (chunks_.empty() || chunks_.back().bytes + n > kChunkBytes) chunks_.emplace_back();
  Chunk& chunk = chunks_.back();
  Reserve(chunk, chunk.bytes + n);
  Encode(chunk.end(), value);
  chunk.bytes += n;
  ++chunk.count;
  ++size_;
}

void ListValue::PushFront(std::string_view value) {
  const size_t n = EncodedSize(value);
  if (chunks_.empty() || chunks_.front().bytes + n > kChunkBytes) chunks_.emplace(chunks_.begin());
  Chunk& chunk = chunks_.front();
  Splice(chunk, 0, 0, n);
  Encode(chunk.begin(), value);
  ++chunk.count;
  ++size_;
}

void ListValue::PopFront(size_t n, std::vector<std::string>* out) {
  while (n > 0 && !chunks_.empty()) {
    Chunk& chunk = chunks_.front();
    const size_t k = std::min(n, chunk.count);
    const char* p = chunk.begin();
    for (size_t i = 0; i < k; ++i) {
      size_t len;
      std::string_view e = DecodeAt(p, &len);
      if (out) out->emplace_back(e);
      p += len;
    }
    n -= k;
    size_ -= k;
    if (k == chunk.count) {
      chunks_.erase(chunks_.begin());
      continue;
    }
    Splice(chunk, 0, p - chunk.begin(), 0);
    chunk.count -= k;
    ShrinkIfSparse(chunk);
  }
}

void ListValue::PopBack(size_t n, std::vector<std::string>* out) {
  while (n > 0 && !chunks_.empty()) {
    Chunk& chunk = chunks_.back();
    const size_t k = std::min(n, chunk.count);
    const char* p = chunk.end();
    for (size_t i = 0; i < k; ++i) {
      size_t len;
      std::string_view e = DecodeBefore(p, &len);
      if (out) out->emplace_back(e);
      p -= len;
    }
    n -= k;
    size_ -= k;
    if (k == chunk.count) {
      chunks_.pop_back();
      continue;
    }
    chunk.bytes = p - chunk.begin();
    chunk.count -= k;
    ShrinkIfSparse(chunk);
  }
}

std::string_view ListValue::At(size_t index) const {
  const Pos pos = Locate(index);
  size_t n;
  return DecodeAt(chunks_[pos.chunk].begin() + pos.offset, &n);
}

void ListValue::Set(size_t index, std::string_view value) {
  const Pos pos = Locate(index);
  size_t old_len;
  DecodeAt(chunks_[pos.chunk].begin() + pos.offset, &old_len);
  WriteAt(pos.chunk, pos.offset, old_len, value);
}

void ListValue::Insert(size_t index, std::string_view value) {
  if (index == size_) return PushBack(value);
  if (index == 0) return PushFront(value);
  Pos pos = Locate(index);
  // The start of a chunk is also the end of the previous one: fill that one if it has room
  // rather than overflow this one.
  if (pos.offset == 0 && chunks_[pos.chunk - 1].bytes + EncodedSize(value) <= kChunkBytes) {
    --pos.chunk;
    pos.offset = chunks_[pos.chunk].bytes;
  }
  ++chunks_[pos.chunk].count;
  ++size_;
  WriteAt(pos.chunk, pos.offset, 0, value);
}

void ListValue::WriteAt(size_t ci, size_t pos, size_t old_len, std::string_view value) {
  Chunk& chunk = chunks_[ci];
  Splice(chunk, pos, old_len, EncodedSize(value));
  Encode(chunk.begin() + pos, value);
  if (chunk.bytes > kChunkBytes && chunk.count > 1) {
    Split(ci);
  } else {
    ShrinkIfSparse(chunk);
  }
}

void ListValue::Split(size_t ci) {
  const Chunk& chunk = chunks_[ci];
  // Cut where the next element would pass the bound or once a piece holds half the bytes: an
  // overfull chunk becomes two halves with room to grow, and a big element ends up alone.
  std::vector<Chunk> pieces(1);
  const size_t half = chunk.bytes / 2;
  const char* p = chunk.begin();
  for (size_t i = 0; i < chunk.count; ++i) {
    size_t n;
    DecodeAt(p, &n);
    Chunk* piece = &pieces.back();
    if (piece->count > 0 && (piece->bytes + n > kChunkBytes || piece->bytes >= half)) {
      piece = &pieces.emplace_back();
    }
    Reserve(*piece, piece->bytes + n);
    std::memcpy(piece->end(), p, n);
    piece->bytes += n;
    ++piece->count;
    p += n;
  }
  chunks_.erase(chunks_.begin() + ci);
  chunks_.insert(chunks_.begin() + ci, std::make_move_iterator(pieces.begin()),
                 std::make_move_iterator(pieces.end()));
}

size_t ListValue::Remove(std::string_view value, int64_t count) {
  const bool from_tail = count < 0;
  const uint64_t limit = count == 0  ? UINT64_MAX
                         : from_tail ? 0 - static_cast<uint64_t>(count)
                                     : static_cast<uint64_t>(count);
  uint64_t removed = 0;
  // Each chunk is compacted in place: kept elements slide over the removed ones.
  for (size_t k = 0; k < chunks_.size() && removed < limit; ++k) {
    Chunk& chunk = chunks_[from_tail ? chunks_.size() - 1 - k : k];
    const uint64_t before = removed;
    size_t n;
    if (!from_tail) {
      char* w = chunk.begin();
      char* r = chunk.begin();
      char* end = chunk.end();
      for (; r < end && removed < limit; r += n) {
        if (DecodeAt(r, &n) == value) {
          ++removed;
        } else {
          if (w != r) std::memmove(w, r, n);
          w += n;
        }
      }
      std::memmove(w, r, end - r);
      chunk.bytes -= r - w;
    } else {
      char* begin = chunk.begin();
      char* w = chunk.end();
      char* r = chunk.end();
      while (r > begin && removed < limit) {
        const bool match = DecodeBefore(r, &n) == value;
        r -= n;
        if (match) {
          ++removed;
        } else {
          w -= n;
          if (w != r) std::memmove(w, r, n);
        }
      }
      // Kept: [begin, r) untouched and [w, end) slid up; close the gap between them.
      std::memmove(r, w, chunk.end() - w);
      chunk.bytes -= w - r;
    }
    chunk.count -= removed - before;
  }
  if (removed == 0) return 0;
  size_ -= removed;
  chunks_.erase(
      std::remove_if(chunks_.begin(), chunks_.end(), [](const Chunk& c) { return c.count == 0; }),
      chunks_.end());
  MergeSmallNeighbours();
  for (Chunk& chunk : chunks_) ShrinkIfSparse(chunk);
  return removed;
}

void ListValue::Trim(size_t front, size_t back) {
  PopFront(front, nullptr);
  PopBack(back, nullptr);
}

void ListValue::MergeSmallNeighbours() {
  if (chunks_.empty()) return;
  size_t w = 0;
  for (size_t r = 1; r < chunks_.size(); ++r) {
    Chunk& dst = chunks_[w];
    Chunk& src = chunks_[r];
    if (dst.bytes + src.bytes <= kChunkBytes) {
      Reserve(dst, dst.bytes + src.bytes);
      std::memcpy(dst.end(), src.begin(), src.bytes);
      dst.bytes += src.bytes;
      dst.count += src.count;
    } else if (++w != r) {
      chunks_[w] = std::move(src);
    }
  }
  chunks_.resize(w + 1);
}

}  // namespace bazaar::engine::core
