#include "engine/persistence/aof_manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace bazaar::engine::persistence {
namespace {

std::string Line(const AofFile& f) {
  return "file " + f.name + " seq " + std::to_string(f.seq) + " type " + f.type + "\n";
}

void FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

}  // namespace

std::string AofManifest::Serialize() const {
  std::string out;
  if (base) out += Line(*base);
  for (const auto& h : history) out += Line(h);
  for (const auto& i : incrs) out += Line(i);
  return out;
}

absl::StatusOr<AofManifest> AofManifest::Parse(const std::string& text) {
  AofManifest m;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    AofFile f{"", -1, 0};
    for (size_t i = 0; i + 1 < words.size(); i += 2) {
      if (words[i] == "file") f.name = words[i + 1];
      else if (words[i] == "seq" && !absl::SimpleAtoi(words[i + 1], &f.seq)) f.seq = -1;
      else if (words[i] == "type" && words[i + 1].size() == 1) f.type = words[i + 1][0];
    }
    if (f.name.empty() || f.seq < 0 || (f.type != 'b' && f.type != 'i' && f.type != 'h')) {
      return absl::DataLossError("Invalid AOF manifest file format at line " +
                                 std::to_string(line_no));
    }
    if (f.type == 'b') m.base = f;
    else if (f.type == 'i') m.incrs.push_back(f);
    else m.history.push_back(f);
  }
  return m;
}

std::string ManifestName(const std::string& appendfilename) {
  return appendfilename + ".manifest";
}

std::string BaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble) {
  return appendfilename + "." + std::to_string(seq) + ".base." + (rdb_preamble ? "rdb" : "aof");
}

std::string IncrName(const std::string& appendfilename, int64_t seq) {
  return appendfilename + "." + std::to_string(seq) + ".incr.aof";
}

absl::StatusOr<AofManifest> ReadManifest(const std::string& dir,
                                         const std::string& appendfilename) {
  std::ifstream in(dir + "/" + ManifestName(appendfilename));
  if (!in) return absl::NotFoundError("no AOF manifest");
  std::stringstream ss;
  ss << in.rdbuf();
  return AofManifest::Parse(ss.str());
}

absl::Status WriteManifest(const std::string& dir, const std::string& appendfilename,
                           const AofManifest& manifest) {
  std::string path = dir + "/" + ManifestName(appendfilename);
  std::string temp = dir + "/temp-" + ManifestName(appendfilename);
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError("Can't open the AOF manifest: " + std::string(strerror(errno)));
  std::string text = manifest.Serialize();
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            fsync(fd) == 0;
  close(fd);
  if (!ok || rename(temp.c_str(), path.c_str()) != 0) {
    unlink(temp.c_str());
    return absl::InternalError("Can't write the AOF manifest: " + std::string(strerror(errno)));
  }
  FsyncDir(dir);
  return absl::OkStatus();
}

}  // namespace bazaar::engine::persistence
