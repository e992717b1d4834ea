#include "tool_runner.h"

#include <fstream>
#include <sstream>

namespace bazaar::load::testing {

namespace {
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

bazaar::testing::CommandResult RunTool(const std::string& tool,
                                       const std::vector<std::string>& args, bool with_stderr) {
  std::string cmd = Quote(bazaar::testing::BinaryDir() + "/" + tool);
  for (const auto& a : args) cmd += " " + Quote(a);
  cmd += with_stderr ? " 2>&1" : " 2>/dev/null";
  // RunCommand merges stderr into stdout; redirect it first so the order above decides.
  return bazaar::testing::RunCommand("{ " + cmd + "; }");
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace bazaar::load::testing
