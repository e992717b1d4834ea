#include "load/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/format/json_writer.h"
#include "client/format/text_table.h"

namespace bazaar::load {
namespace {

using client::JsonWriter;
using client::TextTable;

constexpr Op kOps[] = {Op::kList, Op::kPurchase, Op::kBrowse, Op::kGrant};

std::string Ms(double v) { return absl::StrFormat("%.2f", v); }

std::string Thousands(int64_t v);
// A retry count, "?" when the market could not say.
std::string RetriesText(int64_t retries) { return retries < 0 ? "?" : Thousands(retries); }

std::string Thousands(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return v < 0 ? "-" + out : out;
}

int64_t AllCalls(const Recorder& r) {
  int64_t n = 0;
  for (Op op : kOps) n += r.stats(op).calls();
  return n;
}

std::string Invariants(const ScenarioRun& sr) {
  if (!sr.invariant_error.empty()) return "invariants: NOT CHECKED: " + sr.invariant_error + "\n";
  if (!sr.invariants) return "invariants: not checked (no --store given)\n";
  const InvariantReport& i = *sr.invariants;
  std::string out = absl::StrFormat(
      "invariants: %s  (store: funds %d of %d initial, %d negative, %d over the maximum; items %d "
      "+ listings %d of %d granted; run: buyers hold %d, %d listed, sellers hold %d, sellers "
      "earned %d)\n",
      i.ok ? "OK" : "VIOLATED", i.store_funds, i.store_initial_funds, i.negative_balances,
      i.balances_over_maximum,
      i.store_items, i.store_listings, i.store_granted, i.run_buyer_items, i.run_listings,
      i.run_seller_items, i.run_seller_funds);
  if (i.events_replayed) {
    out += absl::StrFormat(
        "  event log: %d events replayed and compared with the store: funds and inventories of %d "
        "users, the listings (%d users older than the log not checked)\n",
        i.events, i.event_users_checked, i.users_before_log);
  } else {
    out += "  event log: not replayed (no log, or trimmed by --events_maxlen)\n";
  }
  for (const auto& p : i.problems) out += "  - " + p + "\n";
  return out;
}

}  // namespace

bool BookFiguresFor(const std::string& scenario, BookFigures* out) {
  // "Redis in Action", Table 6.3, the WATCH rows (60 s runs).
  if (scenario == "1x1") *out = {"145,000", "27,000", "80,000", "n/a"};
  else if (scenario == "5x1") *out = {"331,000", "<200", "50,000", "150 ms"};
  else if (scenario == "5x5") *out = {"206,000", "<600", "161,000", "498 ms"};
  else return false;
  return true;
}

std::string TextReport(const std::vector<ScenarioRun>& runs) {
  std::string out;
  for (const ScenarioRun& sr : runs) {
    const Recorder& t = *sr.run->totals;
    const double secs = std::max(1e-9, sr.run->seconds);
    out += absl::StrFormat("\n== scenario %s: %d sellers x %d buyers, %s (mode %s) against %s, "
                           "%.1f s, run %s\n",
                           sr.scenario.name, sr.scenario.sellers, sr.scenario.buyers, sr.backend,
                           sr.mode, sr.target, secs, sr.run->run_id);
    TextTable ops({"op", "calls", "ok", "ok/s", "retries", "avg ms", "p50 ms", "p90 ms",
                   "p99 ms", "max ms", "failures by reason"});
    for (Op op : kOps) {
      const OpStats& s = t.stats(op);
      if (s.calls() == 0) continue;
      std::vector<std::string> reasons;
      for (const auto& [reason, n] : s.failures) reasons.push_back(absl::StrCat(reason, "=", n));
      ops.AddRow({OpName(op), std::to_string(s.calls()), std::to_string(s.ok),
                  absl::StrFormat("%.0f", s.ok / secs), RetriesText(sr.run->Retries(op)),
                  Ms(s.latency.MeanMs()), Ms(s.latency.PercentileMs(0.5)),
                  Ms(s.latency.PercentileMs(0.9)), Ms(s.latency.PercentileMs(0.99)),
                  Ms(s.latency.MaxMs()), reasons.empty() ? "-" : absl::StrJoin(reasons, " ")});
    }
    out += ops.Render("  ");
    const OpStats& list = t.stats(Op::kList);
    const OpStats& buy = t.stats(Op::kPurchase);
    const int64_t buy_retries = sr.run->Retries(Op::kPurchase);
    out += absl::StrFormat(
        "  listed %d, bought %d, purchase retries %s, aborted %d, throughput %.0f calls/s "
        "(%.0f trades/s)\n",
        list.ok, buy.ok, RetriesText(buy_retries), list.aborted + buy.aborted, AllCalls(t) / secs,
        (list.ok + buy.ok) / secs);
    out += absl::StrFormat(
        "  retries are aborted EXECs (every watch conflict, as the book counts them); the "
        "store's INFO transactions exec_aborted_watch over the run: %s\n",
        sr.run->store_exec_aborted_watch < 0 ? std::string("n/a")
                                             : std::to_string(sr.run->store_exec_aborted_watch));
    BookFigures book;
    if (BookFiguresFor(sr.scenario.name, &book)) {
      TextTable cmp({"", "listed", "bought", "purchase retries", "avg wait per purchase"});
      cmp.AddRow({"book (60 s, WATCH)", book.listed, book.bought, book.retries, book.wait});
      cmp.AddRow({absl::StrFormat("ours (%.0f s)", secs), Thousands(list.ok), Thousands(buy.ok),
                  RetriesText(buy_retries), Ms(buy.latency.MeanMs()) + " ms"});
      if (secs < 59 || secs > 61) {
        double k = 60.0 / secs;
        cmp.AddRow({"ours scaled to 60 s", Thousands(static_cast<int64_t>(list.ok * k)),
                     Thousands(static_cast<int64_t>(buy.ok * k)),
                     buy_retries < 0 ? "?" : Thousands(static_cast<int64_t>(buy_retries * k)),
                     ""});
      }
      out += cmp.Render("  ");
    }
    out += "  " + Invariants(sr);
  }
  return out;
}

std::string JsonReport(const std::vector<ScenarioRun>& runs) {
  JsonWriter w;
  bool all_ok = true;
  w.BeginObject().Key("runs").BeginArray();
  for (const ScenarioRun& sr : runs) {
    const Recorder& t = *sr.run->totals;
    const double secs = std::max(1e-9, sr.run->seconds);
    w.BeginObject().Key("scenario").String(sr.scenario.name);
    w.Key("sellers").Int(sr.scenario.sellers).Key("buyers").Int(sr.scenario.buyers);
    w.Key("backend").String(sr.backend).Key("mode").String(sr.mode);
    w.Key("target").String(sr.target).Key("run_id").String(sr.run->run_id);
    w.Key("seconds").Double(secs);
    const OpStats& list = t.stats(Op::kList);
    const OpStats& buy = t.stats(Op::kPurchase);
    w.Key("listed").Int(list.ok).Key("bought").Int(buy.ok);
    w.Key("purchase_retries").Int(sr.run->Retries(Op::kPurchase));
    w.Key("store_exec_aborted_watch").Int(sr.run->store_exec_aborted_watch);
    w.Key("aborted").Int(list.aborted + buy.aborted);
    w.Key("calls_per_second").Double(AllCalls(t) / secs);
    w.Key("trades_per_second").Double((list.ok + buy.ok) / secs);
    w.Key("ops").BeginObject();
    for (Op op : kOps) {
      const OpStats& s = t.stats(op);
      w.Key(OpName(op)).BeginObject();
      w.Key("calls").Int(s.calls()).Key("ok").Int(s.ok).Key("retries").Int(sr.run->Retries(op));
      w.Key("aborted").Int(s.aborted).Key("uncertain").Int(s.uncertain);
      w.Key("ok_per_second").Double(s.ok / secs);
      w.Key("failures").BeginObject();
      for (const auto& [reason, n] : s.failures) w.Key(reason).Int(n);
      w.EndObject().Key("latency_ms").BeginObject();
      w.Key("avg").Double(s.latency.MeanMs()).Key("p50").Double(s.latency.PercentileMs(0.5));
      w.Key("p90").Double(s.latency.PercentileMs(0.9));
      w.Key("p99").Double(s.latency.PercentileMs(0.99)).Key("max").Double(s.latency.MaxMs());
      w.EndObject().EndObject();
    }
    w.EndObject();
    BookFigures book;
    if (BookFiguresFor(sr.scenario.name, &book)) {
      w.Key("book").BeginObject().Key("listed").String(book.listed);
      w.Key("bought").String(book.bought).Key("purchase_retries").String(book.retries);
      w.Key("avg_wait_per_purchase").String(book.wait).EndObject();
    }
    w.Key("invariants");
    if (sr.invariants) {
      all_ok = all_ok && sr.invariants->ok;
      w.BeginObject().Key("ok").Bool(sr.invariants->ok).Key("problems").BeginArray();
      for (const auto& p : sr.invariants->problems) w.String(p);
      w.EndArray().EndObject();
    } else {
      if (!sr.invariant_error.empty()) all_ok = false;
      w.BeginObject().Key("checked").Bool(false).Key("error").String(sr.invariant_error);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray().Key("invariants_ok").Bool(all_ok).EndObject();
  return w.str() + "\n";
}

}  // namespace bazaar::load
