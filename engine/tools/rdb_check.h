// The report bazaar-check-rdb prints, shared with bazaar-check-aof for an RDB preamble: the same
// lines as redis-check-rdb ("[offset N] ...", "--- RDB ERROR DETECTED ---", "[info] N keys
// read"), produced by validating the image with the server's own RDB reader.
#ifndef BAZAAR_ENGINE_TOOLS_RDB_CHECK_H_
#define BAZAAR_ENGINE_TOOLS_RDB_CHECK_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace bazaar::engine::tools {

struct RdbCheck {
  bool ok = false;
  size_t bytes = 0;  // length of the RDB image (an AOF tail may follow it)
};

// Validates `image` (checksum, opcodes, every value) and prints the report to stdout, naming
// the file `name`.
RdbCheck CheckRdbImage(std::string_view image, const std::string& name);

// Reads a whole file; false (errno set) when it cannot be read.
bool ReadWholeFile(const std::string& path, std::string* out);

}  // namespace bazaar::engine::tools

#endif  // BAZAAR_ENGINE_TOOLS_RDB_CHECK_H_
