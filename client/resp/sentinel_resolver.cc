#include "resp/sentinel_resolver.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace bazaar::client {

SentinelResolver::SentinelResolver(std::vector<ConnectionOptions> sentinels,
                                   std::string master_name)
    : sentinels_(std::move(sentinels)), master_name_(std::move(master_name)) {}

absl::StatusOr<std::vector<ConnectionOptions>> SentinelResolver::ParseList(
    const std::string& list, std::chrono::milliseconds timeout) {
  std::vector<ConnectionOptions> out;
  for (absl::string_view part : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    auto address = ParseAddress(std::string(part));
    if (!address.ok()) return address.status();
    address->connect_timeout = timeout;
    address->command_timeout = timeout;
    address->password.clear();
    out.push_back(*address);
  }
  if (out.empty()) return absl::InvalidArgumentError("no sentinel address given");
  return out;
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

}  // namespace bazaar::client
