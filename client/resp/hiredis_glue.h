// The library's internal bridge to hiredis (callers of the connections never see its types):
// its replies copied into RespReply, and argv in the arrays its *Argv functions take.
#ifndef BAZAAR_CLIENT_RESP_HIREDIS_GLUE_H_
#define BAZAAR_CLIENT_RESP_HIREDIS_GLUE_H_

#include <hiredis/hiredis.h>

#include <string>
#include <vector>

#include "resp/reply.h"

namespace bazaar::client {

RespReply FromHiredis(const redisReply* r);

// Views of argv's strings; valid while argv is.
struct HiredisArgv {
  explicit HiredisArgv(const std::vector<std::string>& argv) {
    ptrs.reserve(argv.size());
    lens.reserve(argv.size());
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_HIREDIS_GLUE_H_
