#include "engine/config/config_file.h"

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "engine/protocol/request_parser.h"

namespace bazaar::engine::config {
namespace {

std::string FatalError(int line_number, const std::string& line, const std::string& reason) {
  return "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
         "Reading the configuration file, at line " +
         std::to_string(line_number) + "\n>>> '" + line + "'\n" + reason + "\n";
}

// Applies one directive; returns "" or the reason it was refused.
std::string ApplyDirective(const std::vector<std::string>& words, Options* options) {
  // `user <name> <rules...>`: an ACL user, made when the server starts (acl::Users).
  if (absl::EqualsIgnoreCase(words[0], "user")) {
    if (words.size() < 2) return "Bad directive or wrong number of arguments";
    std::string line = "user";
    for (size_t i = 1; i < words.size(); ++i) line += " " + words[i];
    options->user_lines.push_back(std::move(line));
    return "";
  }
  const OptionSpec* spec = FindOption(words[0]);
  std::vector<std::string> args(words.begin() + 1, words.end());
  if (!spec || args.empty() || (!spec->multi_arg && args.size() != 1)) {
    return "Bad directive or wrong number of arguments";
  }
  return spec->set(*options, args);
}

}  // namespace

bool ApplyConfigText(const std::string& text, Options* options, std::string* error) {
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    std::string line(absl::StripAsciiWhitespace(raw));
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> words;
    if (!protocol::SplitArgs(line, &words)) {
      *error = FatalError(line_number, line, "Unbalanced quotes in configuration line");
      return false;
    }
    if (words.empty()) continue;
    std::string reason = ApplyDirective(words, options);
    if (!reason.empty()) {
      *error = FatalError(line_number, line, reason);
      return false;
    }
  }
  return true;
}

bool LoadConfig(const std::vector<std::string>& args, Options* options, std::string* error) {
  size_t i = 0;
  std::string text;
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    std::ifstream in(args[0]);
    if (!in) {
      *error = "Fatal error, can't open config file '" + args[0] + "': " + strerror(errno) + "\n";
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    char resolved[PATH_MAX];
    options->config_file = realpath(args[0].c_str(), resolved) ? resolved : args[0];
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
    i = 1;
  }
  // Command-line options become extra lines after the file, quoted so they survive splitting.
  std::string line;
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') q.push_back('\\');
      if (c == '\n') {
        q += "\\n";
        continue;
      }
      q.push_back(c);
    }
    return q + "\"";
  };
  for (; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) == 0) {
      if (!line.empty()) text += line + "\n";
      line = args[i].substr(2);
    } else {
      if (line.empty()) {
        *error = "Invalid option '" + args[i] + "': options are --name value\n";
        return false;
      }
      line += " " + quote(args[i]);
    }
  }
  if (!line.empty()) text += line + "\n";
  return ApplyConfigText(text, options, error);
}

}  // namespace bazaar::engine::config
