// Geohash arithmetic behind the GEO commands, computed exactly as Redis 7.0 computes it so that
// scores, distances and search results agree with Redis bit for bit.
//
// A position is stored as a sorted-set score: a 52-bit geohash (26 steps), latitude bits in the
// even positions and longitude bits in the odd ones, over longitude [-180, 180] and latitude
// [-85.05112878, 85.05112878] (the Web Mercator limits). A search covers its shape with nine
// geohash boxes at a step estimated from the radius (the centre box and its eight neighbours,
// minus those the shape cannot reach); each box is one score range [min, max) of the set, and
// every point found there is checked against the exact shape with the haversine distance.
//
// Pure functions and plain values: no ownership, no threads.
#ifndef BAZAAR_ENGINE_CORE_GEOHASH_H_
#define BAZAAR_ENGINE_CORE_GEOHASH_H_

#include <array>
#include <cstdint>
#include <string>

namespace bazaar::engine::core {

inline constexpr int kGeoStepMax = 26;
inline constexpr double kGeoLatMin = -85.05112878;
inline constexpr double kGeoLatMax = 85.05112878;
inline constexpr double kGeoLongMin = -180;
inline constexpr double kGeoLongMax = 180;
inline constexpr double kEarthRadiusMeters = 6372797.560856;

// A geohash of `step` bits per coordinate; step 0 with bits 0 is "no box".
struct GeoHashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool is_zero() const { return bits == 0 && step == 0; }
};

struct GeoRange {
  double min = 0, max = 0;
};

// The cell a geohash names.
struct GeoArea {
  GeoRange longitude, latitude;
};

struct GeoPosition {
  double longitude = 0, latitude = 0;
};

// Whether Redis accepts the pair as a position (GEOADD and the search centres).
bool ValidGeoPosition(double longitude, double latitude);

// Encodes a position within the given ranges at `step` (1 to 26) bits per coordinate; false
// (and *out zero bits) when the position is outside them or outside the Mercator limits.
bool GeoHashEncode(GeoRange long_range, GeoRange lat_range, double longitude, double latitude,
                   uint8_t step, GeoHashBits* out);
// The cell of a geohash within the given ranges.
GeoArea GeoHashDecode(GeoRange long_range, GeoRange lat_range, GeoHashBits hash);

// The sorted-set score of a valid position (GEOADD).
uint64_t GeoScore(double longitude, double latitude);
// The position a score stands for: the centre of its 26-step cell, clamped to the limits. Any
// score decodes (Redis reads the double as an unsigned 64-bit integer).
GeoPosition GeoScoreToPosition(double score);
// The 11-character standard geohash (latitude over [-90, 90]) GEOHASH answers for a score.
std::string GeoHashString(double score);

// Great-circle distance in meters (haversine, on Redis's Earth radius).
double GeoDistance(double lon1, double lat1, double lon2, double lat2);

// The shape of a search: a circle of `radius` or a width x height box, in `unit_meters` units,
// around a centre.
struct GeoShape {
  enum Type { kCircle, kBox };
  Type type = kCircle;
  GeoPosition center;
  double radius = 0;
  double width = 0, height = 0;
  double unit_meters = 1;  // meters per unit (m 1, km 1000, ft 0.3048, mi 1609.34)
};

// Whether the point lies within the shape; sets *distance_meters from the centre when it does.
bool GeoInShape(const GeoShape& shape, double longitude, double latitude, double* distance_meters);

// The step (bits per coordinate) of the boxes covering a radius at a latitude.
int GeoEstimateSteps(double radius_meters, double latitude);

// The eight neighbours of a box, in the order north, south, east, west, north-east,
// north-west, south-east, south-west (longitude wraps around the antimeridian).
std::array<GeoHashBits, 8> GeoNeighbors(GeoHashBits hash);

// The nine boxes to scan for a shape, in Redis's order (centre, then the neighbours as above);
// boxes the shape cannot reach are zero.
std::array<GeoHashBits, 9> GeoSearchBoxes(const GeoShape& shape);

// The score range [*min, *max) holding every point of a box.
void GeoBoxScores(GeoHashBits box, uint64_t* min, uint64_t* max);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_GEOHASH_H_
