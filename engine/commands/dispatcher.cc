#include "engine/commands/dispatcher.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "engine/commands/acl_request.h"
#include "engine/commands/client_line.h"
#include "engine/commands/command_context.h"
#include "engine/commands/command_keys.h"
#include "engine/commands/errors.h"
#include "engine/commands/logged_args.h"
#include "engine/commands/replica_quorum.h"
#include "engine/commands/status_reply.h"
#include "engine/core/clock.h"
#include "engine/core/eviction.h"

namespace bazaar::engine::commands {
namespace {

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

// Refused by a stale replica (replica-serve-stale-data no): commands without the stale flag, and
// an EXEC with one queued (the link may have broken after they were queued).
bool Dispatcher::DeniedWhenStale(const CommandSpec& spec, const ClientState& client) const {
  if (!(spec.flags & kStale)) return true;
  if (spec.name != "exec") return false;
  for (const auto& queued : client.tx.queued) {
    if (!(queued.spec->flags & kStale)) return true;
  }
  return false;
}

namespace {
bool IsScriptCall(const CommandSpec& spec) {
  return spec.name == "eval" || spec.name == "evalsha" || spec.name == "eval_ro" ||
         spec.name == "evalsha_ro" || spec.name == "fcall" || spec.name == "fcall_ro";
}
}  // namespace

// One command without EXEC's queue: its flags, or a script's or function's declared ones (a
// no-writes script never replicates; Redis judges a call by what it declares).
bool Dispatcher::CallMayReplicate(const CommandSpec& spec, Args argv) const {
  if (IsScriptCall(spec) && server_.scripting) {
    if (auto writes = server_.scripting->DeclaresWrites(argv)) return *writes;
  }
  return (spec.flags & (kWrite | kMayReplicate)) != 0;
}

// Held by CLIENT PAUSE WRITE: whatever may reach the replicas (writes, PUBLISH, PFCOUNT, a
// script that may write, an EXEC with one queued).
bool Dispatcher::MayReplicate(const CommandSpec& spec, const ClientState& client, Args argv) const {
  if (CallMayReplicate(spec, argv)) return true;
  if (spec.name != "exec") return false;
  std::vector<std::string_view> queued_argv;
  for (const auto& queued : client.tx.queued) {
    queued_argv.assign(queued.argv.begin(), queued.argv.end());
    if (CallMayReplicate(*queued.spec, queued_argv)) return true;
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
  if (server_.control && server_.control->PausedFor(true)) return true;  // eviction waits too
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

acl::Users& Dispatcher::users() {
  if (!users_) {
    users_ = std::make_unique<acl::Users>(BuildAclCatalog(*table_));
    users_->set_all_channels_default(server_.options.acl_pubsub_default == "allchannels");
    users_->SetDefaultPassword(server_.options.requirepass);
  }
  return *users_;
}

bool Dispatcher::AuthRequired() {
  const acl::User& user = *users().default_user();
  return !user.nopass() || !user.enabled();
}

acl::Verdict Dispatcher::CheckAcl(const ClientState& client, const CommandSpec& spec, Args argv,
                                  std::string_view context, const ClientState& caller) {
  if (!client.user) return {};
  const acl::Verdict verdict = client.user->Check(AclRequestFor(spec, argv));
  if (verdict.ok()) return verdict;
  const int64_t now = keyspace_->now_ms();
  const std::string object =
      verdict.denial == acl::Denial::kCommand ? spec.name : std::string(argv[verdict.arg]);
  acl_log_.Add({1, std::string(AclDenialReason(verdict.denial)), std::string(context), object,
                client.user->name(), now, ClientLine(caller, now)},
               server_.options.acllog_max_len);
  return verdict;
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
  if (server_.tracking) server_.tracking->EnforceMaxKeys();
  reply.set_muted(client.reply_off || client.reply_skip);
  Admit(client, reply, argv);
  if (client.postponed) return;  // runs again at unpause
  // CLIENT CACHING covers the next command (a whole MULTI ... EXEC); any CLIENT keeps it.
  if (!client.tx.in_multi && !absl::EqualsIgnoreCase(absl::string_view(argv[0].data(),
                                                                        argv[0].size()),
                                                     "client")) {
    client.tracking.caching = false;
  }
  // CLIENT REPLY SKIP: the command after it is the one muted.
  client.reply_skip = client.reply_skip_next;
  client.reply_skip_next = false;
  reply.set_muted(client.reply_off || client.reply_skip);
  // While a slow script runs, nothing else may run (blocked clients wait for its end).
  const bool script_busy = server_.scripting && !server_.scripting->busy_error().empty();
  if (after_command_ && !script_busy) after_command_();
}

void Dispatcher::Admit(ClientState& client, protocol::ReplyBuilder& reply, Args argv) {
  std::string error;
  CommandSpec* spec = Resolve(argv, &error);
  if (!spec) {
    Reject(client, reply, error);
    return;
  }
  // The command being run, even if refused, is the one CLIENT LIST and the ACL log name.
  client.last_command = spec;
  if (!spec->ArityAccepts(argv.size())) {
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
  if (!client.authenticated && !(spec->flags & kNoAuth) && AuthRequired()) {
    ++spec->stats.rejected_calls;
    Reject(client, reply, kNoAuthError, spec);
    return;
  }
  if (client.tx.in_multi && (spec->flags & kNoMulti)) {
    ++spec->stats.rejected_calls;
    Reject(client, reply, kNotAllowedInMultiError, spec);
    return;
  }
  if (client.user && !client.user->unrestricted()) {
    const acl::Verdict verdict =
        CheckAcl(client, *spec, argv, client.tx.in_multi ? "multi" : "toplevel");
    if (!verdict.ok()) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, AclDenialError(verdict.denial, *spec), spec);
      return;
    }
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
    if (WritesData(*spec, client) && !EnoughGoodReplicas(server_)) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, kNoReplicasError, spec);
      return;
    }
    if (server_.replication && server_.replication->ReadOnlyReplica() &&
        WritesData(*spec, client)) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, kReadOnlyReplicaError, spec);
      return;
    }
    // A monitor is a replica to Redis, and replicas may not touch the keyspace.
    if (client.is_monitor && (spec->flags & (kWrite | kReadOnly | kMayReplicate))) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, "ERR Replica can't interact with the keyspace", spec);
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
    if (DeniedWhenStale(*spec, client) && server_.replication &&
        server_.replication->StaleDataRefused()) {
      ++spec->stats.rejected_calls;
      Reject(client, reply, kMasterDownError, spec);
      return;
    }
    // CLIENT PAUSE holds the command, unanswered, before it is queued or run (as Redis).
    if (server_.control && server_.control->PausedFor(MayReplicate(*spec, client, argv))) {
      client.postponed = true;
      return;
    }
  }
  if (server_.scripting && !server_.scripting->busy_error().empty() &&
      !(spec->flags & kAllowBusy)) {
    ++spec->stats.rejected_calls;
    Reject(client, reply, server_.scripting->busy_error(), spec);
    return;
  }
  if (client.tx.in_multi && !RunsInsideMulti(*spec)) {
    client.tx.queued.push_back({spec, std::vector<std::string>(argv.begin(), argv.end())});
    reply.SimpleString("QUEUED");
    return;
  }
  Call(*spec, client, reply, argv);
}

void Dispatcher::Call(CommandSpec& spec, ClientState& client, protocol::ReplyBuilder& reply,
                      Args argv, bool rerun) {
  const uint64_t errors_before = reply.error_count();
  const uint64_t dirty_before = keyspace_->dirty();
  const int db = client.db;
  const int64_t start = core::MonotonicUs();
  CommandContext ctx{client, reply, *keyspace_, *watches_, server_, *this, spec};
  TrackingControl* tracking = server_.tracking;
  if (tracking && depth_ == 0) tracking->CommandStarting(client);
  // A script is shown as it starts, so that MONITOR lists it before the commands it runs.
  if (spec.flags & kSkipMonitor && !rerun) FeedMonitors(spec, client, argv);
  ++depth_;
  spec.handler(ctx, argv);
  --depth_;
  if (client.is_script && (spec.flags & kReadOnly)) script_read_ = true;
  if (tracking && client.tracking.on && !client.tracking.bcast) {
    // A script is judged by what it ran: its declared keys count as read when it read anything
    // (the read-only script commands included), and a script that only wrote tracks nothing.
    const bool script = IsScriptCall(spec);
    if (script ? script_read_ : (spec.flags & kReadOnly) != 0) {
      tracking->RememberKeys(client, CommandKeys(spec, argv));
    }
  }
  if (depth_ == 0) script_read_ = false;
  const int64_t duration_us = core::MonotonicUs() - start;
  spec.stats.usec += duration_us;
  RecordCall(spec, client, argv, duration_us, rerun);
  if (propagator_ && ctx.propagate_to_replicas) {
    pending_.push_back(PropagatedCommand{db, std::vector<std::string>(argv.begin(), argv.end()),
                                         /*replicas_only=*/true});
  } else if (propagator_ && ((spec.flags & kWrite) || ctx.propagate_read_only) &&
             (keyspace_->dirty() != dirty_before || ctx.force_propagation)) {
    if (ctx.propagate_as.empty() && !ctx.propagate_only_as) {
      pending_.push_back(PropagatedCommand{db, std::vector<std::string>(argv.begin(), argv.end())});
    } else {
      for (auto& replacement : ctx.propagate_as) {
        pending_.push_back(PropagatedCommand{db, std::move(replacement)});
      }
    }
  }
  // The DELs of keys SCAN or RANDOMKEY found expired are no transaction (Redis's rule).
  if (depth_ == 0) FlushPropagation(/*atomic=*/!(spec.flags & kTouchesArbitraryKeys));
  // The client's own invalidations follow its reply.
  if (tracking && depth_ == 0) tracking->CommandDone();
  ++spec.stats.calls;
  if (reply.error_count() != errors_before) ++spec.stats.failed_calls;
  client.last_command = &spec;
  ++server_.stats.total_commands_processed;
}

void Dispatcher::FeedMonitors(const CommandSpec& spec, const ClientState& client, Args argv) {
  // Admin commands are too dangerous to show (Redis's rule); a blocked command is shown once.
  if (!(spec.flags & kAdmin) && server_.monitors && server_.monitors->has_monitors()) {
    server_.monitors->FeedMonitors(client, client.db, LoggedArgs(spec, argv));
  }
}

void Dispatcher::RecordCall(CommandSpec& spec, const ClientState& client, Args argv,
                            int64_t duration_us, bool rerun) {
  if (!rerun && !(spec.flags & kSkipMonitor)) FeedMonitors(spec, client, argv);
  // A command that blocked is timed when a rerun ends (the one that serves it, and any rerun
  // that found nothing yet).
  if (client.blocked && !rerun) return;
  const config::Options& o = server_.options;
  const int64_t now_s = keyspace_->now_ms() / 1000;
  latency_.AddSampleIfNeeded((spec.flags & kFast) ? "fast-command" : "command",
                             duration_us / 1000, o.latency_monitor_threshold, now_s);
  if (o.latency_tracking) spec.stats.latency.Record(duration_us * 1000);
  if (!(spec.flags & kSkipSlowlog) && o.slowlog_log_slower_than >= 0 &&
      duration_us >= o.slowlog_log_slower_than) {
    slowlog_.PushIfNeeded(LoggedArgs(spec, argv), duration_us, o.slowlog_log_slower_than,
                          static_cast<size_t>(o.slowlog_max_len), now_s, client.addr,
                          client.name);
  }
}

void Dispatcher::FlushPropagation(bool atomic) {
  if (pending_.empty()) return;
  if (propagator_ && atomic) {
    propagator_->Propagate(pending_);
  } else if (propagator_) {
    for (const PropagatedCommand& c : pending_) propagator_->Propagate({c});
  }
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
