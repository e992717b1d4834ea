#include "engine/core/repr.h"

#include <cctype>
#include <cstdio>

namespace bazaar::engine::core {

void AppendRepr(std::string* out, std::string_view bytes) {
  out->push_back('"');
  for (unsigned char c : bytes) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '"': *out += "\\\""; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\a': *out += "\\a"; break;
      case '\b': *out += "\\b"; break;
      default:
        if (std::isprint(c)) {
          out->push_back(static_cast<char>(c));
        } else {
          char hex[5];
          std::snprintf(hex, sizeof(hex), "\\x%02x", c);
          *out += hex;
        }
    }
  }
  out->push_back('"');
}

}  // namespace bazaar::engine::core
