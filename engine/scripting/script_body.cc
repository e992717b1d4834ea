#include "engine/scripting/script_body.h"

#include <openssl/sha.h>

#include "absl/strings/ascii.h"

#include <cctype>
#include <vector>

namespace bazaar::engine::scripting {

std::string Sha1Hex(std::string_view data) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * SHA_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  return hex;
}

namespace {

struct FlagName {
  unsigned flag;
  std::string_view name;
};
constexpr FlagName kFlagNames[] = {{kScriptNoWrites, "no-writes"},
                                   {kScriptAllowOom, "allow-oom"},
                                   {kScriptAllowStale, "allow-stale"},
                                   {kScriptNoCluster, "no-cluster"},
                                   {kScriptAllowCrossSlot, "allow-cross-slot-keys"}};

// Splits on `sep`; with skip_empty, runs of separators count as one (the shebang's words).
std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    const std::string_view part = s.substr(start, end == std::string_view::npos ? end : end - start);
    if (!skip_empty || !part.empty()) parts.push_back(part);
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

absl::StatusOr<ScriptHeader> ParseScriptHeader(std::string_view body) {
  ScriptHeader header;
  if (body.substr(0, 2) != "#!") return header;
  const size_t newline = body.find('\n');
  if (newline == std::string_view::npos) {
    return absl::InvalidArgumentError("ERR Invalid script shebang");
  }
  header.has_shebang = true;
  header.code_offset = newline;
  const std::vector<std::string_view> parts = Split(body.substr(0, newline), ' ', true);
  if (parts.empty() || parts[0] != "#!lua") {
    return absl::InvalidArgumentError("ERR Unexpected engine in script shebang: " +
                                      std::string(parts.empty() ? "" : parts[0]));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].substr(0, 6) != "flags=") {
      return absl::InvalidArgumentError("ERR Unknown lua shebang option: " +
                                        std::string(parts[i]));
    }
    const std::string_view list = parts[i].substr(6);
    if (list.empty()) continue;
    for (std::string_view flag : Split(list, ',', false)) {
      if (!ParseScriptFlag(flag, &header.flags)) {
        return absl::InvalidArgumentError("ERR Unexpected flag in script shebang: " +
                                          std::string(flag));
      }
    }
  }
  return header;
}

bool ParseScriptFlag(std::string_view name, unsigned* flags) {
  for (const FlagName& f : kFlagNames) {
    if (f.name == name) {
      *flags |= f.flag;
      return true;
    }
  }
  return false;
}

std::vector<std::string_view> ScriptFlagNames(unsigned flags) {
  std::vector<std::string_view> names;
  for (const FlagName& f : kFlagNames) {
    if (flags & f.flag) names.push_back(f.name);
  }
  return names;
}

bool IsValidFunctionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

absl::StatusOr<LibraryHeader> ParseLibraryHeader(std::string_view code) {
  if (code.substr(0, 2) != "#!") return absl::InvalidArgumentError("ERR Missing library metadata");
  const size_t newline = code.find('\n');
  if (newline == std::string_view::npos) {
    return absl::InvalidArgumentError("ERR Invalid library metadata");
  }
  // The engine is what follows "#!" up to the first space; then name=..., where double quotes
  // only group (name="foo" is foo), as redis-cli-style splitting does.
  const std::string_view line = code.substr(2, newline - 2);
  const size_t space = line.find(' ');
  const std::string engine(line.substr(0, space));
  if (absl::AsciiStrToLower(engine) != "lua") {  // engine names ignore case
    return absl::InvalidArgumentError("ERR Engine '" + engine + "' not found");
  }
  LibraryHeader header;
  header.code_offset = newline;
  bool named = false;
  const std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
  for (std::string_view part : Split(rest, ' ', true)) {
    std::string word;
    for (char c : part) {
      if (c != '"') word.push_back(c);
    }
    if (word.substr(0, 5) != "name=") {
      return absl::InvalidArgumentError("ERR Invalid metadata value given: " + word);
    }
    if (named) {
      return absl::InvalidArgumentError(
          "ERR Invalid metadata value, name argument was given multiple times");
    }
    header.name = word.substr(5);
    named = true;
  }
  if (!named) return absl::InvalidArgumentError("ERR Library name was not given");
  if (!IsValidFunctionName(header.name)) {
    return absl::InvalidArgumentError(
        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long");
  }
  return header;
}

}  // namespace bazaar::engine::scripting
