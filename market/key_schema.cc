#include "market/key_schema.h"

#include "market/types.h"

namespace bazaar::market {

bool KeySchema::ParseMember(const std::string& member, std::string* item, std::string* seller) {
  size_t dot = member.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == member.size()) return false;
  *item = member.substr(0, dot);
  *seller = member.substr(dot + 1);
  return true;
}

const char* ContentionModeName(ContentionMode mode) {
  switch (mode) {
    case ContentionMode::kBook: return "book";
    case ContentionMode::kScript: return "script";
    case ContentionMode::kFine: break;
  }
  return "fine";
}

bool ParseContentionMode(const std::string& text, ContentionMode* mode) {
  if (text == "fine") *mode = ContentionMode::kFine;
  else if (text == "book") *mode = ContentionMode::kBook;
  else if (text == "script") *mode = ContentionMode::kScript;
  else return false;
  return true;
}

}  // namespace bazaar::market
