#include "engine/persistence/compact_encodings.h"

#include <cstdint>

#include "engine/core/little_endian.h"
#include "engine/core/stream.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::persistence {

using core::ReadLE;
using core::SignExtend;

std::optional<std::vector<std::string>> DecodeListpack(std::string_view blob, bool deep) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t n = blob.size();
  if (n < 7 || ReadLE(p, 4) != n || p[n - 1] != 0xff) return std::nullopt;
  std::vector<std::string> out;
  size_t i = 6;
  while (i < n) {
    if (p[i] == 0xff) {
      if (!deep) return out;
      const uint64_t declared = ReadLE(p + 4, 2);
      if (i + 1 != n || (declared != 65535 && declared != out.size())) return std::nullopt;
      return out;
    }
    core::ListpackElement e;
    size_t entry;
    if (!core::ListpackDecodeEntry(p + i, n - i, &e, &entry)) return std::nullopt;
    char buf[24];
    out.emplace_back(e.Text(buf));
    i += entry + core::ListpackBacklenSize(entry);
  }
  return std::nullopt;  // no end marker
}

void ListpackWriter::Int(int64_t v) { lp_.AppendInt(v); }
void ListpackWriter::String(std::string_view s) { lp_.Append(s); }
std::string ListpackWriter::Finish() { return std::string(lp_.blob()); }

std::optional<std::vector<std::string>> DecodeZiplist(std::string_view blob) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t n = blob.size();
  constexpr size_t kHeader = 10;
  if (n < kHeader + 1 || ReadLE(p, 4) != n) return std::nullopt;
  std::vector<std::string> out;
  size_t i = kHeader;
  size_t last_start = kHeader;  // where the tail offset must point
  size_t previous_len = 0;      // the previous entry's whole length
  while (i < n) {
    if (p[i] == 0xff) {
      const uint64_t declared = ReadLE(p + 8, 2);
      if (i + 1 != n || ReadLE(p + 4, 4) != last_start ||
          (declared != 65535 && declared != out.size())) {
        return std::nullopt;
      }
      return out;
    }
    const size_t entry_start = i;
    size_t prevlen;
    if (p[i] == 0xfe) {
      if (i + 5 > n) return std::nullopt;
      prevlen = ReadLE(p + i + 1, 4);
      i += 5;
    } else {
      prevlen = p[i++];
    }
    if (prevlen != previous_len || i >= n) return std::nullopt;
    unsigned b = p[i];
    size_t len;
    switch (b >> 6) {
      case 0:
        len = b & 0x3f, ++i;
        break;
      case 1:
        if (i + 2 > n) return std::nullopt;
        len = ((b & 0x3f) << 8) | p[i + 1], i += 2;
        break;
      case 2:
        if (i + 5 > n) return std::nullopt;
        len = (static_cast<size_t>(p[i + 1]) << 24) | (p[i + 2] << 16) | (p[i + 3] << 8) |
              p[i + 4];
        i += 5;
        break;
      default: {
        int bytes;
        if (b == 0xc0) bytes = 2;
        else if (b == 0xd0) bytes = 4;
        else if (b == 0xe0) bytes = 8;
        else if (b == 0xf0) bytes = 3;
        else if (b == 0xfe) bytes = 1;
        else if (b >= 0xf1 && b <= 0xfd) bytes = 0;
        else return std::nullopt;
        ++i;
        if (i + bytes > n) return std::nullopt;
        int64_t v = bytes ? SignExtend(ReadLE(p + i, bytes), bytes * 8)
                          : static_cast<int64_t>((b & 0x0f) - 1);
        out.push_back(std::to_string(v));
        len = bytes;
        break;
      }
    }
    if (b >> 6 != 3) {
      if (len > n || i + len > n) return std::nullopt;
      out.emplace_back(blob.substr(i, len));
    }
    i += len;
    last_start = entry_start;
    previous_len = i - entry_start;
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> DecodeIntset(std::string_view blob) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < 8) return std::nullopt;
  uint64_t width = ReadLE(p, 4), count = ReadLE(p + 4, 4);
  if ((width != 2 && width != 4 && width != 8) || blob.size() != 8 + width * count) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  out.reserve(count);
  for (uint64_t k = 0; k < count; ++k) {
    out.push_back(std::to_string(SignExtend(ReadLE(p + 8 + k * width, width), width * 8)));
  }
  return out;
}

}  // namespace bazaar::engine::persistence
