// Real processes for the market integration tests: a store (redis-server or bazaar-engine) that
// can be stopped and restarted on the same port and data dir, and bazaar-market itself, plus a gRPC stub, an invariant checker that reads the store
// directly over RESP, and small helpers.
#ifndef BAZAAR_TESTS_INTEGRATION_MARKET_MARKET_FIXTURE_H_
#define BAZAAR_TESTS_INTEGRATION_MARKET_MARKET_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "harness/process.h"
#include "market/v1/market.grpc.pb.h"

namespace bazaar::market::testing {

using StoreKind = bazaar::testing::ServerUnderTest::Kind;

// The store kinds the suites run against.
std::vector<StoreKind> StoreKinds();
std::string StoreKindName(StoreKind kind);

// A store kind and a contention mode ("fine", "book", "script"): what the suites that run in
// every mode take as their parameter, every kind with every mode.
struct StoreAndMode {
  StoreKind store;
  std::string mode;
};
void PrintTo(const StoreAndMode& p, std::ostream* os);
std::vector<StoreAndMode> StoresAndModes();
// The test name suffix, e.g. "engine_script".
std::string StoreAndModeName(const ::testing::TestParamInfo<StoreAndMode>& info);

// A store process on a free port with its own data dir. persistent = AOF with fsync always, so a
// restart keeps every acknowledged write.
class StoreProcess {
 public:
  StoreProcess(StoreKind kind, bool persistent);
  void Stop();   // SIGTERM and wait
  void Kill();   // SIGKILL (kill -9) and wait: no shutdown work, only what was fsynced stays
  void Start();  // same port, same dir
  int port() const { return port_; }

 private:
  bool TryStart();  // false when the process exits or someone else answers on the port
  StoreKind kind_;
  bool persistent_;
  bazaar::testing::TempDir dir_;
  int port_;
  bazaar::testing::ChildProcess process_;
};

// The port a bazaar-market started with --listen=127.0.0.1:0 logs that it bound; 0 if it exits
// or says nothing within 10 s.
int WaitForMarketPort(bazaar::testing::ChildProcess& market);

class MarketProcess {
 public:
  // extra: more flags, e.g. {"--mode=book"}.
  MarketProcess(int store_port, std::vector<std::string> extra = {});
  ~MarketProcess();
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::unique_ptr<bazaar::market::v1::Market::Stub> NewStub() const;
  std::shared_ptr<grpc::Channel> NewChannel() const;
  bazaar::testing::ChildProcess& process() { return process_; }
  std::string Log() const { return process_.ReadLog(); }

 private:
  bazaar::testing::TempDir dir_;
  int port_;
  bazaar::testing::ChildProcess process_;
};

// The reason a failed call carried (trailing metadata "bazaar-reason").
std::string Reason(const grpc::ClientContext& ctx);
// A ClientContext with a deadline `seconds` from now.
std::unique_ptr<grpc::ClientContext> Ctx(double seconds = 10);

// Checks the market's invariants straight from the store; returns "" or what is wrong.
//   sum(funds) == sum(initial_funds), funds >= 0, sum(|inventory|) + |market:| + instance
//   lots == sum(items_granted), market: and listing:* agree, no user holds an item twice (in
//   the inventory, a v1 listing or an instance lot). The default currency only, no fees.
// Fills the totals when not null.
struct StoreTotals {
  int64_t funds = 0;
  int64_t items = 0;
  int64_t listings = 0;
};
std::string CheckInvariants(int store_port, const std::string& prefix = "",
                            StoreTotals* totals = nullptr);

}  // namespace bazaar::market::testing

namespace bazaar::testing {
// Readable parameter names in test listings and ctest.
inline void PrintTo(ServerUnderTest::Kind kind, std::ostream* os) {
  *os << (kind == ServerUnderTest::Kind::kRealRedis ? "redis" : "engine");
}
}  // namespace bazaar::testing

#endif  // BAZAAR_TESTS_INTEGRATION_MARKET_MARKET_FIXTURE_H_
