#include "engine/commands/geo_ops.h"

#include <algorithm>

#include "engine/commands/zset_ops.h"
#include "engine/core/partial_sort.h"

namespace bazaar::engine::commands {
namespace {

// Appends the points of one box that lie inside the shape; false once `limit` is reached.
bool CollectBox(const core::ZSet& zs, core::GeoHashBits box, const core::GeoShape& shape,
                size_t limit, std::vector<GeoPoint>* out) {
  uint64_t min, max;
  core::GeoBoxScores(box, &min, &max);
  const size_t start = zs.ScoreStart(static_cast<double>(min), false);
  const size_t end = zs.ScoreEnd(static_cast<double>(max), true);
  if (start >= end) return true;
  size_t left = end - start;
  bool more = true;
  zs.Walk(start, false, [&](std::string_view member, double score) {
    const core::GeoPosition p = core::GeoScoreToPosition(score);
    double distance;
    if (core::GeoInShape(shape, p.longitude, p.latitude, &distance)) {
      out->push_back(GeoPoint{std::string(member), p, distance, score});
    }
    if (limit != 0 && out->size() >= limit) more = false;
    return more && --left > 0;
  });
  return more;
}

}  // namespace

std::vector<GeoPoint> GeoPointsInShape(const core::ZSet& zs, const core::GeoShape& shape,
                                       size_t limit) {
  const std::array<core::GeoHashBits, 9> boxes = core::GeoSearchBoxes(shape);
  std::vector<GeoPoint> out;
  // A huge radius makes neighbours coincide; a box equal to the one scanned last is skipped
  // (Redis never compares with the centre box, which it remembers as "none").
  size_t last = 0;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const core::GeoHashBits box = boxes[i];
    if (box.is_zero()) continue;
    if (last != 0 && box.bits == boxes[last].bits && box.step == boxes[last].step) continue;
    if (limit != 0 && out.size() >= limit) break;
    if (!CollectBox(zs, box, shape, limit, &out)) break;
    last = i;
  }
  return out;
}

void SortGeoPoints(std::vector<GeoPoint>* points, GeoSort sort, size_t keep) {
  if (sort == GeoSort::kNone || points->empty()) return;
  const bool asc = sort == GeoSort::kAsc;
  if (keep >= points->size()) {
    std::stable_sort(points->begin(), points->end(), [asc](const GeoPoint& a, const GeoPoint& b) {
      return asc ? a.distance < b.distance : a.distance > b.distance;
    });
    return;
  }
  auto cmp = [asc](const GeoPoint& a, const GeoPoint& b) {
    const int by_distance = a.distance > b.distance ? 1 : a.distance == b.distance ? 0 : -1;
    return asc ? by_distance : -by_distance;
  };
  core::PartialQuickSort(points->data(), points->size(), cmp, 0, keep - 1);
}

int64_t StoreGeoPoints(core::Keyspace& ks, int db, std::string_view dst,
                       const std::vector<GeoPoint>& points, size_t n, bool by_distance,
                       double unit_meters, std::string_view event) {
  core::Value result = core::Value::NewZSet();
  result.zset().DropCompact();  // built as a tree; StoreZSetResult picks the encoding
  for (size_t i = 0; i < n; ++i) {
    const GeoPoint& p = points[i];
    result.zset().Set(p.member, by_distance ? p.distance / unit_meters : p.score);
  }
  return StoreZSetResult(ks, db, dst, std::move(result), event);
}

}  // namespace bazaar::engine::commands
