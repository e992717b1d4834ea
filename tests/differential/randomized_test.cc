// Randomized differential runs: per command family, a seeded generator drives thousands of
// operations over a few shared keys against a fresh real redis-server and a fresh bazaar-engine,
// and every reply must be byte-identical (arrays Redis leaves unordered are sorted first). Values
// whose bytes are deterministic (bitmaps, HyperLogLogs, intsets) are also compared through GET
// or DUMP, and Redis's own DUMP payloads are RESTOREd into both servers, so the engine is checked
// on values real Redis produced.
//
// Environment: BAZAAR_RANDOM_SEED=N replaces every family's seed; BAZAAR_RANDOM_OPS=N the
// number of operations per family (default 3000). A failure prints the seed, the step and the
// last commands, which reproduce it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "diff_script.h"
#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing::diff {
namespace {

using Argv = std::vector<std::string>;

// One generated operation: the command and whether its reply is an unordered collection.
struct Op {
  Argv argv;
  bool unordered = false;
};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  int64_t Int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  double Real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  bool Chance(double p) { return Real(0, 1) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Int(0, static_cast<int64_t>(v.size()) - 1)]; }
  std::string Key(const char* prefix, int n) { return prefix + std::to_string(Int(0, n - 1)); }
  std::string Num(int64_t lo, int64_t hi) { return std::to_string(Int(lo, hi)); }
  std::string Coord(double lo, double hi) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", Real(lo, hi));
    return buf;
  }

 private:
  std::mt19937_64 rng_;
};

// --- generators, one per family ---------------------------------------------------------------

Op BitmapOp(Gen& g) {
  const std::string k = g.Key("b", 3);
  const std::string range_unit = g.Pick<std::string>({"", "BYTE", "BIT"});
  auto with_range = [&](Argv argv, bool end_optional) {
    if (g.Chance(0.3)) return argv;
    argv.push_back(g.Num(-40, 600));
    if (end_optional && g.Chance(0.3)) return argv;
    argv.push_back(g.Num(-40, 600));
    if (!range_unit.empty()) argv.push_back(range_unit);
    return argv;
  };
  switch (g.Int(0, 9)) {
    case 0:
    case 1: return {{"SETBIT", k, g.Num(0, g.Chance(0.05) ? 200000 : 4000), g.Num(0, 1)}};
    case 2: return {{"GETBIT", k, g.Num(0, 5000)}};
    case 3: return {with_range({"BITCOUNT", k}, false)};
    case 4: return {with_range({"BITPOS", k, g.Num(0, 1)}, true)};
    case 5: {
      const std::string op = g.Pick<std::string>({"AND", "OR", "XOR", "NOT"});
      Argv argv = {"BITOP", op, g.Key("b", 4), k};
      if (op != "NOT") argv.push_back(g.Key("b", 3));
      return {argv};
    }
    case 6:
    case 7: {
      Argv argv = {g.Chance(0.2) ? "BITFIELD_RO" : "BITFIELD", k};
      const bool ro = argv[0] == "BITFIELD_RO";
      for (int n = g.Int(1, 4); n-- > 0;) {
        if (!ro && g.Chance(0.2)) {
          argv.insert(argv.end(), {"OVERFLOW", g.Pick<std::string>({"WRAP", "SAT", "FAIL"})});
        }
        const bool sign = g.Chance(0.5);
        const std::string type = (sign ? "i" : "u") + g.Num(1, sign ? 64 : 63);
        const std::string offset = g.Chance(0.3) ? "#" + g.Num(0, 40) : g.Num(0, 900);
        const int what = ro ? 0 : static_cast<int>(g.Int(0, 2));
        if (what == 0) argv.insert(argv.end(), {"GET", type, offset});
        if (what == 1) argv.insert(argv.end(), {"SET", type, offset, g.Num(-300, 300)});
        if (what == 2) argv.insert(argv.end(), {"INCRBY", type, offset, g.Num(-100000, 100000)});
      }
      return {argv};
    }
    case 8: return {{"SETRANGE", k, g.Num(0, 300), g.Pick<std::string>({"a", "\xff\x00\x10", "xyz"})}};
    default: return {{"GET", k}};  // the bitmap's bytes
  }
}

Op HyperLogLogOp(Gen& g) {
  const std::string k = g.Key("h", 3);
  switch (g.Int(0, 6)) {
    case 0:
    case 1:
    case 2: {
      Argv argv = {"PFADD", k};
      // Mostly small batches (the sparse encoding), sometimes large (dense).
      const int n = g.Chance(0.05) ? 3000 : static_cast<int>(g.Int(0, 12));
      for (int i = 0; i < n; ++i) argv.push_back("e" + g.Num(0, 200000));
      return {argv};
    }
    case 3: return {{"PFCOUNT", k}};
    case 4: return {{"PFCOUNT", k, g.Key("h", 4)}};
    case 5: return {{"PFMERGE", g.Key("h", 4), k, g.Key("h", 3)}};
    default: return {{"GET", k}};  // the HLL's exact representation, cache bytes included
  }
}

Op GeoOp(Gen& g) {
  const std::string k = g.Key("g", 2);
  const std::string member = "m" + g.Num(0, 150);
  const std::string unit = g.Pick<std::string>({"m", "km", "mi", "ft"});
  auto search_tail = [&](Argv argv, bool store) {
    if (g.Chance(0.5)) {
      argv.insert(argv.end(), {"FROMMEMBER", member});
    } else {
      argv.insert(argv.end(), {"FROMLONLAT", g.Coord(-20, 20), g.Coord(-20, 20)});
    }
    if (g.Chance(0.5)) {
      argv.insert(argv.end(), {"BYRADIUS", g.Num(1, 3000), "km"});
    } else {
      argv.insert(argv.end(), {"BYBOX", g.Num(1, 4000), g.Num(1, 4000), "km"});
    }
    argv.push_back(g.Chance(0.5) ? "ASC" : "DESC");
    if (g.Chance(0.4)) argv.insert(argv.end(), {"COUNT", g.Num(1, 20)});
    if (store) {
      if (g.Chance(0.5)) argv.push_back("STOREDIST");
    } else {
      for (const char* w : {"WITHCOORD", "WITHDIST", "WITHHASH"}) {
        if (g.Chance(0.4)) argv.push_back(w);
      }
    }
    return argv;
  };
  switch (g.Int(0, 9)) {
    case 0:
    case 1:
    case 2: {
      Argv argv = {"GEOADD", k};
      if (g.Chance(0.2)) argv.push_back(g.Pick<std::string>({"NX", "XX"}));
      if (g.Chance(0.2)) argv.push_back("CH");
      for (int n = g.Int(1, 5); n-- > 0;) {
        argv.insert(argv.end(), {g.Coord(-25, 25), g.Coord(-25, 25), "m" + g.Num(0, 150)});
      }
      return {argv};
    }
    case 3: return {{"GEOPOS", k, member, "m" + g.Num(0, 150)}};
    case 4: return {{"GEODIST", k, member, "m" + g.Num(0, 150), unit}};
    case 5: return {{"GEOHASH", k, member, "m" + g.Num(0, 150)}};
    case 6:
    case 7: return {search_tail({"GEOSEARCH", k}, false)};
    case 8: return {search_tail({"GEOSEARCHSTORE", "gdst", k}, true)};
    default: return {{"ZRANGE", g.Chance(0.5) ? "gdst" : k, "0", "-1", "WITHSCORES"}};
  }
}

Op SortOp(Gen& g) {
  const std::string k = g.Key("l", 2);
  switch (g.Int(0, 8)) {
    case 0:
    case 1: {
      Argv argv = {"RPUSH", k};
      for (int n = g.Int(1, 6); n-- > 0;) {
        // Integers, decimals and a few words, with repeats, so ties and ALPHA both matter.
        if (g.Chance(0.7)) argv.push_back(g.Num(-20, 40));
        else if (g.Chance(0.6)) argv.push_back(g.Num(0, 9) + "." + g.Num(0, 99));
        else argv.push_back(g.Pick<std::string>({"apple", "Zed", "kiwi", "10x", ""}));
      }
      return {argv};
    }
    case 2: return {{"HSET", "w_" + g.Num(-20, 40), "f", g.Num(-5, 5)}};
    case 3: return {{"SET", "weight_" + g.Num(-20, 40), g.Num(-5, 5)}};
    case 4: return {{"SADD", "si", g.Num(-50, 50)}};  // an intset: SORT walks it ascending
    case 5: return {{"LRANGE", "sdst", "0", "-1"}};  // what SORT ... STORE wrote
    default: {
      Argv argv = {g.Chance(0.2) ? "SORT_RO" : "SORT", g.Chance(0.15) ? "si" : k};
      const int by = static_cast<int>(g.Int(0, 3));
      if (by == 1) argv.insert(argv.end(), {"BY", "w_*->f"});
      if (by == 2) argv.insert(argv.end(), {"BY", "weight_*"});
      if (by == 3) argv.insert(argv.end(), {"BY", "nosort"});
      if (g.Chance(0.4)) argv.insert(argv.end(), {"LIMIT", g.Num(-1, 6), g.Num(-1, 8)});
      if (g.Chance(0.3)) argv.insert(argv.end(), {"GET", "#"});
      if (g.Chance(0.3)) argv.insert(argv.end(), {"GET", "w_*->f"});
      if (g.Chance(0.3)) argv.push_back("DESC");
      if (g.Chance(0.3)) argv.push_back("ALPHA");
      if (argv[0] == "SORT" && g.Chance(0.2)) argv.insert(argv.end(), {"STORE", "sdst"});
      return {argv};
    }
  }
}

Op SetOp(Gen& g) {
  const std::string k = g.Key("s", 3);
  // Mostly integers (intsets), some not, so sets convert as Redis converts them.
  auto member = [&] { return g.Chance(0.93) ? g.Num(-70000, 70000) : "w" + g.Num(0, 9); };
  switch (g.Int(0, 11)) {
    case 0:
    case 1:
    case 2: {
      Argv argv = {"SADD", k};
      for (int n = g.Int(1, 6); n-- > 0;) argv.push_back(member());
      return {argv};
    }
    case 3: return {{"SREM", k, member(), member()}};
    case 4: return {{"OBJECT", "ENCODING", k}};
    case 5: return {{"SMEMBERS", k}, true};
    case 6: return {{g.Pick<std::string>({"SINTER", "SUNION", "SDIFF"}), k, g.Key("s", 3)}, true};
    case 7:
      return {{g.Pick<std::string>({"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}), g.Key("s", 4), k,
               g.Key("s", 3)}};
    case 8: return {{"SMOVE", k, g.Key("s", 3), member()}};
    case 9: return {{"SMISMEMBER", k, member(), member()}};
    case 10: return {{"SCARD", k}};
    default: return {{"SSCAN", k, "0", "COUNT", "1000"}, true};
  }
}

// Small limits (see the family's setup) so sets cross zset-max-listpack-entries/-value both by
// size and by member length; DUMP compares the listpack's bytes.
Op ZSetOp(Gen& g) {
  const std::string k = g.Key("z", 3);
  auto member = [&]() -> std::string {
    if (g.Chance(0.3)) return g.Num(-300, 70000);
    if (g.Chance(0.05)) return "long-member-" + g.Num(0, 9);  // past the value limit
    return "m" + g.Num(0, 24);
  };
  auto score = [&]() -> std::string {
    if (g.Chance(0.05)) return g.Pick<std::string>({"inf", "-inf", "-0", "0.1", "1e17"});
    if (g.Chance(0.5)) return g.Num(-20, 20);
    return g.Num(-20, 20) + "." + g.Num(0, 99);
  };
  auto bound = [&] {
    if (g.Chance(0.15)) return g.Pick<std::string>({"-inf", "+inf"});
    return (g.Chance(0.3) ? "(" : "") + g.Num(-20, 20);
  };
  auto lex = [&] {
    if (g.Chance(0.2)) return g.Pick<std::string>({"-", "+"});
    return (g.Chance(0.5) ? "[" : "(") + member();
  };
  switch (g.Int(0, 19)) {
    case 0:
    case 1:
    case 2:
    case 3: {
      Argv argv = {"ZADD", k};
      if (g.Chance(0.15)) argv.push_back(g.Pick<std::string>({"NX", "XX", "GT", "LT"}));
      if (g.Chance(0.15)) argv.push_back("CH");
      for (int n = g.Int(1, 5); n-- > 0;) argv.insert(argv.end(), {score(), member()});
      return {argv};
    }
    case 4: return {{"ZREM", k, member(), member()}};
    case 5: return {{"ZINCRBY", k, score(), member()}};
    case 6: return {{"OBJECT", "ENCODING", k}};
    case 7: return {{"DUMP", k}};
    case 8: {
      Argv argv = {"ZRANGE", k, g.Num(-8, 8), g.Num(-8, 8)};
      if (g.Chance(0.3)) argv.push_back("REV");
      if (g.Chance(0.5)) argv.push_back("WITHSCORES");
      return {argv};
    }
    case 9: {
      Argv argv = {"ZRANGEBYSCORE", k, bound(), bound()};
      if (g.Chance(0.4)) argv.push_back("WITHSCORES");
      if (g.Chance(0.3)) argv.insert(argv.end(), {"LIMIT", g.Num(0, 3), g.Num(-1, 5)});
      return {argv};
    }
    // Lexicographic ranges are defined where all scores are equal (zl's are all 0); over mixed
    // scores Redis's answers follow its encoding's walk.
    case 10: {
      if (g.Chance(0.5)) return {{"ZADD", "zl", "0", member()}};
      return {{g.Pick<std::string>({"ZRANGEBYLEX", "ZLEXCOUNT", "ZREVRANGEBYLEX"}), "zl", lex(), lex()}};
    }
    case 11: return {{g.Pick<std::string>({"ZRANK", "ZREVRANK", "ZSCORE"}), k, member()}};
    case 12: return {{"ZCOUNT", k, bound(), bound()}};
    case 13: return {{g.Pick<std::string>({"ZPOPMIN", "ZPOPMAX"}), k, g.Num(1, 3)}};
    case 14: {
      const int which = static_cast<int>(g.Int(0, 2));
      if (which == 0) return {{"ZREMRANGEBYRANK", k, g.Num(-5, 5), g.Num(-5, 5)}};
      if (which == 1) return {{"ZREMRANGEBYSCORE", k, bound(), bound()}};
      return {{"ZREMRANGEBYLEX", "zl", lex(), lex()}};
    }
    case 15: {
      Argv argv = {g.Pick<std::string>({"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"}), g.Key("z", 4),
                   "2", k, g.Key("z", 3)};
      if (argv[0] != "ZDIFFSTORE" && g.Chance(0.3)) {
        argv.insert(argv.end(), {"AGGREGATE", g.Pick<std::string>({"SUM", "MIN", "MAX"})});
      }
      return {argv};
    }
    case 16: return {{"ZRANGESTORE", g.Key("z", 4), k, g.Num(-6, 6), g.Num(-6, 6)}};
    case 17: return {{"ZRANGE", g.Key("z", 4), "0", "-1", "WITHSCORES"}};
    case 18: return {{"ZSCAN", k, "0", "COUNT", "1000"}, true};
    default: return {{"ZCARD", k}};
  }
}

// Small limits so hashes cross hash-max-listpack-entries/-value; HGETALL of a listpack answers in
// insertion order (compared as is), of a hashtable in table order (compared sorted).
Op HashOp(Gen& g) {
  const std::string k = g.Key("h", 3);
  auto field = [&]() -> std::string {
    if (g.Chance(0.3)) return g.Num(-300, 70000);
    if (g.Chance(0.04)) return "long-field-" + g.Num(0, 9);  // past the value limit
    return "f" + g.Num(0, 19);
  };
  auto value = [&]() -> std::string {
    if (g.Chance(0.5)) return g.Num(-100000, 100000);
    return g.Pick<std::string>({"", "v", "01", "+1", "-0", "x y"});
  };
  switch (g.Int(0, 11)) {
    case 0:
    case 1:
    case 2: {
      Argv argv = {"HSET", k};
      for (int n = g.Int(1, 4); n-- > 0;) argv.insert(argv.end(), {field(), value()});
      return {argv};
    }
    case 3: return {{"HDEL", k, field(), field()}};
    case 4: return {{"HGET", k, field()}};
    case 5: return {{"HINCRBY", k, field(), g.Num(-50, 50)}};
    case 6: return {{"OBJECT", "ENCODING", k}};
    case 7: return {{"HGETALL", k}, true};
    case 8: return {{"HSETNX", k, field(), value()}};
    case 9: return {{"HLEN", k}};
    case 10: return {{"HMGET", k, field(), field()}};
    default: return {{"HSTRLEN", k, field()}};
  }
}

// --- the run ------------------------------------------------------------------------------------

struct Family {
  const char* name;
  uint64_t seed;
  std::function<Op(Gen&)> next;
  std::vector<std::string> keys;  // RESTOREd from Redis's DUMP every so often
  Argv setup;                     // CONFIG SET run on both first, if any
  bool listpack_bytes = false;    // the family's listpacks are written as Redis's bytes
};

void PrintTo(const Family& f, std::ostream* os) { *os << f.name; }

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

class RandomizedDifferentialTest : public ::testing::TestWithParam<Family> {};

TEST_P(RandomizedDifferentialTest, RepliesMatchRedis) {
  const Family& family = GetParam();
  const uint64_t seed = EnvNumber("BAZAAR_RANDOM_SEED", family.seed);
  const uint64_t ops = EnvNumber("BAZAAR_RANDOM_OPS", 3000);
  ServerUnderTest redis(ServerUnderTest::Kind::kRealRedis);
  ServerUnderTest engine(ServerUnderTest::Kind::kBazaarEngine);
  RespClient r(redis.port()), e(engine.port());
  if (!family.setup.empty()) {
    ASSERT_EQ(r.Command(family.setup), e.Command(family.setup));
  }
  Gen gen(seed);
  std::deque<std::string> recent;
  auto check = [&](const Argv& argv, bool unordered) {
    std::string expected = r.Command(argv), actual = e.Command(argv);
    if (unordered) {
      expected = SortLeafArrays(expected);
      actual = SortLeafArrays(actual);
    }
    std::string line;
    for (const auto& a : argv) line += (line.empty() ? "" : " ") + Escape(a, 60);
    recent.push_back(line);
    if (recent.size() > 8) recent.pop_front();
    if (expected == actual) return true;
    std::string context;
    for (const auto& l : recent) context += "\n  " + l;
    ADD_FAILURE() << family.name << " seed " << seed << ": replies differ at `" << line
                  << "`\n  redis:  " << Escape(expected, 4096)
                  << "\n  engine: " << Escape(actual, 4096)
                  << "\nlast commands:" << context;
    return false;
  };
  for (uint64_t i = 0; i < ops; ++i) {
    const Op op = family.next(gen);
    if (!check(op.argv, op.unordered)) return;
    if (i % 100 != 99) continue;
    // Redis's own serialization of a key, loaded by both; then both dump it again.
    const std::string key = gen.Pick(family.keys);
    RespValue dump;
    if (!ParseResp(r.Command({"DUMP", key}), &dump) || dump.type != '$') continue;
    if (!check({"RESTORE", key + "_restored", "0", dump.body, "REPLACE"}, false)) return;
    // Redis's bytes are ours to match where its encoding fixes the order: strings and intsets.
    RespValue encoding;
    if (!ParseResp(r.Command({"OBJECT", "ENCODING", key + "_restored"}), &encoding)) continue;
    const bool fixed_bytes = encoding.body == "intset" || encoding.body == "skiplist" ||
                             (encoding.body == "listpack" && family.listpack_bytes) || encoding.body == "raw" ||
                             encoding.body == "embstr" || encoding.body == "int";
    if (fixed_bytes && !check({"DUMP", key + "_restored"}, false)) return;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Families, RandomizedDifferentialTest,
    ::testing::Values(
        Family{"bitmaps", 1401, BitmapOp, {"b0", "b1", "b2"}, {}},
        Family{"hyperloglog", 1402, HyperLogLogOp, {"h0", "h1", "h2"}, {}},
        Family{"geo", 1403, GeoOp, {"g0", "g1"}, {}},
        Family{"sort", 1404, SortOp, {"l0", "l1"}, {}},
        Family{"zsets", 1406, ZSetOp, {"z0", "z1", "z2", "zl"},
               {"CONFIG", "SET", "zset-max-listpack-entries", "16", "zset-max-listpack-value", "12"},
               true},
        Family{"hashes", 1407, HashOp, {"h0", "h1", "h2"},
               {"CONFIG", "SET", "hash-max-listpack-entries", "12", "hash-max-listpack-value", "10"},
               true},
        Family{"sets", 1405, SetOp, {"s0", "s1", "s2"},
               {"CONFIG", "SET", "set-max-intset-entries", "20"}}),
    [](const ::testing::TestParamInfo<Family>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace bazaar::testing::diff
