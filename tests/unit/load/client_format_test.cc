// The client library's pieces that need no server: reasons, request ids, JSON and tables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "client/format/json_writer.h"
#include "client/format/text_table.h"
#include "client/market_client.h"

namespace bazaar::client {
namespace {

TEST(ReasonTest, TakesTheReasonFromTheMessageOrFallsBackToTheCode) {
  EXPECT_EQ(Reason(absl::FailedPreconditionError("PRICE_CHANGED: price is 3")), "PRICE_CHANGED");
  EXPECT_EQ(Reason(absl::UnavailableError("failed to connect: x")), "UNAVAILABLE");
  EXPECT_EQ(Reason(absl::OkStatus()), "");
}

TEST(RequestIdTest, IdsAreFreshHex) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(NewRequestId());
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_THAT(*ids.begin(), ::testing::MatchesRegex("[0-9a-f]{32}"));
}

TEST(JsonWriterTest, EscapesAndPlacesCommas) {
  JsonWriter w;
  w.BeginObject().Key("a\"b").String("x\n\x01y").Key("n").Int(-5).Key("l").BeginArray();
  w.Double(1.5).Bool(false).Null().EndArray().Key("o").BeginObject().EndObject().EndObject();
  EXPECT_EQ(w.str(), R"({"a\"b":"x\n\u0001y","n":-5,"l":[1.5,false,null],"o":{}})");
}

TEST(TextTableTest, AlignsColumnsAndRightAlignsNumbers) {
  TextTable t({"op", "count"});
  t.AddRow({"purchase", "7"});
  t.AddRow({"list", "1234"});
  EXPECT_EQ(t.Render(), "op        count\n--------  -----\npurchase      7\nlist       1234\n");
}

}  // namespace
}  // namespace bazaar::client
