#include "market/events.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

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

absl::Status ApplyEvent(const std::vector<std::string>& fv, ReplayState* state) {
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < fv.size(); i += 2) f[fv[i]] = fv[i + 1];
  const std::string& type = f["type"];
  auto bad = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat("event ", state->events, " (", type, "): ", why));
  };
  auto amount = [&](const char* name, int64_t* out) {
    return absl::SimpleAtoi(f[name], out) ? absl::OkStatus()
                                          : bad(absl::StrCat("bad ", name, " '", f[name], "'"));
  };
  auto known = [&](const std::string& user) { return state->funds.count(user) > 0; };
  ++state->events;
  if (type == "user_created") {
    int64_t funds;
    if (absl::Status s = amount("funds", &funds); !s.ok()) return s;
    if (known(f["user"])) return bad("user " + f["user"] + " created twice");
    state->funds[f["user"]] = funds;
    state->inventory[f["user"]];
    return absl::OkStatus();
  }
  if (type == "item_granted") {
    if (!known(f["user"])) return bad("unknown user " + f["user"]);
    state->inventory[f["user"]].insert(f["item"]);
    return absl::OkStatus();
  }
  int64_t price;
  if (absl::Status s = amount("price", &price); !s.ok()) return s;
  const std::string member = KeySchema::Member(f["item"], f["seller"]);
  if (!known(f["seller"])) return bad("unknown seller " + f["seller"]);
  if (type == "listed") {
    if (state->inventory[f["seller"]].erase(f["item"]) == 0) {
      return bad("item " + f["item"] + " listed but not in " + f["seller"] + "'s inventory");
    }
    state->listings[member] = price;
    return absl::OkStatus();
  }
  auto listing = state->listings.find(member);
  if (listing == state->listings.end() || listing->second != price) {
    return bad("no listing " + member + " at " + f["price"]);
  }
  state->listings.erase(listing);
  if (type == "cancelled") {
    state->inventory[f["seller"]].insert(f["item"]);
    return absl::OkStatus();
  }
  if (type != "sold") return bad("unknown event type");
  if (!known(f["buyer"])) return bad("unknown buyer " + f["buyer"]);
  int64_t buyer_after, seller_after;
  if (absl::Status s = amount("buyer_funds", &buyer_after); !s.ok()) return s;
  if (absl::Status s = amount("seller_funds", &seller_after); !s.ok()) return s;
  state->inventory[f["buyer"]].insert(f["item"]);
  state->funds[f["buyer"]] -= price;
  state->funds[f["seller"]] += price;
  if (state->funds[f["buyer"]] != buyer_after || state->funds[f["seller"]] != seller_after) {
    return bad(absl::StrCat("funds after the sale: log says buyer ", buyer_after, ", seller ",
                            seller_after, "; replay has ", state->funds[f["buyer"]], ", ",
                            state->funds[f["seller"]]));
  }
  return absl::OkStatus();
}

}  // namespace bazaar::market
