// bazaar-check-rdb and bazaar-check-aof against Debian's redis-check-rdb and redis-check-aof on
// the same files: good ones, ones truncated at many offsets, ones with flipped bytes. The exit
// status and the valid prefix must agree; --fix --yes must leave what real redis-check-aof
// accepts and real redis-server loads; only the last file of a manifest may be cut.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "dataset.h"
#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing {
namespace {

using Kind = ServerUnderTest::Kind;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string OurCheckRdb() { return BinaryDir() + "/bazaar-check-rdb"; }
std::string OurCheckAof() { return BinaryDir() + "/bazaar-check-aof"; }

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The "ok_up_to=N" of an "AOF analyzed" line, or -1 when there is none.
long OkUpTo(const std::string& report) {
  std::smatch m;
  return std::regex_search(report, m, std::regex("ok_up_to=(\\d+)")) ? std::stol(m[1]) : -1;
}

// The file as written, cut at `points` offsets spread over it and at each of its last bytes, and
// with single bytes flipped at random places (a fixed seed keeps failures reproducible).
std::vector<std::pair<std::string, std::string>> Damaged(const std::string& good, int points,
                                                         int flips) {
  std::vector<std::pair<std::string, std::string>> out = {{"intact", good}};
  for (int i = 0; i < points; ++i) {
    size_t cut = good.size() * i / points;
    out.push_back({"cut at " + std::to_string(cut), good.substr(0, cut)});
  }
  for (size_t back = 1; back <= 12 && back < good.size(); ++back) {
    out.push_back({"cut at " + std::to_string(good.size() - back), good.substr(0, good.size() - back)});
  }
  std::mt19937 rng(42);
  for (int i = 0; i < flips; ++i) {
    std::string bad = good;
    size_t at = rng() % bad.size();
    bad[at] = static_cast<char>(bad[at] ^ (1 << (rng() % 8)));
    out.push_back({"bit flipped at " + std::to_string(at), bad});
  }
  return out;
}

std::string MaskLogPrefix(const std::string& output) {
  static const std::regex kPrefix(R"(\d+:C \d+ \w+ \d+ [\d:.]+ #)");
  return std::regex_replace(output, kPrefix, "PID:C DATE #");
}

std::string SavedDump(Kind kind, const std::string& dir) {
  ServerUnderTest server(kind, {"--dir", dir});
  Populate(server.port());
  EXPECT_EQ(RespClient(server.port()).Command({"SAVE"}), "+OK\r\n");
  return ReadFile(dir + "/dump.rdb");
}

TEST(CheckRdbTest, GoodDumpReportsLikeRedisCheckRdb) {
  TempDir dir;
  SavedDump(Kind::kRealRedis, dir.path());
  const std::string dump = dir.path() + "/dump.rdb";
  auto ours = RunCommand(OurCheckRdb() + " " + dump);
  auto real = RunCommand("redis-check-rdb " + dump);
  EXPECT_EQ(ours.exit_code, 0) << ours.output;
  EXPECT_EQ(ours.output, real.output) << "every line, offsets and key counts included";
  EXPECT_THAT(ours.output, HasSubstr("\\o/ RDB looks OK! \\o/"));
}

TEST(CheckRdbTest, VerdictsMatchRedisCheckRdbOnTruncatedAndCorruptDumps) {
  for (Kind kind : {Kind::kRealRedis, Kind::kBazaarEngine}) {
    TempDir dir;
    const std::string good = SavedDump(kind, dir.path());
    const std::string path = dir.path() + "/damaged.rdb";
    int failures_seen = 0;
    for (const auto& [what, bytes] : Damaged(good, 60, 60)) {
      WriteFile(path, bytes);
      auto ours = RunCommand(OurCheckRdb() + " " + path);
      auto real = RunCommand("redis-check-rdb " + path);
      EXPECT_EQ(ours.exit_code, real.exit_code) << what << "\nours:\n" << ours.output
                                                << "\nredis-check-rdb:\n" << real.output;
      if (what.rfind("cut", 0) == 0) {
        // A short read is reported at the same offset, in the same words (and, for a stream,
        // the same log line but for its pid and time).
        EXPECT_EQ(MaskLogPrefix(ours.output), MaskLogPrefix(real.output)) << what;
      }
      failures_seen += ours.exit_code != 0;
    }
    EXPECT_GT(failures_seen, 60);
  }
}

TEST(CheckRdbTest, MissingFileAndUsageFail) {
  EXPECT_EQ(RunCommand(OurCheckRdb() + " /nonexistent/dump.rdb").exit_code, 1);
  EXPECT_EQ(RunCommand(OurCheckRdb()).exit_code, 1);
}

// An AOF directory written by bazaar-engine: the base and one incremental file with plain
// commands and a transaction, left as a kill -9 leaves it.
std::string WriteAofDir(const std::string& dir) {
  ServerUnderTest engine(Kind::kBazaarEngine,
                         {"--dir", dir, "--appendonly", "yes", "--appendfsync", "always"});
  RespClient c(engine.port());
  c.Command({"SET", "k", "v"});
  c.Command({"RPUSH", "l", "a", "b", "c"});
  c.SendRaw(EncodeCommand({"MULTI"}) + EncodeCommand({"INCR", "n"}) +
            EncodeCommand({"SET", "x", std::string("a\r\nb", 4)}) + EncodeCommand({"EXEC"}));
  for (int i = 0; i < 4; ++i) c.ReadReply();
  c.Command({"HSET", "h", "f", "v"});
  kill(engine.process().pid(), SIGKILL);
  engine.process().Wait(std::chrono::seconds(5));
  return dir + "/appendonlydir";
}

std::string IncrPath(const std::string& aof_dir) {
  return aof_dir + "/appendonly.aof.1.incr.aof";
}

TEST(CheckAofTest, GoodManifestAndFilesAreValidForBothTools) {
  TempDir dir;
  const std::string aof_dir = WriteAofDir(dir.path());
  for (const std::string& file : {aof_dir + "/appendonly.aof.manifest", IncrPath(aof_dir)}) {
    auto ours = RunCommand(OurCheckAof() + " " + file);
    auto real = RunCommand("redis-check-aof " + file);
    EXPECT_EQ(ours.exit_code, 0) << ours.output;
    EXPECT_EQ(ours.output, real.output);
  }
}

TEST(CheckAofTest, VerdictsAndValidPrefixMatchRedisCheckAof) {
  TempDir dir;
  const std::string good = ReadFile(IncrPath(WriteAofDir(dir.path())));
  ASSERT_GT(good.size(), 100u);
  const std::string path = dir.path() + "/damaged.aof";
  // Every offset: a cut can land in any line of any command, or inside the transaction.
  for (const auto& [what, bytes] : Damaged(good, static_cast<int>(good.size()), 150)) {
    WriteFile(path, bytes);
    auto ours = RunCommand(OurCheckAof() + " " + path);
    auto real = RunCommand("redis-check-aof " + path);
    EXPECT_EQ(ours.exit_code, real.exit_code) << what << "\nours:\n" << ours.output
                                              << "\nredis-check-aof:\n" << real.output;
    EXPECT_EQ(OkUpTo(ours.output), OkUpTo(real.output)) << what;
  }
}

TEST(CheckAofTest, RdbPreambleIsCheckedThenTheTail) {
  TempDir dir, aof;
  const std::string rdb = SavedDump(Kind::kBazaarEngine, dir.path());
  const std::string tail = ReadFile(IncrPath(WriteAofDir(aof.path())));
  const std::string path = dir.path() + "/preamble.aof";
  for (const std::string& bytes : {rdb + tail, rdb + tail.substr(0, tail.size() - 3),
                                   rdb.substr(0, rdb.size() / 2)}) {
    WriteFile(path, bytes);
    auto ours = RunCommand(OurCheckAof() + " " + path);
    auto real = RunCommand("redis-check-aof " + path);
    EXPECT_EQ(ours.exit_code, real.exit_code) << ours.output << real.output;
    EXPECT_EQ(OkUpTo(ours.output), OkUpTo(real.output));
  }
}

TEST(CheckAofTest, FixYesLeavesWhatRedisCheckAofAcceptsAndRedisLoads) {
  TempDir dir;
  const std::string aof_dir = WriteAofDir(dir.path());
  const std::string incr = ReadFile(IncrPath(aof_dir));
  WriteFile(IncrPath(aof_dir), incr.substr(0, incr.size() - 5));  // into the HSET
  fs::copy(aof_dir, dir.path() + "/by-redis");
  const std::string manifest = aof_dir + "/appendonly.aof.manifest";

  auto refused = RunCommand(OurCheckAof() + " " + manifest);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("Use the --fix option to try fixing it."));
  auto fixed = RunCommand(OurCheckAof() + " --fix --yes " + manifest);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.output;
  EXPECT_THAT(fixed.output, HasSubstr("Successfully truncated AOF appendonly.aof.1.incr.aof"));
  auto by_redis = RunCommand("echo y | redis-check-aof --fix " + dir.path() +
                             "/by-redis/appendonly.aof.manifest");
  EXPECT_EQ(by_redis.exit_code, 0) << by_redis.output;
  EXPECT_EQ(ReadFile(IncrPath(aof_dir)), ReadFile(IncrPath(dir.path() + "/by-redis")))
      << "both tools cut at the same place";

  auto check = RunCommand("redis-check-aof " + manifest);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  ServerUnderTest redis(Kind::kRealRedis, {"--dir", dir.path(), "--appendonly", "yes"});
  RespClient c(redis.port());
  EXPECT_EQ(c.Command({"GET", "x"}), "$4\r\na\r\nb\r\n");
  EXPECT_EQ(c.Command({"EXISTS", "h"}), ":0\r\n") << "the cut command is gone";
}

TEST(CheckAofTest, FixAsksBeforeTruncating) {
  TempDir dir;
  const std::string incr = ReadFile(IncrPath(WriteAofDir(dir.path())));
  const std::string path = dir.path() + "/cut.aof";
  WriteFile(path, incr.substr(0, incr.size() - 5));
  auto no = RunCommand("echo n | " + OurCheckAof() + " --fix " + path);
  EXPECT_EQ(no.exit_code, 1);
  EXPECT_THAT(no.output, HasSubstr("Continue? [y/N]: Aborting..."));
  EXPECT_EQ(ReadFile(path).size(), incr.size() - 5) << "nothing cut without a yes";
  auto no_stdin = RunCommand(OurCheckAof() + " --fix " + path + " </dev/null");
  EXPECT_EQ(no_stdin.exit_code, 1);
  auto yes = RunCommand("echo y | " + OurCheckAof() + " --fix " + path);
  EXPECT_EQ(yes.exit_code, 0) << yes.output;
  EXPECT_EQ(RunCommand("redis-check-aof " + path).exit_code, 0);
}

TEST(CheckAofTest, OnlyTheLastFileOfAManifestMayBeTruncated) {
  TempDir dir;
  const std::string aof_dir = WriteAofDir(dir.path());
  const std::string incr = ReadFile(IncrPath(aof_dir));
  WriteFile(aof_dir + "/appendonly.aof.2.incr.aof", incr);
  const std::string manifest = aof_dir + "/appendonly.aof.manifest";
  std::ofstream(manifest, std::ios::app) << "file appendonly.aof.2.incr.aof seq 2 type i\n";
  WriteFile(IncrPath(aof_dir), incr.substr(0, incr.size() - 5));

  auto ours = RunCommand(OurCheckAof() + " --fix --yes " + manifest);
  auto real = RunCommand("echo y | redis-check-aof --fix " + manifest);
  EXPECT_EQ(ours.exit_code, 1);
  EXPECT_EQ(real.exit_code, 1);
  EXPECT_THAT(ours.output, HasSubstr("Failed to truncate AOF appendonly.aof.1.incr.aof because it "
                                     "is not the last file"));
  EXPECT_EQ(ReadFile(IncrPath(aof_dir)).size(), incr.size() - 5);
}

TEST(CheckAofTest, MissingFilesFailLikeRedisCheckAof) {
  TempDir dir;
  const std::string aof_dir = WriteAofDir(dir.path());
  EXPECT_EQ(RunCommand(OurCheckAof() + " " + dir.path() + "/none.aof").exit_code, 1);
  fs::remove(IncrPath(aof_dir));
  const std::string manifest = aof_dir + "/appendonly.aof.manifest";
  auto ours = RunCommand(OurCheckAof() + " " + manifest);
  EXPECT_EQ(ours.exit_code, RunCommand("redis-check-aof " + manifest).exit_code);
  EXPECT_THAT(ours.output, HasSubstr("Cannot open file"));
  EXPECT_EQ(RunCommand(OurCheckAof()).exit_code, 1);
}

}  // namespace
}  // namespace bazaar::testing
