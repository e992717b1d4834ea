#include "harness/engine_fixture.h"

#include "engine/commands/families.h"
#include "engine/protocol/reply_builder.h"

namespace bazaar::testing {

EngineFixture::EngineFixture()
    : keyspace_(16),
      watches_(&keyspace_),
      dispatcher_(&table_, &keyspace_, &watches_, {options_, stats_}, [this] { return now_ms_; }) {
  keyspace_.add_observer(&watches_);
  engine::commands::RegisterAllCommands(table_);
  options_.enable_debug_command = "yes";
}

engine::commands::ClientState& EngineFixture::client(int n) {
  auto& slot = clients_[n];
  if (!slot) {
    slot = std::make_unique<engine::commands::ClientState>();
    slot->id = n + 1;
    slot->authenticated = options_.requirepass.empty();
  }
  return *slot;
}

std::string EngineFixture::Run(const std::vector<std::string>& argv, int n) {
  engine::commands::ClientState& c = client(n);
  std::string out;
  engine::protocol::ReplyBuilder reply(&out);
  reply.set_resp(c.resp);
  std::vector<std::string_view> views(argv.begin(), argv.end());
  dispatcher_.Dispatch(c, reply, views);
  return out;
}

}  // namespace bazaar::testing
