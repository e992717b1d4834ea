#include "market_fixture.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "resp/connection.h"

namespace bazaar::market::testing {

using bazaar::testing::ChildProcess;
using bazaar::testing::FreeLoopbackPort;
using bazaar::testing::WaitForPort;

std::vector<StoreKind> StoreKinds() {
  return {StoreKind::kRealRedis, StoreKind::kBazaarEngine};
}

std::string StoreKindName(StoreKind kind) {
  return kind == StoreKind::kRealRedis ? "redis" : "engine";
}

void PrintTo(const StoreAndMode& p, std::ostream* os) {
  *os << StoreKindName(p.store) << "/" << p.mode;
}

std::vector<StoreAndMode> StoresAndModes() {
  std::vector<StoreAndMode> out;
  for (StoreKind k : StoreKinds()) {
    for (const char* mode : {"fine", "book", "script"}) out.push_back({k, mode});
  }
  return out;
}

std::string StoreAndModeName(const ::testing::TestParamInfo<StoreAndMode>& info) {
  return StoreKindName(info.param.store) + "_" + info.param.mode;
}

StoreProcess::StoreProcess(StoreKind kind, bool persistent)
    : kind_(kind), persistent_(persistent) {
  // A free port can be taken by another test's process before ours binds it: then ours exits
  // (WaitUntilServing tells it from the other), and we try another port.
  for (int attempt = 1;; ++attempt) {
    port_ = FreeLoopbackPort();
    if (TryStart()) return;
    if (attempt == 5) throw std::runtime_error("store did not start: " + process_.ReadLog());
  }
}

bool StoreProcess::TryStart() {
  std::vector<std::string> args = {"--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--dir", dir_.path()};
  std::string exe;
  if (kind_ == StoreKind::kRealRedis) {
    exe = bazaar::testing::RedisServerBinary();
    for (const char* a : {"--save", "", "--daemonize", "no"}) args.push_back(a);
  } else {
    exe = bazaar::testing::EngineBinary();
  }
  for (const char* a : {"--appendonly", persistent_ ? "yes" : "no"}) args.push_back(a);
  if (persistent_) {
    for (const char* a : {"--appendfsync", "always"}) args.push_back(a);
  }
  process_ = ChildProcess(exe, args, dir_.path() + "/store.log", dir_.path());
  return bazaar::testing::WaitUntilServing(port_, process_);
}

void StoreProcess::Start() {
  if (!TryStart()) throw std::runtime_error("store did not restart: " + process_.ReadLog());
}

void StoreProcess::Stop() { process_.Stop(SIGTERM, std::chrono::seconds(10)); }

void StoreProcess::Kill() { process_.Stop(SIGKILL, std::chrono::seconds(10)); }

int WaitForMarketPort(bazaar::testing::ChildProcess& market) {
  // "bazaar-market listening on 127.0.0.1:0 (port N), ..."
  const std::string marker = "listening on 127.0.0.1:0 (port ";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline && market.running()) {
    const std::string text = market.ReadLog();
    const size_t at = text.find(marker);
    if (at != std::string::npos) return std::atoi(text.c_str() + at + marker.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return 0;
}

MarketProcess::MarketProcess(int store_port, std::vector<std::string> extra) {
  for (int attempt = 0;; ++attempt) {
    // Port 0: the market binds a port the kernel picks and logs it, so no other process can
    // hold it (the market's listener does not use SO_REUSEPORT).
    std::vector<std::string> args = {"--listen=127.0.0.1:0",
                                     "--store=127.0.0.1:" + std::to_string(store_port),
                                     "--health_interval=100ms", "--reconnect_backoff_max=200ms",
                                     "--stats_interval=1s"};
    // Plaintext unless the test serves TLS itself.
    bool tls = false;
    for (const std::string& a : extra) tls = tls || a.rfind("--tls_", 0) == 0;
    if (!tls) args.push_back("--plaintext");
    args.insert(args.end(), extra.begin(), extra.end());
    std::string log = dir_.path() + "/market" + std::to_string(attempt) + ".log";
    process_ = ChildProcess(bazaar::testing::BinaryDir() + "/bazaar-market", args, log,
                            dir_.path());
    port_ = WaitForMarketPort(process_);
    if (port_ > 0 && WaitForPort(port_)) return;
    if (attempt == 3) throw std::runtime_error("bazaar-market did not start: " + process_.ReadLog());
  }
}

MarketProcess::~MarketProcess() { process_.Stop(SIGTERM, std::chrono::seconds(10)); }

std::shared_ptr<grpc::Channel> MarketProcess::NewChannel() const {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a channel of its own
  return grpc::CreateCustomChannel(address(), grpc::InsecureChannelCredentials(), args);
}

std::unique_ptr<bazaar::market::v1::Market::Stub> MarketProcess::NewStub() const {
  return bazaar::market::v1::Market::NewStub(NewChannel());
}

std::string Reason(const grpc::ClientContext& ctx) {
  const auto& md = ctx.GetServerTrailingMetadata();
  auto it = md.find("bazaar-reason");
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

std::unique_ptr<grpc::ClientContext> Ctx(double seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
  return ctx;
}

namespace {

std::vector<std::string> Strings(const client::RespReply& r) {
  std::vector<std::string> out;
  for (const auto& e : r.elements) out.push_back(e.str);
  return out;
}

int64_t Int(const client::RespReply& r) {
  int64_t v = 0;
  if (r.type == client::RespReply::Type::kInteger) return r.integer;
  absl::SimpleAtoi(r.str, &v);
  return v;
}

}  // namespace

std::string CheckInvariants(int store_port, const std::string& prefix, StoreTotals* totals) {
  client::ConnectionOptions o;
  o.port = store_port;
  auto conn = client::RespConnection::Connect(o);
  if (!conn.ok()) return std::string(conn.status().message());
  auto cmd = [&](std::vector<std::string> argv) {
    auto r = (*conn)->Command(argv);
    return r.ok() ? *r : client::RespReply::Error("io");
  };
  std::string problems;
  int64_t funds = 0, initial = 0, granted = 0, items = 0;
  std::map<std::string, std::set<std::string>> held;  // user -> items in inventory
  for (const auto& key : Strings(cmd({"KEYS", prefix + "users:*"}))) {
    std::string user = key.substr(prefix.size() + 6);
    auto f = cmd({"HMGET", key, "funds", "initial_funds", "items_granted"});
    int64_t fu = Int(f.elements[0]);
    if (fu < 0) absl::StrAppend(&problems, "negative funds for ", user, "; ");
    funds += fu;
    initial += Int(f.elements[1]);
    granted += Int(f.elements[2]);
    auto inv = Strings(cmd({"SMEMBERS", prefix + "inventory:" + user}));
    items += static_cast<int64_t>(inv.size());
    held[user].insert(inv.begin(), inv.end());
  }
  auto market = cmd({"ZRANGE", prefix + "market:", "0", "-1", "WITHSCORES"});
  int64_t listings = static_cast<int64_t>(market.elements.size() / 2);
  for (size_t i = 0; i + 1 < market.elements.size(); i += 2) {
    const std::string& member = market.elements[i].str;
    auto listing = cmd({"GET", prefix + "listing:" + member});
    if (listing.str != market.elements[i + 1].str) {
      absl::StrAppend(&problems, "listing key of ", member, " is '", listing.str, "'; ");
    }
    size_t dot = member.rfind('.');
    std::string item = member.substr(0, dot), seller = member.substr(dot + 1);
    if (held[seller].count(item)) absl::StrAppend(&problems, seller, " holds ", item, " twice; ");
  }
  int64_t listing_keys =
      static_cast<int64_t>(cmd({"KEYS", prefix + "listing:*"}).elements.size());
  if (listing_keys != listings) {
    absl::StrAppend(&problems, listing_keys, " listing keys for ", listings, " listings; ");
  }
  // The economy's instance listings hold granted items too; none may be held twice.
  int64_t instance_lots = 0;
  for (const auto& key : Strings(cmd({"KEYS", prefix + "lot:*"}))) {
    auto v = cmd({"HMGET", key, "seller", "item"});
    if (v.elements.size() != 2 || v.elements[1].is_nil()) continue;
    ++instance_lots;
    const std::string& seller = v.elements[0].str;
    if (!held[seller].insert(v.elements[1].str).second) {
      absl::StrAppend(&problems, seller, " holds ", v.elements[1].str, " twice; ");
    }
  }
  if (funds != initial) absl::StrAppend(&problems, "funds ", funds, " != initial ", initial, "; ");
  if (items + listings + instance_lots != granted) {
    absl::StrAppend(&problems, "items ", items, " + listings ", listings, " + instance lots ",
                    instance_lots, " != granted ", granted, "; ");
  }
  if (totals != nullptr) *totals = StoreTotals{funds, items, listings};
  return problems;
}

}  // namespace bazaar::market::testing
