// The work behind the GEO searches on a sorted set, without sockets: the points inside a shape,
// found in Redis's order, sorted by distance as Redis sorts them, and stored as
// GEORADIUS ... STORE and GEOSEARCHSTORE store them.
#ifndef BAZAAR_ENGINE_COMMANDS_GEO_OPS_H_
#define BAZAAR_ENGINE_COMMANDS_GEO_OPS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/geohash.h"
#include "engine/core/keyspace.h"
#include "engine/core/zset.h"

namespace bazaar::engine::commands {

struct GeoPoint {
  std::string member;
  core::GeoPosition position;  // decoded from the score
  double distance = 0;         // from the shape's centre, in meters
  double score = 0;
};

// The points of zs inside shape: the search boxes in Redis's order, each in score order. With a
// limit (ANY), stops as soon as that many are found; 0 is no limit.
std::vector<GeoPoint> GeoPointsInShape(const core::ZSet& zs, const core::GeoShape& shape,
                                       size_t limit);

enum class GeoSort { kNone, kAsc, kDesc };

// Orders the points by distance as far as the first `keep` need: all of them with a stable sort
// when keep covers them (glibc's qsort, which Redis calls, is a merge sort), otherwise with
// Redis's partial quicksort, so ties come out as in Redis.
void SortGeoPoints(std::vector<GeoPoint>* points, GeoSort sort, size_t keep);

// Stores the first n points under dst as a sorted set scored by geohash or, with by_distance,
// by distance in units of unit_meters; deletes dst when n is 0. Returns n.
int64_t StoreGeoPoints(core::Keyspace& ks, int db, std::string_view dst,
                       const std::vector<GeoPoint>& points, size_t n, bool by_distance,
                       double unit_meters, std::string_view event);

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_GEO_OPS_H_
