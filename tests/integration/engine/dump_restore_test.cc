// DUMP and RESTORE between real redis-server 7.0.15 and bazaar-engine: every key of a dataset
// of every type and encoding (Redis's listpacks, intsets, quicklists and big encodings) dumped
// by Redis restores here with identical contents and TTLs, and our dumps restore into Redis.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "dataset.h"
#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;

// DUMPs every key of every database on `from` and RESTOREs it on `to` with its remaining TTL.
void CopyByDumpRestore(int from, int to) {
  RespClient source(from);
  RespClient target(to);
  for (int db = 0; db < 16; ++db) {
    source.Command({"SELECT", std::to_string(db)});
    target.Command({"SELECT", std::to_string(db)});
    for (const std::string& key : Elements(source.Command({"KEYS", "*"}))) {
      const std::string payload = Bulk(source.Command({"DUMP", key}));
      const std::string pttl = source.Command({"PTTL", key});
      const std::string ttl = pttl == ":-1\r\n" ? "0" : pttl.substr(1, pttl.size() - 3);
      ASSERT_EQ(target.Command({"RESTORE", key, ttl, payload}), "+OK\r\n") << "key " << key;
    }
  }
}

TEST(DumpRestoreTest, EveryTypeDumpedByRealRedisRestoresHereAndBack) {
  ServerUnderTest redis(Kind::kRealRedis);
  ServerUnderTest engine(Kind::kBazaarEngine);
  Populate(redis.port());
  const auto expected = Dataset(redis.port());
  ASSERT_GT(expected.size(), 10u);

  CopyByDumpRestore(redis.port(), engine.port());
  EXPECT_EQ(Dataset(engine.port()), expected);

  ServerUnderTest redis_again(Kind::kRealRedis);
  CopyByDumpRestore(engine.port(), redis_again.port());
  EXPECT_EQ(Dataset(redis_again.port()), expected);
}

TEST(DumpRestoreTest, EncodingsAfterRestoreAreRedis) {
  ServerUnderTest redis(Kind::kRealRedis);
  ServerUnderTest engine(Kind::kBazaarEngine);
  Populate(redis.port());
  CopyByDumpRestore(redis.port(), engine.port());
  RespClient ours(engine.port());
  RespClient theirs(redis.port());
  for (const char* key : {"plain", "number", "long", "small-list", "big-list", "small-z", "big-z",
                          "small-h", "big-h"}) {
    EXPECT_EQ(ours.Command({"OBJECT", "ENCODING", key}),
              theirs.Command({"OBJECT", "ENCODING", key}))
        << key;
  }
}

}  // namespace
}  // namespace bazaar::testing
