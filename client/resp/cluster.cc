#include "resp/cluster.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace bazaar::client {
namespace {

// CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0, no reflection), bit by bit: keys are short
// and this runs once per process for the market's prefix.
uint16_t Crc16(absl::string_view bytes) {
  uint16_t crc = 0;
  for (unsigned char c : bytes) {
    crc ^= static_cast<uint16_t>(c) << 8;
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

// The hash tag of `key`, or nullopt when it has none.
std::optional<absl::string_view> HashTag(absl::string_view key) {
  size_t open = key.find('{');
  if (open == absl::string_view::npos) return std::nullopt;
  size_t close = key.find('}', open + 1);
  if (close == absl::string_view::npos || close == open + 1) return std::nullopt;
  return key.substr(open + 1, close - open - 1);
}

}  // namespace

int KeySlot(absl::string_view key) {
  auto tag = HashTag(key);
  return Crc16(tag ? *tag : key) % kClusterSlots;
}

bool HasHashTag(absl::string_view prefix) { return HashTag(prefix).has_value(); }

absl::StatusOr<std::vector<SlotRange>> ParseClusterSlots(const RespReply& reply) {
  if (!reply.is_array()) return absl::InternalError("CLUSTER SLOTS: not an array");
  std::vector<SlotRange> out;
  for (const RespReply& range : reply.elements) {
    // [first, last, [host, port, id, ...] (the primary), [replica]...]
    if (!range.is_array() || range.elements.size() < 3 ||
        range.elements[0].type != RespReply::Type::kInteger ||
        range.elements[1].type != RespReply::Type::kInteger || !range.elements[2].is_array() ||
        range.elements[2].elements.size() < 2 ||
        range.elements[2].elements[1].type != RespReply::Type::kInteger) {
      return absl::InternalError("CLUSTER SLOTS: unexpected entry");
    }
    SlotRange r;
    r.first = static_cast<int>(range.elements[0].integer);
    r.last = static_cast<int>(range.elements[1].integer);
    r.host = range.elements[2].elements[0].str;
    r.port = static_cast<int>(range.elements[2].elements[1].integer);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<Redirect> ParseRedirect(absl::string_view error) {
  // "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381"
  std::vector<absl::string_view> parts = absl::StrSplit(error, ' ');
  if (parts.size() != 3 || (parts[0] != "MOVED" && parts[0] != "ASK")) return std::nullopt;
  Redirect r;
  r.ask = parts[0] == "ASK";
  size_t colon = parts[2].rfind(':');
  if (!absl::SimpleAtoi(parts[1], &r.slot) || colon == absl::string_view::npos ||
      !absl::SimpleAtoi(parts[2].substr(colon + 1), &r.port)) {
    return std::nullopt;
  }
  r.host = std::string(parts[2].substr(0, colon));
  return r;
}

bool IsClusterRetry(absl::string_view error) {
  return absl::StartsWith(error, "TRYAGAIN") || absl::StartsWith(error, "CLUSTERDOWN");
}

bool IsClusterRefusal(absl::string_view error, std::optional<Redirect>* redirect) {
  std::optional<Redirect> r = ParseRedirect(error);
  const bool refused = r.has_value() || IsClusterRetry(error);
  if (redirect != nullptr) *redirect = std::move(r);
  return refused;
}

ClusterResolver::ClusterResolver(std::vector<ConnectionOptions> seeds, int slot)
    : slot_(slot), nodes_(std::move(seeds)) {}

absl::StatusOr<std::vector<ConnectionOptions>> ClusterResolver::ParseSeeds(
    const std::string& url, std::chrono::milliseconds timeout) {
  absl::string_view list = url;
  if (!absl::ConsumePrefix(&list, "cluster://")) {
    return absl::InvalidArgumentError("a cluster store is cluster://host:port[,host:port...]");
  }
  auto out = ParseAddressList(std::string(list), timeout);
  if (!out.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cluster://: ", out.status().message()));
  }
  return out;
}

absl::StatusOr<std::pair<std::string, int>> ClusterResolver::Ask() {
  std::string last = "no node";
  // Every node known so far, seeds first; each CLUSTER SLOTS adds the nodes it names.
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const ConnectionOptions node = nodes_[i];
    auto conn = RespConnection::Connect(node);
    if (!conn.ok()) {
      last = absl::StrCat(node.host, ":", node.port, ": ", conn.status().message());
      continue;
    }
    auto reply = (*conn)->Command({"CLUSTER", "SLOTS"});
    if (!reply.ok() || reply->is_error()) {
      last = absl::StrCat(node.host, ":", node.port, ": ",
                          reply.ok() ? reply->str : std::string(reply.status().message()));
      continue;
    }
    auto ranges = ParseClusterSlots(*reply);
    if (!ranges.ok()) {
      last = std::string(ranges.status().message());
      continue;
    }
    std::optional<std::pair<std::string, int>> owner;
    for (const SlotRange& r : *ranges) {
      const bool known = std::any_of(nodes_.begin(), nodes_.end(), [&](const auto& n) {
        return n.host == r.host && n.port == r.port;
      });
      if (!known) {
        ConnectionOptions n = node;
        n.host = r.host;
        n.port = r.port;
        nodes_.push_back(n);
      }
      if (r.first <= slot_ && slot_ <= r.last) owner = std::make_pair(r.host, r.port);
    }
    if (owner) return *owner;
    last = absl::StrCat(node.host, ":", node.port, ": no node serves slot ", slot_);
  }
  return absl::UnavailableError(
      absl::StrCat("no cluster node gave slot ", slot_, "'s primary: ", last));
}

bool ClusterResolver::Set(const std::string& host, int port) {
  const bool changed = !host_.empty() && (host_ != host || port_ != port);
  host_ = host;
  port_ = port;
  valid_ = true;
  return changed;
}

absl::StatusOr<ConnectionOptions> ClusterResolver::Resolve(const ConnectionOptions& base) {
  ConnectionOptions o = base;
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    if (!valid_) {
      ++lookups_;
      auto found = Ask();
      if (!found.ok()) return found.status();
      changed = Set(found->first, found->second);
    }
    o.host = host_;
    o.port = port_;
  }
  if (changed && on_change_) on_change_(o.host, o.port);
  return o;
}

void ClusterResolver::Invalidate() {
  absl::MutexLock lock(&mu_);
  valid_ = false;
}

void ClusterResolver::Moved(const Redirect& redirect) {
  if (redirect.ask || redirect.slot != slot_) return;
  bool changed;
  {
    absl::MutexLock lock(&mu_);
    changed = Set(redirect.host, redirect.port);
  }
  if (changed && on_change_) on_change_(redirect.host, redirect.port);
}

int64_t ClusterResolver::lookups() const {
  absl::MutexLock lock(&mu_);
  return lookups_;
}

absl::StatusOr<ConnectionOptions> ResolveStoreAddress(const std::string& store,
                                                      const std::string& key_prefix,
                                                      const std::string& password) {
  if (!absl::StartsWith(store, "cluster://")) {
    auto address = ParseAddress(store);
    if (address.ok()) address->password = password;
    return address;
  }
  if (!HasHashTag(key_prefix)) {
    return absl::InvalidArgumentError(
        "a cluster store needs a key prefix with a hash tag, e.g. {realm1}:");
  }
  auto seeds = ClusterResolver::ParseSeeds(store, std::chrono::milliseconds(1000));
  if (!seeds.ok()) return seeds.status();
  for (auto& seed : *seeds) seed.password = password;
  ClusterResolver resolver(*seeds, KeySlot(key_prefix));
  auto primary = resolver.Resolve((*seeds)[0]);
  if (primary.ok()) primary->password = password;
  return primary;
}

}  // namespace bazaar::client
