// Redis 7.0's listpack, byte for byte: a 4-byte little-endian total size, a 2-byte little-endian
// element count (65535 once it no longer fits), the elements, and a 0xFF end byte. Each element
// is an encoding byte (7-bit uint, 13/16/24/32/64-bit signed int, or a string with a 6-, 12- or
// 32-bit length) with its data, then a back-length of 1 to 5 bytes giving the size of
// encoding + data, so the list can be walked both ways. A string that is a canonical integer
// (Redis's string2ll) is stored as an integer, as Redis stores it.
//
// Small sorted sets, hashes, list nodes and stream nodes are listpacks in Redis: holding the same
// bytes costs what Redis costs per small key, and the blob goes to RDB and DUMP as it is, while a
// blob loaded from Redis is kept unchanged.
//
// Design note: positions are byte offsets of elements (First() is 6; AtEnd() at the end byte).
// Inserts and deletes move the tail, as Redis's do; a listpack is meant for hundreds of
// elements. Blobs adopted from outside are checked whole (FromBlob) so that every later walk
// may trust the encodings.
//
// Thread affinity: none; the owning value's thread.
#ifndef BAZAAR_ENGINE_CORE_LISTPACK_H_
#define BAZAAR_ENGINE_CORE_LISTPACK_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bazaar::engine::core {

// One decoded element: an integer, or a string viewing the blob.
struct ListpackElement {
  bool is_int = false;
  int64_t integer = 0;
  std::string_view str;
  // The element as text (integers in decimal); `buf` holds the digits and must outlive the view.
  std::string_view Text(char (&buf)[24]) const;
  bool Equals(std::string_view s) const;
};

// Decodes the element at p[0..avail): its value and `entry` = encoding + data size (without the
// back-length). False if the encoding is invalid (including the end byte) or overruns `avail`.
bool ListpackDecodeEntry(const unsigned char* p, size_t avail, ListpackElement* out,
                         size_t* entry);

// Sizes in the listpack encoding: an integer element, a string element (stored as an integer
// when it is one), both with their back-length, and the back-length for `encoded` bytes.
size_t ListpackIntSize(int64_t v);
size_t ListpackStringSize(std::string_view s);
size_t ListpackBacklenSize(size_t encoded);

class Listpack {
 public:
  static constexpr size_t kHeader = 6;

  Listpack();  // empty: header and end byte (7 bytes), as Redis's lpNew
  // Adopts `blob` if its total size, every element, the end byte (last, and only there) and the
  // count (when not 65535) are right; nullopt otherwise.
  static std::optional<Listpack> FromBlob(std::string_view blob);

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::string_view blob() const { return blob_; }
  size_t bytes() const { return blob_.size(); }
  // Heap bytes requested for the blob (0 while it fits inside the string object).
  size_t heap_capacity() const;

  size_t First() const { return kHeader; }
  bool AtEnd(size_t pos) const { return pos + 1 >= blob_.size(); }
  // The position after the element at pos (may be the end).
  size_t Next(size_t pos) const;
  // The element before pos (pos may be the end); precondition: pos > First().
  size_t Prev(size_t pos) const;
  // The last element's position, or the end when empty.
  size_t Last() const { return empty() ? blob_.size() - 1 : Prev(blob_.size() - 1); }
  // The position of the i-th element (O(i)); the end if i >= size().
  size_t Seek(size_t i) const;
  ListpackElement Get(size_t pos) const;

  // Inserts s (or v) before the element at pos (pos may be the end); returns the position of the
  // new element.
  size_t Insert(size_t pos, std::string_view s);
  size_t InsertInt(size_t pos, int64_t v);
  void Append(std::string_view s) { Insert(blob_.size() - 1, s); }
  void AppendInt(int64_t v) { InsertInt(blob_.size() - 1, v); }
  // Inserts `elements` already-encoded elements (with their back-lengths) before pos.
  size_t InsertRaw(size_t pos, std::string_view encoded, size_t elements);
  // Removes `n` elements starting at pos; returns pos (now the next remaining element).
  size_t Erase(size_t pos, size_t n = 1);
  // Replaces the element at pos by s; returns pos.
  size_t Replace(size_t pos, std::string_view s);
  // Gives back unused capacity (after a load or a conversion).
  void ShrinkToFit() { blob_.shrink_to_fit(); }

 private:
  void SetHeader();

  std::string blob_;
  size_t count_ = 0;
};

// Appends s's element encoding (encoding byte, data, back-length) to out.
void ListpackEncodeString(std::string& out, std::string_view s);
void ListpackEncodeInt(std::string& out, int64_t v);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_LISTPACK_H_
