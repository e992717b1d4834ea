// Differential tests: every script in scripts/ runs against a fresh real redis-server and a fresh
// bazaar-engine, step by step and interleaved; the raw reply bytes must be identical (after the
// transformations a step's modifiers ask for). One test per script file.
//
// Environment:
//   BAZAAR_DIFF_SELFTEST=1  runs redis-server on both sides (validates the scripts themselves).
//   BAZAAR_DIFF_VERBOSE=1   prints every step with both replies.
//   BAZAAR_DIFF_SCRIPTS=dir reads scripts from another directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "diff_script.h"
#include "harness/process.h"
#include "harness/resp_client.h"

namespace bazaar::testing::diff {
namespace {

constexpr auto kReplyTimeout = std::chrono::milliseconds(5000);
constexpr auto kCloseTimeout = std::chrono::milliseconds(3000);
constexpr int kMaxReportedFailures = 60;
constexpr const char* kNoReply = "<no reply within 5 s>";

bool EnvFlag(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

std::string ScriptsDir() {
  const char* v = std::getenv("BAZAAR_DIFF_SCRIPTS");
  return v != nullptr && *v != '\0' ? v : BAZAAR_DIFF_SCRIPTS_DIR;
}

std::vector<std::string> ScriptFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(ScriptsDir(), ec)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One server and its named connections.
class Side {
 public:
  Side(ServerUnderTest::Kind kind, const std::vector<std::string>& args, std::string label)
      : server_(std::make_unique<ServerUnderTest>(kind, args)), label_(std::move(label)) {}

  const std::string& label() const { return label_; }

  // The connection named `name`, opened on first use (and, when `reopen`, again after the peer
  // closed it, so one unexpected close does not spoil the rest of the script).
  RespClient* Conn(const std::string& name, bool reopen = true) {
    auto it = conns_.find(name);
    if (it != conns_.end() && reopen && it->second->closed()) {
      conns_.erase(it);
      it = conns_.end();
    }
    if (it == conns_.end()) {
      it = conns_.emplace(name, std::make_unique<RespClient>(server_->port())).first;
    }
    return it->second.get();
  }
  void Drop(const std::string& name) { conns_.erase(name); }

  std::string Read(RespClient* c) {
    auto r = c->ReadReply(kReplyTimeout);
    if (r) return *r;
    return c->closed() ? "<connection closed>" : kNoReply;
  }

  std::string Command(const std::string& conn, const std::vector<std::string>& argv) {
    RespClient* c = Conn(conn);
    c->SendRaw(EncodeCommand(argv));
    return Read(c);
  }

  // Iterates SCAN-like commands (cursor at argv[1]) to cursor 0; returns the sorted distinct keys
  // as an array reply, or the first reply that is not a [cursor, keys] pair.
  std::string ScanAll(const std::string& conn, std::vector<std::string> argv) {
    std::set<std::string> keys;
    for (int round = 0; round < 10000; ++round) {
      std::string reply = Command(conn, argv);
      RespValue v;
      if (!ParseResp(reply, &v) || v.type != '*' || v.children.size() != 2 ||
          v.children[0].type != '$' || v.children[1].type != '*') {
        return reply;
      }
      for (const auto& k : v.children[1].children) keys.insert(k.raw);
      if (v.children[0].body == "0") break;
      if (argv.size() < 2) return reply;
      argv[1] = v.children[0].body;
    }
    std::string out = "*" + std::to_string(keys.size()) + "\r\n";
    for (const auto& k : keys) out += k;
    return out;
  }

  // Reads what remains until the peer closes; "<closed>" is appended when it did close.
  std::string DrainUntilClosed(const std::string& conn) {
    RespClient* c = Conn(conn, /*reopen=*/false);
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + kCloseTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto r = c->ReadReply(left);
      if (!r) break;
      out += *r;
    }
    out += c->closed() ? "<closed>" : "<still open after 3 s>";
    Drop(conn);
    return out;
  }

  bool alive() { return server_->process().running(); }
  std::string log() { return server_->process().ReadLog(); }

 private:
  std::unique_ptr<ServerUnderTest> server_;
  std::string label_;
  std::map<std::string, std::unique_ptr<RespClient>> conns_;
};

// The reply as compared, after the step's modifiers.
std::string Normalise(const Step& step, const std::string& reply) {
  if (step.type_only) return reply.empty() ? "<empty>" : "<type " + reply.substr(0, 1) + ">";
  if (!step.fields.empty()) return ExtractFields(reply, step.fields);
  if (step.sort) return SortLeafArrays(reply);
  if (step.mask) return MaskTimings(reply);
  return reply;
}

// Same shape and bytes, but integers (at any depth) within `tolerance` of each other.
bool NearValue(const RespValue& a, const RespValue& b, long long tolerance) {
  if (a.type == ':' && b.type == ':') {
    long long x = std::strtoll(a.header.c_str(), nullptr, 10);
    long long y = std::strtoll(b.header.c_str(), nullptr, 10);
    return (x > y ? x - y : y - x) <= tolerance;
  }
  if (a.type != b.type || a.children.size() != b.children.size()) return false;
  if (a.children.empty()) return a.raw == b.raw;
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (!NearValue(a.children[i], b.children[i], tolerance)) return false;
  }
  return true;
}

bool Near(const std::string& a, const std::string& b, long long tolerance) {
  RespValue va, vb;
  return ParseResp(a, &va) && ParseResp(b, &vb) && NearValue(va, vb, tolerance);
}

// HELLO's reply differs in version and id; compare its type, its keys and the proto field.
std::string SummariseHello(const std::string& reply) {
  RespValue v;
  if (!ParseResp(reply, &v) || (v.type != '%' && v.type != '*')) return reply;
  std::string out = std::string(1, v.type) + " keys:";
  for (size_t k = 0; k + 1 < v.children.size(); k += 2) {
    const RespValue& key = v.children[k];
    out += " " + (key.body.empty() ? key.header : key.body);
    if (key.body == "proto" || key.body == "mode" || key.body == "role") {
      out += "=" + v.children[k + 1].raw;
    }
  }
  return out;
}

class DifferentialTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DifferentialTest, RepliesMatchRedis) {
  const std::string path = GetParam();
  const std::string file = std::filesystem::path(path).filename().string();
  Script script;
  std::string error;
  ASSERT_TRUE(ParseScript(file, ReadFile(path), &script, &error)) << error;

  const bool selftest = EnvFlag("BAZAAR_DIFF_SELFTEST");
  const bool verbose = EnvFlag("BAZAAR_DIFF_VERBOSE");
  std::unique_ptr<Side> a, b;
  try {
    a = std::make_unique<Side>(ServerUnderTest::Kind::kRealRedis, script.server_args,
                               selftest ? "redis (A)" : "redis");
    b = std::make_unique<Side>(
        selftest ? ServerUnderTest::Kind::kRealRedis : ServerUnderTest::Kind::kBazaarEngine,
        script.server_args, selftest ? "redis (B)" : "bazaar-engine");
  } catch (const std::exception& e) {
    FAIL() << file << ": could not start the servers: " << e.what();
  }

  int failures = 0;
  int compared = 0;
  auto report = [&](const Step& step, const std::string& what, const std::string& ra,
                    const std::string& rb) {
    ++failures;
    if (failures > kMaxReportedFailures) return;
    ADD_FAILURE_AT(path.c_str(), step.line)
        << file << ":" << step.line << ": " << step.source << "\n"
        << (what.empty() ? "" : "  (" + what + ")\n") << "  " << a->label() << ": "
        << Escape(ra) << "\n  " << b->label() << ": " << Escape(rb);
  };
  int last_failures = 0;
  int consecutive_timeouts = 0;
  bool last_reply_b_timed_out = false;
  auto compare = [&](const Step& step, const std::string& what, const std::string& ra,
                     const std::string& rb) {
    ++compared;
    if (rb == kNoReply && ra != kNoReply) last_reply_b_timed_out = true;
    std::string na = Normalise(step, ra), nb = Normalise(step, rb);
    bool same = na == nb || (step.near && Near(ra, rb, *step.near));
    if (verbose) {
      std::cout << file << ":" << step.line << ": " << step.source << (what.empty() ? "" : " ")
                << what << "\n    A " << Escape(ra) << "\n    B " << Escape(rb)
                << (same ? "" : "   <-- DIFFERENT") << std::endl;
    }
    if (same) return;
    if (na != ra || nb != rb) {
      report(step, what.empty() ? "compared as " + Escape(na) + " vs " + Escape(nb) : what, ra,
             rb);
    } else {
      report(step, what, ra, rb);
    }
  };

  for (const Step& step : script.steps) {
    try {
      switch (step.kind) {
        case StepKind::kSleep:
          std::this_thread::sleep_for(std::chrono::milliseconds(step.sleep_ms));
          break;
        case StepKind::kCommand: {
          std::string ra, rb;
          if (step.scan) {
            ra = a->ScanAll(step.conn, step.argv);
            rb = b->ScanAll(step.conn, step.argv);
          } else {
            // Send to both before reading either, so both servers see the command at nearly
            // the same moment (a slow command on one side does not age the other's keys).
            RespClient* ca = a->Conn(step.conn);
            RespClient* cb = b->Conn(step.conn);
            std::string request = EncodeCommand(step.argv);
            ca->SendRaw(request);
            cb->SendRaw(request);
            ra = a->Read(ca);
            rb = b->Read(cb);
          }
          compare(step, "", ra, rb);
          break;
        }
        case StepKind::kRaw: {
          RespClient* ca = a->Conn(step.conn);
          RespClient* cb = b->Conn(step.conn);
          ca->SendRaw(step.raw);
          cb->SendRaw(step.raw);
          for (int k = 0; k < step.raw_replies; ++k) {
            std::string ra = a->Read(ca), rb = b->Read(cb);
            compare(step, "reply " + std::to_string(k + 1) + " of " +
                              std::to_string(step.raw_replies), ra, rb);
          }
          break;
        }
        case StepKind::kClosed: {
          std::string ra = a->DrainUntilClosed(step.conn);
          std::string rb = b->DrainUntilClosed(step.conn);
          compare(step, "", ra, rb);
          break;
        }
        case StepKind::kClose:
          a->Drop(step.conn);
          b->Drop(step.conn);
          break;
        case StepKind::kHello3: {
          std::string ra = a->Command(step.conn, {"HELLO", "3"});
          std::string rb = b->Command(step.conn, {"HELLO", "3"});
          ++compared;
          std::string sa = SummariseHello(ra), sb = SummariseHello(rb);
          if (verbose) {
            std::cout << file << ":" << step.line << ": HELLO 3\n    A " << Escape(sa)
                      << "\n    B " << Escape(sb) << std::endl;
          }
          if (sa != sb) report(step, "HELLO summary " + Escape(sa) + " vs " + Escape(sb), ra, rb);
          break;
        }
      }
    } catch (const std::exception& e) {
      report(step, std::string("exception: ") + e.what(), "", "");
    }
    // A server that stopped answering would make every later step wait for its timeout.
    if (failures > last_failures && last_reply_b_timed_out) {
      if (++consecutive_timeouts >= 3) {
        ADD_FAILURE_AT(path.c_str(), step.line)
            << file << ":" << step.line << ": " << b->label()
            << " timed out three steps in a row; stopping this script";
        return;
      }
    } else {
      consecutive_timeouts = 0;
    }
    last_failures = failures;
    last_reply_b_timed_out = false;
    if (!b->alive()) {
      ADD_FAILURE_AT(path.c_str(), step.line)
          << file << ":" << step.line << ": " << b->label() << " exited after: " << step.source
          << "\n--- its log ---\n" << b->log();
      return;
    }
  }
  if (failures > 0) {
    ADD_FAILURE() << file << ": " << failures << " of " << compared << " replies differ"
                  << (failures > kMaxReportedFailures ? " (first " +
                                                            std::to_string(kMaxReportedFailures) +
                                                            " shown)"
                                                      : "");
  } else if (verbose) {
    std::cout << file << ": " << compared << " replies identical" << std::endl;
  }
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string stem = std::filesystem::path(info.param).stem().string();
  for (char& c : stem) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return stem;
}

INSTANTIATE_TEST_SUITE_P(Scripts, DifferentialTest, ::testing::ValuesIn(ScriptFiles()), TestName);
// A wrong scripts directory must fail loudly, not discover zero tests and pass.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(DifferentialTest);
TEST(DifferentialScriptsTest, ScriptsDirectoryHoldsTheSuite) { EXPECT_GE(ScriptFiles().size(), 30u); }

}  // namespace
}  // namespace bazaar::testing::diff
