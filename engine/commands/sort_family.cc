// SORT and SORT_RO: sorting lists, sets and sorted sets numerically or by bytes (ALPHA), by
// their own elements or by keys and hash fields a BY pattern names, with LIMIT, GET patterns
// and, for SORT, STORE into a list. The ordering lives in sort_ops.cc.
#include <optional>
#include <string>

#include "engine/commands/acl_request.h"
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/sort_ops.h"
#include "engine/commands/status_reply.h"

namespace bazaar::engine::commands {
namespace {

// Options in any order, each checked as it comes (so a bad LIMIT is reported before a wrong
// type); SORT_RO knows no STORE, which is then a syntax error.
void SortGeneric(CommandContext& ctx, Args args, bool read_only) {
  SortRequest request;
  request.key = args[1];
  std::optional<std::string_view> store;
  // BY and GET read keys no ACL check saw: they need a user that may read every key.
  auto may_read_any_key = [&] {
    const acl::User* user = ctx.client.user.get();
    return !user || user->unrestricted() || user->ReadsAnyKeyFor(AclRequestFor(ctx.spec, args));
  };
  for (size_t j = 2; j < args.size(); ++j) {
    const size_t left = args.size() - j - 1;
    if (IsOption(args[j], "asc")) {
      request.desc = false;
    } else if (IsOption(args[j], "desc")) {
      request.desc = true;
    } else if (IsOption(args[j], "alpha")) {
      request.alpha = true;
    } else if (IsOption(args[j], "limit") && left >= 2) {
      if (!IntArgOrReply(ctx.reply, args[j + 1], &request.offset)) return;
      if (!IntArgOrReply(ctx.reply, args[j + 2], &request.count)) return;
      j += 2;
    } else if (IsOption(args[j], "store") && left >= 1 && !read_only) {
      store = args[++j];
    } else if (IsOption(args[j], "by") && left >= 1) {
      request.by = args[++j];
      // A pattern without '*' (up to a NUL, as Redis's strchr) means "do not sort".
      const std::string_view pattern = *request.by;
      if (pattern.substr(0, pattern.find('\0')).find('*') == std::string_view::npos) {
        request.dont_sort = true;
      } else if (!may_read_any_key()) {
        return ctx.reply.Error("ERR BY option of SORT denied due to insufficient ACL permissions.");
      }
    } else if (IsOption(args[j], "get") && left >= 1) {
      if (!may_read_any_key()) {
        return ctx.reply.Error(
            "ERR GET option of SORT denied due to insufficient ACL permissions.");
      }
      request.gets.push_back(args[++j]);
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  request.store = store.has_value();
  request.from_script = ctx.client.is_script;
  auto rows = OpSort(ctx.keyspace, ctx.db(), request);
  if (!rows.ok()) return ReplyError(ctx.reply, rows.status());
  if (!store) {
    ctx.reply.ArrayHeader(rows->size());
    for (const auto& row : *rows) row ? ctx.reply.Bulk(*row) : ctx.reply.NullBulk();
    return;
  }
  // Stored as a list (a missing GET value as an empty string); nothing to store deletes it.
  if (rows->empty()) {
    if (ctx.keyspace.Delete(ctx.db(), *store)) {
      ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", *store);
    }
  } else {
    core::Value list = core::Value::NewList();
    for (const auto& row : *rows) list.list().PushBack(row ? *row : std::string());
    ctx.keyspace.Store(ctx.db(), *store, std::move(list));
    ctx.keyspace.Notify(ctx.db(), core::events::kList, "sortstore", *store);
  }
  ctx.reply.Integer(static_cast<int64_t>(rows->size()));
}

void SortCommand(CommandContext& ctx, Args args) { SortGeneric(ctx, args, false); }
void SortRoCommand(CommandContext& ctx, Args args) { SortGeneric(ctx, args, true); }

}  // namespace

void RegisterSortFamily(CommandTable& table) {
  table.Add({"sort", -2, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, SortCommand});
  table.Add({"sort_ro", -2, kReadOnly | kMovableKeys, 1, 1, 1, SortRoCommand});
}

}  // namespace bazaar::engine::commands
