// docker-compose.yml is valid (Debian's docker-compose v1 validates without a Docker engine).
#include <gtest/gtest.h>

#include "harness/process.h"

namespace {

TEST(ComposeTest, ComposeFileValidates) {
  auto r = bazaar::testing::RunCommand("docker-compose -f " BAZAAR_SOURCE_DIR
                                       "/docker-compose.yml config --quiet");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(ComposeTest, DeclaresEngineReplicaMarketAndProfiledLoad) {
  auto r = bazaar::testing::RunCommand("docker-compose -f " BAZAAR_SOURCE_DIR
                                       "/docker-compose.yml config");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* needle : {"engine-primary:", "engine-replica:", "market:", "--replicaof",
                             "--appendonly", "engine-primary-data:"}) {
    EXPECT_NE(r.output.find(needle), std::string::npos) << needle;
  }
  size_t load = r.output.find("\n  load:");
  ASSERT_NE(load, std::string::npos);
  size_t next = r.output.find("\n  market:", load);
  EXPECT_NE(r.output.substr(load, next - load).find("profiles:\n    - load"), std::string::npos)
      << "the load service must only run with its profile";
}

}  // namespace
