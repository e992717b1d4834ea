// MONITOR's line format and the redaction of secrets, byte for byte as Redis 7.0.15 printed
// them for the same commands.
#include <gtest/gtest.h>

#include "engine/commands/command_table.h"
#include "engine/commands/logged_args.h"
#include "engine/server/monitor_line.h"

namespace bazaar::engine {
namespace {

TEST(MonitorLineTest, QuotesArgumentsAsRedis) {
  std::string line = server::FormatMonitorLine(1796182682513716, 5, "127.0.0.1:36892",
                                               {"set", "k", "a\"b\\\n\r\t\a\b\x01\xff z"});
  EXPECT_EQ(line,
            "+1796182682.513716 [5 127.0.0.1:36892] \"set\" \"k\" "
            "\"a\\\"b\\\\\\n\\r\\t\\a\\b\\x01\\xff z\"\r\n");
  EXPECT_EQ(server::FormatMonitorLine(1000000000000007, 0, "1.2.3.4:5", {"ping"}),
            "+1000000000.000007 [0 1.2.3.4:5] \"ping\"\r\n");
}

TEST(LoggedArgsTest, RedactsSecretsAsRedis) {
  auto spec = [](const char* name) {
    return commands::CommandSpec{name, -1, 0};
  };
  using V = std::vector<std::string_view>;
  using S = std::vector<std::string>;
  EXPECT_EQ(commands::LoggedArgs(spec("auth"), V{"auth", "u", "p"}),
            (S{"auth", "(redacted)", "(redacted)"}));
  EXPECT_EQ(commands::LoggedArgs(spec("hello"), V{"hello", "3", "SETNAME", "n", "AUTH", "u", "p"}),
            (S{"hello", "3", "SETNAME", "n", "AUTH", "(redacted)", "(redacted)"}));
  EXPECT_EQ(commands::LoggedArgs(spec("config|set"),
                                 V{"config", "set", "MasterAuth", "x", "maxmemory", "0"}),
            (S{"config", "set", "MasterAuth", "(redacted)", "maxmemory", "0"}));
  EXPECT_EQ(commands::LoggedArgs(spec("get"), V{"get", "auth"}), (S{"get", "auth"}));
}

}  // namespace
}  // namespace bazaar::engine
