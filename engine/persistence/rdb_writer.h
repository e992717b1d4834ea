// Writes the keyspace as a Redis 7.0 RDB file (format version 10): one plain encoding per type
// (string 0, list 1, set 2, hash 4, sorted set 5), integer and LZF string encodings, millisecond
// expiry, and the CRC-64 trailer. See rdb_format.md.
#ifndef BAZAAR_ENGINE_PERSISTENCE_RDB_WRITER_H_
#define BAZAAR_ENGINE_PERSISTENCE_RDB_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::persistence {

struct RdbOptions {
  bool compression = true;  // rdbcompression
  bool checksum = true;     // rdbchecksum
  bool aof_base = false;    // written as the base of a multi-part AOF
  // Replication state (aux fields repl-stream-db, repl-id, repl-offset), so that a restarted
  // server can continue its history with PSYNC. Empty repl_id: not written.
  std::string repl_id;
  int64_t repl_offset = 0;
  int repl_stream_db = 0;
  // Function libraries' code, written as RDB_OPCODE_FUNCTION2 (0xF5) after the aux fields.
  std::vector<std::string> functions;
};

// One value as an RDB file holds it after its key: the type byte, then the body (the start of a
// DUMP payload). `compress`: LZF for long strings, as rdbcompression.
std::string EncodeRdbValue(const core::Value& value, bool compress);

// Streams an RDB of `keyspace` (keys not yet expired at keyspace.now_ms()) to `fd`.
absl::Status WriteRdb(const core::Keyspace& keyspace, const RdbOptions& options, int fd);

// Writes `path` crash-safely: a temp file in the same directory, fsync, rename over `path`, then
// fsync of the directory. A crash leaves the old file or the new one, never a torn one.
absl::Status SaveRdbFile(const core::Keyspace& keyspace, const RdbOptions& options,
                         const std::string& path);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_RDB_WRITER_H_
