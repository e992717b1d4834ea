// bazaar-grpc-floor: what one unary call costs in gRPC itself on this machine, with no market
// logic and no store behind it, so the market's own cost per call can be read against it.
//
// The process forks before gRPC starts: the child serves bazaar.market.v1.Market's GetListing
// on the callback API (the market's serving path) and answers every call at once with a fixed
// listing; the parent keeps `--in_flight` calls going on the callback stub (bazaar-load's
// client path) for `--seconds`, then prints calls/s, p50/p99 latency and the CPU µs per call of
// each side (utime+stime from /proc), and stops the child.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "market/v1/market.grpc.pb.h"

ABSL_FLAG(int, in_flight, 10, "calls kept in flight at once (bazaar-load's 5x5: 10 players)");
ABSL_FLAG(double, seconds, 5, "length of the timed run");

namespace v1 = bazaar::market::v1;

namespace {

class FixedListing final : public v1::Market::CallbackService {
  grpc::ServerUnaryReactor* GetListing(grpc::CallbackServerContext* ctx,
                                       const v1::GetListingRequest* req,
                                       v1::GetListingResponse* resp) override {
    resp->mutable_listing()->set_item_id(req->item_id());
    resp->mutable_listing()->set_seller_id(req->seller_id());
    resp->mutable_listing()->set_price(42);
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// The child: serves until SIGTERM, after writing its port to `port_fd`.
[[noreturn]] void Serve(int port_fd) {
  FixedListing service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (write(port_fd, &port, sizeof port) != sizeof port || server == nullptr) _exit(1);
  close(port_fd);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  int sig = 0;
  sigwait(&term, &sig);
  _exit(0);
}

double CpuSecondsOf(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string field;
  // utime and stime are fields 14 and 15; the command (field 2) has no spaces here.
  for (int i = 1; i <= 13 && stat >> field; ++i) {
  }
  long utime = 0, stime = 0;
  stat >> utime >> stime;
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

double OwnCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One caller: sends GetListing again as soon as the last one answered, until `end`.
class Caller {
 public:
  Caller(v1::Market::Stub* stub, absl::Time end, absl::BlockingCounter* finished)
      : stub_(stub), end_(end), finished_(finished) {
    req_.set_seller_id("s");
    req_.set_item_id("i");
  }
  void Send() {
    ctx_ = std::make_unique<grpc::ClientContext>();
    sent_ = absl::Now();
    stub_->async()->GetListing(ctx_.get(), &req_, &resp_, [this](grpc::Status s) {
      const absl::Time now = absl::Now();
      if (s.ok()) latencies_us_.push_back(absl::ToInt64Microseconds(now - sent_));
      else ++errors_;
      if (now < end_) return Send();
      finished_->DecrementCount();
    });
  }
  const std::vector<int64_t>& latencies_us() const { return latencies_us_; }
  int errors() const { return errors_; }

 private:
  v1::Market::Stub* stub_;
  absl::Time end_;
  absl::BlockingCounter* finished_;
  v1::GetListingRequest req_;
  v1::GetListingResponse resp_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  absl::Time sent_;
  std::vector<int64_t> latencies_us_;
  int errors_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int in_flight = std::max(1, absl::GetFlag(FLAGS_in_flight));
  int fds[2];
  if (pipe(fds) != 0) return 1;
  // SIGTERM is taken by sigwait in the child; block it before the fork so it is never lost.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    close(fds[0]);
    Serve(fds[1]);
  }
  pthread_sigmask(SIG_UNBLOCK, &term, nullptr);
  close(fds[1]);
  int port = 0;
  if (read(fds[0], &port, sizeof port) != sizeof port || port == 0) {
    fprintf(stderr, "bazaar-grpc-floor: the server did not start\n");
    return 1;
  }
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::Market::NewStub(channel);
  channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5));

  const absl::Duration length = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const double server_cpu0 = CpuSecondsOf(child), client_cpu0 = OwnCpuSeconds();
  const absl::Time start = absl::Now();
  absl::BlockingCounter finished(in_flight);
  std::vector<std::unique_ptr<Caller>> callers;
  for (int i = 0; i < in_flight; ++i) {
    callers.push_back(std::make_unique<Caller>(stub.get(), start + length, &finished));
  }
  for (auto& c : callers) c->Send();
  finished.Wait();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double server_cpu = CpuSecondsOf(child) - server_cpu0;
  const double client_cpu = OwnCpuSeconds() - client_cpu0;
  kill(child, SIGTERM);
  waitpid(child, nullptr, 0);

  std::vector<int64_t> all;
  int errors = 0;
  for (const auto& c : callers) {
    all.insert(all.end(), c->latencies_us().begin(), c->latencies_us().end());
    errors += c->errors();
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))] / 1e3;
  };
  const double calls = static_cast<double>(all.size());
  printf("calls/s %.0f p50_ms %.3f p99_ms %.3f server_us %.1f client_us %.1f errors %d\n",
         calls / seconds, pct(0.5), pct(0.99), calls > 0 ? server_cpu * 1e6 / calls : 0.0,
         calls > 0 ? client_cpu * 1e6 / calls : 0.0, errors);
  return errors == 0 && calls > 0 ? 0 : 1;
}
