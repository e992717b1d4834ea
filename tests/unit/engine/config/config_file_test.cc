#include "engine/config/config_file.h"

#include "gtest/gtest.h"

namespace bazaar::engine::config {
namespace {

TEST(ConfigFileTest, ReadsRedisConfSyntax) {
  Options o;
  std::string error;
  ASSERT_TRUE(ApplyConfigText("# comment\nport 6380\n  bind 127.0.0.1 ::1\nrequirepass \"a b\"\n"
                              "proto-max-bulk-len 2mb\nprotected-mode no\n",
                              &o, &error))
      << error;
  EXPECT_EQ(o.port, 6380);
  EXPECT_EQ(o.bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(o.requirepass, "a b");
  EXPECT_EQ(o.proto_max_bulk_len, 2 * 1024 * 1024);
  EXPECT_FALSE(o.protected_mode);
}

TEST(ConfigFileTest, UnknownDirectiveNamesTheLine) {
  Options o;
  std::string error;
  EXPECT_FALSE(ApplyConfigText("port 1\n\nnosuchthing 1\n", &o, &error));
  EXPECT_NE(error.find("at line 3"), std::string::npos) << error;
  EXPECT_NE(error.find(">>> 'nosuchthing 1'"), std::string::npos) << error;
  EXPECT_NE(error.find("Bad directive or wrong number of arguments"), std::string::npos);
}

TEST(ConfigFileTest, BadValuesAreRefusedWithRedisReasons) {
  Options o;
  std::string error;
  EXPECT_FALSE(ApplyConfigText("port 70000\n", &o, &error));
  EXPECT_NE(error.find("argument must be between 0 and 65535 inclusive"), std::string::npos);
  EXPECT_FALSE(ApplyConfigText("protected-mode maybe\n", &o, &error));
  EXPECT_NE(error.find("argument must be 'yes' or 'no'"), std::string::npos);
}

TEST(ConfigFileTest, CommandLineOptionsApplyAfterTheFile) {
  Options o;
  std::string error;
  ASSERT_TRUE(LoadConfig({"--port", "7000", "--bind", "127.0.0.1", "::1", "--save", ""}, &o,
                         &error))
      << error;
  EXPECT_EQ(o.port, 7000);
  EXPECT_EQ(o.bind.size(), 2u);
  EXPECT_EQ(o.save, "");
}

}  // namespace
}  // namespace bazaar::engine::config
