#include "resp/sentinel_resolver.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace bazaar::client {

SentinelResolver::SentinelResolver(std::vector<ConnectionOptions> sentinels,
                                   std::string master_name)
    : sentinels_(std::move(sentinels)), master_name_(std::move(master_name)) {}

SentinelResolver::~SentinelResolver() { StopFollowing(); }

void SentinelResolver::StopFollowing() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (follower_.joinable()) follower_.join();
}

absl::StatusOr<std::pair<std::string, int>> SentinelResolver::Ask() {
  std::string last = "no sentinel";
  for (const ConnectionOptions& s : sentinels_) {
    auto conn = RespConnection::Connect(s);
    if (!conn.ok()) {
      last = absl::StrCat(s.host, ":", s.port, ": ", conn.status().message());
      continue;
    }
    auto reply = (*conn)->Command({"SENTINEL", "get-master-addr-by-name", master_name_});
    int port = 0;
    if (reply.ok() && reply->is_array() && reply->elements.size() == 2 &&
        absl::SimpleAtoi(reply->elements[1].str, &port)) {
      return std::make_pair(reply->elements[0].str, port);
    }
    last = absl::StrCat(s.host, ":", s.port, ": ",
                        reply.ok() ? "does not know master " + master_name_
                                   : std::string(reply.status().message()));
  }
  return absl::UnavailableError(absl::StrCat("no sentinel gave the primary: ", last));
}

absl::StatusOr<ConnectionOptions> SentinelResolver::Resolve(const ConnectionOptions& base) {
  absl::MutexLock lock(&mu_);
  if (!valid_) {
    ++lookups_;
    auto found = Ask();
    if (!found.ok()) return found.status();
    host_ = found->first;
    port_ = found->second;
    valid_ = true;
  }
  ConnectionOptions o = base;
  o.host = host_;
  o.port = port_;
  return o;
}

void SentinelResolver::Invalidate() {
  absl::MutexLock lock(&mu_);
  valid_ = false;
}

int64_t SentinelResolver::lookups() const {
  absl::MutexLock lock(&mu_);
  return lookups_;
}

void SentinelResolver::Follow(std::function<void(const std::string& host, int port)> on_switch) {
  follower_ = std::thread([this, on_switch = std::move(on_switch)] {
    for (size_t next = 0; !stop_.HasBeenNotified(); ++next) {
      if (FollowOne(sentinels_[next % sentinels_.size()], on_switch)) Invalidate();
      stop_.WaitForNotificationWithTimeout(absl::Milliseconds(200));
    }
  });
}

bool SentinelResolver::FollowOne(const ConnectionOptions& sentinel,
                                 const std::function<void(const std::string&, int)>& on_switch) {
  auto conn = RespConnection::Connect(sentinel);
  if (!conn.ok()) return false;
  // A peer that vanishes without closing the connection is found by TCP keepalive.
  (*conn)->EnableKeepAlive();
  auto ack = (*conn)->Command({"SUBSCRIBE", "+switch-master"});
  if (!ack.ok() || !ack->is_array()) return false;
  while (!stop_.HasBeenNotified()) {
    // Short waits, so that the destructor is not kept waiting.
    auto msg = (*conn)->ReadPush(std::chrono::milliseconds(100));
    if (!msg.ok()) break;
    if (!msg->has_value()) continue;
    // ["message", "+switch-master", "<name> <old-ip> <old-port> <new-ip> <new-port>"]
    const RespReply& m = **msg;
    if (!m.is_array() || m.elements.size() != 3 || m.elements[0].str != "message") continue;
    std::vector<std::string> words = absl::StrSplit(m.elements[2].str, ' ');
    int port = 0;
    if (words.size() != 5 || words[0] != master_name_ || !absl::SimpleAtoi(words[4], &port)) {
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      host_ = words[3];
      port_ = port;
      valid_ = true;
    }
    on_switch(words[3], port);
  }
  return true;
}

}  // namespace bazaar::client
