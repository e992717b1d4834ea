#include "engine/commands/client_line.h"

#include "absl/strings/str_format.h"
#include "engine/commands/command_table.h"

namespace bazaar::engine::commands {
namespace {

std::string ClientFlags(const ClientState& c) {
  std::string flags;
  if (c.is_monitor) flags.push_back('O');
  if (c.is_replica) flags.push_back('S');
  if (c.is_master) flags.push_back('M');
  if (c.subscribed()) flags.push_back('P');
  if (c.tx.in_multi) flags.push_back('x');
  if (c.tracking.on) flags.push_back('t');
  if (c.tracking.broken_redirect) flags.push_back('R');
  if (c.tracking.bcast) flags.push_back('B');
  if (c.tx.dirty_cas) flags.push_back('d');
  if (c.close_after_reply) flags.push_back('c');
  if (c.blocked || c.postponed) flags.push_back('b');
  if (c.unix_socket) flags.push_back('U');
  if (c.no_evict) flags.push_back('e');
  return flags.empty() ? "N" : flags;
}

}  // namespace

std::string ClientLine(const ClientState& c, int64_t now_ms) {
  return absl::StrFormat(
      "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d "
      "multi=%d qbuf=%d qbuf-free=%d argv-mem=0 multi-mem=0 rbs=%d rbp=0 obl=%d oll=0 omem=0 "
      "tot-mem=%d events=r cmd=%s user=%s redir=%d resp=%d",
      c.id, c.addr, c.laddr, c.fd, c.name, (now_ms - c.created_ms) / 1000,
      (now_ms - c.last_interaction_ms) / 1000, ClientFlags(c), c.db, c.sub, c.psub, c.ssub,
      c.tx.in_multi ? static_cast<int64_t>(c.tx.queued.size()) : -1, c.query_buffer_bytes,
      c.query_buffer_free, c.query_buffer_bytes + c.query_buffer_free, c.output_buffer_bytes,
      c.query_buffer_bytes + c.query_buffer_free + c.output_buffer_bytes,
      c.last_command ? c.last_command->name : "NULL", c.user ? c.user->name() : "default",
      c.tracking.on ? static_cast<int64_t>(c.tracking.redirect) : -1, c.resp);
}

}  // namespace bazaar::engine::commands
