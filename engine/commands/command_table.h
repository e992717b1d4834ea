// The command table: one spec per command (name, arity, flags, key positions, handler), with
// subcommands for containers such as CONFIG and CLIENT. The dispatcher checks arity and flags
// once, so handlers can trust their argument count.
#ifndef BAZAAR_ENGINE_COMMANDS_COMMAND_TABLE_H_
#define BAZAAR_ENGINE_COMMANDS_COMMAND_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "engine/core/latency_histogram.h"

namespace bazaar::engine::commands {

struct CommandContext;
using Args = absl::Span<const std::string_view>;
using Handler = void (*)(CommandContext& ctx, Args args);

enum CommandFlag : uint32_t {
  kWrite = 1 << 0,
  kReadOnly = 1 << 1,
  kAdmin = 1 << 2,
  kFast = 1 << 3,
  kNoMulti = 1 << 4,  // refused inside MULTI
  kNoAuth = 1 << 5,   // allowed before AUTH
  kDenyOom = 1 << 6,
  kLoading = 1 << 7,
  kStale = 1 << 8,
  kNoScript = 1 << 9,
  kAllowBusy = 1 << 10,
  kProtected = 1 << 11,  // DEBUG: needs enable-debug-command
  kSkipSlowlog = 1 << 12,
  kPubSubFlag = 1 << 13,       // Pub/Sub commands
  kMayReplicate = 1 << 14,     // PUBLISH: reaches the replicas without writing a key
  kMovableKeys = 1 << 15,      // keys beyond the key range (GEORADIUS ... STORE); COMMAND shows it
  kBlocking = 1 << 16,         // may block the client (never inside MULTI or a script)
  kSkipMonitor = 1 << 17,      // MONITOR shows it when it starts, not when it ends (scripts)
  kNoMandatoryKeys = 1 << 18,  // may be given no key at all (EVAL with numkeys 0); shown only
  kNoAsyncLoading = 1 << 19,   // refused during an async load, which we never do; shown only
  kTouchesArbitraryKeys = 1 << 20,  // SCAN, RANDOMKEY: their lazy expiries are not one batch
  kAsking = 1 << 21,                // RESTORE-ASKING: served for an importing slot; shown only
};

struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
  core::LatencyHistogram latency;  // latency-tracking: LATENCY HISTOGRAM, INFO latencystats
};

struct CommandSpec {
  std::string name;  // lowercase; "config|get" for a subcommand
  int arity;         // negative: at least -arity arguments, counting the name
  uint32_t flags;
  int first_key = 0;  // 0: no keys
  int last_key = 0;   // negative counts from the end
  int key_step = 0;
  Handler handler = nullptr;
  std::vector<std::unique_ptr<CommandSpec>> subcommands;
  uint32_t acl_categories = 0;  // beyond what the flags imply (acl_categories.h)
  int acl_id = -1;              // in the ACL's command catalog (acl_request.h)
  CommandStats stats;

  bool is_container() const { return !subcommands.empty(); }
  // Whether `argc` arguments (the name included) fit the arity.
  bool ArityAccepts(size_t argc) const {
    return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
  // Case-insensitive subcommand lookup; nullptr if unknown.
  CommandSpec* FindSubcommand(std::string_view name);
};

class CommandTable {
 public:
  CommandSpec* Add(CommandSpec spec);
  // Adds a subcommand to an existing container, named "parent|sub".
  CommandSpec* AddSubcommand(CommandSpec* parent, CommandSpec sub);
  // Case-insensitive lookup of a top-level command; nullptr if unknown.
  CommandSpec* Find(std::string_view name) const;
  size_t size() const { return commands_.size(); }
  template <typename F>
  void ForEach(F&& fn) const {
    for (const auto& c : order_) fn(*c);
  }
  void ResetStats();

 private:
  absl::flat_hash_map<std::string, std::unique_ptr<CommandSpec>> commands_;
  std::vector<CommandSpec*> order_;
};

}  // namespace bazaar::engine::commands

#endif  // BAZAAR_ENGINE_COMMANDS_COMMAND_TABLE_H_
