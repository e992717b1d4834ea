// Loads an RDB file (versions 1 to 10) into the keyspace: every encoding Redis 7.0 writes for
// strings, lists, sets, sorted sets and hashes (plain, ziplist, listpack, intset, quicklist).
// Keys whose expiry has passed are dropped, as a primary does.
#ifndef BAZAAR_ENGINE_PERSISTENCE_RDB_READER_H_
#define BAZAAR_ENGINE_PERSISTENCE_RDB_READER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::persistence {

struct RdbLoadStats {
  int version = 0;
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;  // dropped because their time had passed
  size_t bytes = 0;           // length of the RDB image read (an AOF tail may follow)
  std::map<std::string, std::string> aux;
  std::vector<std::string> functions;  // RDB_OPCODE_FUNCTION2 libraries' code, in file order
  uint64_t keys_read = 0;  // keys whose name was read, expired and empty ones included
  uint64_t keys_with_expiry = 0;  // keys that carry an expire time
  bool checksum_disabled = false;  // the stored checksum is 0: the writer did not compute it

  // Where reading stopped (at the end, or where the error is) and what it was doing there, in
  // redis-check-rdb's words ("start", "read-type", "read-aux", "read-key", "read-object-value",
  // "check-sum", ...). Only bazaar-check-rdb reports these; the server logs the message alone.
  size_t offset = 0;
  const char* doing = "start";
  bool short_read = false;  // the image ended (or a length or encoding was unreadable) early
  int key_type = -1;        // value type of the key being read when it stopped, -1 between keys
  std::string key;          // that key's name, once read
};

// Optional observers for a caller that checks an image rather than loads it (bazaar-check-rdb).
// Offsets are those just after the item, as redis-check-rdb prints them.
struct RdbLoadHooks {
  // False: validate every value but keep none (and accept any database number).
  bool store = true;
  // A key the keyspace already holds is an error (DEBUG RELOAD NOFLUSH without MERGE; Redis
  // stops there too) instead of replaced.
  bool refuse_existing_keys = false;
  std::function<void(size_t offset, const std::string& key, const std::string& value)> on_aux;
  std::function<void(size_t offset, uint64_t db)> on_select_db;
};

// Loads `image` (a whole RDB) into `keyspace`. On error the status message says why, in
// Redis's words where Redis has them; the keyspace may then hold part of the data.
absl::Status LoadRdb(std::string_view image, core::Keyspace& keyspace, bool verify_checksum,
                     RdbLoadStats* stats, const RdbLoadHooks* hooks = nullptr);
// One value as an RDB file holds it after its key: the type byte, then the body (a RESTORE
// payload's start; any bytes after the value are not looked at, as in Redis). Every encoding
// LoadRdb reads; an empty container, a NaN score or a repeated member of a plain set, sorted set
// or hash is an error. `deep` adds the checks of Redis's sanitize-dump-payload on compact
// encodings: element counts matching their headers, no repeated fields or members, intsets in
// ascending order (without it, repeats in a compact blob merge).
absl::StatusOr<core::Value> DecodeRdbValue(std::string_view data, bool deep);

// Reads and loads a file; NotFoundError if it does not exist.
absl::Status LoadRdbFile(const std::string& path, core::Keyspace& keyspace, bool verify_checksum,
                         RdbLoadStats* stats, const RdbLoadHooks* hooks = nullptr);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_RDB_READER_H_
