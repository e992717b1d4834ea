#include "engine/core/keyspace_events.h"

namespace bazaar::engine::core::events {
namespace {

struct Letter {
  char letter;
  int bit;
};

// The type classes, in the order CONFIG GET lists them.
constexpr Letter kTypeLetters[] = {
    {'g', kGeneric}, {'$', kString},  {'l', kList},    {'s', kSet},
    {'h', kHash},    {'z', kZset},    {'x', kExpired}, {'e', kEvicted},
    {'t', kStream},  {'d', kModule},  {'n', kNew},
};

}  // namespace

std::optional<int> ParseClasses(std::string_view text) {
  int classes = 0;
  for (char c : text) {
    int bit = 0;
    switch (c) {
      case 'A': bit = kAll; break;
      case 'K': bit = kKeyspace; break;
      case 'E': bit = kKeyevent; break;
      case 'm': bit = kKeyMiss; break;
      default:
        for (const Letter& l : kTypeLetters) {
          if (l.letter == c) bit = l.bit;
        }
    }
    if (bit == 0) return std::nullopt;
    classes |= bit;
  }
  return classes;
}

std::string FormatClasses(int classes) {
  std::string out;
  if ((classes & kAll) == kAll) {
    out += 'A';
  } else {
    for (const Letter& l : kTypeLetters) {
      if (classes & l.bit) out += l.letter;
    }
  }
  if (classes & kKeyspace) out += 'K';
  if (classes & kKeyevent) out += 'E';
  if (classes & kKeyMiss) out += 'm';
  return out;
}

}  // namespace bazaar::engine::core::events
