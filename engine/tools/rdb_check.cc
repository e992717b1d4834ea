#include "engine/tools/rdb_check.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/core/keyspace.h"
#include "engine/core/log.h"
#include "engine/persistence/rdb_reader.h"

namespace bazaar::engine::tools {
namespace {

// redis-check-rdb's names for the value types, by type number.
const char* TypeName(int type) {
  static const char* const kNames[] = {
      "string",       "list-linked",  "set-hashtable", "zset-v1",      "hash-hashtable",
      "zset-v2",      "module-pre-release", "module-value", "",        "hash-zipmap",
      "list-ziplist", "set-intset",   "zset-ziplist",  "hash-ziplist", "quicklist",
      "stream",       "hash-listpack", "zset-listpack", "quicklist-v2"};
  return type >= 0 && type < static_cast<int>(sizeof(kNames) / sizeof(kNames[0])) ? kNames[type]
                                                                                   : "unknown";
}

}  // namespace

RdbCheck CheckRdbImage(std::string_view image, const std::string& name) {
  std::printf("[offset 0] Checking RDB file %s\n", name.c_str());
  persistence::RdbLoadHooks hooks;
  hooks.store = false;  // a checker validates values but keeps none
  hooks.on_aux = [](size_t offset, const std::string& key, const std::string& value) {
    std::printf("[offset %zu] AUX FIELD %s = '%s'\n", offset, key.c_str(), value.c_str());
  };
  hooks.on_select_db = [](size_t offset, uint64_t db) {
    std::printf("[offset %zu] Selecting DB ID %llu\n", offset, static_cast<unsigned long long>(db));
  };
  // The keyspace only supplies the clock that decides which keys are already expired.
  core::Keyspace keyspace(16);
  persistence::RdbLoadStats stats;
  absl::Status status = persistence::LoadRdb(image, keyspace, /*verify_checksum=*/true, &stats,
                                             &hooks);
  if (status.ok()) {
    if (stats.version >= 5) {
      std::printf("[offset %zu] %s\n", stats.offset,
                  stats.checksum_disabled
                      ? "RDB file was saved with checksum disabled: no check performed."
                      : "Checksum OK");
    }
    std::printf("[offset %zu] \\o/ RDB looks OK! \\o/\n", stats.offset);
  } else {
    // Redis words a short read and a checksum mismatch its own way; other messages are the
    // reader's, which are the server's.
    std::string message(status.message());
    if (stats.short_read) {
      message = "Unexpected EOF reading RDB file";
    } else if (std::string_view(stats.doing) == "check-sum") {
      message = "RDB CRC error";
    }
    std::printf("--- RDB ERROR DETECTED ---\n");
    std::printf("[offset %zu] %s\n", stats.offset, message.c_str());
    std::printf("[additional info] While doing: %s\n", stats.doing);
    if (!stats.key.empty()) std::printf("[additional info] Reading key '%s'\n", stats.key.c_str());
    // redis-check-rdb says type 0 until its first key is done (its state starts zeroed).
    int key_type = stats.key_type == -1 && stats.keys_read == 0 ? 0 : stats.key_type;
    if (key_type != -1) {
      std::printf("[additional info] Reading type %d (%s)\n", key_type, TypeName(key_type));
    }
  }
  std::printf("[info] %llu keys read\n", static_cast<unsigned long long>(stats.keys_read));
  std::printf("[info] %llu expires\n", static_cast<unsigned long long>(stats.keys_with_expiry));
  std::printf("[info] %llu already expired\n",
              static_cast<unsigned long long>(stats.keys_expired));
  // Redis's loader logs this line too when a read it reports as an internal error (a stream's)
  // fails.
  if (!status.ok() && status.message().rfind("Internal error in RDB reading", 0) == 0) {
    core::SetLogRole('C');
    core::LogLine(core::LogLevel::kWarning, "Terminating server after rdb file reading failure.");
  }
  return RdbCheck{status.ok(), stats.bytes};
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::stringstream buffer;
  buffer << file.rdbuf();
  *out = buffer.str();
  return true;
}

}  // namespace bazaar::engine::tools
