#include "engine/persistence/dump_payload.h"

#include <cstdint>

#include "engine/persistence/crc64.h"
#include "engine/persistence/rdb_format.h"
#include "engine/persistence/rdb_writer.h"

namespace bazaar::engine::persistence {
namespace {

constexpr size_t kFooterBytes = 10;  // version (2) and CRC-64 (8)

void AppendLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadLe(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = bytes.size(); i-- > 0;) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

}  // namespace

std::string MakeDumpPayload(const core::Value& value, bool compress) {
  std::string payload = EncodeRdbValue(value, compress);
  AppendLe(&payload, kRdbVersion, 2);
  AppendLe(&payload, Crc64(0, payload.data(), payload.size()), 8);
  return payload;
}

bool DumpFooterValid(std::string_view payload) {
  if (payload.size() < kFooterBytes) return false;
  const std::string_view footer = payload.substr(payload.size() - kFooterBytes);
  if (ReadLe(footer.substr(0, 2)) > static_cast<uint64_t>(kRdbVersion)) return false;
  const size_t covered = payload.size() - 8;
  return Crc64(0, payload.data(), covered) == ReadLe(footer.substr(2));
}

}  // namespace bazaar::engine::persistence
