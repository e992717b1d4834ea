// The market's trust boundary (issue 20): API keys with roles, the acting user from metadata,
// reloading keys on SIGHUP, and gRPC over TLS and mutual TLS with certificates made by the
// real openssl tool. One store kind is enough: none of this reaches the store.
#include "market/auth.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "harness/certificates.h"
#include "harness/resp_client.h"
#include "market_fixture.h"

namespace bazaar::market::testing {
namespace {

namespace v1 = bazaar::market::v1;

constexpr char kAdminKey[] = "admin-key-0123456789";
constexpr char kGameKey[] = "game-key-0123456789";

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteKeys(const std::string& path, const std::vector<std::pair<std::string, std::string>>& k) {
  std::ofstream out(path);
  out << "# name role hash\n";
  for (const auto& [role, key] : k) {
    out << role << "-server " << role << " sha256:" << HashApiKey(key) << "\n";
  }
}

// How a call went: "" or the reason the market gave.
struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
};

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = dir_.path() + "/keys";
    WriteKeys(keys_, {{"admin", kAdminKey}, {"game", kGameKey}});
    store_ = std::make_unique<StoreProcess>(StoreKind::kBazaarEngine, /*persistent=*/false);
    market_ = std::make_unique<MarketProcess>(store_->port(),
                                              std::vector<std::string>{"--api_keys=" + keys_});
    stub_ = market_->NewStub();
  }
  // Runs `rpc` with the given key ("" none) and acting user ("" none).
  Outcome Run(const std::string& key, const std::string& user,
              const std::function<grpc::Status(grpc::ClientContext*)>& rpc) {
    auto ctx = Ctx();
    if (!key.empty()) ctx->AddMetadata("authorization", std::string("Bearer ") + key);
    if (!user.empty()) ctx->AddMetadata("bazaar-user", user);
    grpc::Status s = rpc(ctx.get());
    return {s.error_code(), s.ok() ? "" : Reason(*ctx)};
  }
  // DBSIZE's raw reply, e.g. ":0\r\n".
  std::string StoreSize() {
    bazaar::testing::RespClient c(store_->port());
    return c.Command({"DBSIZE"});
  }

  bazaar::testing::TempDir dir_;
  std::string keys_;
  std::unique_ptr<StoreProcess> store_;
  std::unique_ptr<MarketProcess> market_;
  std::unique_ptr<v1::Market::Stub> stub_;
};

TEST_F(AuthTest, EveryRpcWithoutAKeyWithTheWrongRoleAndWithAGoodKey) {
  v1::CreateUserRequest create;
  create.set_user_id("ann");
  create.set_funds(100);
  v1::CreateUserResponse created;
  auto create_user = [&](grpc::ClientContext* c) { return stub_->CreateUser(c, create, &created); };
  // No key, a wrong key, a malformed header, a game key: nothing is written.
  EXPECT_EQ(Run("", "", create_user).reason, "UNAUTHENTICATED");
  EXPECT_EQ(Run("not-a-key", "", create_user).code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Run(kGameKey, "ann", create_user).code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(StoreSize(), ":0\r\n");
  ASSERT_EQ(Run(kAdminKey, "", create_user).code, grpc::StatusCode::OK);
  create.set_user_id("bob");
  ASSERT_EQ(Run(kAdminKey, "", create_user).code, grpc::StatusCode::OK);

  // Every RPC, by the access it needs: {name, call, acting user it names (player calls)}.
  struct Rpc {
    const char* name;
    enum { kAdmin, kPlayer, kRead } access;
    std::function<grpc::Status(grpc::ClientContext*)> call;
  };
  v1::GrantItemRequest grant;
  grant.set_user_id("ann");
  grant.set_item_id("sword");
  v1::GrantItemResponse granted;
  v1::RevokeItemRequest revoke;
  revoke.set_user_id("ann");
  revoke.set_item_type("potion");
  revoke.set_quantity(1);
  v1::RevokeItemResponse revoked;
  v1::WalletRequest wallet;
  wallet.set_user_id("bob");
  wallet.set_currency("gold");
  wallet.set_amount(5);
  v1::WalletResponse wallet_resp;
  v1::ListItemRequest list;
  list.set_seller_id("ann");
  list.set_item_id("sword");
  list.set_price(10);
  v1::ListItemResponse listed;
  v1::CancelListingRequest cancel;
  cancel.set_seller_id("ann");
  cancel.set_item_id("nothing");
  v1::CancelListingResponse cancelled;
  v1::PurchaseItemRequest buy;
  buy.set_buyer_id("bob");
  buy.set_seller_id("ann");
  buy.set_item_id("nothing");
  buy.set_expected_price(10);
  v1::PurchaseItemResponse bought;
  v1::BuyQuantityRequest buy_quantity;
  buy_quantity.set_buyer_id("bob");
  buy_quantity.set_item_type("potion");
  buy_quantity.set_quantity(1);
  buy_quantity.set_max_unit_price(1);
  v1::BuyQuantityResponse bought_quantity;
  v1::GetUserRequest get_user;
  get_user.set_user_id("ann");
  v1::GetUserResponse user;
  v1::GetListingRequest get_listing;
  get_listing.set_seller_id("ann");
  get_listing.set_item_id("sword");
  v1::GetListingResponse listing;
  v1::BrowseMarketRequest browse;
  v1::BrowseMarketResponse page;
  v1::BrowseStackListingsRequest browse_stacks;
  browse_stacks.set_item_type("potion");
  v1::BrowseStackListingsResponse stack_page;
  v1::GetHistoryRequest history;
  history.set_user_id("ann");
  v1::GetHistoryResponse events;
  v1::StatsResponse stats;
  const std::vector<Rpc> rpcs = {
      {"GrantItem", Rpc::kAdmin, [&](auto* c) { return stub_->GrantItem(c, grant, &granted); }},
      {"RevokeItem", Rpc::kAdmin, [&](auto* c) { return stub_->RevokeItem(c, revoke, &revoked); }},
      {"Credit", Rpc::kAdmin, [&](auto* c) { return stub_->Credit(c, wallet, &wallet_resp); }},
      {"Debit", Rpc::kAdmin, [&](auto* c) { return stub_->Debit(c, wallet, &wallet_resp); }},
      {"Stats", Rpc::kAdmin, [&](auto* c) { return stub_->Stats(c, v1::StatsRequest(), &stats); }},
      {"ListItem", Rpc::kPlayer, [&](auto* c) { return stub_->ListItem(c, list, &listed); }},
      {"CancelListing", Rpc::kPlayer,
       [&](auto* c) { return stub_->CancelListing(c, cancel, &cancelled); }},
      {"PurchaseItem", Rpc::kPlayer, [&](auto* c) { return stub_->PurchaseItem(c, buy, &bought); }},
      {"BuyQuantity", Rpc::kPlayer,
       [&](auto* c) { return stub_->BuyQuantity(c, buy_quantity, &bought_quantity); }},
      {"GetUser", Rpc::kRead, [&](auto* c) { return stub_->GetUser(c, get_user, &user); }},
      {"GetListing", Rpc::kRead,
       [&](auto* c) { return stub_->GetListing(c, get_listing, &listing); }},
      {"BrowseMarket", Rpc::kRead, [&](auto* c) { return stub_->BrowseMarket(c, browse, &page); }},
      {"BrowseStackListings", Rpc::kRead,
       [&](auto* c) { return stub_->BrowseStackListings(c, browse_stacks, &stack_page); }},
      {"GetHistory", Rpc::kRead, [&](auto* c) { return stub_->GetHistory(c, history, &events); }},
  };
  // Whom each player call acts for.
  const std::map<std::string, std::string> actor = {{"ListItem", "ann"},
                                                    {"CancelListing", "ann"},
                                                    {"PurchaseItem", "bob"},
                                                    {"BuyQuantity", "bob"}};
  bazaar::testing::RespClient store(store_->port());
  for (const Rpc& rpc : rpcs) {
    SCOPED_TRACE(rpc.name);
    const std::string before = store.Command({"XLEN", "events:"});
    EXPECT_EQ(Run("", "", rpc.call).code, grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Run("wrong", "ann", rpc.call).reason, "UNAUTHENTICATED");
    if (rpc.access == Rpc::kAdmin) {
      EXPECT_EQ(Run(kGameKey, "ann", rpc.call).reason, "PERMISSION_DENIED");
    } else if (rpc.access == Rpc::kPlayer) {
      const std::string& me = actor.at(rpc.name);
      EXPECT_EQ(Run(kGameKey, "", rpc.call).code, grpc::StatusCode::UNAUTHENTICATED);
      EXPECT_EQ(Run(kGameKey, me == "ann" ? "bob" : "ann", rpc.call).reason, "PERMISSION_DENIED");
    }
    // The refusals did nothing.
    EXPECT_EQ(store.Command({"XLEN", "events:"}), before);
    // A good key gets past the check: the answer is the market's own (OK or a domain refusal).
    const std::string game_user = rpc.access == Rpc::kPlayer ? actor.at(rpc.name) : "ann";
    for (const char* key : {kAdminKey, kGameKey}) {
      if (key == std::string(kGameKey) && rpc.access == Rpc::kAdmin) continue;
      Outcome o = Run(key, key == std::string(kGameKey) ? game_user : "", rpc.call);
      EXPECT_NE(o.code, grpc::StatusCode::UNAUTHENTICATED) << key;
      EXPECT_NE(o.code, grpc::StatusCode::PERMISSION_DENIED) << key;
    }
  }
  // WatchEvents is a read: a key is needed, any role will do.
  v1::WatchEventsRequest watch;
  for (const char* key : {"", kGameKey}) {
    auto ctx = Ctx(2);
    if (*key) ctx->AddMetadata("authorization", std::string("Bearer ") + key);
    auto reader = stub_->WatchEvents(ctx.get(), watch);
    v1::Event e;
    const bool got = reader->Read(&e);
    EXPECT_EQ(got, *key != '\0') << key;
    if (*key) ctx->TryCancel();  // a watch never ends by itself
    grpc::Status s = reader->Finish();
    if (!*key) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    }
  }
}

TEST_F(AuthTest, KeysAreReReadOnSighupAndABadFileKeepsTheOldOnes) {
  v1::GetUserRequest get;
  get.set_user_id("nobody");
  v1::GetUserResponse resp;
  auto get_user = [&](grpc::ClientContext* c) { return stub_->GetUser(c, get, &resp); };
  EXPECT_EQ(Run(kGameKey, "", get_user).reason, "USER_NOT_FOUND");
  const std::string rotated = "rotated-game-key";
  WriteKeys(keys_, {{"admin", kAdminKey}, {"game", rotated}});
  ASSERT_EQ(kill(market_->process().pid(), SIGHUP), 0);
  for (int i = 0; i < 100 && Run(kGameKey, "", get_user).reason != "UNAUTHENTICATED"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Run(kGameKey, "", get_user).reason, "UNAUTHENTICATED");
  EXPECT_EQ(Run(rotated, "", get_user).reason, "USER_NOT_FOUND");
  std::ofstream(keys_) << "broken line\n";
  ASSERT_EQ(kill(market_->process().pid(), SIGHUP), 0);
  for (int i = 0; i < 100 && market_->Log().find("the old keys stay") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(market_->Log(), ::testing::HasSubstr("the old keys stay"));
  EXPECT_EQ(Run(rotated, "", get_user).reason, "USER_NOT_FOUND");
}

// Certificates made with the real openssl tool: a CA, the market's certificate for 127.0.0.1,
// a client certificate of that CA, and one of another CA.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(bazaar::testing::MakeTestCertificates(dir_.path()), "");
    store_ = std::make_unique<StoreProcess>(StoreKind::kBazaarEngine, /*persistent=*/false);
  }
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  void StartMarket(bool mutual) {
    std::vector<std::string> flags = {"--tls_cert_file=" + Path("server.pem"),
                                      "--tls_key_file=" + Path("server.key")};
    if (mutual) flags.push_back("--tls_client_ca_file=" + Path("ca.pem"));
    market_ = std::make_unique<MarketProcess>(store_->port(), flags);
  }
  // A Stats call over TLS trusting `ca`, presenting `client` ("" none); the status code.
  grpc::StatusCode StatsOver(const std::string& ca, const std::string& client) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(Path(ca + ".pem"));
    if (!client.empty()) {
      ssl.pem_cert_chain = ReadAll(Path(client + ".pem"));
      ssl.pem_private_key = ReadAll(Path(client + ".key"));
    }
    auto channel = grpc::CreateChannel(market_->address(), grpc::SslCredentials(ssl));
    auto stub = v1::Market::NewStub(channel);
    v1::StatsResponse resp;
    auto ctx = Ctx(3);
    return stub->Stats(ctx.get(), v1::StatsRequest(), &resp).error_code();
  }

  bazaar::testing::TempDir dir_;
  std::unique_ptr<StoreProcess> store_;
  std::unique_ptr<MarketProcess> market_;
};

TEST_F(TlsTest, ServesTlsAndRefusesPlaintextClients) {
  StartMarket(/*mutual=*/false);
  EXPECT_EQ(StatsOver("ca", ""), grpc::StatusCode::OK);
  EXPECT_EQ(StatsOver("other_ca", ""), grpc::StatusCode::UNAVAILABLE);  // an untrusted server
  v1::StatsResponse resp;
  auto ctx = Ctx(3);
  EXPECT_FALSE(market_->NewStub()->Stats(ctx.get(), v1::StatsRequest(), &resp).ok());
  EXPECT_THAT(market_->Log(), ::testing::Not(::testing::HasSubstr("--plaintext")));
}

TEST_F(TlsTest, MutualTlsRefusesClientsWithoutACertificateOfTheCa) {
  StartMarket(/*mutual=*/true);
  EXPECT_EQ(StatsOver("ca", "client"), grpc::StatusCode::OK);
  EXPECT_EQ(StatsOver("ca", "stranger"), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(StatsOver("ca", ""), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, BazaarCliSpeaksTlsWithAClientCertificateAndSendsTheKey) {
  const std::string keys = Path("keys");
  WriteKeys(keys, {{"admin", kAdminKey}});
  market_ = std::make_unique<MarketProcess>(
      store_->port(),
      std::vector<std::string>{"--tls_cert_file=" + Path("server.pem"),
                               "--tls_key_file=" + Path("server.key"),
                               "--tls_client_ca_file=" + Path("ca.pem"), "--api_keys=" + keys});
  const std::string cli = bazaar::testing::BinaryDir() +
                          "/bazaar-cli --market=" + market_->address() +
                          " --tls --tls_ca_file=" + Path("ca.pem");
  const std::string mtls =
      " --tls_cert_file=" + Path("client.pem") + " --tls_key_file=" + Path("client.key");
  auto r = bazaar::testing::RunCommand("BAZAAR_API_KEY=" + std::string(kAdminKey) + " " + cli +
                                       mtls + " user create cara 7");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = bazaar::testing::RunCommand(cli + mtls + " user show cara");  // no key
  EXPECT_EQ(r.exit_code, 10) << r.output;
  r = bazaar::testing::RunCommand("BAZAAR_API_KEY=" + std::string(kAdminKey) + " " + cli +
                                  " user show cara");  // no client certificate
  EXPECT_EQ(r.exit_code, 8) << r.output;
}

}  // namespace
}  // namespace bazaar::market::testing
