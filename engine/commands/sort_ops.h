// SORT and SORT_RO's work on the keyspace, without sockets: loading the elements of a list, set
// or sorted set, the weights and values named by BY and GET patterns, and ordering them exactly
// as Redis 7.0 does, ties included, so that replies and stored lists match it byte for byte.
//
// Design note on ties. Numeric sorting breaks equal weights by the elements' bytes, so it is
// deterministic. ALPHA compares with strcoll (the process's LC_COLLATE, which main sets from the
// environment as Redis does; stopping at a NUL byte) or, when storing, by bytes; with a BY
// pattern, elements whose values compare equal (or are both missing) tie. Redis then sorts with
// glibc's qsort, a stable merge sort, so ties keep the load order; with a BY pattern and a LIMIT
// it uses its own partial quicksort (PartialQuickSort below), which leaves ties in an order only
// that exact algorithm reproduces. The load order is the list's order, a sorted set's by rank,
// and for a set Redis's intset order (ascending) when Redis would hold it as an intset; Redis's
// hash-table sets are in a random order, which nothing can match.
//
// Thread affinity: the keyspace's thread.
#ifndef BAZAAR_ENGINE_COMMANDS_SORT_OPS_H_
#define BAZAAR_ENGINE_COMMANDS_SORT_OPS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

// Redis's pqsort: Bentley and McIlroy's quicksort in NetBSD's form, which skips the partitions
// lying wholly outside ranks [lrange, rrange]; only that range ends up sorted. `cmp(a, b)`
// returns negative, zero or positive. Not stable: the exact steps decide where ties land.
template <typename T, typename Cmp>
void PartialQuickSort(std::vector<T>& v, int64_t lrange, int64_t rrange, Cmp cmp);

// ---- Implementation ----

namespace sort_internal {

template <typename T, typename Cmp>
int64_t Median3(const std::vector<T>& v, int64_t a, int64_t b, int64_t c, Cmp& cmp) {
  if (cmp(v[a], v[b]) < 0) return cmp(v[b], v[c]) < 0 ? b : (cmp(v[a], v[c]) < 0 ? c : a);
  return cmp(v[b], v[c]) > 0 ? b : (cmp(v[a], v[c]) < 0 ? a : c);
}

template <typename T, typename Cmp>
void Sort(std::vector<T>& v, int64_t base, int64_t n, int64_t lrange, int64_t rrange, Cmp& cmp) {
  auto wanted = [&](int64_t first, int64_t count) {
    const int64_t last = first + count - 1;
    return !((lrange < first && rrange < first) || (lrange > last && rrange > last));
  };
  auto swap_runs = [&](int64_t a, int64_t b, int64_t count) {
    for (int64_t i = 0; i < count; ++i) std::swap(v[a + i], v[b + i]);
  };
  for (;;) {
    if (n < 7) {  // insertion sort
      for (int64_t m = base + 1; m < base + n; ++m) {
        for (int64_t l = m; l > base && cmp(v[l - 1], v[l]) > 0; --l) std::swap(v[l], v[l - 1]);
      }
      return;
    }
    int64_t pm = base + n / 2;
    if (n > 7) {
      int64_t pl = base, pn = base + n - 1;
      if (n > 40) {  // pseudo-median of nine
        const int64_t d = n / 8;
        pl = Median3(v, pl, pl + d, pl + 2 * d, cmp);
        pm = Median3(v, pm - d, pm, pm + d, cmp);
        pn = Median3(v, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = Median3(v, pl, pm, pn, cmp);
    }
    std::swap(v[base], v[pm]);
    // Split-end partitioning: elements equal to the pivot gather at both ends, [base, pa) and
    // (pd, end), then move to the middle.
    int64_t pa = base + 1, pb = base + 1;
    int64_t pc = base + n - 1, pd = base + n - 1;
    for (;;) {
      int r;
      while (pb <= pc && (r = cmp(v[pb], v[base])) <= 0) {
        if (r == 0) std::swap(v[pa++], v[pb]);
        ++pb;
      }
      while (pb <= pc && (r = cmp(v[pc], v[base])) >= 0) {
        if (r == 0) std::swap(v[pc], v[pd--]);
        --pc;
      }
      if (pb > pc) break;
      std::swap(v[pb++], v[pc--]);
    }
    const int64_t end = base + n;
    int64_t r = std::min(pa - base, pb - pa);
    swap_runs(base, pb - r, r);
    r = std::min(pd - pc, end - pd - 1);
    swap_runs(pb, end - r, r);
    if ((r = pb - pa) > 1 && wanted(base, r)) Sort(v, base, r, lrange, rrange, cmp);
    if ((r = pd - pc) <= 1) return;
    base = end - r;
    n = r;
    if (!wanted(base, n)) return;
  }
}

}  // namespace sort_internal

template <typename T, typename Cmp>
void PartialQuickSort(std::vector<T>& v, int64_t lrange, int64_t rrange, Cmp cmp) {
  sort_internal::Sort(v, 0, static_cast<int64_t>(v.size()), lrange, rrange, cmp);
}

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_SORT_OPS_H_
