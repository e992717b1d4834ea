#include "engine/persistence/rdb_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/persistence/compact_encodings.h"
#include "engine/persistence/crc64.h"
#include "engine/persistence/lzf.h"
#include "engine/persistence/rdb_format.h"
#include "engine/persistence/stream_listpacks.h"

namespace bazaar::engine::persistence {
namespace {

using core::Value;

absl::Status ShortRead() {
  return absl::DataLossError("Short read or OOM loading DB. Unrecoverable error, aborting now.");
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  size_t pos() const { return pos_; }
  bool failed() const { return failed_; }

  // After a failure every read fails, so pos() stays where the first unreadable item starts.
  uint8_t Byte() {
    if (failed_ || pos_ >= data_.size()) return Fail(), 0;
    return static_cast<uint8_t>(data_[pos_++]);
  }
  std::string_view Take(size_t n) {
    if (failed_ || data_.size() - pos_ < n) return Fail(), std::string_view();
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  uint64_t Le(int bytes) {
    std::string_view b = Take(bytes);
    uint64_t v = 0;
    for (int i = static_cast<int>(b.size()) - 1; i >= 0; --i) {
      v = (v << 8) | static_cast<uint8_t>(b[i]);
    }
    return v;
  }
  uint64_t Be(int bytes) {
    std::string_view b = Take(bytes);
    uint64_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
    return v;
  }
  // A length; *encoded is set when the first byte announces a special string encoding.
  uint64_t Length(bool* encoded = nullptr) {
    uint8_t b = Byte();
    if (encoded) *encoded = false;
    switch (b >> 6) {
      case 0: return b & 0x3f;
      case 1: return (static_cast<uint64_t>(b & 0x3f) << 8) | Byte();
      case 2:
        if (b == kRdbLen32) return Be(4);
        if (b == kRdbLen64) return Be(8);
        return Fail(), 0;
      default:
        if (encoded) *encoded = true;
        return b & 0x3f;
    }
  }
  std::string String() {
    bool encoded;
    uint64_t len = Length(&encoded);
    if (!encoded) return std::string(Take(len));
    switch (len | 0xC0) {
      case kRdbEncInt8: return std::to_string(static_cast<int8_t>(Byte()));
      case kRdbEncInt16: return std::to_string(static_cast<int16_t>(Le(2)));
      case kRdbEncInt32: return std::to_string(static_cast<int32_t>(Le(4)));
      case kRdbEncLzf: {
        uint64_t packed = Length(), original = Length();
        std::string_view in = Take(packed);
        if (failed_) return {};
        auto out = LzfDecompress(in, original);
        if (!out) return Fail(), std::string();
        return *out;
      }
    }
    return Fail(), std::string();
  }
  void Fail() { failed_ = true; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

bool ParseScore(std::string_view s, double* out) {
  std::string buf(s);
  char* end;
  errno = 0;
  *out = std::strtod(buf.c_str(), &end);
  return end == buf.c_str() + buf.size() && !buf.empty();
}

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(absl::StrFormat("Bad RDB value: %s", what));
}

// An intset blob becomes a set holding it byte for byte. One whose values are not strictly
// ascending is refused when `deep` (sanitize-dump-payload), as Redis refuses it; otherwise its
// members are added one by one, so lookups stay correct where Redis's would not.
absl::Status IntsetValue(std::string_view blob, bool deep, Value* out) {
  if (std::optional<core::IntSet> ints = core::IntSet::FromBlob(blob)) {
    *out = Value::OfSet(core::SetValue::FromIntset(std::move(*ints)));
    return absl::OkStatus();
  }
  std::optional<std::vector<std::string>> items = DecodeIntset(blob);
  if (!items) return absl::DataLossError("Malformed compact encoding in RDB value");
  if (deep) return Corrupt("intset not in ascending order");
  *out = Value::NewSet();
  for (const std::string& m : *items) out->set().Add(m);
  return absl::OkStatus();
}

// Builds a value from a flat element list: pairs for hashes and sorted sets. `deep` refuses
// what Redis's sanitize-dump-payload refuses in these blobs: repeated members or fields (a
// ziplist's repeats are refused always, as Redis refuses them when it converts one).
absl::Status FromElements(uint8_t type, const std::vector<std::string>& items, bool deep,
                          Value* out) {
  switch (type) {
    case kRdbTypeListZiplist:
    case kRdbTypeListQuicklist:
    case kRdbTypeListQuicklist2: {
      *out = Value::NewList();
      for (const auto& e : items) out->list().PushBack(e);
      return absl::OkStatus();
    }
    case kRdbTypeHashZiplist:
    case kRdbTypeHashListpack: {
      if (items.size() % 2) break;
      const bool refuse_repeats = deep || type == kRdbTypeHashZiplist;
      *out = Value::NewHash();
      for (size_t i = 0; i < items.size(); i += 2) {
        if (!out->hash().Set(items[i], items[i + 1]) && refuse_repeats) {
          return Corrupt("duplicate field");
        }
      }
      return absl::OkStatus();
    }
    case kRdbTypeZSetZiplist:
    case kRdbTypeZSetListpack: {
      if (items.size() % 2) break;
      const bool refuse_repeats = deep || type == kRdbTypeZSetZiplist;
      *out = Value::NewZSet();
      for (size_t i = 0; i < items.size(); i += 2) {
        double score;
        if (!ParseScore(items[i + 1], &score) || std::isnan(score)) {
          return Corrupt("sorted set score is not a number");
        }
        if (!out->zset().Set(items[i], score) && refuse_repeats) {
          return Corrupt("duplicate member");
        }
      }
      return absl::OkStatus();
    }
  }
  return absl::DataLossError("Malformed compact encoding in RDB value");
}

// Redis keeps a sorted-set listpack it loads as it is (converting only past the entries limit):
// when the blob is a well-formed listpack holding exactly the pairs `out` was built from, in
// order, `out` takes the blob itself, so it saves and dumps to the same bytes.
void KeepZSetListpack(std::string_view blob, Value* out) {
  std::optional<core::Listpack> lp = core::Listpack::FromBlob(blob);
  const core::ZSet& built = out->zset();
  if (!lp || lp->size() != 2 * built.size()) return;
  bool same = true;
  size_t p = lp->First();
  char buf[24];
  built.Walk(0, false, [&](std::string_view member, double score) {
    const std::string_view m = lp->Get(p).Text(buf);
    p = lp->Next(p);
    same = m == member && core::ZSet::ReadScore(lp->Get(p)) == score;
    p = lp->Next(p);
    return same;
  });
  if (!same) return;
  Value kept = Value::NewZSet();
  kept.zset().AdoptListpack(std::move(*lp));
  *out = std::move(kept);
}

// A failed stream read in redis-check-rdb's words (they name Redis 7.0.15's source line).
absl::Status StreamReadError(int line, const char* what) {
  return absl::DataLossError(absl::StrFormat(
      "Internal error in RDB reading offset 0, function at rdb.c:%d -> %s", line, what));
}

// A raw 16-byte radix-tree key as an id, read at once (a short read fails where it starts).
core::StreamId ReadRawId(Reader& in) {
  const std::string_view key = in.Take(16);
  core::StreamId id;
  for (size_t b = 0; b < key.size(); ++b) {
    uint64_t& half = b < 8 ? id.ms : id.seq;
    half = (half << 8) | static_cast<uint8_t>(key[b]);
  }
  return id;
}

// The consumer groups of a stream, as Redis 7.0's rdbLoadObject reads them (type 15 has no
// entries-read: it is estimated from the last id, as Redis does). A short read is reported in
// redis-check-rdb's words, other damage plainly.
absl::Status ReadStreamGroups(Reader& in, uint8_t type, uint64_t count, core::StreamValue& s) {
  while (count--) {
    std::string name = in.String();
    if (in.failed()) {
      return StreamReadError(2449, "Error reading the consumer group name from Stream");
    }
    core::StreamId last{in.Length(), in.Length()};
    if (in.failed()) return StreamReadError(2458, "Stream cgroup ID loading failed.");
    int64_t entries_read = s.EstimateEntriesRead(last);
    if (type == kRdbTypeStreamListpacks2) entries_read = static_cast<int64_t>(in.Length());
    if (in.failed()) return StreamReadError(2469, "Stream cgroup offset loading failed.");
    auto [it, inserted] = s.groups().try_emplace(name, last, entries_read);
    if (!inserted) return absl::DataLossError("Duplicated consumer group name " + name);
    core::StreamGroup& group = it->second;
    uint64_t pel = in.Length();
    if (in.failed()) return StreamReadError(2495, "Stream PEL size loading failed.");
    while (pel--) {
      const core::StreamId id = ReadRawId(in);
      if (in.failed()) return StreamReadError(2502, "Stream PEL ID loading failed.");
      const auto delivery_time = static_cast<int64_t>(in.Le(8));
      const uint64_t delivery_count = in.Length();
      if (in.failed()) return StreamReadError(2510, "Stream PEL NACK loading failed.");
      if (!group.AddLoadedPending(id, delivery_time, delivery_count)) {
        return absl::DataLossError("Duplicated global PEL entry loading stream consumer group");
      }
    }
    uint64_t consumers = in.Length();
    if (in.failed()) return StreamReadError(2527, "Stream consumers num loading failed.");
    while (consumers--) {
      std::string consumer = in.String();
      if (in.failed()) {
        return StreamReadError(2534, "Error reading the consumer name from Stream group.");
      }
      if (group.FindConsumer(consumer)) {
        return absl::DataLossError("Duplicate stream consumer detected.");
      }
      const auto seen_time = static_cast<int64_t>(in.Le(8));
      if (in.failed()) return StreamReadError(2549, "Stream short read reading seen time.");
      group.AddLoadedConsumer(consumer, seen_time);
      uint64_t owned = in.Length();
      if (in.failed()) return StreamReadError(2558, "Stream consumer PEL num loading failed.");
      while (owned--) {
        const core::StreamId id = ReadRawId(in);
        if (in.failed()) return StreamReadError(2566, "Stream short read reading PEL streamID.");
        if (!group.FindPending(id)) {
          return absl::DataLossError("Consumer entry not found in group global PEL");
        }
        if (!group.AssignLoaded(id, consumer)) {
          return absl::DataLossError(
              "Duplicated consumer PEL entry loading a stream consumer group");
        }
      }
    }
  }
  return absl::OkStatus();
}

// RDB_TYPE_STREAM_LISTPACKS (6.x: no first id, max deleted id or entries added) and _2 (7.0).
absl::Status ReadStream(Reader& in, uint8_t type, Value* out) {
  *out = Value::NewStream();
  core::StreamValue& s = out->stream();
  uint64_t nodes = in.Length();
  if (in.failed()) return StreamReadError(2327, "Stream listpacks len loading failed.");
  while (nodes--) {
    std::string key = in.String();
    if (in.failed()) {
      return StreamReadError(2338,
                             "Stream master ID loading failed: invalid encoding or I/O error.");
    }
    std::string blob = in.String();
    if (in.failed()) return StreamReadError(2355, "Stream listpacks loading failed.");
    if (!LoadStreamNode(key, blob, &s)) {
      return absl::DataLossError("Malformed stream node in RDB value");
    }
  }
  const uint64_t length = in.Length();
  core::StreamId last{in.Length(), in.Length()};
  s.set_last_id(last);
  s.set_entries_added(length);
  if (type == kRdbTypeStreamListpacks2) {
    in.Length();  // the first entry's id, which the entries give
    in.Length();
    core::StreamId max_deleted{in.Length(), in.Length()};
    s.set_max_deleted_id(max_deleted);
    s.set_entries_added(in.Length());
  }
  if (in.failed()) return StreamReadError(2424, "Stream object metadata loading failed.");
  const uint64_t groups = in.Length();
  if (in.failed()) return StreamReadError(2438, "Stream cgroup count loading failed.");
  if (length != s.size()) return absl::DataLossError("Stream length mismatch in RDB value");
  return ReadStreamGroups(in, type, groups, s);
}

// Reads the body of a value of RDB type `type`. A repeated member of a plain set, sorted set or
// hash is refused, as Redis refuses it whatever sanitize-dump-payload says; `deep` as for
// DecodeRdbValue.
absl::Status ReadValue(Reader& in, uint8_t type, bool deep, Value* out) {
  switch (type) {
    case kRdbTypeString:
      *out = Value(in.String());
      break;
    case kRdbTypeList: {
      *out = Value::NewList();
      for (uint64_t n = in.Length(); n-- && !in.failed();) out->list().PushBack(in.String());
      break;
    }
    case kRdbTypeSet: {
      *out = Value::NewSet();
      for (uint64_t n = in.Length(); n-- && !in.failed();) {
        if (!out->set().Add(in.String()) && !in.failed()) {
          return Corrupt("duplicate set member");
        }
      }
      break;
    }
    case kRdbTypeZSet:
    case kRdbTypeZSet2: {
      // Loaded as Redis loads a skiplist, then made a listpack if it fits (RecheckCompact).
      *out = Value::NewZSet();
      out->zset().DropCompact();
      for (uint64_t n = in.Length(); n-- && !in.failed();) {
        std::string member = in.String();
        double score = 0;
        if (type == kRdbTypeZSet2) {
          uint64_t bits = in.Le(8);
          std::memcpy(&score, &bits, 8);
        } else {
          uint8_t len = in.Byte();
          if (len == 253) score = NAN;
          else if (len == 254) score = INFINITY;
          else if (len == 255) score = -INFINITY;
          else if (!ParseScore(in.Take(len), &score)) in.Fail();
        }
        if (in.failed()) break;
        if (std::isnan(score)) return Corrupt("sorted set score is not a number");
        if (!out->zset().Set(member, score)) return Corrupt("duplicate sorted set member");
      }
      if (!in.failed()) out->zset().RecheckCompact();
      break;
    }
    case kRdbTypeHash: {
      *out = Value::NewHash();
      for (uint64_t n = in.Length(); n-- && !in.failed();) {
        std::string field = in.String();
        std::string value = in.String();
        if (in.failed()) break;
        if (!out->hash().Set(field, value)) return Corrupt("duplicate hash field");
      }
      break;
    }
    case kRdbTypeSetIntset: {
      std::string blob = in.String();
      if (in.failed()) return ShortRead();
      return IntsetValue(blob, deep, out);
    }
    case kRdbTypeListZiplist:
    case kRdbTypeZSetZiplist:
    case kRdbTypeHashZiplist:
    case kRdbTypeHashListpack:
    case kRdbTypeZSetListpack: {
      std::string blob = in.String();
      if (in.failed()) return ShortRead();
      std::optional<std::vector<std::string>> items;
      const bool listpack = type == kRdbTypeHashListpack || type == kRdbTypeZSetListpack;
      if (listpack) items = DecodeListpack(blob, deep);
      else items = DecodeZiplist(blob);
      if (!items) return absl::DataLossError("Malformed compact encoding in RDB value");
      absl::Status status = FromElements(type, *items, deep, out);
      if (status.ok() && type == kRdbTypeZSetListpack) KeepZSetListpack(blob, out);
      return status;
    }
    case kRdbTypeListQuicklist:
    case kRdbTypeListQuicklist2: {
      std::vector<std::string> items;
      for (uint64_t n = in.Length(); n-- && !in.failed();) {
        uint64_t container = type == kRdbTypeListQuicklist2 ? in.Length() : kQuicklistNodePacked;
        std::string blob = in.String();
        if (in.failed()) break;
        if (blob.empty()) return Corrupt("empty quicklist node");
        if (container == kQuicklistNodePlain) {
          items.push_back(std::move(blob));
          continue;
        }
        auto node =
            type == kRdbTypeListQuicklist2 ? DecodeListpack(blob, deep) : DecodeZiplist(blob);
        if (!node) return absl::DataLossError("Malformed quicklist node in RDB value");
        for (auto& e : *node) items.push_back(std::move(e));
      }
      if (in.failed()) return ShortRead();
      return FromElements(type, items, deep, out);
    }
    case kRdbTypeStreamListpacks:
    case kRdbTypeStreamListpacks2:
      return ReadStream(in, type, out);
    default:
      return absl::DataLossError(absl::StrFormat("Unknown RDB encoding type %d", type));
  }
  return in.failed() ? ShortRead() : absl::OkStatus();
}

bool IsValueType(uint8_t type) {
  return type <= kRdbTypeZSet2 || (type >= kRdbTypeHashZipmap && type <= kRdbTypeListQuicklist2) ||
         type == kRdbTypeStreamListpacks2;
}

// Reads everything after the 9-byte header. Each step checks `in.failed()` before going on, so
// that on a short read the reader's position is where the unreadable item starts: the offset
// redis-check-rdb reports.
absl::Status LoadBody(Reader& in, std::string_view image, core::Keyspace& keyspace,
                      bool verify_checksum, const RdbLoadHooks& hooks, RdbLoadStats* stats) {
  int db = 0;
  int64_t expire_ms = -1;
  while (true) {
    stats->doing = "read-type";
    uint8_t type = in.Byte();
    if (in.failed()) return ShortRead();
    if (type == kRdbOpExpireTimeMs || type == kRdbOpExpireTime) {
      stats->doing = "read-expire";
      expire_ms = type == kRdbOpExpireTimeMs ? static_cast<int64_t>(in.Le(8))
                                             : static_cast<int64_t>(in.Le(4)) * 1000;
    } else if (type == kRdbOpIdle) {
      stats->doing = "read-lru";
      in.Length();
    } else if (type == kRdbOpFreq) {
      stats->doing = "read-lfu";
      in.Byte();
    } else if (type == kRdbOpSelectDb) {
      stats->doing = "read-len";
      uint64_t id = in.Length();
      if (in.failed()) return ShortRead();
      // A checker keeps no data, so any database number is fine (as for redis-check-rdb).
      if (hooks.store && id >= static_cast<uint64_t>(keyspace.num_dbs())) {
        return absl::DataLossError(absl::StrFormat(
            "FATAL: Data file was created with a Redis server configured to handle more than %d "
            "databases. Exiting\n",
            keyspace.num_dbs()));
      }
      db = static_cast<int>(id);
      if (hooks.on_select_db) hooks.on_select_db(9 + in.pos(), id);
    } else if (type == kRdbOpResizeDb) {
      stats->doing = "read-len";
      in.Length();
      in.Length();
    } else if (type == kRdbOpAux) {
      stats->doing = "read-aux";
      std::string key = in.String();
      std::string value = in.String();
      if (in.failed()) return ShortRead();
      if (hooks.on_aux) hooks.on_aux(9 + in.pos(), key, value);
      stats->aux[key] = std::move(value);
    } else if (type == kRdbOpFunction2) {
      stats->doing = "read-functions";
      std::string code = in.String();  // a function library, loaded by the caller
      if (in.failed()) return ShortRead();
      stats->functions.push_back(std::move(code));
    } else if (type == kRdbOpModuleAux || type == kRdbOpFunction) {
      return absl::DataLossError("Module and function data in RDB files are not supported");
    } else if (type == kRdbOpEof) {
      break;
    } else {
      if (!IsValueType(type)) {
        return absl::DataLossError(absl::StrFormat("Unknown RDB encoding type %d", type));
      }
      stats->key_type = type;
      stats->doing = "read-key";
      std::string key = in.String();
      if (in.failed()) return ShortRead();
      ++stats->keys_read;  // counted once its name is read, as redis-check-rdb counts
      stats->key = key;
      stats->doing = "read-object-value";
      Value value;
      absl::Status status = ReadValue(in, type, /*deep=*/false, &value);
      if (!status.ok()) return status;
      if (expire_ms != -1) ++stats->keys_with_expiry;
      if (value.ContainerSize() == 0 && !value.is_string() &&
          value.type() != core::ValueType::kStream) {
        // Empty containers cannot exist in Redis's keyspace (but for streams); skip them.
      } else if (expire_ms != -1 && expire_ms <= keyspace.now_ms()) {
        ++stats->keys_expired;
      } else if (hooks.store) {
        if (hooks.refuse_existing_keys && keyspace.ContainsRaw(db, key)) {
          return absl::DataLossError("RDB has duplicated key '" + key + "' in DB " +
                                     std::to_string(db));
        }
        keyspace.Store(db, key, std::move(value));
        if (expire_ms != -1) keyspace.SetExpire(db, key, expire_ms);
        ++stats->keys_loaded;
      }
      expire_ms = -1;
      stats->key_type = -1;
      stats->key.clear();
    }
    if (in.failed()) return ShortRead();
  }
  stats->bytes = 9 + in.pos();
  if (stats->version >= 5) {
    stats->doing = "check-sum";
    size_t body = 9 + in.pos();
    uint64_t expected = in.Le(8);
    if (in.failed()) return ShortRead();
    stats->bytes = body + 8;
    stats->checksum_disabled = expected == 0;
    if (verify_checksum && expected != 0) {
      uint64_t actual = Crc64(0, image.data(), body);
      if (actual != expected) {
        return absl::DataLossError(absl::StrFormat(
            "Wrong RDB checksum expected: (%016x) got: (%016x). Aborting now.", expected,
            actual));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadRdb(std::string_view image, core::Keyspace& keyspace, bool verify_checksum,
                     RdbLoadStats* stats, const RdbLoadHooks* hooks) {
  stats->doing = "start";
  stats->offset = 0;
  if (image.size() < 9) {
    // Redis reads the 9 header bytes at once, so a shorter file is a short read at offset 0.
    stats->short_read = true;
    return ShortRead();
  }
  stats->offset = 9;
  if (image.substr(0, 5) != "REDIS") {
    return absl::DataLossError("Wrong signature trying to load DB from file");
  }
  int version = std::atoi(std::string(image.substr(5, 4)).c_str());
  if (version < 1 || version > kRdbVersion) {
    return absl::DataLossError(absl::StrFormat("Can't handle RDB format version %d", version));
  }
  stats->version = version;
  static const RdbLoadHooks kLoadEverything;
  Reader in(image.substr(9));
  absl::Status status =
      LoadBody(in, image, keyspace, verify_checksum, hooks ? *hooks : kLoadEverything, stats);
  stats->offset = 9 + in.pos();
  // A stream's failed read has its own words; every other one is the plain short read.
  stats->short_read = in.failed() && status.message() == ShortRead().message();
  return status;
}

absl::StatusOr<core::Value> DecodeRdbValue(std::string_view data, bool deep) {
  Reader in(data);
  const uint8_t type = in.Byte();
  if (in.failed()) return ShortRead();
  if (!IsValueType(type)) {
    return absl::DataLossError(absl::StrFormat("Unknown RDB encoding type %d", type));
  }
  Value value;
  absl::Status status = ReadValue(in, type, deep, &value);
  if (!status.ok()) return status;
  // Redis refuses an empty container here (a file's empty ones are skipped instead); an empty
  // stream is a value of its own.
  if (!value.is_string() && value.type() != core::ValueType::kStream &&
      value.ContainerSize() == 0) {
    return Corrupt("empty container");
  }
  return value;
}

absl::Status LoadRdbFile(const std::string& path, core::Keyspace& keyspace, bool verify_checksum,
                         RdbLoadStats* stats, const RdbLoadHooks* hooks) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (errno == ENOENT) return absl::NotFoundError(path + " does not exist");
    return absl::InternalError("Fatal error loading the DB: " + std::string(strerror(errno)));
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string image = buffer.str();
  return LoadRdb(image, keyspace, verify_checksum, stats, hooks);
}

}  // namespace bazaar::engine::persistence
