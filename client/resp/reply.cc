#include "resp/reply.h"

namespace bazaar::client {

std::string RespReply::DebugString() const {
  switch (type) {
    case Type::kNil:
      return "(nil)";
    case Type::kInteger:
      return "(integer) " + std::to_string(integer);
    case Type::kString:
      return "\"" + str + "\"";
    case Type::kStatus:
      return str;
    case Type::kError:
      return "(error) " + str;
    case Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < elements.size(); ++i) {
        if (i) out += ", ";
        out += elements[i].DebugString();
      }
      return out + "]";
    }
  }
  return "?";
}

}  // namespace bazaar::client
