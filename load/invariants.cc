#include "load/invariants.h"

#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "market/events.h"
#include "market/key_schema.h"
#include "market/types.h"
#include "resp/cluster.h"
#include "resp/connection.h"

namespace bazaar::load {
namespace {

using client::RespReply;

int64_t Num(const RespReply& r) {
  if (r.type == RespReply::Type::kInteger) return r.integer;
  int64_t v = 0;
  (void)absl::SimpleAtoi(r.str, &v);
  return v;
}

class StoreReader {
 public:
  explicit StoreReader(client::RespConnection* c) : c_(c) {}
  absl::StatusOr<RespReply> Cmd(const std::vector<std::string>& argv) {
    auto r = c_->Command(argv);
    if (!r.ok()) return r.status();
    if (r->is_error()) return absl::InternalError(absl::StrCat(argv[0], ": ", r->str));
    return r;
  }
  // Every key matching `pattern`, by SCAN.
  absl::StatusOr<std::vector<std::string>> Keys(const std::string& pattern) {
    std::vector<std::string> keys;
    std::string cursor = "0";
    do {
      auto r = Cmd({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      if (!r.ok()) return r.status();
      if (r->elements.size() != 2) return absl::InternalError("bad SCAN reply");
      cursor = r->elements[0].str;
      for (const auto& k : r->elements[1].elements) keys.push_back(k.str);
    } while (cursor != "0");
    return keys;
  }

 private:
  client::RespConnection* c_;
};

// Expected `want` (+ up to `slack` uncertain calls); appends a problem otherwise.
void ExpectRange(const std::string& what, int64_t got, int64_t want, int64_t slack,
                 std::vector<std::string>* problems) {
  if (got < want || got > want + slack) {
    problems->push_back(absl::StrCat(what, ": store has ", got, ", clients saw ", want,
                                     slack ? absl::StrCat(" (+", slack, " uncertain)") : ""));
  }
}

// Money per currency as the users' hashes and the sink hold it. Wallet fields are "funds" (the
// default currency, whose name the store does not hold) and "funds:<c>"; credited:<c> and
// debited:<c> name every currency. A currency with a credit, a debit or a fee always has some
// user's funds:<c> field unless it is the default, so the one named only in credited/debited/sink
// is the default.
struct Ledger {
  std::map<std::string, int64_t> held;  // "" = the default currency
  std::map<std::string, int64_t> credited, debited, sink;
  std::string default_currency;  // learned in CheckEconomy ("" when no credit names it)
  void Add(const std::string& field, int64_t v) {
    if (field.rfind("credited:", 0) == 0) credited[field.substr(9)] += v;
    if (field.rfind("debited:", 0) == 0) debited[field.substr(8)] += v;
  }
};

// The economy's whole-store checks: every non-default currency conserved (held + sink ==
// credited - debited), every item type conserved (stacks + listed == granted), no negative
// stack, every listing well formed and in its market's index at its price. Instance listings
// are counted in rep->instance_listings (the caller's item count), not by type.
absl::Status CheckEconomy(StoreReader& db, const market::KeySchema& keys, Ledger* ledger,
                          InvariantReport* rep) {
  auto& problems = rep->problems;
  auto sink = db.Cmd({"HGETALL", keys.Sink()});
  if (!sink.ok()) return sink.status();
  for (size_t i = 0; i + 1 < sink->elements.size(); i += 2) {
    ledger->sink[sink->elements[i].str] += Num(sink->elements[i + 1]);
  }
  std::set<std::string> named;
  for (const auto* m : {&ledger->credited, &ledger->debited, &ledger->sink}) {
    for (const auto& [c, v] : *m) {
      if (!ledger->held.count(c)) named.insert(c);
    }
  }
  if (named.size() > 1) {
    problems.push_back(absl::StrCat("currencies with credits or fees but no balance anywhere: ",
                                    *named.begin(), ", ", *named.rbegin()));
  }
  if (!named.empty()) ledger->default_currency = *named.begin();
  for (const auto& [c, held] : ledger->held) {
    if (c.empty()) continue;
    rep->currencies[c] = held;
    const int64_t sources = ledger->credited[c] - ledger->debited[c];
    if (held + ledger->sink[c] != sources) {
      problems.push_back(absl::StrCat(c, " not conserved: ", held, " held + ", ledger->sink[c],
                                      " in the fee sink != ", sources, " credited - debited"));
    }
  }
  rep->fee_sink = ledger->sink;
  std::map<std::string, int64_t> items, granted;
  for (const auto& [pattern, sums] :
       {std::pair{keys.Stacks("*"), &items}, std::pair{keys.Granted("*"), &granted}}) {
    auto found = db.Keys(pattern);
    if (!found.ok()) return found.status();
    for (const auto& key : *found) {
      auto h = db.Cmd({"HGETALL", key});
      if (!h.ok()) return h.status();
      for (size_t i = 0; i + 1 < h->elements.size(); i += 2) {
        const int64_t q = Num(h->elements[i + 1]);
        if (sums == &items && q <= 0) {
          problems.push_back(absl::StrCat(key, " holds ", q, " ", h->elements[i].str));
        }
        (*sums)[h->elements[i].str] += q;
      }
    }
  }
  auto lots = db.Keys(keys.Lot("*"));
  if (!lots.ok()) return lots.status();
  int bad = 0;
  for (const auto& key : *lots) {
    const std::string id = key.substr(keys.Lot("").size());
    auto h = db.Cmd({"HMGET", key, "seller", "type", "quantity", "price", "currency", "item"});
    if (!h.ok()) return h.status();
    const auto& v = h->elements;
    const int64_t q = Num(v[2]);
    const bool instance = !v[5].is_nil();
    if (instance) {
      ++rep->instance_listings;
      if (q != 1 && ++bad <= 3) {
        problems.push_back(absl::StrCat("instance listing ", id, " has quantity ", q));
      }
    } else {
      ++rep->stack_listings;
      items[v[1].str] += q;
    }
    auto score = db.Cmd({"ZSCORE", keys.Lots(v[4].str, v[1].str, instance),
                         market::KeySchema::LotMember(id, v[0].str)});
    if (!score.ok()) return score.status();
    if ((q <= 0 || score->str != v[3].str) && ++bad <= 3) {
      problems.push_back(absl::StrCat("stack listing ", id, " has quantity ", q, ", price ",
                                      v[3].str, ", its market index says '", score->str, "'"));
    }
  }
  for (const auto& [type, n] : granted) {
    rep->item_types[type] = items[type];
    if (items[type] != n) {
      problems.push_back(absl::StrCat(type, " not conserved: ", items[type],
                                      " held or listed != ", n, " granted"));
    }
  }
  return absl::OkStatus();
}

// The reaper keeps changing the store after a run (short-lived listings expire): reading while
// it works would tear the counts. Waits until no stack listing is due within 3 s, or the due ones
// are 5 s overdue (no reaper is running: nothing changes), at most 30 s.
absl::Status AwaitExpiries(StoreReader& db, const market::KeySchema& keys, InvariantReport* rep) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  for (;;) {
    auto time = db.Cmd({"TIME"});
    if (!time.ok()) return time.status();
    auto first = db.Cmd({"ZRANGE", keys.LotExpiry(), "0", "0", "WITHSCORES"});
    if (!first.ok()) return first.status();
    if (first->elements.size() < 2 || time->elements.size() != 2) return absl::OkStatus();
    const int64_t now_ms = Num(time->elements[0]) * 1000 + Num(time->elements[1]) / 1000;
    const int64_t due_ms = Num(first->elements[1]);
    if (due_ms > now_ms + 3000 || due_ms < now_ms - 5000) return absl::OkStatus();
    if (absl::Now() > give_up) {
      rep->problems.push_back("stack listings kept expiring for 30 s: the counts may be torn");
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

// Replays the event log and compares what it rebuilds with the store (see invariants.h).
absl::Status ReplayEventLog(StoreReader& db, const market::KeySchema& keys,
                            const std::vector<std::string>& user_keys,
                            const std::map<std::string, int64_t>& funds_of,
                            const std::map<std::string, std::map<std::string, int64_t>>& wallets,
                            const RespReply& market, InvariantReport* rep) {
  auto info = db.Cmd({"XINFO", "STREAM", keys.Events()});
  if (!info.ok()) return absl::OkStatus();  // no log (ERR no such key)
  int64_t length = -1, added = -1;
  for (size_t i = 0; i + 1 < info->elements.size(); i += 2) {
    if (info->elements[i].str == "length") length = Num(info->elements[i + 1]);
    if (info->elements[i].str == "entries-added") added = Num(info->elements[i + 1]);
  }
  if (length < 0 || added != length) return absl::OkStatus();  // trimmed: cannot start from empty
  market::ReplayState state;
  std::string start = "-";
  for (;;) {
    auto page = db.Cmd({"XRANGE", keys.Events(), start, "+", "COUNT", "1000"});
    if (!page.ok()) return page.status();
    for (const auto& entry : page->elements) {
      if (entry.elements.size() != 2) return absl::InternalError("bad XRANGE reply");
      std::vector<std::string> fields;
      for (const auto& f : entry.elements[1].elements) fields.push_back(f.str);
      if (absl::Status s = market::ApplyEvent(fields, &state); !s.ok()) {
        rep->problems.push_back(absl::StrCat("event log: ", s.message()));
        return absl::OkStatus();
      }
      start = "(" + entry.elements[0].str;
    }
    if (page->elements.size() < 1000) break;
  }
  rep->events_replayed = true;
  rep->events = state.events;
  int mismatches = 0;
  auto mismatch = [&](const std::string& what) {
    if (++mismatches <= 5) rep->problems.push_back("event log replay: " + what);
  };
  for (const auto& key : user_keys) {
    const std::string user = key.substr(keys.User("").size());
    auto funds = state.funds.find(user);
    if (funds == state.funds.end()) {
      ++rep->users_before_log;
      continue;
    }
    ++rep->event_users_checked;
    if (funds->second != funds_of.at(user)) {
      mismatch(absl::StrCat(user, " has ", funds_of.at(user), ", the log says ", funds->second));
    }
    auto inv = db.Cmd({"SMEMBERS", keys.Inventory(user)});
    if (!inv.ok()) return inv.status();
    std::set<std::string> held;
    for (const auto& e : inv->elements) held.insert(e.str);
    if (held != state.inventory[user]) {
      mismatch(absl::StrCat(user, " holds ", held.size(), " items, the log says ",
                            state.inventory[user].size()));
    }
    // The economy: other currencies and stacks (zero entries are no fields in the store).
    std::map<std::string, int64_t> logged_wallet, logged_stacks, stacks;
    for (const auto& [c, v] : state.wallets[user]) {
      if (v != 0) logged_wallet[c] = v;
    }
    for (const auto& [t, q] : state.stacks[user]) {
      if (q != 0) logged_stacks[t] = q;
    }
    std::map<std::string, int64_t> wallet;
    auto w = wallets.find(user);
    for (const auto& [c, v] : w == wallets.end() ? std::map<std::string, int64_t>{} : w->second) {
      if (v != 0) wallet[c] = v;
    }
    if (wallet != logged_wallet) {
      mismatch(absl::StrCat(user, "'s wallet differs from the log's (", wallet.size(), " vs ",
                            logged_wallet.size(), " currencies)"));
    }
    auto st = db.Cmd({"HGETALL", keys.Stacks(user)});
    if (!st.ok()) return st.status();
    for (size_t i = 0; i + 1 < st->elements.size(); i += 2) {
      stacks[st->elements[i].str] = Num(st->elements[i + 1]);
    }
    if (stacks != logged_stacks) {
      mismatch(absl::StrCat(user, "'s stacks differ from the log's (", stacks.size(), " vs ",
                            logged_stacks.size(), " types)"));
    }
  }
  for (const auto& [id, lot] : state.lots) {
    auto q = db.Cmd({"HGET", keys.Lot(id), "quantity"});
    if (!q.ok()) return q.status();
    if (Num(*q) != lot.quantity) {
      mismatch(absl::StrCat("stack listing ", id, " has ", q->str, " left, the log says ",
                            lot.quantity));
    }
  }
  std::map<std::string, int64_t> listed;
  for (size_t i = 0; i + 1 < market.elements.size(); i += 2) {
    std::string item, seller;
    if (market::KeySchema::ParseMember(market.elements[i].str, &item, &seller) &&
        state.funds.count(seller)) {
      listed[market.elements[i].str] = Num(market.elements[i + 1]);
    }
  }
  if (listed != state.listings) {
    mismatch(absl::StrCat("market: has ", listed.size(), " listings by logged users, the log says ",
                          state.listings.size()));
  }
  if (mismatches > 5) rep->problems.push_back(absl::StrCat(mismatches, " replay mismatches"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<InvariantReport> CheckInvariants(const std::string& store,
                                                const std::string& key_prefix, const RunResult& run,
                                                const std::string& password) {
  auto options = client::ResolveStoreAddress(store, key_prefix, password);
  if (!options.ok()) return options.status();
  options->command_timeout = std::chrono::seconds(30);
  auto conn = client::RespConnection::Connect(*options);
  if (!conn.ok()) return conn.status();
  StoreReader db(conn->get());
  market::KeySchema keys(key_prefix);
  InvariantReport rep;
  auto& problems = rep.problems;

  if (absl::Status s = AwaitExpiries(db, keys, &rep); !s.ok()) return s;

  // Whole store.
  auto users = db.Keys(key_prefix + "users:*");
  if (!users.ok()) return users.status();
  std::map<std::string, int64_t> funds_of;
  std::map<std::string, std::map<std::string, int64_t>> wallets;  // user -> other currencies
  Ledger ledger;
  for (const auto& key : *users) {
    auto h = db.Cmd({"HGETALL", key});
    if (!h.ok()) return h.status();
    std::string user = key.substr(key_prefix.size() + 6);
    std::map<std::string, int64_t> f;
    for (size_t i = 0; i + 1 < h->elements.size(); i += 2) {
      f[h->elements[i].str] = Num(h->elements[i + 1]);
    }
    const int64_t funds = f["funds"];
    funds_of[user] = funds;
    rep.store_initial_funds += f["initial_funds"];
    rep.store_granted += f["items_granted"];
    for (const auto& [field, v] : f) {
      if (field != "funds" && field.rfind("funds:", 0) != 0) {
        ledger.Add(field, v);  // credited:<c>, debited:<c>
        continue;
      }
      const std::string currency = field == "funds" ? "" : field.substr(6);
      ledger.held[currency] += v;
      if (!currency.empty()) wallets[user][currency] = v;
      if (v < 0) {
        ++rep.negative_balances;
        problems.push_back(absl::StrCat("negative balance: ", user, " has ", v, " ",
                                        currency.empty() ? "funds" : currency));
      }
      if (v > market::kMaxAmount) {
        ++rep.balances_over_maximum;
        problems.push_back(absl::StrCat("balance over the maximum of ", market::kMaxAmount, ": ",
                                        user, " has ", v, " ",
                                        currency.empty() ? "funds" : currency));
      }
    }
    auto n = db.Cmd({"SCARD", keys.Inventory(user)});
    if (!n.ok()) return n.status();
    rep.store_items += n->integer;
  }
  rep.store_funds = ledger.held[""];
  if (absl::Status s = CheckEconomy(db, keys, &ledger, &rep); !s.ok()) return s;
  auto market = db.Cmd({"ZRANGE", keys.Market(), "0", "-1", "WITHSCORES"});
  if (!market.ok()) return market.status();
  rep.store_listings = static_cast<int64_t>(market->elements.size() / 2);
  // The default currency (funds): what users hold plus the fee sink is what they were given,
  // credited and not debited.
  rep.store_fees = ledger.sink[ledger.default_currency];
  rep.store_net_credits =
      ledger.credited[ledger.default_currency] - ledger.debited[ledger.default_currency];
  const int64_t sources = rep.store_initial_funds + rep.store_net_credits;
  if (rep.store_funds + ledger.sink[ledger.default_currency] != sources) {
    problems.push_back(absl::StrCat(
        "funds not conserved: ", rep.store_funds, " held + ", ledger.sink[ledger.default_currency],
        " in the fee sink != ", sources, " given, credited and not debited"));
  }
  if (rep.store_items + rep.store_listings + rep.instance_listings != rep.store_granted) {
    problems.push_back(absl::StrCat("items not conserved: ", rep.store_items, " in inventories + ",
                                    rep.store_listings, " listed + ", rep.instance_listings,
                                    " in economy listings != ", rep.store_granted, " granted"));
  }

  if (auto st = ReplayEventLog(db, keys, *users, funds_of, wallets, *market, &rep); !st.ok()) {
    return st;
  }

  if (run.economy) {
    // This run's buyers hold exactly the units and unique items they were told they bought
    // (types and item ids are per run; buyers never list).
    for (const auto& b : run.buyers) {
      auto h = db.Cmd({"HGETALL", keys.Stacks(b)});
      if (!h.ok()) return h.status();
      for (size_t i = 1; i < h->elements.size(); i += 2) rep.run_buyer_items += Num(h->elements[i]);
      auto n = db.Cmd({"SCARD", keys.Inventory(b)});
      if (!n.ok()) return n.status();
      rep.run_buyer_items += n->integer;
    }
    const OpStats& buy = run.totals->stats(Op::kPurchase);
    ExpectRange("units held by buyers vs units bought", rep.run_buyer_items, buy.value,
                buy.uncertain * 5, &problems);
    rep.ok = problems.empty();
    return rep;
  }

  // This run: where each of its items is.
  const std::string seller_prefix = run.run_id + "-s";
  std::map<std::string, int> places;  // item -> places found
  int bad_listing_keys = 0;
  for (size_t i = 0; i + 1 < market->elements.size(); i += 2) {
    const std::string& member = market->elements[i].str;
    auto price = db.Cmd({"GET", key_prefix + "listing:" + member});
    if (!price.ok()) return price.status();
    if (price->str != market->elements[i + 1].str && ++bad_listing_keys <= 3) {
      problems.push_back(absl::StrCat("listing key of ", member, " is '", price->str,
                                      "', market: says ", market->elements[i + 1].str));
    }
    std::string item, seller;
    if (market::KeySchema::ParseMember(member, &item, &seller) &&
        seller.rfind(seller_prefix, 0) == 0) {
      ++places[item];
      ++rep.run_listings;
    }
  }
  auto count_inventory = [&](const std::string& user, int64_t* total) -> absl::Status {
    auto inv = db.Cmd({"SMEMBERS", keys.Inventory(user)});
    if (!inv.ok()) return inv.status();
    for (const auto& e : inv->elements) {
      ++places[e.str];
      ++*total;
    }
    return absl::OkStatus();
  };
  for (const auto& s : run.sellers) {
    if (auto st = count_inventory(s, &rep.run_seller_items); !st.ok()) return st;
    rep.run_seller_funds += funds_of[s];
  }
  for (const auto& b : run.buyers) {
    if (auto st = count_inventory(b, &rep.run_buyer_items); !st.ok()) return st;
  }
  int duplicates = 0;
  for (const auto& [item, n] : places) {
    if (n != 1 && ++duplicates <= 5) {
      problems.push_back(absl::StrCat("item ", item, " is in ", n, " places"));
    }
  }
  if (duplicates > 5) problems.push_back(absl::StrCat(duplicates, " items in several places"));
  rep.run_items_seen = static_cast<int64_t>(places.size());

  // What the clients saw against the data.
  const Recorder& t = *run.totals;
  const OpStats& grant = t.stats(Op::kGrant);
  const OpStats& list = t.stats(Op::kList);
  const OpStats& buy = t.stats(Op::kPurchase);
  const int64_t granted = run.setup_grants + grant.ok;
  ExpectRange("run items (distinct) vs grants", rep.run_items_seen, granted, grant.uncertain,
              &problems);
  ExpectRange("items held by buyers vs purchases", rep.run_buyer_items, buy.ok, buy.uncertain,
              &problems);
  // listings = listed - bought: the uncertain lists may add, uncertain purchases may remove.
  ExpectRange("run listings vs listed - bought", rep.run_listings + buy.uncertain,
              list.ok - buy.ok, list.uncertain + buy.uncertain, &problems);
  ExpectRange("sellers' inventories vs granted - listed", rep.run_seller_items + list.uncertain,
              granted - list.ok, grant.uncertain + list.uncertain, &problems);
  if (buy.uncertain == 0 && rep.run_seller_funds != buy.value) {
    problems.push_back(absl::StrCat("sellers earned ", rep.run_seller_funds, ", buyers paid ",
                                    buy.value, " in successful purchases"));
  }
  rep.ok = problems.empty();
  return rep;
}

int64_t ReadExecAbortedWatch(const std::string& store, const std::string& key_prefix,
                             const std::string& password) {
  auto options = client::ResolveStoreAddress(store, key_prefix, password);
  if (!options.ok()) return -1;
  auto conn = client::RespConnection::Connect(*options);
  if (!conn.ok()) return -1;
  auto info = (*conn)->Command({"INFO", "transactions"});
  if (!info.ok() || !info->is_string()) return -1;
  const std::string field = "exec_aborted_watch:";
  size_t at = info->str.find(field);
  int64_t v;
  if (at == std::string::npos ||
      !absl::SimpleAtoi(info->str.substr(at + field.size(),
                                         info->str.find('\r', at) - at - field.size()),
                        &v)) {
    return -1;
  }
  return v;
}

}  // namespace bazaar::load
