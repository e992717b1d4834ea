#include <random>
#include <string>
#include <vector>

#include "engine/core/keyspace.h"
#include "engine/persistence/compact_encodings.h"
#include "engine/persistence/crc64.h"
#include "engine/persistence/dump_payload.h"
#include "engine/persistence/lzf.h"
#include "engine/persistence/rdb_reader.h"
#include "engine/persistence/rdb_writer.h"
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
    auto packed = LzfCompress(s, s.size() - 4);
    if (!packed) {
      // Short strings of three letters may not save 4 bytes, in Redis either.
      EXPECT_FALSE(repetitive && len >= 200) << "repetitive data should compress";
      continue;
    }
    EXPECT_LT(packed->size(), s.size());
    auto back = LzfDecompress(*packed, s.size());
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, s);
  }
}

TEST(LzfTest, CompressesToRedisBytes) {
  // From real Redis 7.0: DUMP of SET k to "hello world " * 25 minus its last 3 bytes (297). The
  // second match ends one byte past liblzf's nominal limit, as liblzf's unrolled loop does.
  std::string s;
  while (s.size() < 297) s += "hello world ";
  s.resize(297);
  auto packed = LzfCompress(s, s.size() - 4);
  ASSERT_TRUE(packed.has_value());
  EXPECT_EQ(*packed, std::string("\x0chello world h\xe0\xff\x0b\xe1\x0a\x07\x00r", 22));
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

// A listpack of short strings (each entry under 64 bytes), with the count header given.
std::string Listpack(const std::vector<std::string>& items, int count) {
  std::string body;
  for (const auto& s : items) {
    body.push_back(static_cast<char>(0x80 | s.size()));
    body += s;
    body.push_back(static_cast<char>(1 + s.size()));  // back-length
  }
  const size_t total = 6 + body.size() + 1;
  std::string lp;
  for (int i = 0; i < 4; ++i) lp.push_back(static_cast<char>((total >> (8 * i)) & 0xff));
  lp.push_back(static_cast<char>(count & 0xff));
  lp.push_back(static_cast<char>(count >> 8));
  return lp + body + "\xff";
}

// An RDB string of at most 63 bytes.
std::string Short(const std::string& s) { return std::string(1, static_cast<char>(s.size())) + s; }

TEST(DumpPayloadTest, StringPayloadIsRedisBytes) {
  // DUMP of "bar" on Redis 7.0.15.
  const std::string redis("\x00\x03" "bar\x0a\x00\xe6\xbe" "I`\xee" "f\xfd\x17", 15);
  EXPECT_EQ(MakeDumpPayload(core::Value(std::string("bar")), true), redis);
  EXPECT_TRUE(DumpFooterValid(redis));
}

TEST(DumpPayloadTest, FooterRefusesNewerVersionsWrongChecksumsAndShortPayloads) {
  std::string payload = MakeDumpPayload(core::Value(std::string("x")), true);
  EXPECT_TRUE(DumpFooterValid(payload));
  std::string flipped = payload;
  flipped.back() ^= 1;
  EXPECT_FALSE(DumpFooterValid(flipped));
  EXPECT_FALSE(DumpFooterValid(payload.substr(0, 9)));
  // Version 11 with a checksum that matches it.
  std::string v11 = EncodeRdbValue(core::Value(std::string("x")), true) + "\x0b" + std::string(1, '\0');
  const uint64_t crc = Crc64(0, v11.data(), v11.size());
  for (int i = 0; i < 8; ++i) v11.push_back(static_cast<char>(crc >> (8 * i)));
  EXPECT_FALSE(DumpFooterValid(v11));
}

TEST(RdbValueTest, EveryTypeRoundTrips) {
  core::Value list = core::Value::NewList();
  for (const char* e : {"a", "12", "", "-3000000000"}) list.list().PushBack(e);
  core::Value zset = core::Value::NewZSet();
  zset.zset().Set("m", -1.5);
  zset.zset().Set("n", 1e300);
  core::Value hash = core::Value::NewHash();
  hash.hash().Set("f", "v");
  for (const core::Value* v : {&list, &zset, &hash}) {
    auto back = DecodeRdbValue(EncodeRdbValue(*v, true), false);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(EncodeRdbValue(*back, true), EncodeRdbValue(*v, true));
  }
}

TEST(RdbValueTest, RefusesWhatRedisRefusesWhateverTheSanitizeMode) {
  for (bool deep : {false, true}) {
    // A plain set, sorted set or hash with a repeated member; empty containers; a NaN score.
    EXPECT_FALSE(DecodeRdbValue(std::string("\x02\x02") + Short("a") + Short("a"), deep).ok());
    EXPECT_FALSE(DecodeRdbValue(std::string("\x04\x02") + Short("f") + Short("1") + Short("f") +
                                    Short("2"),
                                deep)
                     .ok());
    EXPECT_FALSE(DecodeRdbValue(std::string("\x02\x00", 2), deep).ok());
    EXPECT_FALSE(DecodeRdbValue(std::string("\x03\x01") + Short("m") + "\xfd", deep).ok());
    EXPECT_FALSE(DecodeRdbValue("\x08", deep).ok());  // not a value type
    EXPECT_FALSE(DecodeRdbValue(std::string("\x00\x05") + "ab", deep).ok());  // short
  }
}

TEST(RdbValueTest, DeepCheckRefusesRepeatsAndWrongCountsInListpacks) {
  const std::string repeated = "\x10" + Short(Listpack({"f", "1", "f", "2"}, 4));
  auto shallow = DecodeRdbValue(repeated, false);
  ASSERT_TRUE(shallow.ok());
  EXPECT_EQ(shallow->hash().size(), 1u);  // merged, where Redis would keep both
  EXPECT_FALSE(DecodeRdbValue(repeated, true).ok());
  const std::string miscounted = "\x10" + Short(Listpack({"f", "1"}, 3));
  EXPECT_TRUE(DecodeRdbValue(miscounted, false).ok());
  EXPECT_FALSE(DecodeRdbValue(miscounted, true).ok());
  const std::string uncounted = "\x10" + Short(Listpack({"f", "1"}, 65535));
  EXPECT_TRUE(DecodeRdbValue(uncounted, true).ok());
}

TEST(CompactEncodingsTest, ListpackShallowCheckStopsAtTheFirstEndMarker) {
  std::string lp = Listpack({"a"}, 1);
  lp.insert(lp.size() - 1, "\xff");  // an end marker before the last byte
  lp[0] = static_cast<char>(lp.size());
  auto shallow = DecodeListpack(lp, false);
  ASSERT_TRUE(shallow.has_value());
  EXPECT_EQ(*shallow, std::vector<std::string>{"a"});
  EXPECT_FALSE(DecodeListpack(lp, true).has_value());
}

TEST(CompactEncodingsTest, ZiplistPreviousLengthsAndTailAreChecked) {
  // zlbytes 17, zltail 13, 2 entries: "a" (prevlen 0), "b" (prevlen 3), end.
  std::string zl("\x11\x00\x00\x00\x0d\x00\x00\x00\x02\x00" "\x00\x01" "a" "\x03\x01" "b" "\xff",
                 17);
  auto ok = DecodeZiplist(zl);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, (std::vector<std::string>{"a", "b"}));
  std::string bad_prevlen = zl;
  bad_prevlen[13] = 2;
  EXPECT_FALSE(DecodeZiplist(bad_prevlen).has_value());
  std::string bad_tail = zl;
  bad_tail[4] = 10;
  EXPECT_FALSE(DecodeZiplist(bad_tail).has_value());
  std::string bad_count = zl;
  bad_count[8] = 3;
  EXPECT_FALSE(DecodeZiplist(bad_count).has_value());
}

}  // namespace
}  // namespace bazaar::engine::persistence
