// The Redis 7 multi-part AOF layout: a directory (appenddirname) holding one base file (an RDB
// preamble, or commands), incremental command files, and a manifest naming them:
//   file appendonly.aof.1.base.rdb seq 1 type b
//   file appendonly.aof.1.incr.aof seq 1 type i
// A new manifest is written to a temp file and renamed over the old one, so the set a reader
// finds is always complete.
#ifndef BAZAAR_ENGINE_PERSISTENCE_AOF_MANIFEST_H_
#define BAZAAR_ENGINE_PERSISTENCE_AOF_MANIFEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace bazaar::engine::persistence {

struct AofFile {
  std::string name;
  int64_t seq;
  char type;  // 'b' base, 'i' incremental, 'h' history (to delete)
};

struct AofManifest {
  std::optional<AofFile> base;
  std::vector<AofFile> incrs;    // in sequence order
  std::vector<AofFile> history;  // files a finished rewrite replaced

  std::string Serialize() const;
  static absl::StatusOr<AofManifest> Parse(const std::string& text);
  int64_t last_incr_seq() const { return incrs.empty() ? 0 : incrs.back().seq; }
};

// File names for `appendfilename` (e.g. "appendonly.aof").
std::string ManifestName(const std::string& appendfilename);
std::string BaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble);
std::string IncrName(const std::string& appendfilename, int64_t seq);

// Reads dir/manifest; NotFound when there is none.
absl::StatusOr<AofManifest> ReadManifest(const std::string& dir, const std::string& appendfilename);
// Atomically replaces dir/manifest and fsyncs the directory.
absl::Status WriteManifest(const std::string& dir, const std::string& appendfilename,
                           const AofManifest& manifest);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_AOF_MANIFEST_H_
