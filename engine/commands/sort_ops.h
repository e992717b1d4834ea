// SORT and SORT_RO's work on the keyspace, without sockets: loading the elements of a list, set
// or sorted set, the weights and values named by BY and GET patterns, and ordering them exactly
// as Redis 7.0 does, ties included, so that replies and stored lists match it byte for byte.
//
// Design note on ties. Numeric sorting breaks equal weights by the elements' bytes, so it is
// deterministic. ALPHA compares with strcoll (the process's LC_COLLATE, which main sets from the
// environment as Redis does; stopping at a NUL byte) or, when storing, by bytes; with a BY
// pattern, elements whose values compare equal (or are both missing) tie. Redis then sorts with
// glibc's qsort, a stable merge sort, so ties keep the load order; with a BY pattern and a LIMIT
// it uses its own partial quicksort (core/partial_sort.h), which leaves ties in an order only
// that exact algorithm reproduces. The load order is the list's order, a sorted set's by rank,
// and for a set its walk order: ascending for an intset, as in Redis; Redis's hash-table sets
// are in a random order, which nothing can match.
//
// Thread affinity: the keyspace's thread.
#ifndef BAZAAR_ENGINE_COMMANDS_SORT_OPS_H_
#define BAZAAR_ENGINE_COMMANDS_SORT_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/keyspace.h"

namespace bazaar::engine::commands {

struct SortRequest {
  std::string_view key;
  std::optional<std::string_view> by;  // the last BY pattern
  bool dont_sort = false;              // some BY pattern had no '*' ("BY nosort")
  std::vector<std::string_view> gets;  // GET patterns, in order
  int64_t offset = 0;                  // LIMIT
  int64_t count = -1;
  bool desc = false;
  bool alpha = false;
  bool store = false;  // STORE given: ALPHA compares bytes, and a set is sorted even with nosort
  bool from_script = false;  // a script's SORT also sorts a set under nosort (deterministic)
};

// The reply's entries: each selected element, or per element one entry per GET pattern
// (nullopt where a pattern names nothing). Errors: WRONGTYPE for a key that is not a list, set
// or sorted set; "One or more scores can't be converted into double" when numeric sorting meets
// a weight that is not a number. A sorted set in the compact form leaves it, as Redis converts
// the set it sorts (not a change of its contents: nothing is signalled).
absl::StatusOr<std::vector<std::optional<std::string>>> OpSort(core::Keyspace& ks, int db,
                                                               const SortRequest& request);

// Redis's lookupKeyByPattern: "#" is `element` itself; otherwise the first '*' is replaced by
// `element` and the key's string value returned, or with "key->field" the hash field's value.
// nullopt when the pattern has no '*' or names nothing of that type. As Redis's C string
// functions do, the search for '*' and "->" stops at a NUL byte.
std::optional<std::string> LookupByPattern(core::Keyspace& ks, int db, std::string_view pattern,
                                           std::string_view element);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_SORT_OPS_H_
