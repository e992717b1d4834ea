// Partial quicksort as Redis's pqsort does it (GEORADIUS ... COUNT, SORT ... LIMIT): Bentley and
// McIlroy's quicksort ("Engineering a Sort Function", 1993: median of three or of nine,
// three-way partition), recursing only into the parts that overlap the ranks wanted. It is not
// stable, so equal elements come out in the order this exact sequence of comparisons and swaps
// leaves them; following it step by step is what makes ties match Redis.
//
// Header-only, no state.
#ifndef BAZAAR_ENGINE_CORE_PARTIAL_SORT_H_
#define BAZAAR_ENGINE_CORE_PARTIAL_SORT_H_

#include <algorithm>
#include <cstddef>
#include <utility>

namespace bazaar::engine::core {

namespace partial_sort_internal {

// Sorts v[lo, lo + n) as far as ranks [first, last] (of the whole array) need.
template <typename T, typename Cmp>
void Sort(T* v, size_t lo, size_t n, Cmp& cmp, size_t first, size_t last) {
  using std::swap;
  auto med3 = [&](size_t a, size_t b, size_t c) {
    return cmp(v[a], v[b]) < 0 ? (cmp(v[b], v[c]) < 0 ? b : (cmp(v[a], v[c]) < 0 ? c : a))
                               : (cmp(v[b], v[c]) > 0 ? b : (cmp(v[a], v[c]) < 0 ? a : c));
  };
  auto swap_runs = [&](size_t a, size_t b, size_t count) {
    for (size_t i = 0; i < count; ++i) swap(v[a + i], v[b + i]);
  };
  // Whether v[start, start + count) holds any wanted rank.
  auto wanted = [&](size_t start, size_t count) {
    const size_t end = start + count;
    return !((first < start && last < start) || (first >= end && last >= end));
  };
  for (;;) {
    if (n < 7) {  // insertion sort
      for (size_t m = lo + 1; m < lo + n; ++m) {
        for (size_t l = m; l > lo && cmp(v[l - 1], v[l]) > 0; --l) swap(v[l], v[l - 1]);
      }
      return;
    }
    size_t pm = lo + n / 2;
    if (n > 7) {
      size_t pl = lo, pn = lo + n - 1;
      if (n > 40) {
        const size_t d = n / 8;
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(v[lo], v[pm]);  // the pivot waits at v[lo]
    // Partition: [lo, pa) and (pd, end) equal the pivot, [pa, pb) less, (pc, pd] greater.
    size_t pa = lo + 1, pb = lo + 1, pc = lo + n - 1, pd = lo + n - 1;
    for (;;) {
      int r;
      while (pb <= pc && (r = cmp(v[pb], v[lo])) <= 0) {
        if (r == 0) swap(v[pa++], v[pb]);
        ++pb;
      }
      while (pb <= pc && (r = cmp(v[pc], v[lo])) >= 0) {
        if (r == 0) swap(v[pc], v[pd--]);
        --pc;
      }
      if (pb > pc) break;
      swap(v[pb++], v[pc--]);
    }
    // Move the equal runs from both ends to the middle.
    const size_t end = lo + n;
    size_t r = std::min(pa - lo, pb - pa);
    swap_runs(lo, pb - r, r);
    r = std::min(pd - pc, end - pd - 1);
    swap_runs(pb, end - r, r);
    if ((r = pb - pa) > 1 && wanted(lo, r)) Sort(v, lo, r, cmp, first, last);
    if ((r = pd - pc) <= 1) return;
    lo = end - r;
    n = r;
    if (!wanted(lo, n)) return;
  }
}

}  // namespace partial_sort_internal

// Sorts v[0, n) far enough that ranks [first, last] hold the elements a full sort would put
// there, in order. cmp(a, b) returns a negative, zero or positive int, as for qsort.
template <typename T, typename Cmp>
void PartialQuickSort(T* v, size_t n, Cmp cmp, size_t first, size_t last) {
  partial_sort_internal::Sort(v, 0, n, cmp, first, last);
}

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_PARTIAL_SORT_H_
