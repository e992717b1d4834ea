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
      "invariants: %s  (store: funds %d + fees %d of %d initial + %d credited, %d negative, %d "
      "over the maximum; items %d + listings %d of %d granted; run: buyers hold %d, %d listed, "
      "sellers hold %d, sellers earned %d)\n",
      i.ok ? "OK" : "VIOLATED", i.store_funds, i.store_fees, i.store_initial_funds,
      i.store_net_credits, i.negative_balances, i.balances_over_maximum, i.store_items,
      i.store_listings, i.store_granted, i.run_buyer_items, i.run_listings, i.run_seller_items,
      i.run_seller_funds);
  if (!i.currencies.empty() || !i.item_types.empty() || !i.fee_sink.empty()) {
    std::vector<std::string> parts;
    for (const auto& [c, v] : i.currencies) parts.push_back(absl::StrCat(c, " ", v));
    for (const auto& [c, v] : i.fee_sink) {
      parts.push_back(absl::StrCat("fees ", c.empty() ? "(default)" : c, " ", v));
    }
    out += absl::StrFormat(
        "  economy: held %s; %d item types conserved, %d stack and %d instance listings open\n",
        parts.empty() ? "nothing" : absl::StrJoin(parts, ", "), i.item_types.size(),
        i.stack_listings, i.instance_listings);
  }
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

std::map<std::string, int64_t> Delta(const std::map<std::string, int64_t>& after,
                                     const std::map<std::string, int64_t>& before) {
  std::map<std::string, int64_t> out;
  for (const auto& [k, v] : after) {
    auto it = before.find(k);
    const int64_t d = v - (it == before.end() ? 0 : it->second);
    if (d != 0) out[k] = d;
  }
  return out;
}

std::string Us(int64_t us) { return us < 0 ? "never" : absl::StrFormat("%.0f ms", us / 1e3); }

// The scenario's own figures (drop, steady phases, whales), and the aborts by key class.
std::string ScenarioFigures(const ScenarioRun& sr) {
  const RunResult& r = *sr.run;
  std::string out = "  workload: " + r.description + "\n";
  if (r.drop) {
    const DropFigures& d = *r.drop;
    out += absl::StrFormat(
        "  drop: %d of %d buyers won one of %d units; it opened (all listed) after %s, sold out %s "
        "after; "
        "%d wasted purchase attempts (calls that won nothing), %d buyers saw it sold out\n"
        "  fairness: %.0f%% of the winners were among the first %d to arrive; rank correlation "
        "of arrival and winning order %.2f (1: first come, first served)\n",
        d.winners, d.buyers, d.units, Us(d.listed_us), Us(d.sold_out_us), d.wasted_attempts,
        d.gave_up, d.first_come_share * 100, d.winners, d.rank_correlation);
  }
  if (!r.phases.empty()) {
    TextTable t({"phase", "target/s", "offered/s", "achieved/s", "p50 ms", "p90 ms", "p99 ms",
                 "max ms", "dropped", "max waiting"});
    for (const SteadyPhase& p : r.phases) {
      const double secs = std::max(1e-9, p.seconds);
      t.AddRow({p.name, p.target_rate > 0 ? absl::StrFormat("%.0f", p.target_rate) : "closed",
                absl::StrFormat("%.0f", p.offered / std::max(1e-9, p.nominal_seconds)),
                absl::StrFormat("%.0f", p.completed / secs), Ms(p.latency.PercentileMs(0.5)),
                Ms(p.latency.PercentileMs(0.9)), Ms(p.latency.PercentileMs(0.99)),
                Ms(p.latency.MaxMs()), std::to_string(p.dropped), std::to_string(p.max_waiting)});
    }
    out +=
        "  steady: sessions per phase; latency of every call, a session's first counted from "
        "its intended start\n";
    out += t.Render("  ");
  }
  if (r.economy) {
    const EconomyFigures& e = *r.economy;
    out += absl::StrFormat(
        "  economy: %d units listed (%d listings short-lived), %d units bought, %d fees paid; "
        "BuyQuantity %d calls, %d found too little; %d listings refused for the seller cap; "
        "%d unique items listed, %d bought\n",
        e.units_listed, e.expiring_listed, e.units_bought, e.fees, e.quantity_buys, e.shortages,
        e.listing_limits, e.instances_listed, e.instances_bought);
  }
  if (r.whales) {
    const WhaleFigures& w = *r.whales;
    const int64_t all = std::max<int64_t>(1, w.whale_purchases + w.other_purchases);
    out += absl::StrFormat(
        "  whales: whale accounts bought %d (%.0f%%), the others %d; purchase calls that bought "
        "nothing: whales %d, others %d\n",
        w.whale_purchases, 100.0 * w.whale_purchases / all, w.other_purchases, w.whale_failed,
        w.other_failed);
  }
  std::vector<std::string> parts;
  for (const auto& [cls, n] : KeyClassAbortsOverRun(r)) {
    parts.push_back(absl::StrCat(KeyClassLabel(cls), "=", n));
  }
  if (!r.samples.empty() && !r.samples.back().key_class_aborts.empty()) {
    out += "  watch aborts by key class (the store's INFO transactions): " +
           (parts.empty() ? std::string("none") : absl::StrJoin(parts, " ")) + "\n";
  }
  return out;
}

}  // namespace

std::string KeyClassLabel(const std::string& key_class) {
  return key_class.empty() ? "\"\"" : key_class;
}

std::map<std::string, int64_t> KeyClassAbortsOverRun(const RunResult& run) {
  if (run.samples.size() < 2) return {};
  return Delta(run.samples.back().key_class_aborts, run.samples.front().key_class_aborts);
}

std::vector<SecondView> PerSecond(const RunResult& run) {
  const auto& tl = run.totals->timeline();
  const auto& sm = run.samples;
  // Whole seconds only: the last bucket is partial unless it is the only one.
  const size_t n = tl.size() > 1 ? tl.size() - 1 : tl.size();
  std::vector<SecondView> out;
  const int list = static_cast<int>(Op::kList), buy = static_cast<int>(Op::kPurchase);
  for (size_t i = 0; i < n; ++i) {
    SecondView v;
    v.second = static_cast<int>(i);
    for (int op = 0; op < kOpCount; ++op) {
      v.ok[op] = tl[i].ok[op];
      v.calls += tl[i].ok[op] + tl[i].failed[op];
    }
    v.purchase_p50 = tl[i].latency[buy].PercentileMs(0.5);
    v.purchase_p99 = tl[i].latency[buy].PercentileMs(0.99);
    v.list_p50 = tl[i].latency[list].PercentileMs(0.5);
    v.list_p99 = tl[i].latency[list].PercentileMs(0.99);
    if (i + 1 < sm.size()) {
      const Sample& a = sm[i];
      const Sample& b = sm[i + 1];
      const double dt = std::max(1e-3, b.t - a.t);
      if (a.offered >= 0 && b.offered >= 0) {
        v.offered = (b.offered - a.offered) / dt;
        v.achieved = (b.completed - a.completed) / dt;
      }
      v.key_class_aborts = Delta(b.key_class_aborts, a.key_class_aborts);
      v.method_conflicts = Delta(b.method_conflicts, a.method_conflicts);
      v.listings_open = b.listings_open;
      v.median_price = b.median_price;
    }
    out.push_back(std::move(v));
  }
  return out;
}

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
    out += ScenarioFigures(sr);
    out += "  " + Invariants(sr);
  }
  return out;
}

namespace {

void WriteCounts(JsonWriter& w, const std::map<std::string, int64_t>& counts) {
  w.BeginObject();
  for (const auto& [k, v] : counts) w.Key(k).Int(v);
  w.EndObject();
}

void WriteHistogram(JsonWriter& w, const market::LatencyHistogram& h) {
  w.BeginObject().Key("avg").Double(h.MeanMs()).Key("p50").Double(h.PercentileMs(0.5));
  w.Key("p90").Double(h.PercentileMs(0.9)).Key("p99").Double(h.PercentileMs(0.99));
  w.Key("max").Double(h.MaxMs()).EndObject();
}

// The scenario's figures and the per-second view.
void WriteScenarioFigures(JsonWriter& w, const RunResult& r) {
  w.Key("description").String(r.description);
  if (r.drop) {
    const DropFigures& d = *r.drop;
    w.Key("drop").BeginObject().Key("units").Int(d.units).Key("buyers").Int(d.buyers);
    w.Key("winners").Int(d.winners).Key("listed_ms").Double(d.listed_us / 1e3);
    w.Key("sold_out_ms").Double(d.sold_out_us / 1e3);
    w.Key("wasted_attempts").Int(d.wasted_attempts).Key("gave_up").Int(d.gave_up);
    w.Key("first_come_share").Double(d.first_come_share);
    w.Key("rank_correlation").Double(d.rank_correlation).EndObject();
  }
  if (!r.phases.empty()) {
    w.Key("phases").BeginArray();
    for (const SteadyPhase& p : r.phases) {
      const double secs = std::max(1e-9, p.seconds);
      w.BeginObject().Key("name").String(p.name).Key("target_rate").Double(p.target_rate);
      w.Key("seconds").Double(p.seconds).Key("offered").Int(p.offered);
      w.Key("started").Int(p.started).Key("completed").Int(p.completed);
      w.Key("nominal_seconds").Double(p.nominal_seconds);
      w.Key("offered_per_second").Double(p.offered / std::max(1e-9, p.nominal_seconds));
      w.Key("achieved_per_second").Double(p.completed / secs);
      w.Key("dropped").Int(p.dropped).Key("max_waiting").Int(static_cast<int64_t>(p.max_waiting));
      w.Key("latency_ms");
      WriteHistogram(w, p.latency);
      w.EndObject();
    }
    w.EndArray();
  }
  if (r.economy) {
    const EconomyFigures& e = *r.economy;
    w.Key("economy").BeginObject().Key("units_listed").Int(e.units_listed);
    w.Key("expiring_listed").Int(e.expiring_listed).Key("units_bought").Int(e.units_bought);
    w.Key("fees").Int(e.fees).Key("quantity_buys").Int(e.quantity_buys);
    w.Key("shortages").Int(e.shortages).Key("listing_limits").Int(e.listing_limits);
    w.Key("instances_listed").Int(e.instances_listed);
    w.Key("instances_bought").Int(e.instances_bought).EndObject();
  }
  if (r.whales) {
    const WhaleFigures& f = *r.whales;
    w.Key("whales").BeginObject().Key("whale_purchases").Int(f.whale_purchases);
    w.Key("other_purchases").Int(f.other_purchases).Key("whale_failed").Int(f.whale_failed);
    w.Key("other_failed").Int(f.other_failed).EndObject();
  }
  w.Key("aborts_by_key_class");
  WriteCounts(w, KeyClassAbortsOverRun(r));
  w.Key("timeline").BeginArray();
  for (const SecondView& v : PerSecond(r)) {
    w.BeginObject().Key("second").Int(v.second).Key("calls").Int(v.calls);
    if (v.offered >= 0) w.Key("offered").Double(v.offered).Key("achieved").Double(v.achieved);
    w.Key("listed").Int(v.ok[static_cast<int>(Op::kList)]);
    w.Key("bought").Int(v.ok[static_cast<int>(Op::kPurchase)]);
    w.Key("purchase_p50_ms").Double(v.purchase_p50).Key("purchase_p99_ms").Double(v.purchase_p99);
    w.Key("list_p50_ms").Double(v.list_p50).Key("list_p99_ms").Double(v.list_p99);
    w.Key("aborts_by_key_class");
    WriteCounts(w, v.key_class_aborts);
    w.Key("market_watch_conflicts");
    WriteCounts(w, v.method_conflicts);
    w.Key("listings_open").Int(v.listings_open).Key("median_price").Int(v.median_price);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string JsonReport(const std::vector<ScenarioRun>& runs, const RunContext& context) {
  JsonWriter w;
  bool all_ok = true;
  w.BeginObject().Key("context").BeginObject().Key("commit").String(context.commit);
  w.Key("machine").String(context.machine).Key("cores").Int(context.cores);
  w.Key("flags").BeginObject();
  for (const auto& [k, v] : context.flags) w.Key(k).String(v);
  w.EndObject().EndObject();
  w.Key("runs").BeginArray();
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
      w.Key("value").Int(s.value);  // sum of the prices of successful list/purchase calls
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
    WriteScenarioFigures(w, *sr.run);
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
