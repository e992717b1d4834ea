#include "engine/server/tracking.h"

#include "engine/server/connection.h"

namespace bazaar::engine::server {
namespace {

// The keys part of an invalidation: an array of bulk strings.
std::string KeysPayload(const std::vector<std::string_view>& keys) {
  std::string out = "*" + std::to_string(keys.size()) + "\r\n";
  for (std::string_view k : keys) {
    out += "$" + std::to_string(k.size()) + "\r\n";
    out.append(k.data(), k.size());
    out += "\r\n";
  }
  return out;
}

// A flush invalidates everything: a null in the tracking client's own protocol, as Redis sends.
std::string NullPayload(const commands::ClientState& client) {
  return client.resp > 2 ? "_\r\n" : "$-1\r\n";
}

bool HasPrefix(std::string_view key, std::string_view prefix) {
  return key.substr(0, prefix.size()) == prefix;
}

}  // namespace

Tracking::Tracking(const config::Options* options, std::function<Connection*(uint64_t)> find)
    : options_(options), find_(std::move(find)) {}

void Tracking::EnableTracking(commands::ClientState& client,
                              const commands::TrackingState& options) {
  commands::TrackingState& t = client.tracking;
  if (!t.on) tracking_ids_.insert(client.id);
  t.on = true;
  t.broken_redirect = false;
  t.redirect = options.redirect;
  t.bcast = options.bcast;
  t.optin = options.optin;
  t.optout = options.optout;
  t.noloop = options.noloop;
  if (!t.bcast) return;
  std::set<std::string> added = options.prefixes;
  if (added.empty()) added.insert("");
  for (const std::string& p : added) {
    prefixes_[p].clients.insert(client.id);
    t.prefixes.insert(p);
  }
}

void Tracking::DisableTracking(commands::ClientState& client) {
  commands::TrackingState& t = client.tracking;
  if (!t.on) return;
  for (const std::string& p : t.prefixes) {
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) continue;
    it->second.clients.erase(client.id);
    if (it->second.clients.empty()) prefixes_.erase(it);
  }
  // The table keeps the client's id under the keys it read: it is skipped when they change.
  t = commands::TrackingState();
  tracking_ids_.erase(client.id);
}

void Tracking::CommandStarting(commands::ClientState& client) { current_ = &client; }

void Tracking::CommandDone() {
  commands::ClientState* client = current_;
  current_ = nullptr;
  std::vector<std::string> pending;
  pending.swap(pending_);
  if (client == nullptr) return;
  for (const std::string& payload : pending) Send(*client, payload);
}

void Tracking::RememberKeys(commands::ClientState& client,
                            const std::vector<std::string_view>& keys) {
  const commands::TrackingState& t = client.tracking;
  // OPTIN tracks only after CLIENT CACHING YES, OPTOUT all but after CLIENT CACHING NO.
  if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
  for (std::string_view key : keys) {
    if (table_[std::string(key)].insert(client.id).second) ++items_;
  }
}

commands::TrackingControl::Figures Tracking::figures() const {
  return Figures{tracking_ids_.size(), table_.size(), items_, prefixes_.size()};
}

void Tracking::KeyModified(int, std::string_view key) { InvalidateKey(key, true); }

void Tracking::InvalidateKey(std::string_view key, bool from_command) {
  if (from_command) {
    for (auto& [prefix, state] : prefixes_) {
      if (HasPrefix(key, prefix)) state.keys[std::string(key)] = current_ ? current_->id : 0;
    }
  }
  auto it = table_.find(absl::string_view(key.data(), key.size()));
  if (it == table_.end()) return;
  const std::set<uint64_t> ids = std::move(it->second);
  items_ -= ids.size();
  table_.erase(it);
  const std::string payload = KeysPayload({key});
  for (uint64_t id : ids) {
    Connection* conn = find_(id);
    if (conn == nullptr) continue;
    commands::ClientState& target = conn->state();
    // A client that left tracking, or moved to BCAST since it read the key, is not told.
    if (!target.tracking.on || target.tracking.bcast) continue;
    if (&target == current_) {
      if (!target.tracking.noloop) pending_.push_back(payload);  // after the reply
      continue;
    }
    Send(target, payload);
  }
}

void Tracking::ChangedByNoClient(std::string_view key) {
  for (auto& [prefix, state] : prefixes_) {
    if (HasPrefix(key, prefix)) state.keys[std::string(key)] = 0;
  }
}

void Tracking::Flushed() {
  for (uint64_t id : tracking_ids_) {
    Connection* conn = find_(id);
    if (conn == nullptr) continue;
    commands::ClientState& client = conn->state();
    if (&client == current_) {
      pending_.push_back(NullPayload(client));
    } else {
      Send(client, NullPayload(client));
    }
  }
  table_.clear();
  items_ = 0;
}

void Tracking::Send(commands::ClientState& client, std::string_view payload) {
  Connection* target = find_(client.id);
  bool redirected = false;
  if (client.tracking.redirect != 0) {
    Connection* redirect = find_(client.tracking.redirect);
    if (redirect == nullptr) {
      client.tracking.broken_redirect = true;
      if (client.resp > 2 && target != nullptr) {
        protocol::ReplyBuilder& out = target->reply();
        protocol::ReplyBuilder::PushScope push(out);
        out.PushHeader(2);
        out.Bulk("tracking-redir-broken");
        out.Integer(static_cast<int64_t>(client.tracking.redirect));
        target->QueueWrite();
      }
      return;
    }
    target = redirect;
    redirected = true;
  }
  if (target == nullptr || target->closing()) return;
  protocol::ReplyBuilder& out = target->reply();
  protocol::ReplyBuilder::PushScope push(out);
  if (target->state().resp > 2) {
    out.PushHeader(2);
    out.Bulk("invalidate");
  } else if (redirected && target->state().subscribed()) {
    out.PushHeader(3);
    out.Bulk("message");
    out.Bulk("__redis__:invalidate");
  } else {
    return;  // RESP2 has no way to push on the client's own connection
  }
  out.Raw(payload);
  target->QueueWrite();
}

void Tracking::BroadcastPending() {
  for (auto& [prefix, state] : prefixes_) {
    if (state.keys.empty()) continue;
    std::vector<std::string_view> all;
    for (const auto& entry : state.keys) all.push_back(entry.first);
    const std::string payload = KeysPayload(all);
    for (uint64_t id : state.clients) {
      Connection* conn = find_(id);
      if (conn == nullptr) continue;
      commands::ClientState& client = conn->state();
      if (!client.tracking.noloop) {
        Send(client, payload);
        continue;
      }
      std::vector<std::string_view> others;
      for (const auto& [key, by] : state.keys) {
        if (by != id) others.push_back(key);
      }
      if (!others.empty()) Send(client, KeysPayload(others));
    }
    state.keys.clear();
  }
}

void Tracking::EnforceMaxKeys() {
  const auto max_keys = static_cast<size_t>(options_->tracking_table_max_keys);
  if (tracking_ids_.empty() || max_keys == 0) return;
  if (table_.size() <= max_keys) {
    over_limit_runs_ = 0;
    return;
  }
  // Redis's effort: 100 keys a run, 100 more each run the table stayed over the limit.
  for (int effort = 100 * (over_limit_runs_ + 1); effort > 0 && !table_.empty(); --effort) {
    const std::string key = table_.begin()->first;
    InvalidateKey(key, false);
    if (table_.size() <= max_keys) {
      over_limit_runs_ = 0;
      return;
    }
  }
  ++over_limit_runs_;
}

}  // namespace bazaar::engine::server
