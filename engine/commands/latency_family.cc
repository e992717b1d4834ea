// LATENCY LATEST / HISTORY / RESET / DOCTOR / GRAPH / HISTOGRAM / HELP: the dispatcher's
// latency monitor (core/latency_monitor.h) and the per-command histograms in each spec's stats.
#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/dispatcher.h"
#include "engine/commands/families.h"

namespace bazaar::engine::commands {
namespace {

int64_t NowSeconds(const CommandContext& ctx) { return ctx.keyspace.now_ms() / 1000; }

void LatencyLatestCommand(CommandContext& ctx, Args) {
  const auto& events = ctx.dispatcher.latency().events();
  ctx.reply.ArrayHeader(events.size());
  for (const auto& [name, event] : events) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(name);
    ctx.reply.Integer(event.latest().time);
    ctx.reply.Integer(event.latest().latency);
    ctx.reply.Integer(event.max);
  }
}

void LatencyHistoryCommand(CommandContext& ctx, Args args) {
  const core::LatencyMonitor::Event* event = ctx.dispatcher.latency().Find(args[2]);
  if (!event) return ctx.reply.ArrayHeader(0);
  std::vector<core::LatencySample> history = event->History();
  ctx.reply.ArrayHeader(history.size());
  for (const auto& sample : history) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(sample.time);
    ctx.reply.Integer(sample.latency);
  }
}

void LatencyResetCommand(CommandContext& ctx, Args args) {
  std::vector<std::string> names(args.begin() + 2, args.end());
  ctx.reply.Integer(ctx.dispatcher.latency().Reset(names));
}

void LatencyDoctorCommand(CommandContext& ctx, Args) {
  ctx.reply.Verbatim(ctx.dispatcher.latency().Doctor(
      ctx.server.options.latency_monitor_threshold, NowSeconds(ctx)));
}

void LatencyGraphCommand(CommandContext& ctx, Args args) {
  const core::LatencyMonitor::Event* event = ctx.dispatcher.latency().Find(args[2]);
  if (!event) {
    return ctx.reply.Error("ERR No samples available for event '" + std::string(args[2]) + "'");
  }
  ctx.reply.Verbatim(core::LatencyMonitor::Graph(args[2], *event, NowSeconds(ctx)));
}

// One command's entry: {calls, histogram_usec: {bucket µs: calls at or below}}.
void ReplyHistogram(CommandContext& ctx, const CommandSpec& spec) {
  const core::LatencyHistogram& h = spec.stats.latency;
  ctx.reply.Bulk(spec.name);
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("calls");
  ctx.reply.Integer(static_cast<int64_t>(h.total_count()));
  ctx.reply.Bulk("histogram_usec");
  auto buckets = h.CumulativeMicros();
  ctx.reply.MapHeader(buckets.size());
  for (const auto& [micros, calls] : buckets) {
    ctx.reply.Integer(micros);
    ctx.reply.Integer(static_cast<int64_t>(calls));
  }
}

void LatencyHistogramCommand(CommandContext& ctx, Args args) {
  // The named commands (a container names all its subcommands; unknown names are skipped),
  // or every command, each only once it has been called.
  std::vector<const CommandSpec*> specs;
  auto add = [&](const CommandSpec& spec) {
    if (!spec.stats.latency.empty()) specs.push_back(&spec);
    for (const auto& sub : spec.subcommands) {
      if (!sub->stats.latency.empty()) specs.push_back(sub.get());
    }
  };
  CommandTable& table = ctx.dispatcher.table();
  if (args.size() == 2) {
    table.ForEach(add);
  } else {
    for (size_t i = 2; i < args.size(); ++i) {
      std::string_view name = args[i];
      size_t bar = name.find('|');
      CommandSpec* spec = table.Find(name.substr(0, bar));
      if (spec && bar != std::string_view::npos) spec = spec->FindSubcommand(name.substr(bar + 1));
      if (spec) add(*spec);
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* spec : specs) ReplyHistogram(ctx, *spec);
}

void LatencyHelpCommand(CommandContext& ctx, Args) {
  ReplyHelp(ctx.reply, {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the "
      "specified command names.",
      "    If no commands are specified then all histograms are replied.",
  });
}

}  // namespace

void RegisterLatencyFamily(CommandTable& table) {
  const uint32_t kFlags = kAdmin | kNoScript | kLoading | kStale;
  CommandSpec* latency = table.Add({"latency", -2, 0, 0, 0, 0, nullptr});
  table.AddSubcommand(latency, {"latest", 2, kFlags, 0, 0, 0, LatencyLatestCommand});
  table.AddSubcommand(latency, {"history", 3, kFlags, 0, 0, 0, LatencyHistoryCommand});
  table.AddSubcommand(latency, {"reset", -2, kFlags, 0, 0, 0, LatencyResetCommand});
  table.AddSubcommand(latency, {"doctor", 2, kFlags, 0, 0, 0, LatencyDoctorCommand});
  table.AddSubcommand(latency, {"graph", 3, kFlags, 0, 0, 0, LatencyGraphCommand});
  table.AddSubcommand(latency, {"histogram", -2, kFlags, 0, 0, 0, LatencyHistogramCommand});
  table.AddSubcommand(latency, {"help", 2, kLoading | kStale, 0, 0, 0, LatencyHelpCommand});
}

}  // namespace bazaar::engine::commands
