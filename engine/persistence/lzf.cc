#include "engine/persistence/lzf.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace bazaar::engine::persistence {
namespace {

constexpr size_t kMaxLiteral = 32;
constexpr size_t kMaxOffset = 1 << 13;
constexpr size_t kMaxMatch = 264;  // 2 + 7 + 255
constexpr int kHashBits = 14;

uint32_t Hash3(const unsigned char* p) {
  uint32_t v = (p[0] << 16) | (p[1] << 8) | p[2];
  return (v * 2654435761u) >> (32 - kHashBits);
}

}  // namespace

std::optional<std::string> LzfCompress(std::string_view in) {
  const auto* data = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  if (n < 4) return std::nullopt;
  std::string out;
  out.reserve(n);
  std::vector<int64_t> table(1 << kHashBits, -1);
  size_t literal_start = 0;
  auto flush_literals = [&](size_t end) {
    while (literal_start < end) {
      size_t run = std::min(kMaxLiteral, end - literal_start);
      out.push_back(static_cast<char>(run - 1));
      out.append(in.data() + literal_start, run);
      literal_start += run;
    }
  };
  size_t i = 0;
  while (i + 2 < n) {
    uint32_t h = Hash3(data + i);
    int64_t candidate = table[h];
    table[h] = static_cast<int64_t>(i);
    if (candidate >= 0 && i - candidate <= kMaxOffset &&
        std::memcmp(data + candidate, data + i, 3) == 0) {
      size_t len = 3;
      while (i + len < n && len < kMaxMatch && data[candidate + len] == data[i + len]) ++len;
      flush_literals(i);
      size_t offset = i - candidate - 1;
      size_t code = len - 2;
      if (code < 7) {
        out.push_back(static_cast<char>((code << 5) | (offset >> 8)));
      } else {
        out.push_back(static_cast<char>((7 << 5) | (offset >> 8)));
        out.push_back(static_cast<char>(code - 7));
      }
      out.push_back(static_cast<char>(offset & 0xff));
      for (size_t k = 1; k < len && i + k + 2 < n; ++k) table[Hash3(data + i + k)] = i + k;
      i += len;
      literal_start = i;
    } else {
      ++i;
    }
    if (out.size() >= n) return std::nullopt;
  }
  flush_literals(n);
  if (out.size() >= n) return std::nullopt;
  return out;
}

std::optional<std::string> LzfDecompress(std::string_view in, size_t out_len) {
  // No input byte stands for more than kMaxExpansion output bytes (a 3-byte back-reference
  // copies at most 264), so a larger claimed length is a lie, refused before it is allocated.
  constexpr size_t kMaxExpansion = 88;
  if (out_len / kMaxExpansion > in.size()) return std::nullopt;
  std::string out;
  out.reserve(out_len);
  size_t i = 0;
  while (i < in.size()) {
    unsigned ctrl = static_cast<unsigned char>(in[i++]);
    if (ctrl < 32) {
      size_t run = ctrl + 1;
      if (i + run > in.size() || out.size() + run > out_len) return std::nullopt;
      out.append(in.data() + i, run);
      i += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (i >= in.size()) return std::nullopt;
      len += static_cast<unsigned char>(in[i++]);
    }
    len += 2;
    if (i >= in.size()) return std::nullopt;
    size_t back = (((ctrl & 0x1f) << 8) | static_cast<unsigned char>(in[i++])) + 1;
    if (back > out.size() || out.size() + len > out_len) return std::nullopt;
    size_t from = out.size() - back;
    for (size_t k = 0; k < len; ++k) out.push_back(out[from + k]);  // may overlap
  }
  if (out.size() != out_len) return std::nullopt;
  return out;
}

}  // namespace bazaar::engine::persistence
