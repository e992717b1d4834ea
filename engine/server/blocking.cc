#include "engine/server/blocking.h"

#include <algorithm>

#include "engine/server/connection.h"

namespace bazaar::engine::server {

BlockingManager::BlockingManager(commands::Dispatcher* dispatcher, core::Keyspace* keyspace)
    : dispatcher_(dispatcher), keyspace_(keyspace) {}

void BlockingManager::Block(Connection* conn, commands::Args argv,
                            std::optional<core::ValueType> type,
                            std::vector<std::string> keys, int64_t deadline_ms) {
  // Re-run found nothing again: the client keeps its place.
  if (conn == rerunning_ && blocked_.count(conn)) {
    conn->state().blocked = true;
    return;
  }
  State state;
  state.db = conn->state().db;
  state.type = type;
  std::string error;
  state.spec = dispatcher_->Resolve(argv, &error);
  state.argv.assign(argv.begin(), argv.end());
  state.deadline_ms = deadline_ms;
  state.deadline_it = deadlines_.end();
  if (deadline_ms > 0) state.deadline_it = deadlines_.emplace(deadline_ms, conn);
  for (auto& key : keys) {
    auto& queue = waiters_[DbKey(state.db, key)];
    if (std::find(queue.begin(), queue.end(), conn) == queue.end()) queue.push_back(conn);
  }
  state.keys = std::move(keys);
  blocked_[conn] = std::move(state);
  conn->state().blocked = true;
}

void BlockingManager::Release(Connection* conn) {
  auto it = blocked_.find(conn);
  if (it == blocked_.end()) return;
  State& state = it->second;
  for (const auto& key : state.keys) {
    auto w = waiters_.find(DbKey(state.db, key));
    if (w == waiters_.end()) continue;
    auto& queue = w->second;
    queue.erase(std::remove(queue.begin(), queue.end(), conn), queue.end());
    if (queue.empty()) waiters_.erase(w);
  }
  if (state.deadline_it != deadlines_.end()) deadlines_.erase(state.deadline_it);
  blocked_.erase(it);
  conn->state().blocked = false;
}

void BlockingManager::Forget(Connection* conn) { Release(conn); }

void BlockingManager::KeyModified(int db, std::string_view key) {
  if (waiters_.empty()) return;
  DbKey id(db, std::string(key));
  if (!waiters_.count(id) || ready_set_.count(id)) return;
  ready_set_.insert(id);
  ready_.push_back(std::move(id));
}

void BlockingManager::DbReplaced(int db, int replaced_with) {
  if (waiters_.empty()) return;
  // After SWAPDB (or a flush) the waiters of `db` see other keys: any of them may be ready.
  for (const auto& [id, queue] : waiters_) {
    if (id.first == db && !ready_set_.count(id)) {
      ready_set_.insert(id);
      ready_.push_back(id);
    }
  }
}

bool BlockingManager::Rerun(Connection* conn, const std::string& key) {
  State& state = blocked_[conn];
  commands::CommandSpec* spec = state.spec;
  std::vector<std::string> argv = state.argv;
  std::vector<std::string_view> views(argv.begin(), argv.end());
  const int saved_db = conn->state().db;
  conn->state().db = state.db;
  rerunning_ = conn;
  conn->reply().set_resp(conn->state().resp);
  const size_t before = conn->pending_output_size();
  // Still marked blocked while it runs: the handler answers as a served blocked command (the
  // stream commands' UNBLOCKED and NOGROUP errors); the dispatcher times it as a rerun.
  conn->state().woken_key = key;
  dispatcher_->Call(*spec, conn->state(), conn->reply(), views, /*rerun=*/true);
  conn->state().woken_key.clear();
  // Redis counts a blocked command once: it was counted when it blocked (its errors count
  // when they come).
  --spec->stats.calls;
  rerunning_ = nullptr;
  conn->state().db = saved_db;
  if (conn->pending_output_size() == before) return false;  // still nothing: stays blocked
  Release(conn);
  return true;
}

void BlockingManager::ServeReady(std::vector<Connection*>* served) {
  while (!ready_.empty()) {
    std::vector<DbKey> batch;
    batch.swap(ready_);
    ready_set_.clear();
    for (const DbKey& id : batch) {
      auto w = waiters_.find(id);
      if (w == waiters_.end()) continue;
      // Copy: serving a client removes it from the queue.
      std::deque<Connection*> queue = w->second;
      for (Connection* conn : queue) {
        auto state = blocked_.find(conn);
        if (state == blocked_.end()) continue;
        // A key that now holds another type leaves the client blocked, as in Redis.
        const core::Value* v = keyspace_->Peek(id.first, id.second);
        const auto& type = state->second.type;
        if (v != nullptr && type && v->type() != *type) continue;
        if (Rerun(conn, id.second)) served->push_back(conn);
        if (!keyspace_->ContainsRaw(id.first, id.second)) break;  // nothing left to give
      }
    }
  }
}

void BlockingManager::ExpireTimeouts(int64_t now_ms, std::vector<Connection*>* served) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    Connection* conn = deadlines_.begin()->second;
    Release(conn);
    conn->reply().set_resp(conn->state().resp);
    conn->reply().NullArray();
    served->push_back(conn);
  }
}

bool BlockingManager::Unblock(Connection* conn, bool with_error) {
  auto it = blocked_.find(conn);
  if (it == blocked_.end()) return false;
  Release(conn);
  conn->reply().set_resp(conn->state().resp);
  if (with_error) {
    conn->reply().Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else {
    conn->reply().NullArray();
  }
  return true;
}

int BlockingManager::MsUntilNextDeadline(int64_t now_ms) const {
  if (deadlines_.empty()) return -1;
  int64_t wait = deadlines_.begin()->first - now_ms;
  return wait < 0 ? 0 : static_cast<int>(std::min<int64_t>(wait, 1000000));
}

}  // namespace bazaar::engine::server
