// HSCAN / SSCAN (and any container SCAN): argument parsing and the bounded walk over a Dict,
// following Redis's scanGenericCommand: collect up to COUNT elements (a budget of COUNT*10
// buckets), then filter by MATCH.
#ifndef BAZAAR_ENGINE_COMMANDS_CONTAINER_SCAN_H_
#define BAZAAR_ENGINE_COMMANDS_CONTAINER_SCAN_H_

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_table.h"
#include "engine/core/dict.h"
#include "engine/core/glob.h"
#include "engine/protocol/reply_builder.h"

namespace bazaar::engine::commands {

struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
};

// Redis's parseScanCursorOrReply: a whole unsigned decimal number, no leading space.
inline bool ScanCursorOrReply(protocol::ReplyBuilder& reply, std::string_view arg,
                              uint64_t* cursor) {
  // strtoull as Redis uses it: "" is 0, "-1" wraps, a NUL ends the number.
  std::string s(arg);
  errno = 0;
  char* end = nullptr;
  *cursor = std::strtoull(s.c_str(), &end, 10);
  if ((!s.empty() && std::isspace(static_cast<unsigned char>(s[0]))) || *end != '\0' ||
      errno == ERANGE) {
    reply.Error(kInvalidCursorError);
    return false;
  }
  return true;
}

// COUNT and MATCH from args[first...]; false after replying the error.
inline bool ScanOptionsOrReply(protocol::ReplyBuilder& reply, Args args, size_t first,
                               ScanOptions* opts) {
  for (size_t i = first; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (has_value && IsOption(args[i], "count")) {
      if (!IntArgOrReply(reply, args[i + 1], &opts->count)) return false;
      if (opts->count < 1) {
        reply.Error(kSyntaxError);
        return false;
      }
    } else if (has_value && IsOption(args[i], "match")) {
      opts->pattern = args[i + 1];
      opts->use_pattern = opts->pattern != "*";
    } else {
      reply.Error(kSyntaxError);
      return false;
    }
  }
  return true;
}

// One SCAN call over `dict`. `weight` is how many reply elements an entry makes (2 for a hash):
// Redis counts reply elements against COUNT. Returns the next cursor; entries go to `out`
// unfiltered (MATCH applies afterwards, as in Redis).
template <typename V>
uint64_t ScanDictStep(const core::Dict<V>& dict, uint64_t cursor, int64_t count, int weight,
                      std::vector<const typename core::Dict<V>::Entry*>* out) {
  const int64_t limit = count * weight;
  int64_t budget = limit * 10;
  do {
    cursor = dict.Scan(cursor, [&](const typename core::Dict<V>::Entry& e) { out->push_back(&e); });
  } while (cursor != 0 && budget-- > 0 && static_cast<int64_t>(out->size()) * weight < limit);
  return cursor;
}

// Drops entries whose key does not match the pattern.
template <typename E>
void FilterScanned(const ScanOptions& opts, std::vector<const E*>* entries) {
  if (!opts.use_pattern) return;
  size_t kept = 0;
  for (const E* e : *entries) {
    if (core::GlobMatch(opts.pattern, e->key)) (*entries)[kept++] = e;
  }
  entries->resize(kept);
}

// The reply for a missing key: cursor 0, no elements.
inline void ReplyEmptyScan(protocol::ReplyBuilder& reply) {
  reply.ArrayHeader(2);
  reply.Bulk("0");
  reply.ArrayHeader(0);
}

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_CONTAINER_SCAN_H_
