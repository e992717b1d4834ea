// Geohash core against values real Redis 7.0.15 gives (GEOADD scores, GEOPOS, GEOHASH, GEODIST).
#include "engine/core/geohash.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace bazaar::engine::core {
namespace {

// GEOPOS prints coordinates as "%.17Lf" without trailing zeros.
std::string Human(double v) {
  char buf[64];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(v));
  std::string s(buf, len);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string Meters(double d) {
  char buf[64];
  return std::string(buf, std::snprintf(buf, sizeof(buf), "%.4f", d));
}

TEST(GeoHashTest, ScoresMatchRedisGeoadd) {
  EXPECT_EQ(GeoScore(13.361389, 38.115556), 3479099956230698u);  // Palermo
  EXPECT_EQ(GeoScore(15.087269, 37.502669), 3479447370796909u);  // Catania
  EXPECT_EQ(GeoScore(-73.9454966, 40.747533), 1791875804419201u);
  EXPECT_EQ(GeoScore(0, 0), 3377699720527872u);
  EXPECT_EQ(GeoScore(-180, -85.05112878), 0u);
  EXPECT_EQ(GeoScore(179.9999999, 0), 4128299658422954u);
}

TEST(GeoHashTest, TheNorthEastCornerSetsTheBitsAboveTheStep) {
  // An offset of exactly 1 overflows both 26-bit coordinates, as in Redis: 3 << 52.
  EXPECT_EQ(GeoScore(180, 85.05112878), 13510798882111488u);
  GeoPosition p = GeoScoreToPosition(13510798882111488.0);
  EXPECT_EQ(Human(p.longitude), "180");
  EXPECT_EQ(Human(p.latitude), "85.0511287799999991");
}

TEST(GeoHashTest, DecodedPositionsMatchRedisGeopos) {
  GeoPosition p = GeoScoreToPosition(3479099956230698.0);
  EXPECT_EQ(Human(p.longitude), "13.36138933897018433");
  EXPECT_EQ(Human(p.latitude), "38.11555639549629859");
  p = GeoScoreToPosition(0);
  EXPECT_EQ(Human(p.longitude), "-179.99999731779098511");
  EXPECT_EQ(Human(p.latitude), "-85.05112751263942528");
  p = GeoScoreToPosition(4128299658422954.0);
  EXPECT_EQ(Human(p.longitude), "179.99999731779098511");
  EXPECT_EQ(Human(p.latitude), "0.00000126736058093");
}

TEST(GeoHashTest, StandardGeohashStringsMatchRedis) {
  EXPECT_EQ(GeoHashString(GeoScore(-5.6, 42.6)), "ezs42e44yx0");  // Wikipedia's example
  EXPECT_EQ(GeoHashString(3479099956230698.0), "sqc8b49rny0");
  EXPECT_EQ(GeoHashString(3479447370796909.0), "sqdtr74hyu0");
  EXPECT_EQ(GeoHashString(13510798882111488.0), "bp05b5048p0");
  EXPECT_EQ(GeoHashString(0), "00bh0hbj200");
  EXPECT_EQ(GeoHashString(3377699720527872.0), "s0000000000");
  EXPECT_EQ(GeoHashString(4128299658422954.0), "xbpbpbpbpb0");
}

TEST(GeoHashTest, DistancesMatchRedisGeodist) {
  GeoPosition a = GeoScoreToPosition(3479099956230698.0);
  GeoPosition b = GeoScoreToPosition(3479447370796909.0);
  EXPECT_EQ(Meters(GeoDistance(a.longitude, a.latitude, b.longitude, b.latitude)), "166274.1516");
  GeoPosition ne = GeoScoreToPosition(13510798882111488.0);
  GeoPosition sw = GeoScoreToPosition(0);
  EXPECT_EQ(Meters(GeoDistance(ne.longitude, ne.latitude, sw.longitude, sw.latitude) / 1609.34),
            "11756.2756");
  EXPECT_EQ(GeoDistance(1, 2, 1, 2), 0);
}

TEST(GeoHashTest, EncodeRejectsPositionsOutsideTheLimits) {
  GeoHashBits h;
  EXPECT_FALSE(GeoHashEncode({-180, 180}, {-90, 90}, 0, 85.1, 26, &h));
  EXPECT_EQ(h.bits, 0u);
  EXPECT_FALSE(ValidGeoPosition(180.0000001, 0));
  EXPECT_FALSE(ValidGeoPosition(0, -85.05112879));
  EXPECT_TRUE(ValidGeoPosition(-180, 85.05112878));
}

TEST(GeoHashTest, DecodeOfAnEncodedCellContainsThePoint) {
  for (int step = 1; step <= kGeoStepMax; ++step) {
    GeoHashBits h;
    ASSERT_TRUE(GeoHashEncode({-180, 180}, {-85.05112878, 85.05112878}, 12.5, -33.25,
                              static_cast<uint8_t>(step), &h));
    GeoArea a = GeoHashDecode({-180, 180}, {-85.05112878, 85.05112878}, h);
    EXPECT_LE(a.longitude.min, 12.5);
    EXPECT_GT(a.longitude.max, 12.5);
    EXPECT_LE(a.latitude.min, -33.25);
    EXPECT_GT(a.latitude.max, -33.25);
  }
}

TEST(GeoHashTest, NeighboursWrapAroundAtStepOne) {
  // Step 1: longitude bit in position 1, latitude bit in position 0.
  std::array<GeoHashBits, 8> n = GeoNeighbors(GeoHashBits{0b11, 1});
  const uint64_t expected[8] = {0b10, 0b10, 0b01, 0b01, 0b00, 0b00, 0b00, 0b00};
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(n[i].bits, expected[i]) << i;
    EXPECT_EQ(n[i].step, 1);
  }
}

TEST(GeoHashTest, NeighboursAreTheAdjacentCells) {
  const GeoRange lon{-180, 180}, lat{-85.05112878, 85.05112878};
  GeoHashBits h;
  ASSERT_TRUE(GeoHashEncode(lon, lat, 10, 20, 10, &h));
  const GeoArea c = GeoHashDecode(lon, lat, h);
  std::array<GeoHashBits, 8> n = GeoNeighbors(h);
  // north, south, east, west, north-east, north-west, south-east, south-west
  const int dlon[8] = {0, 0, 1, -1, 1, -1, 1, -1};
  const int dlat[8] = {1, -1, 0, 0, 1, 1, -1, -1};
  const double w = c.longitude.max - c.longitude.min, hgt = c.latitude.max - c.latitude.min;
  for (int i = 0; i < 8; ++i) {
    const GeoArea a = GeoHashDecode(lon, lat, n[i]);
    EXPECT_NEAR(a.longitude.min, c.longitude.min + dlon[i] * w, 1e-9) << i;
    EXPECT_NEAR(a.latitude.min, c.latitude.min + dlat[i] * hgt, 1e-9) << i;
  }
}

TEST(GeoHashTest, EastOfTheAntimeridianIsTheFarWest) {
  const GeoRange lon{-180, 180}, lat{-85.05112878, 85.05112878};
  GeoHashBits h;
  ASSERT_TRUE(GeoHashEncode(lon, lat, 179.9, 0, 8, &h));
  const GeoArea east = GeoHashDecode(lon, lat, GeoNeighbors(h)[2]);
  EXPECT_EQ(east.longitude.min, -180);
}

TEST(GeoHashTest, StepsShrinkWithTheRadiusAndNearThePoles) {
  EXPECT_EQ(GeoEstimateSteps(0, 0), 26);
  EXPECT_EQ(GeoEstimateSteps(1, 0), 24);      // 1 m doubles 25 times to pass Mercator's max
  EXPECT_EQ(GeoEstimateSteps(100000, 0), 7);  // 8 doublings
  EXPECT_EQ(GeoEstimateSteps(100000, 70), 6);
  EXPECT_EQ(GeoEstimateSteps(100000, -81), 5);
  EXPECT_EQ(GeoEstimateSteps(5e7, 0), 1);
}

TEST(GeoHashTest, SearchBoxesDropTheSidesTheCircleCannotReach) {
  GeoShape shape;
  shape.center = {13.361389, 38.115556};
  shape.radius = 1;
  shape.unit_meters = 1000;
  const std::array<GeoHashBits, 9> boxes = GeoSearchBoxes(shape);
  GeoHashBits center;
  GeoHashEncode({-180, 180}, {-85.05112878, 85.05112878}, 13.361389, 38.115556, boxes[0].step,
                &center);
  EXPECT_EQ(boxes[0].bits, center.bits);
  int kept = 0;
  for (const GeoHashBits& b : boxes) kept += !b.is_zero();
  EXPECT_GE(kept, 1);
  EXPECT_LT(kept, 9);
  // Every box found covers a score range that holds the centre's own score or touches it.
  uint64_t min, max;
  GeoBoxScores(boxes[0], &min, &max);
  const uint64_t score = GeoScore(13.361389, 38.115556);
  EXPECT_LE(min, score);
  EXPECT_LT(score, max);
}

TEST(GeoHashTest, BoxMembershipUsesTheWidthAlongThePointsParallel) {
  GeoShape box;
  box.type = GeoShape::kBox;
  box.center = {15, 37};
  box.width = 400;
  box.height = 2;
  box.unit_meters = 1000;
  double d;
  EXPECT_TRUE(GeoInShape(box, 12.75, 36.995, &d));
  EXPECT_FALSE(GeoInShape(box, 12.75, 36.5, &d));
  GeoShape circle;
  circle.center = {15, 37};
  circle.radius = 200;
  circle.unit_meters = 1000;
  EXPECT_TRUE(GeoInShape(circle, 15.087269, 37.502669, &d));
  EXPECT_NEAR(d, 56441, 1);
}

}  // namespace
}  // namespace bazaar::engine::core
