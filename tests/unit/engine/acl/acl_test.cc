// The ACL model on its own (engine/acl): rules, their errors, the checks and the descriptions,
// over a small catalog of made-up categories (the ACL file's error text is real Redis 7.0.15's).
// The replies to real clients are compared with real Redis in
// tests/differential/scripts/140_acl_users.txt and Redis's own unit/acl suite.
#include <gtest/gtest.h>

#include "engine/acl/users.h"

namespace bazaar::engine::acl {
namespace {

// Categories: read, write, admin. Commands: get (read), set (write), del (write),
// config (a container: config|get read+admin, config|set write+admin), select (none).
std::unique_ptr<CommandCatalog> MakeCatalog() {
  auto c = std::make_unique<CommandCatalog>(std::vector<std::string>{"read", "write", "admin"});
  c->Add("get", 1u << 0);
  c->Add("set", 1u << 1);
  c->Add("del", 1u << 1);
  const int config = c->Add("config", 0);
  c->Add("config|get", (1u << 0) | (1u << 2), config);
  c->Add("config|set", (1u << 1) | (1u << 2), config);
  c->Add("select", 0);
  return c;
}

Request Call(const CommandCatalog& c, std::string_view name, std::vector<KeyRef> keys = {},
             std::string_view first_arg = "") {
  Request r;
  r.command = c.Find(name);
  r.keys = std::move(keys);
  r.first_arg = first_arg;
  return r;
}

TEST(AclSelectorTest, CommandRulesAndTheirDescription) {
  auto catalog = MakeCatalog();
  Selector s(catalog.get(), false);
  EXPECT_EQ(s.DescribeCommands(), "-@all");
  EXPECT_FALSE(s.Check(Call(*catalog, "get")).ok());
  ASSERT_EQ(s.Apply("+@read"), RuleError::kOk);
  EXPECT_TRUE(s.Check(Call(*catalog, "get")).ok());
  EXPECT_EQ(s.Check(Call(*catalog, "set")).denial, Denial::kCommand);
  EXPECT_EQ(s.DescribeCommands(), "-@all +@read");
  ASSERT_EQ(s.Apply("-config|get"), RuleError::kOk);
  EXPECT_EQ(s.DescribeCommands(), "-@all +get");
  ASSERT_EQ(s.Apply("+@all"), RuleError::kOk);
  ASSERT_EQ(s.Apply("-@admin"), RuleError::kOk);
  EXPECT_EQ(s.DescribeCommands(), "+@all -@admin");
  // A container named whole takes its subcommands along.
  ASSERT_EQ(s.Apply("+config"), RuleError::kOk);
  EXPECT_TRUE(s.Check(Call(*catalog, "config|set")).ok());
  EXPECT_EQ(s.DescribeCommands(), "+@all");
  EXPECT_EQ(s.Apply("+nosuch"), RuleError::kUnknownCommand);
  EXPECT_EQ(s.Apply("+@nosuch"), RuleError::kUnknownCommand);
  EXPECT_EQ(s.Apply("+config|get|x"), RuleError::kFirstArgOfSubcommand);
  EXPECT_EQ(s.Apply("+get|"), RuleError::kSyntax);
  EXPECT_EQ(s.Apply("bogus"), RuleError::kSyntax);
}

TEST(AclSelectorTest, AFirstArgumentOfARefusedCommand) {
  auto catalog = MakeCatalog();
  Selector s(catalog.get(), false);
  ASSERT_EQ(s.Apply("+select|0"), RuleError::kOk);
  ASSERT_EQ(s.Apply("+SELECT|0"), RuleError::kOk);  // the same one, any case
  EXPECT_TRUE(s.Check(Call(*catalog, "select", {}, "0")).ok());
  EXPECT_FALSE(s.Check(Call(*catalog, "select", {}, "1")).ok());
  EXPECT_FALSE(s.Check(Call(*catalog, "select")).ok());
  EXPECT_EQ(s.DescribeCommands(), "-@all +select|0");
  // Allowing or refusing the whole command forgets its first arguments.
  ASSERT_EQ(s.Apply("-select"), RuleError::kOk);
  EXPECT_FALSE(s.Check(Call(*catalog, "select", {}, "0")).ok());
  EXPECT_EQ(s.DescribeCommands(), "-@all");
}

TEST(AclSelectorTest, KeyPatternsGrantReadsAndWritesApart) {
  auto catalog = MakeCatalog();
  Selector s(catalog.get(), false);
  ASSERT_EQ(s.Apply("+@all"), RuleError::kOk);
  ASSERT_EQ(s.Apply("%R~r*"), RuleError::kOk);
  ASSERT_EQ(s.Apply("%W~w*"), RuleError::kOk);
  ASSERT_EQ(s.Apply("~rw*"), RuleError::kOk);
  auto read = [](std::string_view k) { return KeyRef{k, true, false, 1}; };
  auto write = [](std::string_view k) { return KeyRef{k, false, true, 1}; };
  auto both = [](std::string_view k) { return KeyRef{k, true, true, 1}; };
  EXPECT_TRUE(s.Check(Call(*catalog, "get", {read("r1")})).ok());
  EXPECT_EQ(s.Check(Call(*catalog, "get", {read("w1")})).denial, Denial::kKey);
  EXPECT_TRUE(s.Check(Call(*catalog, "set", {write("w1")})).ok());
  EXPECT_EQ(s.Check(Call(*catalog, "set", {both("r1")})).denial, Denial::kKey);
  EXPECT_TRUE(s.Check(Call(*catalog, "set", {both("rw1")})).ok());
  // A key only looked at (EXISTS) needs some pattern, of either kind.
  EXPECT_TRUE(s.Check(Call(*catalog, "get", {KeyRef{"w1", false, false, 1}})).ok());
  EXPECT_EQ(s.DescribeKeys(), "%R~r* %W~w* ~rw*");
  ASSERT_EQ(s.Apply("%W~r*"), RuleError::kOk);  // the same pattern again widens it
  EXPECT_EQ(s.DescribeKeys(), "~r* %W~w* ~rw*");
  EXPECT_EQ(s.Apply("%~x"), RuleError::kSyntax);
  EXPECT_EQ(s.Apply("%Rx~x"), RuleError::kSyntax);
  ASSERT_EQ(s.Apply("allkeys"), RuleError::kOk);
  EXPECT_EQ(s.DescribeKeys(), "~*");
  EXPECT_EQ(s.Apply("~x"), RuleError::kPatternAfterAllKeys);
}

TEST(AclSelectorTest, ChannelsAndPatterns) {
  auto catalog = MakeCatalog();
  Selector s(catalog.get(), false);
  ASSERT_EQ(s.Apply("&news.*"), RuleError::kOk);
  EXPECT_TRUE(s.AllowsChannel("news.eu", false));
  EXPECT_FALSE(s.AllowsChannel("chat", false));
  // A pattern subscription must be granted as that very pattern.
  EXPECT_TRUE(s.AllowsChannel("news.*", true));
  EXPECT_FALSE(s.AllowsChannel("news.e*", true));
  EXPECT_EQ(s.Describe(), "resetchannels &news.* -@all");
  ASSERT_EQ(s.Apply("allchannels"), RuleError::kOk);
  EXPECT_EQ(s.Apply("&x"), RuleError::kPatternAfterAllChannels);
}

TEST(AclUsersTest, SetUserAppliesAllRulesOrNone) {
  Users users(MakeCatalog());
  EXPECT_EQ(users.SetUser("ann", {"on", ">pw", "~a*", "+get"}), "");
  auto ann = users.Find("ann");
  ASSERT_NE(ann, nullptr);
  EXPECT_TRUE(ann->Accepts("pw"));
  EXPECT_FALSE(ann->Accepts("other"));
  EXPECT_EQ(users.SetUser("ann", {"off", "bogus"}),
            "ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
  EXPECT_TRUE(ann->enabled());  // the "off" before the bad rule did not apply
  EXPECT_EQ(users.SetUser("bob", {"(~x", "+get)"}), "");  // one selector over two arguments
  ASSERT_EQ(users.Find("bob")->selectors().size(), 1u);
  EXPECT_EQ(users.Find("bob")->Describe(), "off resetchannels -@all (~x resetchannels -@all +get)");
  EXPECT_EQ(users.SetUser("bob", {"(~x"}),
            "ERR Unmatched parenthesis in acl selector starting at '(~x'.");
  // The user a client holds is the one SETUSER changes.
  EXPECT_EQ(users.SetUser("ann", {"resetpass", "nopass"}), "");
  EXPECT_TRUE(ann->Accepts("anything"));
  EXPECT_TRUE(users.Delete("ann"));
  EXPECT_FALSE(users.Delete("default"));
  EXPECT_EQ(users.Find("ann"), nullptr);
}

TEST(AclUsersTest, SelectorsAreTriedInTurnAndTheWorstDenialIsTold) {
  Users users(MakeCatalog());
  ASSERT_EQ(users.SetUser("cat", {"on", "nopass", "~root*", "+set", "(~sel* +get)"}), "");
  auto cat = users.Find("cat");
  auto keyed = [&](std::string_view cmd, std::string_view key) {
    return Call(users.catalog(), cmd, {KeyRef{key, true, true, 1}});
  };
  EXPECT_TRUE(cat->Check(keyed("set", "root1")).ok());
  EXPECT_TRUE(cat->Check(keyed("get", "sel1")).ok());
  // get root1: the root refuses the command, the selector the key: the key is what is told.
  EXPECT_EQ(cat->Check(keyed("get", "root1")).denial, Denial::kKey);
  EXPECT_EQ(cat->Check(keyed("del", "root1")).denial, Denial::kCommand);
}

TEST(AclUsersTest, RequirepassIsTheDefaultUsersPassword) {
  Users users(MakeCatalog());
  EXPECT_TRUE(users.default_user()->nopass());
  users.SetDefaultPassword("secret");
  EXPECT_FALSE(users.default_user()->nopass());
  EXPECT_TRUE(users.default_user()->Accepts("secret"));
  EXPECT_EQ(users.default_user()->Describe(), "on #" + HashPassword("secret") + " ~* &* +@all");
  users.SetDefaultPassword("");
  EXPECT_TRUE(users.default_user()->Accepts("whatever"));
}

TEST(AclUsersTest, AnAclFileLoadsWholeOrNotAtAll) {
  Users users(MakeCatalog());
  ASSERT_EQ(users.SetUser("old", {"on"}), "");
  const auto default_user = users.default_user();
  EXPECT_EQ(users.Load("users.acl", "user a on nopass +get\nuser b bogus +nosuch\nnot a user\n",
                       /*keep_default=*/false),
            "users.acl:2: Syntax error. users.acl:2: Error in applying operation '+nosuch': "
            "Unknown command or category name in ACL. users.acl:3 should start with user "
            "keyword followed by the username. WARNING: ACL errors detected, no change to the "
            "previously active ACL rules was performed");
  EXPECT_NE(users.Find("old"), nullptr);
  EXPECT_EQ(users.Load("users.acl", "user a on nopass (~x +get)\nuser default off\n", false), "");
  EXPECT_EQ(users.Find("old"), nullptr);
  EXPECT_EQ(users.Find("a")->Describe(),
            "on nopass resetchannels -@all (~x resetchannels -@all +get)");
  // The default user object clients hold stays the same one, with the file's rules.
  EXPECT_EQ(users.default_user(), default_user);
  EXPECT_FALSE(default_user->enabled());
  EXPECT_EQ(users.Serialize(),
            "user a on nopass resetchannels -@all (~x resetchannels -@all +get)\n"
            "user default off resetchannels -@all\n");
  // Without default in the file: the stock one.
  EXPECT_EQ(users.Load("users.acl", "user a on\n", false), "");
  EXPECT_EQ(default_user->Describe(), "on nopass ~* &* +@all");
}

}  // namespace
}  // namespace bazaar::engine::acl
