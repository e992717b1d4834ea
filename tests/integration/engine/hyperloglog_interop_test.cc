// HyperLogLogs between real Redis 7.0 and ours: a dump written by real Redis with sparse and dense
// HLLs (cached counts valid and stale) loads into ours with the same bytes, counts and encodings,
// and one written by ours loads into real Redis the same way; a replica of either holds the
// primary's exact bytes, the count a PFCOUNT cached included (Redis propagates that PFCOUNT).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "dataset.h"
#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;
using namespace std::chrono_literals;

const std::vector<std::string> kKeys = {"empty", "sparse",       "sparse-cached",
                                        "dense", "dense-cached", "merged"};

void AddElements(RespClient& c, const std::string& key, int from, int to) {
  std::vector<std::string> args = {"PFADD", key};
  for (int i = from; i < to; ++i) args.push_back("element-" + std::to_string(i));
  c.Command(args);
}

void PopulateHlls(int port) {
  RespClient c(port);
  c.Command({"PFADD", "empty"});
  AddElements(c, "sparse", 0, 200);
  AddElements(c, "sparse-cached", 100, 300);
  c.Command({"PFCOUNT", "sparse-cached"});
  AddElements(c, "dense", 0, 20000);
  AddElements(c, "dense-cached", 5000, 30000);
  c.Command({"PFCOUNT", "dense-cached"});
  c.Command({"PFMERGE", "merged", "sparse", "dense"});
}

// Per key: the raw bytes, the encoding (before anything converts it) and the count.
struct HllState {
  std::string bytes, encoding, count;
  bool operator==(const HllState& o) const {
    return bytes == o.bytes && encoding == o.encoding && count == o.count;
  }
};

std::vector<HllState> Read(int port) {
  RespClient c(port);
  std::vector<HllState> out;
  for (const std::string& key : kKeys) {
    HllState s;
    s.bytes = c.Command({"GET", key});
    s.encoding = c.Command({"PFDEBUG", "ENCODING", key});
    s.count = c.Command({"PFCOUNT", key});
    out.push_back(s);
  }
  return out;
}

// Saves on `writer`, reads the writer (GET before PFCOUNT, so the bytes are the dump's), then
// starts a `reader_kind` server on the dump and expects the same readings there.
void ExpectDumpLoadsTheSame(ServerUnderTest& writer, Kind reader_kind) {
  ASSERT_EQ(RespClient(writer.port()).Command({"SAVE"}), "+OK\r\n");
  const std::vector<HllState> want = Read(writer.port());
  // Sparse and dense values, cached counts valid (the *-cached keys) and stale (the others).
  ASSERT_EQ(want[1].encoding, "+sparse\r\n");
  ASSERT_EQ(want[2].encoding, "+sparse\r\n");
  ASSERT_EQ(want[3].encoding, "+dense\r\n");
  ASSERT_EQ(want[4].encoding, "+dense\r\n");
  ASSERT_EQ(want[5].encoding, "+dense\r\n");
  TempDir dir;
  std::filesystem::copy_file(writer.dir() + "/dump.rdb", dir.path() + "/dump.rdb");
  ServerUnderTest reader(reader_kind, {"--dir", dir.path(), "--dbfilename", "dump.rdb"});
  const std::vector<HllState> got = Read(reader.port());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(got[i] == want[i]) << kKeys[i] << ": " << got[i].encoding << got[i].count << " vs "
                                   << want[i].encoding << want[i].count;
  }
}

TEST(HyperLogLogRdbTest, RealRedisDumpLoadsIntoOursWithSameBytesAndCounts) {
  ServerUnderTest redis(Kind::kRealRedis);
  PopulateHlls(redis.port());
  ExpectDumpLoadsTheSame(redis, Kind::kBazaarEngine);
}

TEST(HyperLogLogRdbTest, OurDumpLoadsIntoRealRedisWithSameBytesAndCounts) {
  ServerUnderTest engine(Kind::kBazaarEngine);
  PopulateHlls(engine.port());
  ExpectDumpLoadsTheSame(engine, Kind::kRealRedis);
}

class HyperLogLogReplicaTest : public ::testing::TestWithParam<Kind> {};

TEST_P(HyperLogLogReplicaTest, ReplicaHoldsThePrimarysBytesWithTheCachedCount) {
  const Kind primary_kind = GetParam();
  const Kind replica_kind =
      primary_kind == Kind::kRealRedis ? Kind::kBazaarEngine : Kind::kRealRedis;
  ServerUnderTest primary(primary_kind);
  ServerUnderTest replica(replica_kind,
                          {"--replicaof", "127.0.0.1", std::to_string(primary.port())});
  RespClient p(primary.port());
  RespClient r(replica.port());
  ASSERT_TRUE(WaitFor(
      [&] {
        return Bulk(r.Command({"INFO", "replication"})).find("master_link_status:up") !=
               std::string::npos;
      },
      15s));
  AddElements(p, "sparse", 0, 100);
  AddElements(p, "dense", 0, 10000);
  ASSERT_EQ(p.Command({"PFCOUNT", "sparse"}), ":100\r\n");
  ASSERT_EQ(p.Command({"PFCOUNT", "dense"}), ":10016\r\n");
  p.Command({"SET", "marker", "done"});
  ASSERT_TRUE(WaitFor([&] { return r.Command({"GET", "marker"}) == "$4\r\ndone\r\n"; }, 15s));
  for (const char* key : {"sparse", "dense"}) {
    const std::string bytes = p.Command({"GET", key});
    EXPECT_EQ(r.Command({"GET", key}), bytes) << key;
    EXPECT_EQ(r.Command({"GETRANGE", key, "15", "15"}), std::string("$1\r\n\0\r\n", 7)) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(BothWays, HyperLogLogReplicaTest,
                         ::testing::Values(Kind::kBazaarEngine, Kind::kRealRedis),
                         [](const auto& info) {
                           return info.param == Kind::kBazaarEngine ? std::string("OursPrimary")
                                                                    : std::string("RedisPrimary");
                         });

}  // namespace
}  // namespace bazaar::testing
