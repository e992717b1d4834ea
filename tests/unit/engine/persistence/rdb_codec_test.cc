#include <random>
#include <string>

#include "engine/core/keyspace.h"
#include "engine/persistence/crc64.h"
#include "engine/persistence/lzf.h"
#include "engine/persistence/rdb_reader.h"
#include "gtest/gtest.h"

namespace bazaar::engine::persistence {
namespace {

TEST(Crc64Test, MatchesTheJonesCheckValue) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
  // Incremental use gives the same result as one call.
  EXPECT_EQ(Crc64(Crc64(0, "1234", 4), "56789", 5), 0xe9c6d914c4b8d9caULL);
}

TEST(LzfTest, RoundTripsCompressibleAndRandomData) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string s;
    size_t len = 21 + rng() % 3000;
    bool repetitive = round % 2 == 0;
    for (size_t i = 0; i < len; ++i) {
      s.push_back(repetitive ? "abcab"[rng() % 5] : static_cast<char>(rng()));
    }
    auto packed = LzfCompress(s);
    if (!packed) {
      EXPECT_FALSE(repetitive) << "repetitive data should compress";
      continue;
    }
    EXPECT_LT(packed->size(), s.size());
    auto back = LzfDecompress(*packed, s.size());
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, s);
  }
}

TEST(LzfTest, MalformedInputIsRejected) {
  EXPECT_FALSE(LzfDecompress(std::string("\x20\x05", 2), 10).has_value());  // offset too far
  EXPECT_FALSE(LzfDecompress(std::string("\x05" "ab", 3), 6).has_value());   // short literal
}

TEST(RdbReaderTest, RejectsBadMagicVersionAndTruncation) {
  core::Keyspace ks(16);
  RdbLoadStats stats;
  EXPECT_EQ(LoadRdb("REDIX0010", ks, true, &stats).message(),
            "Wrong signature trying to load DB from file");
  EXPECT_EQ(LoadRdb("REDIS0011\xff", ks, true, &stats).message(),
            "Can't handle RDB format version 11");
  EXPECT_EQ(LoadRdb("REDIS0010\x00\x03" "ke", ks, true, &stats).message(),
            "Short read or OOM loading DB. Unrecoverable error, aborting now.");
}

}  // namespace
}  // namespace bazaar::engine::persistence
