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

// Replays the event log and compares what it rebuilds with the store (see invariants.h).
absl::Status ReplayEventLog(StoreReader& db, const market::KeySchema& keys,
                            const std::vector<std::string>& user_keys,
                            const std::map<std::string, int64_t>& funds_of,
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
                                                const std::string& key_prefix,
                                                const RunResult& run) {
  auto options = client::ResolveStoreAddress(store, key_prefix);
  if (!options.ok()) return options.status();
  options->command_timeout = std::chrono::seconds(30);
  auto conn = client::RespConnection::Connect(*options);
  if (!conn.ok()) return conn.status();
  StoreReader db(conn->get());
  market::KeySchema keys(key_prefix);
  InvariantReport rep;
  auto& problems = rep.problems;

  // Whole store.
  auto users = db.Keys(key_prefix + "users:*");
  if (!users.ok()) return users.status();
  std::map<std::string, int64_t> funds_of;
  for (const auto& key : *users) {
    auto f = db.Cmd({"HMGET", key, "funds", "initial_funds", "items_granted"});
    if (!f.ok()) return f.status();
    if (f->elements.size() != 3) return absl::InternalError("bad HMGET reply");
    std::string user = key.substr(key_prefix.size() + 6);
    int64_t funds = Num(f->elements[0]);
    funds_of[user] = funds;
    rep.store_funds += funds;
    rep.store_initial_funds += Num(f->elements[1]);
    rep.store_granted += Num(f->elements[2]);
    if (funds < 0) {
      ++rep.negative_balances;
      problems.push_back(absl::StrCat("negative balance: ", user, " has ", funds));
    }
    if (funds > market::kMaxAmount) {
      ++rep.balances_over_maximum;
      problems.push_back(absl::StrCat("balance over the maximum of ", market::kMaxAmount, ": ",
                                      user, " has ", funds));
    }
    auto n = db.Cmd({"SCARD", keys.Inventory(user)});
    if (!n.ok()) return n.status();
    rep.store_items += n->integer;
  }
  auto market = db.Cmd({"ZRANGE", keys.Market(), "0", "-1", "WITHSCORES"});
  if (!market.ok()) return market.status();
  rep.store_listings = static_cast<int64_t>(market->elements.size() / 2);
  if (rep.store_funds != rep.store_initial_funds) {
    problems.push_back(absl::StrCat("funds not conserved: ", rep.store_funds, " in the store, ",
                                    rep.store_initial_funds, " given initially"));
  }
  if (rep.store_items + rep.store_listings != rep.store_granted) {
    problems.push_back(absl::StrCat("items not conserved: ", rep.store_items, " in inventories + ",
                                    rep.store_listings, " listed != ", rep.store_granted,
                                    " granted"));
  }

  if (auto st = ReplayEventLog(db, keys, *users, funds_of, *market, &rep); !st.ok()) return st;

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

int64_t ReadExecAbortedWatch(const std::string& store, const std::string& key_prefix) {
  auto options = client::ResolveStoreAddress(store, key_prefix);
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
