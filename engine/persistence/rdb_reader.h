// Loads an RDB file (versions 1 to 10) into the keyspace: every encoding Redis 7.0 writes for
// strings, lists, sets, sorted sets and hashes (plain, ziplist, listpack, intset, quicklist).
// Keys whose expiry has passed are dropped, as a primary does.
#ifndef BAZAAR_ENGINE_PERSISTENCE_RDB_READER_H_
#define BAZAAR_ENGINE_PERSISTENCE_RDB_READER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::persistence {

struct RdbLoadStats {
  int version = 0;
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;  // dropped because their time had passed
  size_t bytes = 0;           // length of the RDB image read (an AOF tail may follow)
  std::map<std::string, std::string> aux;
};

// Loads `image` (a whole RDB) into `keyspace`. On error the status message says why, in
// Redis's words where Redis has them; the keyspace may then hold part of the data.
absl::Status LoadRdb(std::string_view image, core::Keyspace& keyspace, bool verify_checksum,
                     RdbLoadStats* stats);
// Reads and loads a file; NotFoundError if it does not exist.
absl::Status LoadRdbFile(const std::string& path, core::Keyspace& keyspace,
                         bool verify_checksum, RdbLoadStats* stats);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_RDB_READER_H_
