// Reads the RESP replies the container tests look into: bulk strings, integers and (nested)
// arrays of them. Test-only: aborts the test on anything malformed.
#ifndef BAZAAR_TESTS_UNIT_ENGINE_COMMANDS_RESP_READER_H_
#define BAZAAR_TESTS_UNIT_ENGINE_COMMANDS_RESP_READER_H_

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace bazaar::testing {

struct RespNode {
  char type = 0;  // '$', ':', '*', '~', '%', '_', '-', '+'
  std::string text;
  std::vector<RespNode> children;
};

inline RespNode ReadResp(const std::string& in, size_t* pos) {
  RespNode node;
  size_t eol = in.find("\r\n", *pos);
  if (eol == std::string::npos) {
    ADD_FAILURE() << "truncated reply: " << in;
    return node;
  }
  node.type = in[*pos];
  std::string line = in.substr(*pos + 1, eol - *pos - 1);
  *pos = eol + 2;
  if (node.type == '$') {
    long len = std::strtol(line.c_str(), nullptr, 10);
    if (len >= 0) {
      node.text = in.substr(*pos, len);
      *pos += len + 2;
    }
  } else if (node.type == '*' || node.type == '~' || node.type == '%') {
    long n = std::strtol(line.c_str(), nullptr, 10);
    if (node.type == '%') n *= 2;
    for (long i = 0; i < n; ++i) node.children.push_back(ReadResp(in, pos));
  } else {
    node.text = line;
  }
  return node;
}

inline RespNode ParseReply(const std::string& in) {
  size_t pos = 0;
  RespNode node = ReadResp(in, &pos);
  EXPECT_EQ(pos, in.size()) << "trailing bytes in " << in;
  return node;
}

// The texts of an array reply's scalar elements.
inline std::vector<std::string> Elements(const std::string& reply) {
  std::vector<std::string> out;
  for (const auto& c : ParseReply(reply).children) out.push_back(c.text);
  return out;
}

}  // namespace bazaar::testing

#endif  // BAZAAR_TESTS_UNIT_ENGINE_COMMANDS_RESP_READER_H_
