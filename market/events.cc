#include "market/events.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "market/ops_util.h"

namespace bazaar::market {
namespace {

Argv Xadd(const std::string& key, int64_t max_len, const Event& event) {
  Argv argv = {"XADD", key};
  if (max_len > 0) argv.insert(argv.end(), {"MAXLEN", "~", std::to_string(max_len)});
  argv.insert(argv.end(), {"*", "type", event.type, "request_id", event.request_id});
  for (const auto& [field, value] : event.fields) argv.insert(argv.end(), {field, value});
  return argv;
}

}  // namespace

std::vector<Argv> EventWrites(const KeySchema& keys, int64_t max_len, const Event& event) {
  std::vector<Argv> writes = {Xadd(keys.Events(), max_len, event)};
  for (const std::string& user : event.users) writes.push_back(Xadd(keys.History(user), max_len, event));
  return writes;
}

namespace {

// One event being applied: its fields and the helpers every type uses.
struct Applier {
  std::map<std::string, std::string> f;
  ReplayState* state;
  std::string type;

  absl::Status Bad(const std::string& why) const {
    return absl::DataLossError(absl::StrCat("event ", state->events, " (", type, "): ", why));
  }
  absl::Status Amount(const char* name, int64_t* out) {
    return absl::SimpleAtoi(f[name], out) ? absl::OkStatus()
                                          : Bad(absl::StrCat("bad ", name, " '", f[name], "'"));
  }
  bool Known(const std::string& user) const { return state->funds.count(user) > 0; }
  // A user's balance in a currency (the default one is funds).
  int64_t& Balance(const std::string& user, const std::string& currency) {
    if (currency == state->default_currency) return state->funds[user];
    return state->wallets[user][currency];
  }
  // Checks a balance or quantity the event recorded against the replay's.
  absl::Status Agrees(const char* name, int64_t replayed) {
    int64_t logged;
    if (absl::Status s = Amount(name, &logged); !s.ok()) return s;
    if (logged != replayed) {
      return Bad(absl::StrCat(name, ": log says ", logged, ", replay has ", replayed));
    }
    return absl::OkStatus();
  }

  absl::Status UserCreated();
  absl::Status StackChanged();
  absl::Status WalletChanged();
  absl::Status InstanceEvent();
  absl::Status LotListed();
  absl::Status LotReturned();
  absl::Status LotSold();
};

absl::Status Applier::UserCreated() {
  int64_t funds;
  if (absl::Status s = Amount("funds", &funds); !s.ok()) return s;
  if (Known(f["user"])) return Bad("user " + f["user"] + " created twice");
  if (f.count("currency")) {
    if (!state->default_currency.empty() && state->default_currency != f["currency"]) {
      return Bad("the default currency changed from " + state->default_currency);
    }
    state->default_currency = f["currency"];
  }
  state->funds[f["user"]] = funds;
  state->inventory[f["user"]];
  return absl::OkStatus();
}

absl::Status Applier::StackChanged() {
  if (!Known(f["user"])) return Bad("unknown user " + f["user"]);
  int64_t q;
  if (absl::Status s = Amount("quantity", &q); !s.ok()) return s;
  int64_t& held = state->stacks[f["user"]][f["item_type"]];
  held += type == "item_granted" ? q : -q;
  if (held < 0) return Bad("revoked more " + f["item_type"] + " than " + f["user"] + " held");
  return Agrees("held", held);
}

absl::Status Applier::WalletChanged() {
  if (!Known(f["user"])) return Bad("unknown user " + f["user"]);
  int64_t amount;
  if (absl::Status s = Amount("amount", &amount); !s.ok()) return s;
  int64_t& balance = Balance(f["user"], f["currency"]);
  balance += type == "credited" ? amount : -amount;
  if (balance < 0) return Bad("debited below zero");
  return Agrees("balance", balance);
}

absl::Status Applier::LotListed() {
  ReplayState::Lot lot{f["seller"], f["item_type"], f["currency"]};
  if (absl::Status s = Amount("quantity", &lot.quantity); !s.ok()) return s;
  if (absl::Status s = Amount("price", &lot.price); !s.ok()) return s;
  if (!Known(lot.seller)) return Bad("unknown seller " + lot.seller);
  if (state->lots.count(f["listing_id"])) return Bad("listing " + f["listing_id"] + " twice");
  if (f.count("item")) {
    lot.item = f["item"];
    if (lot.quantity != 1 || state->inventory[lot.seller].erase(lot.item) == 0) {
      return Bad("item " + lot.item + " listed but not in " + lot.seller + "'s inventory");
    }
    state->lots[f["listing_id"]] = lot;
    return absl::OkStatus();
  }
  int64_t& held = state->stacks[lot.seller][lot.item_type];
  if (held < lot.quantity) return Bad("listed more " + lot.item_type + " than the seller held");
  held -= lot.quantity;
  state->lots[f["listing_id"]] = lot;
  return absl::OkStatus();
}

absl::Status Applier::LotReturned() {
  auto it = state->lots.find(f["listing_id"]);
  if (it == state->lots.end()) return Bad("no listing " + f["listing_id"]);
  if (absl::Status s = Agrees("quantity", it->second.quantity); !s.ok()) return s;
  if (!it->second.item.empty()) {
    state->inventory[it->second.seller].insert(it->second.item);
  } else {
    state->stacks[it->second.seller][it->second.item_type] += it->second.quantity;
  }
  state->lots.erase(it);
  return absl::OkStatus();
}

absl::Status Applier::LotSold() {
  auto it = state->lots.find(f["listing_id"]);
  if (it == state->lots.end()) return Bad("no listing " + f["listing_id"]);
  ReplayState::Lot& lot = it->second;
  const std::string buyer = f["buyer"];
  if (!Known(buyer)) return Bad("unknown buyer " + buyer);
  int64_t q, total, fee;
  for (auto [name, out] : {std::pair{"quantity", &q}, {"total", &total}, {"fee", &fee}}) {
    if (absl::Status s = Amount(name, out); !s.ok()) return s;
  }
  if (q > lot.quantity || total != q * lot.price || fee < 0 || fee > total) {
    return Bad("sale of " + f["quantity"] + " does not fit listing " + f["listing_id"]);
  }
  lot.quantity -= q;
  Balance(buyer, lot.currency) -= total;
  Balance(lot.seller, lot.currency) += total - fee;
  state->sink[lot.currency] += fee;
  if (!lot.item.empty()) {
    if (!state->inventory[buyer].insert(lot.item).second) {
      return Bad("buyer " + buyer + " already held item " + lot.item);
    }
  } else {
    state->stacks[buyer][lot.item_type] += q;
  }
  if (absl::Status s = internal::FirstError(
          {Agrees("left", lot.quantity), Agrees("buyer_funds", Balance(buyer, lot.currency)),
           Agrees("seller_funds", Balance(lot.seller, lot.currency))});
      !s.ok()) {
    return s;
  }
  if (lot.quantity == 0) state->lots.erase(it);
  return absl::OkStatus();
}

absl::Status Applier::InstanceEvent() {
  if (type == "item_granted") {
    if (!Known(f["user"])) return Bad("unknown user " + f["user"]);
    state->inventory[f["user"]].insert(f["item"]);
    return absl::OkStatus();
  }
  int64_t price;
  if (absl::Status s = Amount("price", &price); !s.ok()) return s;
  const std::string member = KeySchema::Member(f["item"], f["seller"]);
  if (!Known(f["seller"])) return Bad("unknown seller " + f["seller"]);
  if (type == "listed") {
    if (state->inventory[f["seller"]].erase(f["item"]) == 0) {
      return Bad("item " + f["item"] + " listed but not in " + f["seller"] + "'s inventory");
    }
    state->listings[member] = price;
    return absl::OkStatus();
  }
  auto listing = state->listings.find(member);
  if (listing == state->listings.end() || listing->second != price) {
    return Bad("no listing " + member + " at " + f["price"]);
  }
  state->listings.erase(listing);
  if (type == "cancelled") {
    state->inventory[f["seller"]].insert(f["item"]);
    return absl::OkStatus();
  }
  if (type != "sold") return Bad("unknown event type");
  if (!Known(f["buyer"])) return Bad("unknown buyer " + f["buyer"]);
  state->inventory[f["buyer"]].insert(f["item"]);
  state->funds[f["buyer"]] -= price;
  state->funds[f["seller"]] += price;
  return internal::FirstError({Agrees("buyer_funds", state->funds[f["buyer"]]),
                               Agrees("seller_funds", state->funds[f["seller"]])});
}

}  // namespace

absl::Status ApplyEvent(const std::vector<std::string>& fv, ReplayState* state) {
  Applier a;
  for (size_t i = 0; i + 1 < fv.size(); i += 2) a.f[fv[i]] = fv[i + 1];
  a.state = state;
  a.type = a.f["type"];
  ++state->events;
  const std::string& type = a.type;
  const bool lot = a.f.count("listing_id") > 0;
  if (type == "user_created") return a.UserCreated();
  if (type == "user_frozen" || type == "user_thawed") return absl::OkStatus();  // no holdings
  if ((type == "item_granted" && a.f.count("item_type")) || type == "item_revoked") {
    return a.StackChanged();
  }
  if (type == "credited" || type == "debited") return a.WalletChanged();
  if (lot && type == "listed") return a.LotListed();
  if (lot && (type == "cancelled" || type == "expired")) return a.LotReturned();
  if (lot && type == "sold") return a.LotSold();
  return a.InstanceEvent();
}

}  // namespace bazaar::market
