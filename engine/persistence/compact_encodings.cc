#include "engine/persistence/compact_encodings.h"

#include <cstdint>

#include "engine/core/stream.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::persistence {
namespace {

uint64_t ReadLE(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Sign-extends the low `bits` of v.
int64_t SignExtend(uint64_t v, int bits) {
  uint64_t sign = 1ULL << (bits - 1);
  v &= (bits == 64) ? ~0ULL : ((1ULL << bits) - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

void PutLE(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

std::optional<std::vector<std::string>> DecodeListpack(std::string_view blob, bool deep) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t n = blob.size();
  if (n < 7 || ReadLE(p, 4) != n || p[n - 1] != 0xff) return std::nullopt;
  std::vector<std::string> out;
  size_t i = 6;
  while (i < n) {
    unsigned b = p[i];
    if (b == 0xff) {
      if (!deep) return out;
      const uint64_t declared = ReadLE(p + 4, 2);
      if (i + 1 != n || (declared != 65535 && declared != out.size())) return std::nullopt;
      return out;
    }
    size_t header, len = 0;
    bool is_int = true;
    int64_t value = 0;
    if ((b & 0x80) == 0) {
      header = 1, value = b & 0x7f;
    } else if ((b & 0xc0) == 0x80) {
      header = 1, len = b & 0x3f, is_int = false;
    } else if ((b & 0xe0) == 0xc0) {
      if (i + 2 > n) return std::nullopt;
      header = 2, value = SignExtend(((b & 0x1f) << 8) | p[i + 1], 13);
    } else if ((b & 0xf0) == 0xe0) {
      if (i + 2 > n) return std::nullopt;
      header = 2, len = ((b & 0x0f) << 8) | p[i + 1], is_int = false;
    } else if (b == 0xf0) {
      if (i + 5 > n) return std::nullopt;
      header = 5, len = ReadLE(p + i + 1, 4), is_int = false;
    } else if (b >= 0xf1 && b <= 0xf4) {
      static const int kBytes[] = {2, 3, 4, 8};
      int bytes = kBytes[b - 0xf1];
      if (i + 1 + bytes > n) return std::nullopt;
      header = 1 + bytes, value = SignExtend(ReadLE(p + i + 1, bytes), bytes * 8);
    } else {
      return std::nullopt;
    }
    size_t entry = header + len;
    if (len > n || i + entry > n) return std::nullopt;
    out.push_back(is_int ? std::to_string(value)
                         : std::string(blob.substr(i + header, len)));
    i += entry + core::ListpackBacklenSize(entry);
  }
  return std::nullopt;  // no end marker
}

ListpackWriter::ListpackWriter() : out_(6, '\0') {}

void ListpackWriter::Int(int64_t v) {
  const size_t start = out_.size();
  const auto u = static_cast<uint64_t>(v);
  if (v >= 0 && v <= 127) {
    out_.push_back(static_cast<char>(v));
  } else if (v >= -4096 && v <= 4095) {
    out_.push_back(static_cast<char>(0xc0 | ((u >> 8) & 0x1f)));
    out_.push_back(static_cast<char>(u & 0xff));
  } else if (v >= -32768 && v <= 32767) {
    out_.push_back(static_cast<char>(0xf1));
    PutLE(out_, u, 2);
  } else if (v >= -8388608 && v <= 8388607) {
    out_.push_back(static_cast<char>(0xf2));
    PutLE(out_, u, 3);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out_.push_back(static_cast<char>(0xf3));
    PutLE(out_, u, 4);
  } else {
    out_.push_back(static_cast<char>(0xf4));
    PutLE(out_, u, 8);
  }
  Backlen(out_.size() - start);
}

void ListpackWriter::String(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && protocol::ParseInt64(s, &v)) return Int(v);
  const size_t start = out_.size();
  if (s.size() < 64) {
    out_.push_back(static_cast<char>(0x80 | s.size()));
  } else if (s.size() < 4096) {
    out_.push_back(static_cast<char>(0xe0 | (s.size() >> 8)));
    out_.push_back(static_cast<char>(s.size() & 0xff));
  } else {
    out_.push_back(static_cast<char>(0xf0));
    PutLE(out_, s.size(), 4);
  }
  out_.append(s);
  Backlen(out_.size() - start);
}

// The element's length, most significant 7-bit group first, every byte but the first
// flagged with 0x80, so it reads back from the element's end.
void ListpackWriter::Backlen(size_t encoded) {
  const size_t n = core::ListpackBacklenSize(encoded);
  for (size_t i = n; i-- > 0;) {
    const auto group = static_cast<char>((encoded >> (7 * i)) & 127);
    out_.push_back(i + 1 == n ? group : static_cast<char>(group | 128));
  }
  ++count_;
}

std::string ListpackWriter::Finish() {
  out_.push_back(static_cast<char>(0xff));
  std::string header;
  PutLE(header, out_.size(), 4);
  PutLE(header, count_ < 65535 ? count_ : 65535, 2);
  out_.replace(0, 6, header);
  return std::move(out_);
}

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
