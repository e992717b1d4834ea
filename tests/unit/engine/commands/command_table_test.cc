#include "engine/commands/command_table.h"
#include "engine/commands/command_keys.h"
#include "engine/commands/families.h"

#include <cctype>

#include "gtest/gtest.h"

namespace bazaar::engine::commands {
namespace {

void CheckSpec(const CommandSpec& spec) {
  SCOPED_TRACE(spec.name);
  for (char c : spec.name) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c)));
  EXPECT_NE(spec.arity, 0);
  EXPECT_TRUE(spec.handler != nullptr || spec.is_container());
  EXPECT_FALSE((spec.flags & kWrite) && (spec.flags & kReadOnly));
  if (spec.first_key > 0) {
    EXPECT_GE(spec.key_step, 1);
    // A command's keys must fit the arguments its arity allows.
    if (spec.arity > 0) EXPECT_LT(spec.first_key, spec.arity);
    if (spec.last_key > 0) EXPECT_GE(spec.last_key, spec.first_key);
  }
  for (const auto& sub : spec.subcommands) {
    EXPECT_EQ(sub->name.rfind(spec.name + "|", 0), 0u);
    CheckSpec(*sub);
  }
}

TEST(CommandTableTest, EveryRegisteredCommandIsWellFormed) {
  CommandTable table;
  RegisterAllCommands(table);
  EXPECT_GT(table.size(), 60u);
  table.ForEach([](const CommandSpec& spec) { CheckSpec(spec); });
}

TEST(CommandTableTest, LookupIsCaseInsensitive) {
  CommandTable table;
  RegisterAllCommands(table);
  ASSERT_NE(table.Find("GeT"), nullptr);
  EXPECT_EQ(table.Find("GeT")->name, "get");
  EXPECT_EQ(table.Find("nosuchcommand"), nullptr);
  EXPECT_EQ(table.Find(std::string(100, 'g')), nullptr);
  CommandSpec* config = table.Find("config");
  ASSERT_NE(config, nullptr);
  ASSERT_NE(config->FindSubcommand("GET"), nullptr);
  EXPECT_EQ(config->FindSubcommand("GET")->name, "config|get");
}

TEST(CommandTableTest, TransactionCommandsAreTheOnesIssue2Lists) {
  CommandTable table;
  RegisterAllCommands(table);
  for (const char* name : {"multi", "exec", "discard", "watch", "unwatch"}) {
    EXPECT_NE(table.Find(name), nullptr) << name;
  }
  EXPECT_TRUE(table.Find("shutdown")->flags & kNoMulti);
  EXPECT_TRUE(table.Find("auth")->flags & kNoAuth);
  EXPECT_TRUE(table.Find("debug")->flags & kProtected);
}

}  // namespace
}  // namespace bazaar::engine::commands

namespace bazaar::engine::commands {
namespace {

std::vector<std::string> KeysOf(const CommandTable& table, std::vector<std::string_view> argv) {
  std::vector<std::string> out;
  for (std::string_view k : CommandKeys(*table.Find(argv[0]), argv)) out.emplace_back(k);
  return out;
}

TEST(CommandTableTest, CommandKeysFollowPositionsCountsAndStreams) {
  CommandTable table;
  RegisterAllCommands(table);
  using Keys = std::vector<std::string>;
  EXPECT_EQ(KeysOf(table, {"get", "k"}), Keys{"k"});
  EXPECT_EQ(KeysOf(table, {"mget", "a", "b", "c"}), (Keys{"a", "b", "c"}));
  EXPECT_EQ(KeysOf(table, {"mset", "a", "1", "b", "2"}), (Keys{"a", "b"}));
  EXPECT_EQ(KeysOf(table, {"zunion", "2", "x", "y", "WITHSCORES"}), (Keys{"x", "y"}));
  EXPECT_EQ(KeysOf(table, {"sintercard", "1", "s", "LIMIT", "3"}), Keys{"s"});
  EXPECT_EQ(KeysOf(table, {"xread", "COUNT", "1", "STREAMS", "s1", "s2", "0", "0"}),
            (Keys{"s1", "s2"}));
  EXPECT_EQ(KeysOf(table, {"ping"}), Keys{});
}

}  // namespace
}  // namespace bazaar::engine::commands
