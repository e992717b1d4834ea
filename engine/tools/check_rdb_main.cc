// bazaar-check-rdb FILE: validates an RDB file like redis-check-rdb, with the same report and
// exit status (0 when the file is good, 1 otherwise).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "engine/tools/rdb_check.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
    return 1;
  }
  const std::string path = argv[1];
  std::string image;
  if (!bazaar::engine::tools::ReadWholeFile(path, &image)) {
    // redis-check-rdb stops silently here; saying why costs nothing.
    int err = errno;
    std::printf("[offset 0] Checking RDB file %s\n", path.c_str());
    std::fprintf(stderr, "Cannot open file %s: %s\n", path.c_str(), std::strerror(err));
    return 1;
  }
  return bazaar::engine::tools::CheckRdbImage(image, path).ok ? 0 : 1;
}
