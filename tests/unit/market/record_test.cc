#include "market/record.h"

#include <gtest/gtest.h>

#include "market/errors.h"
#include "market/key_schema.h"
#include "market/latency_histogram.h"
#include "market/stats.h"

namespace bazaar::market {
namespace {

TEST(RecordTest, FieldsRoundTripIncludingSeparators) {
  std::vector<std::string> f = {"", "a:b", "12:x", std::string("\0z", 2)};
  auto back = DecodeFields(EncodeFields(f));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, f);
  EXPECT_FALSE(DecodeFields("5:abc").has_value());
}

TEST(RecordTest, IdempotencyRecordKeepsValuesOrTheFailureAndItsFields) {
  IdempotencyRecord r;
  r.fingerprint = "fp";
  r.values = {"1", "2"};
  r.attempts = 3;
  r.event_id = "7-0";
  auto back = DecodeRecord(EncodeRecord(r));
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->status.ok());
  EXPECT_EQ(back->values, r.values);
  EXPECT_EQ(back->attempts, 3);
  EXPECT_EQ(back->event_id, "7-0");

  IdempotencyRecord failed;
  failed.fingerprint = "fp";
  failed.status = MakeError(absl::StatusCode::kFailedPrecondition, reason::kPriceChanged, "x",
                            {{"price", "31"}, {"expected_price", "30"}});
  back = DecodeRecord(EncodeRecord(failed));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(back->status.message(), "PRICE_CHANGED: x");
  EXPECT_EQ(ErrorFieldsOf(back->status), ErrorFieldsOf(failed.status));
  EXPECT_EQ(ErrorFieldsOf(back->status).size(), 2u);
  EXPECT_TRUE(back->values.empty());
}

TEST(RecordTest, CursorRoundTripsAndRejectsGarbage) {
  BrowseCursor c{42, "item.seller", "seller", ""};
  auto back = DecodeCursor(EncodeCursor(c));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->price, 42);
  EXPECT_EQ(back->member, "item.seller");
  EXPECT_EQ(back->seller_filter, "seller");
  EXPECT_FALSE(DecodeCursor("not a cursor!").has_value());
}

TEST(RecordTest, AmountsMustBeIntegral) {
  int64_t v;
  EXPECT_TRUE(ParseAmount("100", &v));
  EXPECT_EQ(v, 100);
  EXPECT_TRUE(ParseAmount("1e+15", &v));
  EXPECT_FALSE(ParseAmount("1.5", &v));
  EXPECT_FALSE(ParseAmount("inf", &v));
}

TEST(KeySchemaTest, PrefixAndMembers) {
  KeySchema k("{realm1}:");
  EXPECT_EQ(k.User("u1"), "{realm1}:users:u1");
  EXPECT_EQ(k.Market(), "{realm1}:market:");
  EXPECT_EQ(k.Listing("a.b", "s"), "{realm1}:listing:a.b.s");
  std::string item, seller;
  ASSERT_TRUE(KeySchema::ParseMember("a.b.s", &item, &seller));
  EXPECT_EQ(item, "a.b");
  EXPECT_EQ(seller, "s");
}

TEST(ErrorsTest, ReasonIsTheMessagePrefix) {
  EXPECT_EQ(ReasonOf(MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound, "x")),
            "USER_NOT_FOUND");
  EXPECT_EQ(ReasonOf(absl::InternalError("boom: lower")), "INTERNAL");
}

TEST(LatencyHistogramTest, PercentilesAreWithinABucketAndMergeAddsUp) {
  LatencyHistogram a, b;
  for (int i = 1; i <= 1000; ++i) a.Record(i * 10);  // 10 us .. 10 ms
  EXPECT_NEAR(a.PercentileMs(0.5), 5.0, 5.0 * 0.07);
  EXPECT_NEAR(a.PercentileMs(0.99), 9.9, 9.9 * 0.07);
  EXPECT_DOUBLE_EQ(a.MaxMs(), 10.0);
  EXPECT_NEAR(a.MeanMs(), 5.005, 1e-9);
  b.Record(50'000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 1001);
  EXPECT_DOUBLE_EQ(a.MaxMs(), 50.0);
  EXPECT_EQ(LatencyHistogram().PercentileMs(0.5), 0.0);
}

TEST(RecordTest, EventIdIsTheLastFieldAndOldRecordsStillDecode) {
  IdempotencyRecord r;
  r.fingerprint = "fp";
  r.values = {"a", "b"};
  r.attempts = 3;
  r.event_id = "12-3";
  auto back = DecodeRecord(EncodeRecord(r));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->event_id, "12-3");
  EXPECT_EQ(back->values, r.values);
  // What the script appends to the prefix is exactly EncodeRecord's encoding.
  EXPECT_EQ(EncodeRecordPrefix(r) + "4:12-3", EncodeRecord(r));
  auto old = DecodeRecord(EncodeFields({"r1", "fp", "0", "", "1", "v"}));
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->event_id, "");
  EXPECT_EQ(old->values, std::vector<std::string>{"v"});
}

}  // namespace
}  // namespace bazaar::market
