#include "engine/commands/dispatcher.h"

#include "absl/strings/ascii.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/status_reply.h"
#include "engine/core/clock.h"
#include "engine/core/eviction.h"

namespace bazaar::engine::commands {
namespace {

bool ArityOk(const CommandSpec& spec, size_t argc) {
  return spec.arity > 0 ? argc == static_cast<size_t>(spec.arity)
                        : argc >= static_cast<size_t>(-spec.arity);
}

// Commands that run at once even inside MULTI (Redis: EXEC DISCARD MULTI WATCH QUIT RESET).
bool RunsInsideMulti(const CommandSpec& spec) {
  const std::string& n = spec.name;
  return n == "exec" || n == "discard" || n == "multi" || n == "watch" || n == "quit" ||
         n == "reset";
}

// What a RESP2 client may send while subscribed: replies and messages share its stream.
bool AllowedWhileSubscribed(const CommandSpec& spec) {
  const std::string& n = spec.name;
  return n == "subscribe" || n == "ssubscribe" || n == "psubscribe" || n == "unsubscribe" ||
         n == "sunsubscribe" || n == "punsubscribe" || n == "ping" || n == "quit" || n == "reset";
}

}  // namespace

// A write for the MISCONF rule: write commands, PING (as Redis), and an EXEC with queued writes.
bool Dispatcher::IsWrite(const CommandSpec& spec, const ClientState& client) const {
  return spec.name == "ping" || WritesData(spec, client);
}

bool Dispatcher::WritesData(const CommandSpec& spec, const ClientState& client) const {
  if (spec.flags & kWrite) return true;
  if (spec.name != "exec") return false;
  for (const auto& queued : client.tx.queued) {
    if (queued.spec->flags & kWrite) return true;
  }
  return false;
}

// Refused while memory stays over maxmemory: commands that may grow the dataset (and an EXEC
// with one queued), and, since queueing itself takes memory without bound, anything inside
// MULTI but EXEC, DISCARD, QUIT and RESET (Redis's rules).
bool Dispatcher::RefusedWhenOutOfMemory(const CommandSpec& spec, const ClientState& client) const {
  if (spec.flags & kDenyOom) return true;
  if (spec.name == "exec") {
    for (const auto& queued : client.tx.queued) {
      if (queued.spec->flags & kDenyOom) return true;
    }
    return false;
  }
  return client.tx.in_multi && spec.name != "discard" && spec.name != "quit" &&
         spec.name != "reset";
}

bool Dispatcher::EvictToMaxmemory() {
  const config::Options& o = server_.options;
  if (o.maxmemory <= 0) return true;
  // A replica leaves eviction to its primary and applies its DELs (replica-ignore-maxmemory).
  if (keyspace_->replica() && o.replica_ignore_maxmemory) return true;
  core::EvictionSettings settings;
  settings.maxmemory = static_cast<size_t>(o.maxmemory);
  core::ParseEvictionPolicy(o.maxmemory_policy, &settings.policy);
  settings.samples = static_cast<int>(o.maxmemory_samples);
  return core::EvictToLimit(*keyspace_, settings);
}

namespace {

std::string UnknownCommandError(Args argv) {
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
    size_t room = 128 - args.size();
    args += "'" + std::string(argv[i].substr(0, room)) + "' ";
  }
  return "ERR unknown command '" + std::string(argv[0].substr(0, 128)) +
         "', with args beginning with: " + args;
}

}  // namespace

Dispatcher::Dispatcher(CommandTable* table, core::Keyspace* keyspace, txn::WatchTable* watches,
                       ServerContext server, std::function<int64_t()> clock)
    : table_(table),
      keyspace_(keyspace),
      watches_(watches),
      server_(server),
      clock_(std::move(clock)) {}

CommandSpec* Dispatcher::Resolve(Args argv, std::string* error) const {
  CommandSpec* spec = table_->Find(argv[0]);
  if (!spec) {
    *error = UnknownCommandError(argv);
    return nullptr;
  }
  if (spec->is_container() && argv.size() >= 2) {
    CommandSpec* sub = spec->FindSubcommand(argv[1]);
    if (!sub) {
      *error = "ERR unknown subcommand '" + std::string(argv[1].substr(0, 128)) + "'. Try " +
               absl::AsciiStrToUpper(spec->name) + " HELP.";
      return nullptr;
    }
    return sub;
  }
  return spec;
}

void Dispatcher::Reject(ClientState& client, protocol::ReplyBuilder& reply, std::string_view error,
                        const CommandSpec* spec) {
  if (spec && spec->name == "exec") {
    // A refused EXEC ends the transaction at once (Redis's execCommandAbort).
    if (error.substr(0, 4) == "ERR ") error.remove_prefix(4);
    reply.Error("EXECABORT Transaction discarded because of: " + std::string(error));
    if (client.tx.in_multi) ++server_.stats.exec_aborted_error;
    client.tx.EndMulti();
    watches_->UnwatchAll(&client.tx);
    return;
  }
  // An error while queueing dooms the transaction (Redis's flagTransaction).
  if (client.tx.in_multi) client.tx.dirty_exec = true;
  reply.Error(error);
}

void Dispatcher::Dispatch(ClientState& client, protocol::ReplyBuilder& reply, Args argv) {
  keyspace_->set_now_ms(clock_());
  reply.set_muted(client.reply_off || client.reply_skip);
  Admit(client, reply, argv);
  // CLIENT REPLY SKIP: the command after it is the one muted.
  client.reply_skip = client.reply_skip_next;
  client.reply_skip_next = false;
  reply.set_muted(client.reply_off || client.reply_skip);
  if (after_command_) after_command_();
}

void Dispatcher::Admit(ClientState& client, protocol::ReplyBuilder& reply, Args argv) {
  std::string error;
  CommandSpec* spec = Resolve(argv, &error);
  if (!spec) {
    Reject(client, reply, error);
    return;
  }
  if (!ArityOk(*spec, argv.size())) {
    ++spec->stats.rejected_calls;
    Reject(client, reply, WrongArityError(spec->name), spec);
    return;
  }
  const config::Options& options = server_.options;
  if (spec->flags & kProtected) {
    if (!AllowsProtectedAction(options.enable_debug_command, client)) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, kDebugNotAllowedError, spec);
      return;
    }
  }
  if (!client.authenticated && !(spec->flags & kNoAuth)) {
    ++spec->stats.rejected_calls;
    Reject(client, reply, kNoAuthError, spec);
    return;
  }
  // The stream from our primary is obeyed whatever our own state.
  if (!client.is_master) {
    // Every command gives eviction its chance, as in Redis; only some are refused.
    if (options.maxmemory > 0 && !EvictToMaxmemory() && RefusedWhenOutOfMemory(*spec, client)) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, kOutOfMemoryError, spec);
      return;
    }
    if (IsWrite(*spec, client)) {
      std::string disk_error;
      if (server_.persistence) disk_error = server_.persistence->DiskErrorRefusingWrites();
      if (!disk_error.empty()) {
        ++spec->stats.rejected_calls;
        Reject(client, reply, disk_error, spec);
        return;
      }
    }
    if (server_.replication && server_.replication->ReadOnlyReplica() &&
        WritesData(*spec, client)) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, kReadOnlyReplicaError, spec);
      return;
    }
    if (client.resp == 2 && client.subscribed() && !AllowedWhileSubscribed(*spec)) {
      ++spec->stats.rejected_calls;
      Reject(client, reply,
             "ERR Can't execute '" + spec->name +
                 "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed "
                 "in this context",
             spec);
      return;
    }
    if (!(spec->flags & kStale) && server_.replication && server_.replication->StaleDataRefused()) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, kMasterDownError, spec);
      return;
    }
  }
  if (client.tx.in_multi) {
    if (spec->flags & kNoMulti) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, kNotAllowedInMultiError, spec);
      return;
    }
    if (!RunsInsideMulti(*spec)) {
      client.tx.queued.push_back({spec, std::vector<std::string>(argv.begin(), argv.end())});
      reply.SimpleString("QUEUED");
      return;
    }
  }
  Call(*spec, client, reply, argv);
}

void Dispatcher::Call(CommandSpec& spec, ClientState& client, protocol::ReplyBuilder& reply,
                      Args argv) {
  const uint64_t errors_before = reply.error_count();
  const uint64_t dirty_before = keyspace_->dirty();
  const int db = client.db;
  const int64_t start = core::MonotonicUs();
  CommandContext ctx{client, reply, *keyspace_, *watches_, server_, *this, spec};
  ++depth_;
  spec.handler(ctx, argv);
  --depth_;
  spec.stats.usec += core::MonotonicUs() - start;
  if (propagator_ && ctx.propagate_to_replicas) {
    pending_.push_back(PropagatedCommand{db, std::vector<std::string>(argv.begin(), argv.end()),
                                         /*replicas_only=*/true});
  } else if (propagator_ && ((spec.flags & kWrite) || ctx.propagate_read_only) &&
             keyspace_->dirty() != dirty_before) {
    if (ctx.propagate_as.empty() && !ctx.propagate_only_as) {
      pending_.push_back(PropagatedCommand{db, std::vector<std::string>(argv.begin(), argv.end())});
    } else {
      for (auto& replacement : ctx.propagate_as) {
        pending_.push_back(PropagatedCommand{db, std::move(replacement)});
      }
    }
  }
  if (depth_ == 0) FlushPropagation();
  ++spec.stats.calls;
  if (reply.error_count() != errors_before) ++spec.stats.failed_calls;
  client.last_command = &spec;
  ++server_.stats.total_commands_processed;
}

void Dispatcher::FlushPropagation() {
  if (pending_.empty()) return;
  if (propagator_) propagator_->Propagate(pending_);
  pending_.clear();
}

void Dispatcher::KeyExpired(int db, std::string_view key) { LogDeletion(db, key); }
void Dispatcher::KeyEvicted(int db, std::string_view key) { LogDeletion(db, key); }

void Dispatcher::LogDeletion(int db, std::string_view key) {
  if (!propagator_) return;
  pending_.push_back(PropagatedCommand{db, {"DEL", std::string(key)}});
  if (depth_ == 0) FlushPropagation();  // outside any command (active expiry, eviction)
}

}  // namespace bazaar::engine::commands
