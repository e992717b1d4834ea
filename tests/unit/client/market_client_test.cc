// MarketClient's retry contract against an in-process gRPC market that fails on purpose: one
// request_id per logical operation, reused by every retry; one deadline for the whole call.
#include "client/market_client.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "market/v1/market.grpc.pb.h"

namespace bazaar::client {
namespace {

namespace v1 = bazaar::market::v1;

// CreateUser answers UNAVAILABLE for its first `failures` calls (after `delay`), then succeeds.
class FlakyMarket final : public v1::Market::Service {
 public:
  FlakyMarket(int failures, std::chrono::milliseconds delay) : failures_(failures), delay_(delay) {}

  grpc::Status CreateUser(grpc::ServerContext*, const v1::CreateUserRequest* req,
                          v1::CreateUserResponse* resp) override {
    std::this_thread::sleep_for(delay_);
    std::lock_guard<std::mutex> lock(mu_);
    ids_.push_back(req->request_id());
    if (static_cast<int>(ids_.size()) <= failures_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "STORE_UNAVAILABLE: try again");
    }
    resp->mutable_user()->set_user_id(req->user_id());
    resp->mutable_info()->set_attempts(1);
    return grpc::Status::OK;
  }

  std::vector<std::string> ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_;
  }

 private:
  const int failures_;
  const std::chrono::milliseconds delay_;
  std::mutex mu_;
  std::vector<std::string> ids_;
};

class Served {
 public:
  explicit Served(grpc::Service* service) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(service);
    server_ = b.BuildAndStart();
  }
  ~Served() { server_->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST(MarketClientTest, RetriesReuseTheOperationsRequestId) {
  FlakyMarket market(2, std::chrono::milliseconds(0));
  Served served(&market);
  MarketClientOptions options;
  options.address = served.address();
  options.max_retries = 3;
  options.backoff_base = absl::Milliseconds(1);
  MarketClient client(options);
  auto created = client.CreateUser("u1", "Ann", 100);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->info.rpcs, 3);
  auto ids = market.ids();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_FALSE(ids[0].empty());
  EXPECT_EQ(ids[1], ids[0]);
  EXPECT_EQ(ids[2], ids[0]);
  // The next logical operation gets a new id.
  ASSERT_TRUE(client.CreateUser("u2", "Bob", 100).ok());
  EXPECT_NE(market.ids().back(), ids[0]);
}

TEST(MarketClientTest, OneDeadlineCoversEveryRetry) {
  FlakyMarket market(1000, std::chrono::milliseconds(60));
  Served served(&market);
  MarketClientOptions options;
  options.address = served.address();
  options.max_retries = 50;
  options.backoff_base = absl::Milliseconds(1);
  options.backoff_max = absl::Milliseconds(5);
  MarketClient client(options);
  CallSettings call;
  call.timeout = absl::Milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto created = client.CreateUser("u1", "Ann", 100, call);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(created.status().code(), absl::StatusCode::kDeadlineExceeded) << created.status();
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000));
  EXPECT_LT(market.ids().size(), 10u);  // not 51 attempts of 60 ms each
}

}  // namespace
}  // namespace bazaar::client
