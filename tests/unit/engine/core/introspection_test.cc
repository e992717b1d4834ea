// The latency histogram's HDR bucket layout (checked against figures Redis 7.0.15 printed), the
// slow log's trimming and the latency monitor's one-sample-per-second rule.
#include <gtest/gtest.h>

#include "engine/core/latency_histogram.h"
#include "engine/core/latency_monitor.h"
#include "engine/core/slow_log.h"

namespace bazaar::engine::core {
namespace {

TEST(LatencyHistogramTest, BucketsHaveTwoSignificantDigits) {
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(200), 200);  // exact below 256
  EXPECT_EQ(LatencyHistogram::LowestEquivalent(4010), 4000);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(4000), 4015);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(10000), 10047);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(154000), 154623);
}

TEST(LatencyHistogramTest, PercentilesAsInfoLatencystatsPrintsThem) {
  LatencyHistogram h;
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  // CONFIG GET in Redis: 24 µs median, one 154 µs call at the top.
  for (int64_t us : {24, 24, 24, 20, 154}) h.Record(us * 1000);
  EXPECT_EQ(h.ValueAtPercentile(50), 24063);
  EXPECT_EQ(h.ValueAtPercentile(99), 154623);
  EXPECT_EQ(h.ValueAtPercentile(0), 19968);
  EXPECT_EQ(h.total_count(), 5u);
}

TEST(LatencyHistogramTest, CumulativeBucketsAtPowersOfTwoFrom1024ns) {
  LatencyHistogram h;
  // Redis printed {16: 1, 33: 3, 132: 4, 264: 5} for calls of these durations.
  for (int64_t us : {10, 20, 25, 100, 200}) h.Record(us * 1000);
  std::vector<std::pair<int64_t, uint64_t>> want = {{16, 1}, {33, 3}, {132, 4}, {264, 5}};
  EXPECT_EQ(h.CumulativeMicros(), want);
  LatencyHistogram tiny;
  tiny.Record(0);  // clamped to 1 ns: the first level
  EXPECT_EQ(tiny.CumulativeMicros(), (std::vector<std::pair<int64_t, uint64_t>>{{1, 1}}));
}

TEST(SlowLogTest, TrimsArgumentsAndBytesAsRedis) {
  std::vector<std::string> args;
  for (int i = 0; i < 34; ++i) args.push_back(std::to_string(i));
  auto trimmed = SlowLog::TrimArgs(args);
  ASSERT_EQ(trimmed.size(), 32u);
  EXPECT_EQ(trimmed[30], "30");
  EXPECT_EQ(trimmed[31], "... (3 more arguments)");
  auto exact = SlowLog::TrimArgs(std::vector<std::string>(32, "x"));
  EXPECT_EQ(exact.size(), 32u);
  EXPECT_EQ(exact[31], "x");
  auto long_arg = SlowLog::TrimArgs({std::string(130, 'A')});
  EXPECT_EQ(long_arg[0], std::string(128, 'A') + "... (2 more bytes)");
}

TEST(SlowLogTest, KeepsNewestWithinMaxLenAndHonoursThreshold) {
  SlowLog log;
  for (int i = 0; i < 5; ++i) log.PushIfNeeded({"ping"}, 10, 0, 3, 100 + i, "a", "");
  log.PushIfNeeded({"fast"}, 5, 10, 3, 200, "a", "");   // below the threshold
  log.PushIfNeeded({"off"}, 50, -1, 3, 200, "a", "");   // disabled
  ASSERT_EQ(log.entries().size(), 3u);
  EXPECT_EQ(log.entries().front().id, 4);
  EXPECT_EQ(log.entries().back().id, 2);
  log.Reset();
  log.PushIfNeeded({"ping"}, 10, 10, 3, 300, "a", "n");
  EXPECT_EQ(log.entries().front().id, 5);  // ids go on after a reset
}

TEST(LatencyMonitorTest, OneSamplePerSecondKeepsTheWorst) {
  LatencyMonitor m;
  m.AddSampleIfNeeded("command", 5, 0, 100);   // monitor off
  m.AddSampleIfNeeded("command", 5, 10, 100);  // under the threshold
  EXPECT_EQ(m.Find("command"), nullptr);
  m.AddSampleIfNeeded("command", 30, 10, 100);
  m.AddSampleIfNeeded("command", 20, 10, 100);
  m.AddSampleIfNeeded("command", 40, 10, 101);
  const LatencyMonitor::Event* e = m.Find("command");
  ASSERT_NE(e, nullptr);
  auto history = e->History();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].latency, 30);
  EXPECT_EQ(history[1].time, 101);
  EXPECT_EQ(e->max, 40);
  EXPECT_EQ(m.Reset({"nosuch"}), 0);
  EXPECT_EQ(m.Reset({}), 1);
  EXPECT_TRUE(m.events().empty());
}

TEST(LatencyMonitorTest, HistoryHoldsTheLast160Seconds) {
  LatencyMonitor m;
  for (int s = 1; s <= 200; ++s) m.AddSample("fork", s, s);
  auto history = m.Find("fork")->History();
  ASSERT_EQ(history.size(), 160u);
  EXPECT_EQ(history.front().time, 41);
  EXPECT_EQ(history.back().latency, 200);
}

}  // namespace
}  // namespace bazaar::engine::core
