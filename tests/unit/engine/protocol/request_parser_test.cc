#include "engine/protocol/request_parser.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace bazaar::engine::protocol {
namespace {

using ::testing::ElementsAre;
using Status = RequestParser::Status;

// Feeds `input` in pieces whose sizes come from `split`, the way a socket delivers bytes, and
// collects every command parsed.
std::vector<std::vector<std::string>> ParseInPieces(const std::string& input,
                                                    const std::vector<size_t>& split,
                                                    std::string* error = nullptr) {
  RequestParser parser;
  ParserLimits limits;
  std::string buffer;
  std::vector<std::vector<std::string>> commands;
  std::vector<std::string_view> argv;
  size_t fed = 0, piece = 0;
  while (fed < input.size()) {
    size_t n = std::min(split.empty() ? input.size() : split[piece++ % split.size()],
                        input.size() - fed);
    buffer.append(input, fed, n);
    fed += n;
    while (!buffer.empty()) {
      size_t consumed = 0;
      Status s = parser.Parse(buffer, limits, &consumed, &argv);
      if (s == Status::kNeedMore) break;
      if (s == Status::kError) {
        if (error) *error = parser.error();
        return commands;
      }
      if (s == Status::kCommand) commands.emplace_back(argv.begin(), argv.end());
      buffer.erase(0, consumed);
    }
  }
  return commands;
}

const std::string kPipeline =
    "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
    "PING\r\n"
    "*2\r\n$3\r\nGET\r\n$0\r\n\r\n"
    "set \"a b\" 'c d' \"\\x41\\n\"\n"
    "\r\n"
    "*0\r\n"
    "*1\r\n$4\r\nQUIT\r\n";

const std::vector<std::vector<std::string>> kExpected = {
    {"SET", "key", "value"}, {"PING"}, {"GET", ""}, {"set", "a b", "c d", "A\n"}, {"QUIT"}};

TEST(RequestParserTest, ParsesMultibulkAndInlineCommandsInOneBuffer) {
  EXPECT_EQ(ParseInPieces(kPipeline, {}), kExpected);
}

TEST(RequestParserTest, ParsesTheSameCommandsWhenFedByteByByte) {
  EXPECT_EQ(ParseInPieces(kPipeline, {1}), kExpected);
}

TEST(RequestParserTest, ParsesTheSameCommandsInRandomSplits) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<size_t> split;
    for (int i = 0; i < 16; ++i) split.push_back(1 + rng() % 9);
    ASSERT_EQ(ParseInPieces(kPipeline, split), kExpected) << "round " << round;
  }
}

TEST(RequestParserTest, BinarySafeBulkMayContainCrLf) {
  auto commands = ParseInPieces("*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n", {3});
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_THAT(commands[0], ElementsAre("ECHO", "a\r\nb"));
}

std::string ErrorFor(const std::string& input, ParserLimits limits = ParserLimits()) {
  RequestParser parser;
  size_t consumed;
  std::vector<std::string_view> argv;
  Status s = parser.Parse(input, limits, &consumed, &argv);
  return s == Status::kError ? parser.error() : "";
}

TEST(RequestParserTest, RejectsBadLengthsWithRedisWords) {
  EXPECT_EQ(ErrorFor("*abc\r\n"), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorFor("*3000000000\r\n"), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorFor("*1\r\n$-1\r\n"), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(ErrorFor("*1\r\n$x\r\n"), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(ErrorFor("*1\r\n:1\r\n"), "ERR Protocol error: expected '$', got ':'");
  EXPECT_EQ(ErrorFor("SET \"a\r\n"), "ERR Protocol error: unbalanced quotes in request");
}

TEST(RequestParserTest, EnforcesProtoMaxBulkLen) {
  ParserLimits limits;
  limits.max_bulk_len = 100;
  EXPECT_EQ(ErrorFor("*1\r\n$101\r\n", limits), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(ErrorFor("*1\r\n$100\r\n", limits), "");
}

TEST(RequestParserTest, UnauthenticatedClientsGetSmallLimits) {
  ParserLimits limits;
  limits.authenticated = false;
  EXPECT_EQ(ErrorFor("*11\r\n", limits), "ERR Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(ErrorFor("*1\r\n$16385\r\n", limits),
            "ERR Protocol error: unauthenticated bulk length");
  EXPECT_EQ(ErrorFor("*10\r\n$16384\r\n", limits), "");
}

TEST(RequestParserTest, RejectsOverlongLinesWithoutWaitingForever) {
  EXPECT_EQ(ErrorFor(std::string(70000, 'a')), "ERR Protocol error: too big inline request");
  EXPECT_EQ(ErrorFor("*" + std::string(70000, '1')),
            "ERR Protocol error: too big mbulk count string");
}

TEST(SplitArgsTest, HandlesQuotesAndEscapesLikeRedisCli) {
  std::vector<std::string> out;
  ASSERT_TRUE(SplitArgs("a \"b c\" 'd\\'e' \"\\t\\x7a\"", &out));
  EXPECT_THAT(out, ElementsAre("a", "b c", "d'e", "\tz"));
  EXPECT_FALSE(SplitArgs("\"unterminated", &out));
  EXPECT_FALSE(SplitArgs("\"closed\"x", &out));
}

}  // namespace
}  // namespace bazaar::engine::protocol
