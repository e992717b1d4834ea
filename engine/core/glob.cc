#include "engine/core/glob.h"

#include <cctype>

namespace bazaar::engine::core {
namespace {

char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches one pattern token (not '*') at p against c. Sets *token_len to the token's length.
bool MatchToken(std::string_view p, char c, bool nocase, size_t* token_len) {
  if (p[0] == '?') {
    *token_len = 1;
    return true;
  }
  if (p[0] == '\\' && p.size() >= 2) {
    *token_len = 2;
    return Fold(p[1], nocase) == Fold(c, nocase);
  }
  if (p[0] != '[') {
    *token_len = 1;
    return Fold(p[0], nocase) == Fold(c, nocase);
  }
  // Character class. An unterminated class runs to the end of the pattern, as in Redis.
  size_t i = 1;
  bool negate = false, match = false;
  if (i < p.size() && p[i] == '^') {
    negate = true;
    ++i;
  }
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\' && i + 1 < p.size()) {
      if (Fold(p[i + 1], nocase) == Fold(c, nocase)) match = true;
      i += 2;
    } else if (i + 2 < p.size() && p[i + 1] == '-') {
      char lo = Fold(p[i], nocase), hi = Fold(p[i + 2], nocase), x = Fold(c, nocase);
      if (lo > hi) std::swap(lo, hi);
      if (x >= lo && x <= hi) match = true;
      i += 3;
    } else {
      if (Fold(p[i], nocase) == Fold(c, nocase)) match = true;
      ++i;
    }
  }
  *token_len = i < p.size() ? i + 1 : i;
  return negate ? !match : match;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  // Single-resume-point backtracking: every token but '*' consumes exactly one character, so
  // retrying from the last '*' is enough.
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      if (p == pattern.size()) return true;
      star_p = p;
      star_t = t;
      continue;
    }
    size_t len = 0;
    if (p < pattern.size() && MatchToken(pattern.substr(p), text[t], nocase, &len)) {
      p += len;
      ++t;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace bazaar::engine::core
