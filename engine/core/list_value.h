// A list of byte strings stored as Redis 7.0 stores it (its quicklist): a sequence of packed
// chunks, each one malloc'd buffer of elements, bounded at kChunkBytes as Redis bounds each node's
// listpack (list-max-listpack-size -2, 8 KB). A std::deque<std::string> costs a heap string plus
// deque slack per element, about twice Redis's memory; packed, a short element costs its bytes
// plus two.
//
// Design note: an element is [length][bytes][length reversed], the length as a LEB128 varint (one
// byte below 128) and again after the bytes with its bytes in reverse order, so a chunk can be
// walked from either end, as a listpack keeps each entry's back-length. Pushes and pops touch only
// the end chunk: popping from the front moves the rest of that chunk down, as deleting from a
// listpack does, and a full end chunk gets a new neighbour. An index is found by walking the
// chunks' element counts from the nearer end, then the chunk from its nearer end. A chunk over
// the bound after an insert or a replacement is split in two; an element bigger than the bound
// gets a chunk to itself; a chunk emptied by a removal goes, and neighbours that fit together
// after removals are merged, so a list's chunks stay mostly full. Buffers past 512 bytes grow by an
// eighth (as HashValue's do), smaller ones by malloc's rounding, and all shrink once half empty,
// so little memory sits unused.
//
// Thread affinity: none; the keyspace's single thread owns every list. Views returned or handed to
// callbacks are valid only until the next mutation.
#ifndef BAZAAR_ENGINE_CORE_LIST_VALUE_H_
#define BAZAAR_ENGINE_CORE_LIST_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/memory_accounting.h"

namespace bazaar::engine::core {

class ListValue {
 public:
  // Redis 7.0's default list-max-listpack-size -2: 8 KB per node.
  static constexpr size_t kChunkBytes = 8192;

  ListValue() = default;
  ListValue(const ListValue&) = delete;
  ListValue& operator=(const ListValue&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Chunks in use (for tests of the layout).
  size_t chunk_count() const { return chunks_.size(); }
  // Heap bytes of the chunk table and the chunks, at glibc's block sizes (MEMORY USAGE).
  size_t AllocatedBytes() const;

  void PushFront(std::string_view value);
  void PushBack(std::string_view value);
  // Removes up to n elements from that end, appending them to *out (if not null) in pop order.
  void PopFront(size_t n, std::vector<std::string>* out);
  void PopBack(size_t n, std::vector<std::string>* out);

  // Precondition for the index forms: index < size() (Insert: index <= size()).
  std::string_view At(size_t index) const;
  void Set(size_t index, std::string_view value);
  // Inserts value before the element at index; index == size() appends.
  void Insert(size_t index, std::string_view value);
  // LREM: removes elements equal to value, at most |count| of them (all for 0), from the tail
  // when count is negative. Returns how many went.
  size_t Remove(std::string_view value, int64_t count);
  // LTRIM: drops `front` elements from the front and `back` from the back (front + back <= size).
  void Trim(size_t front, size_t back);

  // Calls fn(element) for the elements at [begin, end), in order.
  template <typename F>
  void ForRange(size_t begin, size_t end, F&& fn) const;
  template <typename F>
  void ForEach(F&& fn) const {
    ForRange(0, size_, fn);
  }
  // Calls fn(element, index) from the head, or from the tail when from_tail, while it returns
  // true. The list must not change during the walk.
  template <typename F>
  void Scan(bool from_tail, F&& fn) const;

 private:
  struct Free {
    void operator()(char* p) const { CountedFree(p); }
  };
  struct Chunk {
    std::unique_ptr<char, Free> data;
    size_t bytes = 0;     // in use
    size_t capacity = 0;  // allocated
    size_t count = 0;     // elements
    char* begin() const { return data.get(); }
    char* end() const { return data.get() + bytes; }
  };
  // An element's position: chunk index and byte offset of its start in that chunk.
  struct Pos {
    size_t chunk;
    size_t offset;
  };

  // The encoded size of a value: its bytes and both length fields.
  static size_t EncodedSize(std::string_view value);
  // Writes value's encoding at p (EncodedSize(value) bytes).
  static void Encode(char* p, std::string_view value);
  // The element starting at p / ending at end, and its encoded size in *size.
  static std::string_view DecodeAt(const char* p, size_t* size);
  static std::string_view DecodeBefore(const char* end, size_t* size);

  Pos Locate(size_t index) const;
  // Replaces chunk bytes [pos, pos + old_len) with room for new_len bytes (left uninitialized).
  static void Splice(Chunk& chunk, size_t pos, size_t old_len, size_t new_len);
  static void Reserve(Chunk& chunk, size_t needed);
  // Gives back most of a chunk's unused capacity once it is half empty.
  static void ShrinkIfSparse(Chunk& chunk);
  // Writes value at pos of chunk ci (over old_len bytes), then splits the chunk if it grew past
  // the bound.
  void WriteAt(size_t ci, size_t pos, size_t old_len, std::string_view value);
  // Replaces chunk ci, over the bound with more than one element, by pieces within it.
  void Split(size_t ci);
  // Merges each pair of neighbours whose bytes fit in one chunk.
  void MergeSmallNeighbours();

  std::vector<Chunk> chunks_;
  size_t size_ = 0;
};

template <typename F>
void ListValue::ForRange(size_t begin, size_t end, F&& fn) const {
  if (begin >= end) return;
  Pos pos = Locate(begin);
  size_t left = end - begin;
  for (size_t ci = pos.chunk; left > 0; ++ci) {
    const Chunk& chunk = chunks_[ci];
    const char* p = chunk.begin() + (ci == pos.chunk ? pos.offset : 0);
    for (const char* e = chunk.end(); p < e && left > 0; --left) {
      size_t n;
      fn(DecodeAt(p, &n));
      p += n;
    }
  }
}

template <typename F>
void ListValue::Scan(bool from_tail, F&& fn) const {
  size_t index = from_tail ? size_ : 0;
  if (!from_tail) {
    for (const Chunk& chunk : chunks_) {
      for (const char* p = chunk.begin(); p < chunk.end();) {
        size_t n;
        if (!fn(DecodeAt(p, &n), index++)) return;
        p += n;
      }
    }
    return;
  }
  for (auto it = chunks_.rbegin(); it != chunks_.rend(); ++it) {
    for (const char* p = it->end(); p > it->begin();) {
      size_t n;
      if (!fn(DecodeBefore(p, &n), --index)) return;
      p -= n;
    }
  }
}

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_LIST_VALUE_H_
