#include "engine/scripting/script_body.h"

#include <gtest/gtest.h>

namespace bazaar::engine::scripting {
namespace {

TEST(Sha1HexTest, MatchesKnownDigests) {
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex("return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST(ScriptHeaderTest, NoShebangIsCompatibilityMode) {
  auto header = ParseScriptHeader("return 1");
  ASSERT_TRUE(header.ok());
  EXPECT_FALSE(header->has_shebang);
  EXPECT_EQ(header->flags, 0u);
  EXPECT_EQ(header->code_offset, 0u);
}

TEST(ScriptHeaderTest, FlagsAreCollectedAndCodeStartsAtTheNewline) {
  auto header = ParseScriptHeader("#!lua  flags=no-writes,allow-oom flags=allow-stale\nreturn 1");
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE(header->has_shebang);
  EXPECT_EQ(header->flags, kScriptNoWrites | kScriptAllowOom | kScriptAllowStale);
  EXPECT_EQ(header->code_offset, std::string_view("#!lua  flags=no-writes,allow-oom flags=allow-stale").size());
}

TEST(ScriptHeaderTest, EmptyFlagListIsAllowed) {
  auto header = ParseScriptHeader("#!lua flags=\nreturn 1");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->flags, 0u);
}

TEST(ScriptHeaderTest, ErrorsUseRedisWords) {
  EXPECT_EQ(ParseScriptHeader("#!lua").status().message(), "ERR Invalid script shebang");
  EXPECT_EQ(ParseScriptHeader("#!luax\n").status().message(),
            "ERR Unexpected engine in script shebang: #!luax");
  EXPECT_EQ(ParseScriptHeader("#!lua name=x\n").status().message(),
            "ERR Unknown lua shebang option: name=x");
  EXPECT_EQ(ParseScriptHeader("#!lua flags=no-writes,,allow-oom\n").status().message(),
            "ERR Unexpected flag in script shebang: ");
}

}  // namespace
}  // namespace bazaar::engine::scripting
