// Runs bazaar-cli / bazaar-load from the build's bin/ as processes, for the tests.
#ifndef BAZAAR_TESTS_INTEGRATION_LOAD_TOOL_RUNNER_H_
#define BAZAAR_TESTS_INTEGRATION_LOAD_TOOL_RUNNER_H_

#include <string>
#include <vector>

#include "harness/process.h"

namespace bazaar::load::testing {

// `tool` ("bazaar-cli") with `args`, each shell-quoted; stdout only in output (stderr dropped
// unless `with_stderr`).
bazaar::testing::CommandResult RunTool(const std::string& tool,
                                       const std::vector<std::string>& args,
                                       bool with_stderr = false);

std::string ReadFile(const std::string& path);

}  // namespace bazaar::load::testing

#endif  // BAZAAR_TESTS_INTEGRATION_LOAD_TOOL_RUNNER_H_
