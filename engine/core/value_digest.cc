#include "engine/core/value_digest.h"

#include <openssl/sha.h>

#include <cstdio>
#include <string_view>

#include "engine/core/stream.h"

namespace bazaar::engine::core {
namespace {

// Redis's object type codes (OBJ_STRING ... OBJ_STREAM), which enter every value's digest.
uint32_t RedisTypeCode(ValueType type) {
  switch (type) {
    case ValueType::kString: return 0;
    case ValueType::kList: return 1;
    case ValueType::kSet: return 2;
    case ValueType::kZSet: return 3;
    case ValueType::kHash: return 4;
    case ValueType::kStream: return 6;
  }
  return 0;
}

void Xor(Digest& digest, std::string_view data) {
  unsigned char hash[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), hash);
  for (size_t i = 0; i < digest.size(); ++i) digest[i] ^= hash[i];
}

void Mix(Digest& digest, std::string_view data) {
  Xor(digest, data);
  SHA1(digest.data(), digest.size(), digest.data());
}

std::string_view AsBytes(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

// A 32-bit number as Redis feeds it: in network byte order.
std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

void AddContent(Digest& digest, const Value& value) {
  switch (value.type()) {
    case ValueType::kString:
      Mix(digest, value.str());
      break;
    case ValueType::kList:
      value.list().ForEach([&](std::string_view e) { Mix(digest, e); });
      break;
    case ValueType::kSet:
      value.set().ForEach([&](std::string_view m) { Xor(digest, m); });
      break;
    case ValueType::kZSet:
      value.zset().Walk(0, false, [&](std::string_view member, double score) {
        char buf[128];
        const int n = std::snprintf(buf, sizeof buf, "%.17g", score);
        Digest pair{};
        Mix(pair, member);
        Mix(pair, std::string_view(buf, n));
        Xor(digest, AsBytes(pair));
        return true;
      });
      break;
    case ValueType::kHash:
      value.hash().ForEach([&](std::string_view field, std::string_view v) {
        Digest pair{};
        Mix(pair, field);
        Mix(pair, v);
        Xor(digest, AsBytes(pair));
      });
      break;
    case ValueType::kStream:
      for (const auto& [id, packed] : value.stream().entries()) {
        Mix(digest, std::to_string(id.ms) + "." + std::to_string(id.seq));
        for (std::string_view s : StreamValue::Unpack(packed)) Mix(digest, s);
      }
      break;
  }
}

}  // namespace

Digest ValueDigest(const Value& value, bool has_expire) {
  Digest digest{};
  Mix(digest, BigEndian32(RedisTypeCode(value.type())));
  AddContent(digest, value);
  if (has_expire) Xor(digest, "!!expire!!");
  return digest;
}

Digest DatasetDigest(const Keyspace& keyspace) {
  Digest final_digest{};
  for (int db = 0; db < keyspace.num_dbs(); ++db) {
    if (keyspace.DbSize(db) == 0) continue;
    Mix(final_digest, BigEndian32(static_cast<uint32_t>(db)));  // the same data elsewhere differs
    keyspace.ForEachKeyWithExpired(db, [&](const std::string& key, const Value& value) {
      Digest kv{};
      Mix(kv, key);
      // ValueDigest's steps, continued from the key's digest.
      Mix(kv, BigEndian32(RedisTypeCode(value.type())));
      AddContent(kv, value);
      if (keyspace.GetExpire(db, key) != -1) Xor(kv, "!!expire!!");
      Xor(final_digest, AsBytes(kv));
    });
  }
  return final_digest;
}

std::string DigestHex(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  return hex;
}

}  // namespace bazaar::engine::core
