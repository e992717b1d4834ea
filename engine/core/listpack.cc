#include "engine/core/listpack.h"

#include <charconv>
#include <cstring>

#include "engine/core/little_endian.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::core {
namespace {

void PutLE(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// The element's length, most significant 7-bit group first, every byte but the first flagged
// with 0x80, so that it reads back from the element's end.
void PutBacklen(std::string& out, size_t encoded) {
  const size_t n = ListpackBacklenSize(encoded);
  for (size_t i = n; i-- > 0;) {
    const auto group = static_cast<char>((encoded >> (7 * i)) & 127);
    out.push_back(i + 1 == n ? group : static_cast<char>(group | 128));
  }
}

bool AsInt(std::string_view s, int64_t* v) { return s.size() <= 20 && protocol::ParseInt64(s, v); }

}  // namespace

std::string_view ListpackElement::Text(char (&buf)[24]) const {
  if (!is_int) return str;
  const char* end = std::to_chars(buf, buf + sizeof buf, integer).ptr;
  return std::string_view(buf, end - buf);
}

bool ListpackElement::Equals(std::string_view s) const {
  if (!is_int) return str == s;
  int64_t v;
  return AsInt(s, &v) && v == integer;
}

bool ListpackDecodeEntry(const unsigned char* p, size_t avail, ListpackElement* out,
                         size_t* entry) {
  if (avail == 0) return false;
  const unsigned b = p[0];
  size_t header, len = 0;
  out->is_int = true;
  if ((b & 0x80) == 0) {
    header = 1, out->integer = b & 0x7f;
  } else if ((b & 0xc0) == 0x80) {
    header = 1, len = b & 0x3f, out->is_int = false;
  } else if ((b & 0xe0) == 0xc0) {
    if (avail < 2) return false;
    header = 2, out->integer = SignExtend(((b & 0x1f) << 8) | p[1], 13);
  } else if ((b & 0xf0) == 0xe0) {
    if (avail < 2) return false;
    header = 2, len = ((b & 0x0f) << 8) | p[1], out->is_int = false;
  } else if (b == 0xf0) {
    if (avail < 5) return false;
    header = 5, len = ReadLE(p + 1, 4), out->is_int = false;
  } else if (b >= 0xf1 && b <= 0xf4) {
    static const int kBytes[] = {2, 3, 4, 8};
    const int bytes = kBytes[b - 0xf1];
    if (avail < 1 + static_cast<size_t>(bytes)) return false;
    header = 1 + bytes, out->integer = SignExtend(ReadLE(p + 1, bytes), bytes * 8);
  } else {
    return false;  // 0xF5..0xFE are unused; 0xFF is the end
  }
  if (len > avail || header + len > avail) return false;
  if (!out->is_int) out->str = std::string_view(reinterpret_cast<const char*>(p) + header, len);
  *entry = header + len;
  return true;
}

size_t ListpackBacklenSize(size_t encoded) {
  if (encoded <= 127) return 1;
  if (encoded < 16383) return 2;
  if (encoded < 2097151) return 3;
  if (encoded < 268435455) return 4;
  return 5;
}

size_t ListpackIntSize(int64_t v) {
  size_t encoded;
  if (v >= 0 && v <= 127) {
    encoded = 1;
  } else if (v >= -4096 && v <= 4095) {
    encoded = 2;
  } else if (v >= -32768 && v <= 32767) {
    encoded = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    encoded = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    encoded = 5;
  } else {
    encoded = 9;
  }
  return encoded + ListpackBacklenSize(encoded);
}

size_t ListpackStringSize(std::string_view s) {
  int64_t v;
  if (AsInt(s, &v)) return ListpackIntSize(v);
  const size_t header = s.size() < 64 ? 1 : s.size() < 4096 ? 2 : 5;
  return header + s.size() + ListpackBacklenSize(header + s.size());
}

void ListpackEncodeInt(std::string& out, int64_t v) {
  const size_t start = out.size();
  const auto u = static_cast<uint64_t>(v);
  if (v >= 0 && v <= 127) {
    out.push_back(static_cast<char>(v));
  } else if (v >= -4096 && v <= 4095) {
    out.push_back(static_cast<char>(0xc0 | ((u >> 8) & 0x1f)));
    out.push_back(static_cast<char>(u & 0xff));
  } else if (v >= -32768 && v <= 32767) {
    out.push_back(static_cast<char>(0xf1));
    PutLE(out, u, 2);
  } else if (v >= -8388608 && v <= 8388607) {
    out.push_back(static_cast<char>(0xf2));
    PutLE(out, u, 3);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out.push_back(static_cast<char>(0xf3));
    PutLE(out, u, 4);
  } else {
    out.push_back(static_cast<char>(0xf4));
    PutLE(out, u, 8);
  }
  PutBacklen(out, out.size() - start);
}

void ListpackEncodeString(std::string& out, std::string_view s) {
  int64_t v;
  if (AsInt(s, &v)) return ListpackEncodeInt(out, v);
  const size_t start = out.size();
  if (s.size() < 64) {
    out.push_back(static_cast<char>(0x80 | s.size()));
  } else if (s.size() < 4096) {
    out.push_back(static_cast<char>(0xe0 | (s.size() >> 8)));
    out.push_back(static_cast<char>(s.size() & 0xff));
  } else {
    out.push_back(static_cast<char>(0xf0));
    PutLE(out, s.size(), 4);
  }
  out.append(s);
  PutBacklen(out, out.size() - start);
}

Listpack::Listpack() : blob_(kHeader, '\0') {
  blob_.push_back(static_cast<char>(0xff));
  SetHeader();
}

std::optional<Listpack> Listpack::FromBlob(std::string_view blob) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t n = blob.size();
  if (n < kHeader + 1 || ReadLE(p, 4) != n || p[n - 1] != 0xff) return std::nullopt;
  size_t count = 0;
  size_t i = kHeader;
  while (i + 1 < n) {
    ListpackElement e;
    size_t entry;
    if (!ListpackDecodeEntry(p + i, n - 1 - i, &e, &entry)) return std::nullopt;
    const size_t backlen = ListpackBacklenSize(entry);
    if (i + entry + backlen > n - 1) return std::nullopt;
    // The back-length must say what the entry is, or walking backwards would go astray.
    uint64_t val = 0;
    size_t shift = 0;
    for (size_t k = i + entry + backlen; k-- > i + entry;) {
      val |= static_cast<uint64_t>(p[k] & 127) << shift;
      shift += 7;
      const bool more = p[k] & 128;
      if (more != (k != i + entry)) return std::nullopt;
    }
    if (val != entry) return std::nullopt;
    i += entry + backlen;
    ++count;
  }
  const uint64_t declared = ReadLE(p + 4, 2);
  if (declared != 65535 && declared != count) return std::nullopt;
  if (declared == 65535 && count < 65535) return std::nullopt;
  Listpack lp;
  lp.blob_.assign(blob);
  lp.count_ = count;
  return lp;
}

size_t Listpack::heap_capacity() const {
  // libstdc++ keeps up to 15 bytes inside the string object.
  return blob_.capacity() > 15 ? blob_.capacity() + 1 : 0;  // + the terminating NUL
}

size_t Listpack::Next(size_t pos) const {
  ListpackElement e;
  size_t entry = 0;
  ListpackDecodeEntry(reinterpret_cast<const unsigned char*>(blob_.data()) + pos,
                      blob_.size() - 1 - pos, &e, &entry);
  return pos + entry + ListpackBacklenSize(entry);
}

size_t Listpack::Prev(size_t pos) const {
  const auto* p = reinterpret_cast<const unsigned char*>(blob_.data());
  uint64_t val = 0;
  size_t shift = 0;
  size_t k = pos - 1;
  while (true) {
    val |= static_cast<uint64_t>(p[k] & 127) << shift;
    if (!(p[k] & 128)) break;
    shift += 7;
    --k;
  }
  return pos - ListpackBacklenSize(val) - val;
}

size_t Listpack::Seek(size_t i) const {
  if (i >= count_) return blob_.size() - 1;
  size_t pos;
  if (i <= count_ / 2) {
    pos = First();
    while (i-- > 0) pos = Next(pos);
  } else {
    pos = blob_.size() - 1;
    for (size_t k = count_ - i; k > 0; --k) pos = Prev(pos);
  }
  return pos;
}

ListpackElement Listpack::Get(size_t pos) const {
  ListpackElement e;
  size_t entry;
  ListpackDecodeEntry(reinterpret_cast<const unsigned char*>(blob_.data()) + pos,
                      blob_.size() - 1 - pos, &e, &entry);
  return e;
}

size_t Listpack::InsertRaw(size_t pos, std::string_view encoded, size_t elements) {
  const size_t need = blob_.size() + encoded.size();
  if (need > blob_.capacity()) {
    // Grown by an eighth, not doubled (std::string's own growth): Redis reallocates a listpack
    // to its exact size, and small sorted sets are most of a game's keys.
    std::string grown;
    grown.reserve(need + need / 8);
    grown.append(blob_, 0, pos);
    grown.append(encoded);
    grown.append(blob_, pos, std::string::npos);
    blob_ = std::move(grown);
  } else {
    blob_.insert(pos, encoded);
  }
  count_ += elements;
  SetHeader();
  return pos;
}

size_t Listpack::Insert(size_t pos, std::string_view s) {
  std::string enc;
  ListpackEncodeString(enc, s);
  return InsertRaw(pos, enc, 1);
}

size_t Listpack::InsertInt(size_t pos, int64_t v) {
  std::string enc;
  ListpackEncodeInt(enc, v);
  return InsertRaw(pos, enc, 1);
}

size_t Listpack::Erase(size_t pos, size_t n) {
  size_t end = pos;
  size_t removed = 0;
  while (removed < n && !AtEnd(end)) {
    end = Next(end);
    ++removed;
  }
  blob_.erase(pos, end - pos);
  count_ -= removed;
  SetHeader();
  return pos;
}

size_t Listpack::Replace(size_t pos, std::string_view s) {
  std::string enc;
  ListpackEncodeString(enc, s);
  const size_t old = Next(pos) - pos;
  blob_.replace(pos, old, enc);
  SetHeader();
  return pos;
}

void Listpack::SetHeader() {
  const uint64_t total = blob_.size();
  const uint64_t count = count_ < 65535 ? count_ : 65535;
  for (int i = 0; i < 4; ++i) blob_[i] = static_cast<char>(total >> (8 * i));
  blob_[4] = static_cast<char>(count & 0xff);
  blob_[5] = static_cast<char>(count >> 8);
}

}  // namespace bazaar::engine::core
