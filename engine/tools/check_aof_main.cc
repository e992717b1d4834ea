// bazaar-check-aof [--fix] [--yes] FILE|MANIFEST: checks an append-only file like
// redis-check-aof, with the same report lines and exit status. FILE is a single AOF (commands,
// possibly after an RDB preamble); MANIFEST is a Redis 7 multi-part manifest, whose base and
// incremental files are checked in order. --fix truncates a file to its last valid command
// after asking on stdin; only the last file of a manifest may be truncated, because cutting an
// earlier one would drop the commands of the files after it. --yes answers the question (CI
// has no stdin).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "engine/persistence/aof_loader.h"
#include "engine/persistence/aof_manifest.h"
#include "engine/tools/rdb_check.h"

namespace bazaar::engine::tools {
namespace {

enum class Verdict { kValid, kEmpty, kTruncated };

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// A manifest's first line that is not a comment names a file; an AOF starts with '*' or "REDIS".
bool LooksLikeManifest(std::string_view data) {
  while (StartsWith(data, "#")) {
    size_t eol = data.find('\n');
    data = eol == std::string_view::npos ? std::string_view() : data.substr(eol + 1);
  }
  return StartsWith(data, "file ");
}

class AofChecker {
 public:
  AofChecker(bool fix, bool yes) : fix_(fix), yes_(yes) {}

  // Old style: one file, which may start with an RDB preamble.
  int CheckSingleFile(const std::string& path, const std::string& data) {
    std::printf("Start checking Old-Style AOF\n");
    std::optional<Verdict> verdict = CheckFile(data, path, path, true, true);
    if (!verdict) return 1;
    PrintVerdict("AOF", path, *verdict);
    return 0;
  }

  int CheckManifest(const std::string& path, const std::string& text) {
    std::printf("Start checking Multi Part AOF\n");
    auto manifest = persistence::AofManifest::Parse(text);
    if (!manifest.ok()) {
      std::printf("%s\n", std::string(manifest.status().message()).c_str());
      return 1;
    }
    size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    if (manifest->base) {
      std::string data;
      const std::string& name = manifest->base->name;
      if (!ReadListed(dir + "/" + name, true, &data)) return 1;
      std::printf("Start to check BASE AOF (%s format).\n",
                  StartsWith(data, "REDIS") ? "RDB" : "RESP");
      auto verdict = CheckFile(data, dir + "/" + name, name, manifest->incrs.empty(), true);
      if (!verdict) return 1;
      PrintVerdict("BASE AOF", name, *verdict);
    }
    if (!manifest->incrs.empty()) std::printf("Start to check INCR files.\n");
    for (size_t i = 0; i < manifest->incrs.size(); ++i) {
      std::string data;
      const std::string& name = manifest->incrs[i].name;
      if (!ReadListed(dir + "/" + name, false, &data)) return 1;
      // Incremental files hold commands only: an RDB header there is corruption.
      auto verdict =
          CheckFile(data, dir + "/" + name, name, i + 1 == manifest->incrs.size(), false);
      if (!verdict) return 1;
      PrintVerdict("INCR AOF", name, *verdict);
    }
    std::printf("All AOF files and manifest are valid\n");
    return 0;
  }

 private:
  // redis-check-aof words a missing base and a missing incremental file slightly differently.
  static bool ReadListed(const std::string& path, bool base, std::string* data) {
    if (ReadWholeFile(path, data)) return true;
    std::printf("Cannot open file %s: %s%s\n", path.c_str(), std::strerror(errno),
                base ? "" : ", aborting...");
    return false;
  }

  static void PrintVerdict(const char* what, const std::string& name, Verdict verdict) {
    if (verdict == Verdict::kTruncated) {
      std::printf("Successfully truncated AOF %s\n", name.c_str());
    } else {
      std::printf("%s %s is %s\n", what, name.c_str(), verdict == Verdict::kValid ? "valid" : "empty");
    }
  }

  // Checks one file's contents; nullopt means stop with exit status 1 (the reason is printed).
  std::optional<Verdict> CheckFile(std::string_view data, const std::string& path,
                                   const std::string& name, bool last_file, bool preamble) {
    if (data.empty()) return Verdict::kEmpty;
    size_t rdb_bytes = 0;
    // Like redis-check-aof, take a file for an RDB preamble only when it has 8 bytes or more.
    if (preamble && data.size() >= 8 && StartsWith(data, "REDIS")) {
      RdbCheck rdb = CheckRdbImage(data, name);
      if (!rdb.ok) {
        std::printf("RDB preamble of AOF file is not sane, aborting.\n");
        return std::nullopt;
      }
      std::printf("RDB preamble is OK, proceeding with AOF tail...\n");
      rdb_bytes = rdb.bytes;
    }
    persistence::AofScan scan = persistence::AnalyzeAofCommands(data.substr(rdb_bytes));
    line_ += scan.lines;
    const size_t ok_up_to = rdb_bytes + scan.valid_bytes;
    const size_t stop = rdb_bytes + scan.error_offset;
    if (scan.format_error) {
      std::printf("AOF %s format error\n", name.c_str());
    } else if (!scan.error.empty()) {
      std::string_view why = scan.error;
      if (StartsWith(why, "ERR ")) why.remove_prefix(4);
      std::printf("0x%16zx: %.*s\n", stop, static_cast<int>(why.size()), why.data());
    } else if (scan.open_transaction) {
      std::printf("0x%16zx: Reached EOF before reading EXEC for MULTI\n", ok_up_to);
    } else if (scan.truncated) {
      std::printf("0x%16zx: Reached EOF in the middle of a command\n", stop);
    }
    const size_t diff = data.size() - ok_up_to;
    std::printf("AOF analyzed: filename=%s, size=%zu, ok_up_to=%zu, ok_up_to_line=%llu, diff=%zu\n",
                name.c_str(), data.size(), ok_up_to, static_cast<unsigned long long>(line_), diff);
    if (diff == 0) return Verdict::kValid;
    if (!fix_) {
      std::printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name.c_str());
      return std::nullopt;
    }
    if (!last_file) {
      std::printf("Failed to truncate AOF %s because it is not the last file\n", name.c_str());
      return std::nullopt;
    }
    std::printf("This will shrink the AOF %s from %zu bytes, with %zu bytes, to %zu bytes\n",
                name.c_str(), data.size(), diff, ok_up_to);
    if (!Confirm()) {
      std::printf("Aborting...\n");
      return std::nullopt;
    }
    if (truncate(path.c_str(), static_cast<off_t>(ok_up_to)) != 0) {
      std::printf("Failed to truncate AOF %s\n", name.c_str());
      return std::nullopt;
    }
    return Verdict::kTruncated;
  }

  bool Confirm() const {
    if (yes_) return true;
    std::printf("Continue? [y/N]: ");
    std::fflush(stdout);
    char answer[16];
    return std::fgets(answer, sizeof(answer), stdin) != nullptr &&
           (answer[0] == 'y' || answer[0] == 'Y');
  }

  const bool fix_;
  const bool yes_;
  // Lines read so far over all files, numbered from 1 as redis-check-aof's ok_up_to_line is.
  unsigned long long line_ = 1;
};

int Usage(const char* argv0) {
  std::printf("Usage: %s [--fix] [--yes] <file.manifest|file.aof>\n", argv0);
  return 1;
}

}  // namespace
}  // namespace bazaar::engine::tools

int main(int argc, char** argv) {
  namespace tools = bazaar::engine::tools;
  if (argc < 2) return tools::Usage(argv[0]);
  bool fix = false, yes = false;
  for (int i = 1; i + 1 < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--fix") fix = true;
    else if (flag == "--yes") yes = true;
    else return tools::Usage(argv[0]);
  }
  const std::string path = argv[argc - 1];
  std::string data;
  if (!tools::ReadWholeFile(path, &data)) {
    std::printf("Cannot open file %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  tools::AofChecker checker(fix, yes);
  return tools::LooksLikeManifest(data) ? checker.CheckManifest(path, data)
                                        : checker.CheckSingleFile(path, data);
}
