#include "engine/commands/sort_ops.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/commands/errors.h"
#include "engine/commands/status_reply.h"
#include "engine/core/partial_sort.h"

namespace bazaar::engine::commands {
namespace {

using core::Value;
using core::ValueType;

struct SortItem {
  std::string element;
  double score = 0;               // numeric weight (0 when BY names nothing)
  std::optional<std::string> by;  // ALPHA with BY: the value compared; missing sorts first
};

// What C's string functions see of a pattern: the bytes before the first NUL.
std::string_view AsCString(std::string_view s) { return s.substr(0, s.find('\0')); }

int CompareBytes(std::string_view a, std::string_view b) {
  const int cmp = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (cmp != 0) return cmp;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// Redis's sortCompare.
struct Comparator {
  bool alpha, by_pattern, store, desc;

  int operator()(const SortItem& a, const SortItem& b) const {
    int cmp;
    if (!alpha) {
      // Equal weights fall back to the elements' bytes, so the order is always defined.
      cmp = a.score > b.score ? 1 : (a.score < b.score ? -1 : CompareBytes(a.element, b.element));
    } else if (by_pattern) {
      if (!a.by || !b.by) {
        cmp = a.by.has_value() == b.by.has_value() ? 0 : (a.by ? 1 : -1);
      } else {
        cmp = store ? CompareBytes(*a.by, *b.by) : std::strcoll(a.by->c_str(), b.by->c_str());
      }
    } else {
      cmp = store ? CompareBytes(a.element, b.element)
                  : std::strcoll(a.element.c_str(), b.element.c_str());
    }
    return desc ? -cmp : cmp;
  }
};

// Redis reads a weight with strtod: leading space and hex are fine, trailing bytes, overflow
// and NaN are not, and an empty string is 0.
bool ParseWeight(const std::string& s, double* out) {
  // Plain decimals (nearly every weight) through from_chars, which rounds as strtod does and is
  // several times faster; whatever it does not take whole (spaces, '+', hex, NUL bytes) or
  // gives as subnormal (where strtod may report ERANGE) goes to strtod itself.
  const char* first = s.data();
  const char* last = first + s.size();
  auto [ptr, ec] = std::from_chars(first, last, *out);
  if (ec == std::errc() && ptr == last && !s.empty() &&
      (*out == 0 || std::isnormal(*out) || std::isinf(*out))) {
    return !std::isnan(*out);
  }
  errno = 0;
  char* end;
  *out = std::strtod(s.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

}  // namespace

std::optional<std::string> LookupByPattern(core::Keyspace& ks, int db, std::string_view pattern,
                                           std::string_view element) {
  if (!pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0')) {
    return std::string(element);
  }
  const std::string_view c_pattern = AsCString(pattern);
  const size_t star = c_pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  // "->" after the '*' with something after it names a hash field: the rest of the pattern.
  const size_t arrow = c_pattern.find("->", star + 1);
  const bool has_field = arrow != std::string_view::npos && arrow + 2 < c_pattern.size();
  const size_t suffix_end = has_field ? arrow : pattern.size();
  std::string key(pattern.substr(0, star));
  key.append(element);
  key.append(pattern.substr(star + 1, suffix_end - star - 1));
  Value* v = ks.FindForRead(db, key);
  if (!v) return std::nullopt;
  if (!has_field) {
    if (!v->is_string()) return std::nullopt;
    return v->str();
  }
  if (v->type() != ValueType::kHash) return std::nullopt;
  auto field = v->hash().Get(pattern.substr(arrow + 2));
  if (!field) return std::nullopt;
  return std::string(*field);
}

absl::StatusOr<std::vector<std::optional<std::string>>> OpSort(core::Keyspace& ks, int db,
                                                               const SortRequest& request) {
  // A read even with STORE, as in Redis: it counts a hit or miss and reports keymiss.
  Value* v = ks.FindForRead(db, request.key);
  if (v && v->type() != ValueType::kList && v->type() != ValueType::kSet &&
      v->type() != ValueType::kZSet) {
    return RedisError(kWrongTypeError);
  }
  bool dont_sort = request.dont_sort;
  bool alpha = request.alpha;
  bool by_pattern = request.by.has_value();
  // Sorted anyway, so that what is stored (or what a script sees) is the same on every replica.
  if (dont_sort && v && v->type() == ValueType::kSet && (request.store || request.from_script)) {
    dont_sort = false;
    alpha = true;
    by_pattern = false;
  }
  if (v && v->type() == ValueType::kZSet) v->zset().DropCompact();

  const int64_t len = v ? static_cast<int64_t>(v->ContainerSize()) : 0;
  int64_t start = std::min(std::max<int64_t>(request.offset, 0), len);
  const int64_t count = std::min(std::max<int64_t>(request.count, -1), len);
  int64_t end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  // Lists and sorted sets left unsorted load only the selected range, in the requested
  // direction.
  std::vector<SortItem> items;
  const bool ordered_type = v && v->type() != ValueType::kSet;
  if (ordered_type && dont_sort) {
    const int64_t wanted = end - start + 1;
    if (wanted > 0 && v->type() == ValueType::kList) {
      const int64_t first = request.desc ? len - start - wanted : start;
      v->list().ForRange(first, first + wanted,
                         [&](std::string_view e) { items.push_back({std::string(e)}); });
      if (request.desc) std::reverse(items.begin(), items.end());
    } else if (wanted > 0) {
      const int64_t rank = request.desc ? len - 1 - start : start;
      v->zset().Walk(rank, request.desc, [&](std::string_view member, double) {
        items.push_back({std::string(member)});
        return static_cast<int64_t>(items.size()) < wanted;
      });
    }
    end -= start;
    start = 0;
  } else if (v && v->type() == ValueType::kList) {
    items.reserve(len);
    v->list().ForEach([&](std::string_view e) { items.push_back({std::string(e)}); });
  } else if (v && v->type() == ValueType::kSet) {
    items.reserve(len);
    v->set().ForEach([&](std::string_view m) { items.push_back({std::string(m)}); });
  } else if (v) {
    items.reserve(len);
    v->zset().Walk(0, false, [&](std::string_view member, double) {
      items.push_back({std::string(member)});
      return true;
    });
  }

  bool bad_weight = false;
  // Sorted as pointers: the same comparisons give the same order, and moving a pointer is
  // cheaper than moving an item.
  std::vector<const SortItem*> order;
  order.reserve(items.size());
  for (const SortItem& item : items) order.push_back(&item);
  if (!dont_sort) {
    for (SortItem& item : items) {
      std::optional<std::string> weight;
      if (by_pattern) {
        weight = LookupByPattern(ks, db, *request.by, item.element);
        if (!weight) continue;
      }
      if (alpha) {
        if (by_pattern) item.by = std::move(weight);
      } else if (!ParseWeight(by_pattern ? *weight : item.element, &item.score)) {
        bad_weight = true;
      }
    }
    const Comparator cmp{alpha, by_pattern, request.store, request.desc};
    auto cmp_items = [&](const SortItem* a, const SortItem* b) { return cmp(*a, *b); };
    if (by_pattern && (start != 0 || end != static_cast<int64_t>(items.size()) - 1)) {
      // Nothing selected (LIMIT ... 0): no order to get right.
      if (end >= start) {
        core::PartialQuickSort(order.data(), order.size(), cmp_items, static_cast<size_t>(start),
                               static_cast<size_t>(end));
      }
    } else if (!alpha) {
      // By number: (weight, index) pairs side by side sort in cache, where chasing pointers to
      // 100k items would not; equal weights fall back to the elements' bytes as cmp does.
      std::vector<std::pair<double, uint32_t>> keyed;
      keyed.reserve(items.size());
      for (size_t i = 0; i < items.size(); ++i) {
        keyed.emplace_back(items[i].score, static_cast<uint32_t>(i));
      }
      const bool desc = request.desc;
      std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
        int c = a.first > b.first ? 1 : (a.first < b.first ? -1 : 0);
        if (c == 0) c = CompareBytes(items[a.second].element, items[b.second].element);
        return desc ? c > 0 : c < 0;
      });
      for (size_t i = 0; i < keyed.size(); ++i) order[i] = &items[keyed[i].second];
    } else {
      std::stable_sort(order.begin(), order.end(),
                       [&](const SortItem* a, const SortItem* b) { return cmp_items(a, b) < 0; });
    }
  }
  if (bad_weight) return RedisError("ERR One or more scores can't be converted into double");

  std::vector<std::optional<std::string>> rows;
  for (int64_t j = start; j <= end; ++j) {
    const std::string& element = order[j]->element;
    if (request.gets.empty()) {
      rows.emplace_back(element);
      continue;
    }
    for (std::string_view get : request.gets) rows.push_back(LookupByPattern(ks, db, get, element));
  }
  return rows;
}

}  // namespace bazaar::engine::commands
