#include "engine/commands/command_keys.h"

#include <algorithm>

#include "engine/commands/arg_util.h"

namespace bazaar::engine::commands {
namespace {

using Positions = std::optional<std::vector<size_t>>;

// `numkeys` at argv[count_at], then that many keys.
Positions CountedKeys(Args argv, size_t count_at, std::vector<size_t> before) {
  int64_t n;
  if (count_at >= argv.size() || !protocol::ParseInt64(argv[count_at], &n) || n < 1 ||
      static_cast<size_t>(n) > argv.size() - count_at - 1) {
    return std::nullopt;
  }
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) before.push_back(count_at + 1 + i);
  return before;
}

// The first key, then the argument after the last of `keywords` (SORT STORE, GEORADIUS STORE).
Positions KeyThenStore(Args argv,
                       std::initializer_list<std::string_view> keywords) {
  std::vector<size_t> keys = {1};
  size_t store = 0;
  for (size_t i = 2; i + 1 < argv.size(); ++i) {
    for (std::string_view k : keywords) {
      if (IsOption(argv[i], k)) store = i + 1;
    }
  }
  if (store) keys.push_back(store);
  return keys;
}

}  // namespace

bool HasKeys(const CommandSpec& spec) {
  return spec.first_key > 0 || (spec.flags & kMovableKeys);
}

Positions KeyPositions(const CommandSpec& spec, Args argv) {
  const std::string& n = spec.name;
  if (spec.flags & kMovableKeys) {
    if (n == "zunionstore" || n == "zinterstore" || n == "zdiffstore") {
      return CountedKeys(argv, 2, {1});
    }
    if (n == "blmpop" || n == "bzmpop") return CountedKeys(argv, 2, {});
    if (n == "eval" || n == "evalsha" || n == "eval_ro" || n == "evalsha_ro" || n == "fcall" ||
        n == "fcall_ro") {
      // Script or function name, numkeys, keys. A script may declare no keys (Redis's
      // no_mandatory_keys), so a count that is 0 or does not fit gives none, not an error.
      return CountedKeys(argv, 2, {}).value_or(std::vector<size_t>{});
    }
    if (n == "migrate") {
      // The key at 3, or with KEYS (and an empty key there) every argument after it; AUTH and
      // AUTH2 take their arguments along.
      for (size_t i = 6; i < argv.size(); ++i) {
        if (IsOption(argv[i], "auth")) {
          ++i;
        } else if (IsOption(argv[i], "auth2")) {
          i += 2;
        } else if (IsOption(argv[i], "keys")) {
          if (!argv[3].empty()) break;
          std::vector<size_t> keys;
          for (size_t k = i + 1; k < argv.size(); ++k) keys.push_back(k);
          return keys;
        }
      }
      return std::vector<size_t>{3};
    }
    if (n == "sort") return KeyThenStore(argv, {"store"});
    if (n == "sort_ro") return std::vector<size_t>{1};
    if (n == "georadius" || n == "georadiusbymember") {
      return KeyThenStore(argv, {"store", "storedist"});
    }
    if (n == "xread" || n == "xreadgroup") {
      // Redis's key spec: the keyword STREAMS, searched from argument 1 (XREAD) or 4 (past
      // XREADGROUP's GROUP <group> <consumer>, which may be named "streams").
      for (size_t i = n == "xread" ? 1 : 4; i < argv.size(); ++i) {
        if (!IsOption(argv[i], "streams")) continue;
        std::vector<size_t> keys;
        for (size_t k = 0; k < (argv.size() - i - 1) / 2; ++k) keys.push_back(i + 1 + k);
        if (keys.empty()) return std::nullopt;
        return keys;
      }
      return std::nullopt;
    }
    return CountedKeys(argv, 1, {});  // ZUNION ZINTER ZDIFF ZINTERCARD SINTERCARD LMPOP ZMPOP
  }
  std::vector<size_t> keys;
  if (spec.first_key <= 0) return keys;  // no keys (PING); a zero step would never advance
  int64_t last = spec.last_key < 0 ? static_cast<int64_t>(argv.size()) + spec.last_key
                                   : spec.last_key;
  for (int64_t i = spec.first_key; i <= last && i < static_cast<int64_t>(argv.size());
       i += std::max(spec.key_step, 1)) {
    keys.push_back(static_cast<size_t>(i));
  }
  return keys;
}

std::vector<std::string_view> CommandKeys(const CommandSpec& spec, Args argv) {
  std::vector<std::string_view> keys;
  if (auto positions = KeyPositions(spec, argv)) {
    for (size_t i : *positions) keys.push_back(argv[i]);
  }
  return keys;
}

}  // namespace bazaar::engine::commands
