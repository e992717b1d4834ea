#include "engine/core/geohash.h"

#include <cmath>
#include <initializer_list>

namespace bazaar::engine::core {
namespace {

constexpr double kDegToRad = M_PI / 180.0;
// Half the Web Mercator world's width in meters: the radius that needs the coarsest step.
constexpr double kMercatorMax = 20037726.37;
constexpr GeoRange kWgs84Longitude{kGeoLongMin, kGeoLongMax};
constexpr GeoRange kWgs84Latitude{kGeoLatMin, kGeoLatMax};
constexpr uint64_t kEvenBits = 0x5555555555555555ULL;  // latitude
constexpr uint64_t kOddBits = 0xaaaaaaaaaaaaaaaaULL;   // longitude

double DegToRad(double degrees) { return degrees * kDegToRad; }
double RadToDeg(double radians) { return radians / kDegToRad; }

// The 32 bits of v spread over the even bit positions of the result.
uint64_t SpreadBits(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & kEvenBits;
  return x;
}

// The inverse of SpreadBits: the even bits of v packed into 32.
uint32_t GatherBits(uint64_t v) {
  uint64_t x = v & kEvenBits;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

bool IsZeroRange(GeoRange r) { return r.min == 0 && r.max == 0; }

// Moves a box by dlon cells east (negative: west) and dlat cells north (negative: south). The
// other coordinate's bit positions are filled with ones so the carry runs through them; what
// overflows the step is cut off, so longitude (and latitude) wrap around.
GeoHashBits Move(GeoHashBits hash, int dlon, int dlat) {
  const int shift = 64 - hash.step * 2;
  uint64_t lon = hash.bits & kOddBits;
  uint64_t lat = hash.bits & kEvenBits;
  if (dlon != 0) {
    const uint64_t fill = kEvenBits >> shift;
    lon = dlon > 0 ? lon + (fill + 1) : (lon | fill) - (fill + 1);
    lon &= kOddBits >> shift;
  }
  if (dlat != 0) {
    const uint64_t fill = kOddBits >> shift;
    lat = dlat > 0 ? lat + (fill + 1) : (lat | fill) - (fill + 1);
    lat &= kEvenBits >> shift;
  }
  return {lon | lat, hash.step};
}

// The cell's centre, clamped to the limits (Redis's geohashDecodeAreaToLongLat).
GeoPosition Center(const GeoArea& area) {
  GeoPosition p;
  p.longitude = (area.longitude.min + area.longitude.max) / 2;
  if (p.longitude > kGeoLongMax) p.longitude = kGeoLongMax;
  if (p.longitude < kGeoLongMin) p.longitude = kGeoLongMin;
  p.latitude = (area.latitude.min + area.latitude.max) / 2;
  if (p.latitude > kGeoLatMax) p.latitude = kGeoLatMax;
  if (p.latitude < kGeoLatMin) p.latitude = kGeoLatMin;
  return p;
}

// The score as Redis reads it, with a plain C cast to uint64_t. For scores no GEOADD makes,
// written here without undefined behaviour, that is what the cast does on x86-64: negative
// values wrap through int64 (those it cannot hold, like -inf, give 2^63), 2^64 and more give 0.
uint64_t ScoreBits(double score) {
  constexpr double k2To63 = 9223372036854775808.0;
  if (score > -1 && score < 2 * k2To63) return static_cast<uint64_t>(score);
  if (score <= -1 && score >= -k2To63) {
    return static_cast<uint64_t>(static_cast<int64_t>(score));
  }
  return score < 0 ? uint64_t{1} << 63 : 0;
}

struct BoundingBox {
  double min_lon, min_lat, max_lon, max_lat;
};

// The shape's bounding box in degrees. Meridians converge towards the poles, so the box is
// widest at its edge nearer the equator: the bottom edge in the north, the top in the south.
BoundingBox Bounds(const GeoShape& shape) {
  const bool circle = shape.type == GeoShape::kCircle;
  const double height = shape.unit_meters * (circle ? shape.radius : shape.height / 2);
  const double width = shape.unit_meters * (circle ? shape.radius : shape.width / 2);
  const double lon = shape.center.longitude, lat = shape.center.latitude;
  const double lat_delta = RadToDeg(height / kEarthRadiusMeters);
  const double lon_delta_top =
      RadToDeg(width / kEarthRadiusMeters / std::cos(DegToRad(lat + lat_delta)));
  const double lon_delta_bottom =
      RadToDeg(width / kEarthRadiusMeters / std::cos(DegToRad(lat - lat_delta)));
  const bool southern = lat < 0;
  const double lon_delta = southern ? lon_delta_bottom : lon_delta_top;
  return {lon - lon_delta, lat - lat_delta, lon + lon_delta, lat + lat_delta};
}

}  // namespace

bool ValidGeoPosition(double longitude, double latitude) {
  return !(longitude < kGeoLongMin || longitude > kGeoLongMax || latitude < kGeoLatMin ||
           latitude > kGeoLatMax);
}

bool GeoHashEncode(GeoRange long_range, GeoRange lat_range, double longitude, double latitude,
                   uint8_t step, GeoHashBits* out) {
  *out = GeoHashBits{0, step};
  if (step == 0 || step > kGeoStepMax || IsZeroRange(long_range) || IsZeroRange(lat_range)) {
    return false;
  }
  if (!ValidGeoPosition(longitude, latitude)) return false;
  if (latitude < lat_range.min || latitude > lat_range.max || longitude < long_range.min ||
      longitude > long_range.max) {
    return false;
  }
  double lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
  double long_offset = (longitude - long_range.min) / (long_range.max - long_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  long_offset *= static_cast<double>(1ULL << step);
  // An offset of exactly 1 (the range's maximum) sets the bit above the step, as in Redis.
  out->bits = SpreadBits(static_cast<uint32_t>(lat_offset)) |
              (SpreadBits(static_cast<uint32_t>(long_offset)) << 1);
  return true;
}

GeoArea GeoHashDecode(GeoRange long_range, GeoRange lat_range, GeoHashBits hash) {
  const uint32_t ilat = GatherBits(hash.bits);
  const uint32_t ilon = GatherBits(hash.bits >> 1);
  const double cells = static_cast<double>(1ULL << hash.step);
  const double lat_scale = lat_range.max - lat_range.min;
  const double long_scale = long_range.max - long_range.min;
  // ilat + 1 is 32-bit arithmetic, wrapping as Redis's does for scores that are no geohash.
  GeoArea area;
  area.latitude.min = lat_range.min + (ilat * 1.0 / cells) * lat_scale;
  area.latitude.max = lat_range.min + (static_cast<uint32_t>(ilat + 1) * 1.0 / cells) * lat_scale;
  area.longitude.min = long_range.min + (ilon * 1.0 / cells) * long_scale;
  area.longitude.max =
      long_range.min + (static_cast<uint32_t>(ilon + 1) * 1.0 / cells) * long_scale;
  return area;
}

uint64_t GeoScore(double longitude, double latitude) {
  GeoHashBits hash;
  GeoHashEncode(kWgs84Longitude, kWgs84Latitude, longitude, latitude, kGeoStepMax, &hash);
  return hash.bits;
}

GeoPosition GeoScoreToPosition(double score) {
  const GeoHashBits hash{ScoreBits(score), kGeoStepMax};
  return Center(GeoHashDecode(kWgs84Longitude, kWgs84Latitude, hash));
}

std::string GeoHashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  const GeoPosition p = GeoScoreToPosition(score);
  GeoHashBits hash;
  GeoHashEncode({-180, 180}, {-90, 90}, p.longitude, p.latitude, kGeoStepMax, &hash);
  // 52 bits make 10 characters and 2 bits; Redis answers 11 characters, the last always '0'.
  std::string out(11, '0');
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(hash.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

double GeoDistance(double lon1, double lat1, double lon2, double lat2) {
  const double lat1r = DegToRad(lat1), lon1r = DegToRad(lon1);
  const double lat2r = DegToRad(lat2), lon2r = DegToRad(lon2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double v = std::sin((lon2r - lon1r) / 2);
  return 2.0 * kEarthRadiusMeters *
         std::asin(std::sqrt(u * u + std::cos(lat1r) * std::cos(lat2r) * v * v));
}

bool GeoInShape(const GeoShape& shape, double longitude, double latitude, double* distance_meters) {
  const double clon = shape.center.longitude, clat = shape.center.latitude;
  if (shape.type == GeoShape::kCircle) {
    const double d = GeoDistance(clon, clat, longitude, latitude);
    if (d > shape.radius * shape.unit_meters) return false;
    *distance_meters = d;
    return true;
  }
  const double width = shape.width * shape.unit_meters;
  const double height = shape.height * shape.unit_meters;
  // The east-west distance is measured along the point's own parallel.
  const double lon_distance = GeoDistance(longitude, latitude, clon, latitude);
  const double lat_distance = GeoDistance(longitude, latitude, longitude, clat);
  if (lon_distance > width / 2 || lat_distance > height / 2) return false;
  *distance_meters = GeoDistance(clon, clat, longitude, latitude);
  return true;
}

int GeoEstimateSteps(double radius_meters, double latitude) {
  if (radius_meters == 0) return kGeoStepMax;
  int step = 1;
  while (radius_meters < kMercatorMax) {
    radius_meters *= 2;
    ++step;
  }
  step -= 2;  // so the radius fits in most cases
  // Cells narrow towards the poles: take wider ones there.
  if (latitude > 66 || latitude < -66) {
    --step;
    if (latitude > 80 || latitude < -80) --step;
  }
  if (step < 1) step = 1;
  if (step > kGeoStepMax) step = kGeoStepMax;
  return step;
}

std::array<GeoHashBits, 8> GeoNeighbors(GeoHashBits hash) {
  return {Move(hash, 0, 1), Move(hash, 0, -1), Move(hash, 1, 0),  Move(hash, -1, 0),
          Move(hash, 1, 1), Move(hash, -1, 1), Move(hash, 1, -1), Move(hash, -1, -1)};
}

std::array<GeoHashBits, 9> GeoSearchBoxes(const GeoShape& shape) {
  enum { kN, kS, kE, kW, kNE, kNW, kSE, kSW };
  const BoundingBox b = Bounds(shape);
  const double lon = shape.center.longitude, lat = shape.center.latitude;
  const double radius_meters =
      shape.unit_meters * (shape.type == GeoShape::kCircle
                               ? shape.radius
                               : std::sqrt((shape.width / 2) * (shape.width / 2) +
                                           (shape.height / 2) * (shape.height / 2)));
  int steps = GeoEstimateSteps(radius_meters, lat);

  GeoHashBits hash;
  GeoHashEncode(kWgs84Longitude, kWgs84Latitude, lon, lat, steps, &hash);
  std::array<GeoHashBits, 8> near = GeoNeighbors(hash);
  // When the shape reaches past a side neighbour, the step is too fine: take one coarser.
  auto area_of = [](GeoHashBits h) { return GeoHashDecode(kWgs84Longitude, kWgs84Latitude, h); };
  const bool too_fine =
      area_of(near[kN]).latitude.max < b.max_lat || area_of(near[kS]).latitude.min > b.min_lat ||
      area_of(near[kE]).longitude.max < b.max_lon || area_of(near[kW]).longitude.min > b.min_lon;
  if (steps > 1 && too_fine) {
    --steps;
    GeoHashEncode(kWgs84Longitude, kWgs84Latitude, lon, lat, steps, &hash);
    near = GeoNeighbors(hash);
  }
  // Drop the neighbours on a side the shape does not reach.
  if (steps >= 2) {
    const GeoArea area = area_of(hash);
    auto drop = [&](std::initializer_list<int> which) {
      for (int i : which) near[i] = GeoHashBits{};
    };
    if (area.latitude.min < b.min_lat) drop({kS, kSW, kSE});
    if (area.latitude.max > b.max_lat) drop({kN, kNE, kNW});
    if (area.longitude.min < b.min_lon) drop({kW, kSW, kNW});
    if (area.longitude.max > b.max_lon) drop({kE, kSE, kNE});
  }
  return {hash, near[kN], near[kS], near[kE], near[kW], near[kNE], near[kNW], near[kSE], near[kSW]};
}

void GeoBoxScores(GeoHashBits box, uint64_t* min, uint64_t* max) {
  const int shift = 52 - box.step * 2;
  *min = box.bits << shift;
  *max = (box.bits + 1) << shift;
}

}  // namespace bazaar::engine::core
