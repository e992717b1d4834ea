// FUNCTION DUMP and FUNCTION RESTORE [FLUSH|APPEND|REPLACE], in Redis 7.0's payload format: per
// library the RDB_OPCODE_FUNCTION2 byte (0xF5) and its code as an RDB string (LZF for long code,
// as rdbcompression), then the RDB version (2 bytes LE) and the CRC-64 of all before it (8 bytes
// LE), as DUMP's payloads. Libraries come in name order (Redis uses its dict's order, so a dump of
// several libraries can differ from Redis's in order only). RESTORE is all or nothing: on any
// error the libraries are put back as they were. Runs on the event loop like every command.
#include <optional>
#include <string>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/persistence/crc64.h"
#include "engine/persistence/dump_payload.h"
#include "engine/persistence/lzf.h"
#include "engine/persistence/rdb_format.h"
#include "engine/persistence/rdb_writer.h"
#include "engine/scripting/script_body.h"
#include "engine/scripting/scripting_family.h"

namespace bazaar::engine::scripting {
namespace {

using commands::Args;
using commands::CommandContext;

constexpr size_t kFooterBytes = 10;

// Reads one RDB string (length-prefixed, integer-encoded or LZF) at `*pos`.
std::optional<std::string> ReadRdbString(std::string_view in, size_t* pos) {
  auto byte = [&](uint8_t* b) {
    if (*pos >= in.size()) return false;
    *b = static_cast<uint8_t>(in[(*pos)++]);
    return true;
  };
  auto length = [&](uint64_t* len, bool* special) -> bool {
    uint8_t b;
    if (!byte(&b)) return false;
    *special = false;
    switch (b >> 6) {
      case 0: *len = b & 0x3f; return true;
      case 1: {
        uint8_t c;
        if (!byte(&c)) return false;
        *len = (static_cast<uint64_t>(b & 0x3f) << 8) | c;
        return true;
      }
      case 3: *special = true; *len = b & 0x3f; return true;
      default: {
        const int n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
        if (n == 0) return false;
        *len = 0;
        for (int i = 0; i < n; ++i) {
          uint8_t c;
          if (!byte(&c)) return false;
          *len = (*len << 8) | c;
        }
        return true;
      }
    }
  };
  uint64_t len;
  bool special;
  if (!length(&len, &special)) return std::nullopt;
  if (!special) {
    if (len > in.size() - *pos) return std::nullopt;
    std::string s(in.substr(*pos, len));
    *pos += len;
    return s;
  }
  if (len <= 2) {  // int8, int16, int32, little endian
    const int n = 1 << len;
    if (static_cast<size_t>(n) > in.size() - *pos) return std::nullopt;
    uint64_t u = 0;
    for (int i = n; i-- > 0;) u = (u << 8) | static_cast<uint8_t>(in[*pos + i]);
    *pos += n;
    const int64_t v = n == 1 ? static_cast<int8_t>(u) : n == 2 ? static_cast<int16_t>(u)
                                                               : static_cast<int32_t>(u);
    return std::to_string(v);
  }
  if (len != 3) return std::nullopt;
  uint64_t clen, ulen;
  if (!length(&clen, &special) || special || !length(&ulen, &special) || special ||
      clen > in.size() - *pos) {
    return std::nullopt;
  }
  auto out = persistence::LzfDecompress(in.substr(*pos, clen), ulen);
  *pos += clen;
  return out;
}

void FunctionDumpCommand(CommandContext& ctx, Args) {
  std::string payload;
  for (const auto& [name, library] : EngineOf(ctx).libraries()) {
    // EncodeRdbValue gives the string type byte, then the string; the opcode takes its place.
    std::string value = persistence::EncodeRdbValue(core::Value(library.code), /*compress=*/true);
    value[0] = static_cast<char>(persistence::kRdbOpFunction2);
    payload += value;
  }
  auto le = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) payload.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  le(persistence::kRdbVersion, 2);
  le(persistence::Crc64(0, payload.data(), payload.size()), 8);
  ctx.reply.Bulk(payload);
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
void FunctionRestoreCommand(CommandContext& ctx, Args args) {
  enum class Policy { kAppend, kReplace, kFlush } policy = Policy::kAppend;
  if (args.size() > 4) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(args[1]) + "'. Try FUNCTION HELP.");
  }
  if (args.size() == 4) {
    if (commands::IsOption(args[3], "append")) policy = Policy::kAppend;
    else if (commands::IsOption(args[3], "replace")) policy = Policy::kReplace;
    else if (commands::IsOption(args[3], "flush")) policy = Policy::kFlush;
    else {
      return ctx.reply.Error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    }
  }
  const std::string_view payload = args[2];
  if (!persistence::DumpFooterValid(payload)) {
    return ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
  }
  const std::string_view body = payload.substr(0, payload.size() - kFooterBytes);
  std::vector<std::string> codes;
  for (size_t pos = 0; pos < body.size();) {
    const uint8_t type = static_cast<uint8_t>(body[pos++]);
    if (type != persistence::kRdbOpFunction2) {
      return ctx.reply.Error("ERR given type is not a function");
    }
    auto code = ReadRdbString(body, &pos);
    if (!code) return ctx.reply.Error("ERR Failed loading library payload");
    codes.push_back(std::move(*code));
  }
  ScriptEngine& engine = EngineOf(ctx);
  std::vector<std::string> before;
  for (const auto& [name, library] : engine.libraries()) before.push_back(library.code);
  // Redis checks library names before it compiles anything on APPEND.
  if (policy == Policy::kAppend) {
    for (const std::string& code : codes) {
      auto header = ParseLibraryHeader(code);
      if (header.ok() && engine.libraries().count(header->name)) {
        return ctx.reply.Error("ERR Library " + header->name + " already exists");
      }
    }
  }
  if (policy == Policy::kFlush) engine.FlushLibraries();
  for (const std::string& code : codes) {
    absl::StatusOr<std::string> loaded = engine.LoadLibrary(code, policy == Policy::kReplace);
    if (!loaded.ok()) {
      engine.FlushLibraries();
      for (const std::string& old : before) (void)engine.LoadLibrary(old, false);
      const absl::string_view message = loaded.status().message();
      return ctx.reply.Error(std::string_view(message.data(), message.size()));
    }
  }
  ctx.keyspace.AddDirty(1);
  ctx.reply.Ok();
}

}  // namespace

void RegisterFunctionPayloadCommands(commands::CommandTable& table, commands::CommandSpec* function) {
  const uint32_t kWrite = commands::kNoScript | commands::kWrite;
  table.AddSubcommand(function, {"dump", 2, commands::kNoScript, 0, 0, 0, FunctionDumpCommand});
  table.AddSubcommand(function,
                      {"restore", -3, kWrite | commands::kDenyOom, 0, 0, 0, FunctionRestoreCommand});
}

}  // namespace bazaar::engine::scripting
