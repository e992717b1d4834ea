#include "client/cli/commands.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/cli/output.h"

namespace bazaar::client::cli {
namespace {

using Args = std::vector<std::string>;

absl::Status Usage(const std::string& text) {
  return absl::InvalidArgumentError("USAGE: " + text);
}

absl::Status Expect(const Args& a, size_t min, size_t max, const char* synopsis) {
  if (a.size() < min || a.size() > max) return Usage(absl::StrCat("expected: ", synopsis));
  return absl::OkStatus();
}

absl::Status ParseInt(const std::string& text, const char* what, int64_t* out) {
  if (!absl::SimpleAtoi(text, out)) return Usage(absl::StrCat(what, " must be an integer: ", text));
  return absl::OkStatus();
}

absl::Status User(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (a.size() >= 2 && a[1] == "create") {
    if (auto s = Expect(a, 4, 5, "user create <id> <funds> [name]"); !s.ok()) return s;
    int64_t funds;
    if (auto s = ParseInt(a[3], "funds", &funds); !s.ok()) return s;
    auto r = c->CreateUser(a[2], a.size() > 4 ? a[4] : a[2], funds, o.call);
    if (!r.ok()) return r.status();
    *out = RenderUser(r->user, &r->info, o.json);
    return absl::OkStatus();
  }
  if (a.size() >= 2 && a[1] == "show") {
    if (auto s = Expect(a, 3, 3, "user show <id>"); !s.ok()) return s;
    auto r = c->GetUser(a[2], o.call);
    if (!r.ok()) return r.status();
    *out = RenderUser(*r, nullptr, o.json);
    return absl::OkStatus();
  }
  return Usage("user create|show");
}

absl::Status Grant(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (auto s = Expect(a, 3, 3, "grant <user> <item>"); !s.ok()) return s;
  auto r = c->GrantItem(a[1], a[2], o.call);
  if (!r.ok()) return r.status();
  *out = RenderGrant(a[1], a[2], *r, o.json);
  return absl::OkStatus();
}

// stack list / list-item: the optional [currency] [duration_seconds] at a[6], a[7], then the call.
absl::Status ListStackWith(StackListingSpec spec, const Args& a, const CliOptions& o,
                           MarketClient* c, std::string* out) {
  if (a.size() > 6) spec.currency = a[6];
  if (a.size() > 7) {
    if (auto s = ParseInt(a[7], "duration_seconds", &spec.duration_seconds); !s.ok()) return s;
  }
  auto r = c->ListStack(spec, o.call);
  if (!r.ok()) return r.status();
  *out = RenderListing("listed", r->listing, &r->info, o.json);
  return absl::OkStatus();
}

// Pages of BrowseStackListings (--page_size, --cursor, --all as for browse).
absl::Status BrowseStackPages(StackBrowseRequest req, const CliOptions& o, MarketClient* c,
                              std::string* out) {
  req.page_size = o.page_size;
  req.cursor = o.cursor;
  BrowseResult all;
  do {
    auto r = c->BrowseStacks(req, o.call);
    if (!r.ok()) return r.status();
    all.listings.insert(all.listings.end(), r->listings.begin(), r->listings.end());
    all.next_cursor = r->next_cursor;
    all.total = r->total;
    req.cursor = r->next_cursor;
  } while (o.all && !req.cursor.empty());
  *out = RenderStackListings(all, o.json);
  return absl::OkStatus();
}

// stack grant|revoke|list|list-item|cancel|buy|buy-quantity|browse|browse-items|mine|show:
// stackable items and the economy's listings (of stacks, and of instances by listing id).
absl::Status Stack(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  const std::string sub = a.size() > 1 ? a[1] : "";
  int64_t n, m;
  if (sub == "grant" || sub == "revoke") {
    if (auto s = Expect(a, 5, 5, "stack grant|revoke <user> <type> <quantity>"); !s.ok()) return s;
    if (auto s = ParseInt(a[4], "quantity", &n); !s.ok()) return s;
    auto r = sub == "grant" ? c->GrantStack(a[2], a[3], n, o.call)
                            : c->RevokeStack(a[2], a[3], n, o.call);
    if (!r.ok()) return r.status();
    *out = RenderAmount("held", r->quantity, r->info, o.json);
    return absl::OkStatus();
  }
  if (sub == "list") {
    if (auto s = Expect(a, 6, 8,
                        "stack list <seller> <type> <quantity> <unit_price> [currency] "
                        "[duration_seconds]");
        !s.ok()) {
      return s;
    }
    StackListingSpec spec{a[2], a[3]};
    if (auto s = ParseInt(a[4], "quantity", &spec.quantity); !s.ok()) return s;
    if (auto s = ParseInt(a[5], "unit_price", &spec.unit_price); !s.ok()) return s;
    return ListStackWith(spec, a, o, c, out);
  }
  if (sub == "list-item") {
    if (auto s = Expect(a, 6, 8,
                        "stack list-item <seller> <item_id> <kind> <price> [currency] "
                        "[duration_seconds]");
        !s.ok()) {
      return s;
    }
    StackListingSpec spec{a[2], a[4]};
    spec.item_id = a[3];
    if (auto s = ParseInt(a[5], "price", &spec.unit_price); !s.ok()) return s;
    return ListStackWith(spec, a, o, c, out);
  }
  if (sub == "cancel") {
    if (auto s = Expect(a, 4, 4, "stack cancel <seller> <listing_id>"); !s.ok()) return s;
    auto r = c->CancelStackListing(a[2], a[3], o.call);
    if (!r.ok()) return r.status();
    *out = RenderListing("cancelled", r->listing, &r->info, o.json);
    return absl::OkStatus();
  }
  if (sub == "buy") {
    if (auto s = Expect(a, 6, 6, "stack buy <buyer> <listing_id> <quantity> <max_unit_price>");
        !s.ok()) {
      return s;
    }
    if (auto s = ParseInt(a[4], "quantity", &n); !s.ok()) return s;
    if (auto s = ParseInt(a[5], "max_unit_price", &m); !s.ok()) return s;
    auto r = c->PurchaseStack(a[2], a[3], n, m, o.call);
    if (!r.ok()) return r.status();
    *out = RenderPurchase(*r, o.json);
    return absl::OkStatus();
  }
  if (sub == "buy-quantity") {
    if (auto s = Expect(a, 6, 7,
                        "stack buy-quantity <buyer> <type> <quantity> <max_unit_price> [currency]");
        !s.ok()) {
      return s;
    }
    if (auto s = ParseInt(a[4], "quantity", &n); !s.ok()) return s;
    if (auto s = ParseInt(a[5], "max_unit_price", &m); !s.ok()) return s;
    auto r = c->BuyQuantity(a[2], a[3], a.size() > 6 ? a[6] : "", n, m, o.call);
    if (!r.ok()) return r.status();
    *out = RenderBuy(*r, o.json);
    return absl::OkStatus();
  }
  if (sub == "browse" || sub == "browse-items") {
    const std::string synopsis = "stack " + sub + " <type> [currency] [price|newest|ending_soon]";
    if (auto s = Expect(a, 3, 5, synopsis.c_str()); !s.ok()) {
      return s;
    }
    StackBrowseRequest req;
    req.item_type = a[2];
    req.instances = sub == "browse-items";
    if (a.size() > 3) req.currency = a[3];
    if (a.size() > 4) req.sort = a[4];
    return BrowseStackPages(req, o, c, out);
  }
  if (sub == "mine") {
    if (auto s = Expect(a, 3, 3, "stack mine <seller>"); !s.ok()) return s;
    StackBrowseRequest req;
    req.seller_id = a[2];
    return BrowseStackPages(req, o, c, out);
  }
  if (sub == "show") {
    if (auto s = Expect(a, 3, 3, "stack show <listing_id>"); !s.ok()) return s;
    auto r = c->GetStackListing(a[2], o.call);
    if (!r.ok()) return r.status();
    *out = RenderListing("", *r, nullptr, o.json);
    return absl::OkStatus();
  }
  return Usage(
      "stack grant|revoke|list|list-item|cancel|buy|buy-quantity|browse|browse-items|mine|show");
}

// credit|debit <user> <currency> <amount> [memo]
absl::Status Wallet(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (auto s = Expect(a, 4, 5, "credit|debit <user> <currency> <amount> [memo]"); !s.ok()) {
    return s;
  }
  int64_t amount;
  if (auto s = ParseInt(a[3], "amount", &amount); !s.ok()) return s;
  const std::string memo = a.size() > 4 ? a[4] : "";
  auto r = a[0] == "credit" ? c->Credit(a[1], a[2], amount, memo, o.call)
                            : c->Debit(a[1], a[2], amount, memo, o.call);
  if (!r.ok()) return r.status();
  *out = RenderAmount("balance", r->balance, r->info, o.json);
  return absl::OkStatus();
}

absl::Status List(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (auto s = Expect(a, 4, 4, "list <seller> <item> <price>"); !s.ok()) return s;
  int64_t price;
  if (auto s = ParseInt(a[3], "price", &price); !s.ok()) return s;
  auto r = c->ListItem(a[1], a[2], price, o.call);
  if (!r.ok()) return r.status();
  *out = RenderListing("listed", r->listing, &r->info, o.json);
  return absl::OkStatus();
}

absl::Status Cancel(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (auto s = Expect(a, 3, 3, "cancel <seller> <item>"); !s.ok()) return s;
  auto r = c->CancelListing(a[1], a[2], o.call);
  if (!r.ok()) return r.status();
  *out = RenderListing("cancelled", r->listing, &r->info, o.json);
  return absl::OkStatus();
}

absl::Status Buy(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (auto s = Expect(a, 5, 5, "buy <buyer> <seller> <item> <price>"); !s.ok()) return s;
  int64_t price;
  if (auto s = ParseInt(a[4], "price", &price); !s.ok()) return s;
  auto r = c->PurchaseItem(a[1], a[2], a[3], price, o.call);
  if (!r.ok()) return r.status();
  *out = RenderPurchase(*r, o.json);
  return absl::OkStatus();
}

absl::Status Browse(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (auto s = Expect(a, 1, 1, "browse [--page_size=N] [--cursor=C] [--seller=S] [--item=I] [--all]");
      !s.ok()) {
    return s;
  }
  BrowseRequest req{o.page_size, o.cursor, o.seller, o.item};
  std::vector<MarketListing> listings;
  std::string next;
  do {
    auto r = c->Browse(req, o.call);
    if (!r.ok()) return r.status();
    listings.insert(listings.end(), r->listings.begin(), r->listings.end());
    next = r->next_cursor;
    req.cursor = next;
  } while (o.all && !next.empty());
  *out = RenderListings(listings, next, o.json);
  return absl::OkStatus();
}

absl::Status Stats(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (auto s = Expect(a, 1, 1, "stats"); !s.ok()) return s;
  auto r = c->Stats(o.call);
  if (!r.ok()) return r.status();
  *out = RenderStats(*r, o.json);
  return absl::OkStatus();
}

absl::Status History(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (auto s = Expect(a, 2, 2, "history <user>"); !s.ok()) return s;
  HistoryRequest req{a[1], o.page_size, o.cursor};
  HistoryResult all;
  do {
    auto r = c->GetHistory(req, o.call);
    if (!r.ok()) return r.status();
    all.events.insert(all.events.end(), r->events.begin(), r->events.end());
    all.next_cursor = r->next_cursor;
    req.cursor = r->next_cursor;
  } while (o.all && !req.cursor.empty());
  *out = RenderHistory(all, o.json);
  return absl::OkStatus();
}

// The operators' service, MarketAdmin (an admin key).
absl::Status Admin(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  const std::string sub = a.size() > 1 ? a[1] : "";
  if (sub == "freeze" || sub == "thaw") {
    if (auto s = Expect(a, 3, 4, "admin freeze|thaw <user> [reason]"); !s.ok()) return s;
    const bool frozen = sub == "freeze";
    auto r = c->FreezeUser(a[2], frozen, a.size() > 3 ? a[3] : "", o.call);
    if (!r.ok()) return r.status();
    *out = RenderFreeze(a[2], frozen, *r, o.json);
    return absl::OkStatus();
  }
  if (sub == "cancel" || sub == "cancel-listing") {
    const bool by_id = sub == "cancel-listing";
    if (auto s = Expect(
            a, 4, 4,
            by_id ? "admin cancel-listing <seller> <listing_id>" : "admin cancel <seller> <item>");
        !s.ok()) {
      return s;
    }
    auto r = c->ForceCancelListing(a[2], by_id ? "" : a[3], by_id ? a[3] : "", o.call);
    if (!r.ok()) return r.status();
    *out = RenderListing("cancelled", r->listing, &r->info, o.json);
    return absl::OkStatus();
  }
  return Usage("admin freeze|thaw|cancel|cancel-listing ...");
}

absl::Status Watch(const Args& a, const CliOptions& o, MarketClient* c, std::string* out) {
  if (auto s = Expect(a, 1, 1, "watch [--from=ID] [--types=T,..] [--user=U] [--count=N]");
      !s.ok()) {
    return s;
  }
  int64_t seen = 0;
  auto r = c->WatchEvents(o.from, WatchFilters{o.types, o.user}, [&](const MarketEventView& e) {
    const std::string line = RenderEvent(e, o.json);
    if (o.emit) o.emit(line); else *out += line;
    return o.count == 0 || ++seen < o.count;
  });
  return r.status();
}

}  // namespace

absl::Status RunCommand(const Args& args, const CliOptions& options, MarketClient* client,
                        std::string* out) {
  if (args.empty()) return Usage("no command given");
  const std::string& cmd = args[0];
  if (cmd == "user") return User(args, options, client, out);
  if (cmd == "grant") return Grant(args, options, client, out);
  if (cmd == "list") return List(args, options, client, out);
  if (cmd == "cancel") return Cancel(args, options, client, out);
  if (cmd == "buy") return Buy(args, options, client, out);
  if (cmd == "browse") return Browse(args, options, client, out);
  if (cmd == "stack") return Stack(args, options, client, out);
  if (cmd == "credit" || cmd == "debit") return Wallet(args, options, client, out);
  if (cmd == "stats") return Stats(args, options, client, out);
  if (cmd == "history") return History(args, options, client, out);
  if (cmd == "watch") return Watch(args, options, client, out);
  if (cmd == "admin") return Admin(args, options, client, out);
  return Usage("unknown command: " + cmd);
}

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk: return 0;
    case absl::StatusCode::kInvalidArgument:
      return Reason(status) == "USAGE" ? 2 : 3;
    case absl::StatusCode::kNotFound: return 4;
    case absl::StatusCode::kAlreadyExists: return 5;
    case absl::StatusCode::kFailedPrecondition: return 6;
    case absl::StatusCode::kAborted: return 7;
    case absl::StatusCode::kUnavailable: return 8;
    case absl::StatusCode::kDeadlineExceeded: return 9;
    case absl::StatusCode::kUnauthenticated:
      return 10;
    case absl::StatusCode::kPermissionDenied:
      return 11;
    default: return 1;
  }
}

std::string UsageText() {
  return R"(bazaar-cli: operate a Bazaar market (bazaar-market) from the command line.

Usage: bazaar-cli [--market=HOST:PORT] [--json] [--timeout=5s] [--request_id=ID] COMMAND ...

Commands:
  user create <id> <funds> [name]     create a user with initial funds
  user show <id>                      funds and inventory
  grant <user> <item>                 put an item into a user's inventory
  list <seller> <item> <price>        move an item from the inventory to the market
  cancel <seller> <item>              move a listed item back to its seller
  buy <buyer> <seller> <item> <price> buy a listing at the price seen
  stack grant|revoke <user> <type> <quantity>
                                      add to / take from a user's stack of an item type
  stack list <seller> <type> <quantity> <unit_price> [currency] [duration_seconds]
                                      list part of a stack; prints its listing id
  stack list-item <seller> <item_id> <kind> <price> [currency] [duration_seconds]
                                      list an instance as the economy does (listing id,
                                      currency, expiry, fee); buy and cancel it by that id
  stack buy <buyer> <listing_id> <quantity> <max_unit_price>
                                      buy part or all of a stack listing, at that price or less
  stack buy-quantity <buyer> <type> <quantity> <max_unit_price> [currency]
                                      buy from the cheapest listings, all or nothing
  stack browse <type> [currency] [price|newest|ending_soon] [--page_size=N] [--cursor=C] [--all]
                                      one market's stack listings, with the total
  stack browse-items <kind> [currency] [price|newest|ending_soon] [...as browse]
                                      one kind's instance listings of the economy
  stack mine <seller>                 a seller's open economy listings, newest first
  stack cancel <seller> <listing_id>  take what is left of an economy listing back
  stack show <listing_id>             one economy listing
  credit|debit <user> <currency> <amount> [memo]
                                      change a wallet (a ledger event records it)
  browse [--page_size=N] [--cursor=C] [--seller=S] [--item=I] [--all]
                                      listings by price (--all follows every page)
  stats                               the market's counters and latencies
  history <user> [--page_size=N] [--cursor=C] [--all]
                                      a user's events, newest first
  watch [--from=ID] [--types=T,...] [--user=U] [--count=N]
                                      the event log after ID ("" all, "$" new only), then
                                      live; resumes by id across disconnects; one line each
  admin freeze|thaw <user> [reason]   (MarketAdmin) refuse / allow again a user's own trades
  admin cancel <seller> <item>        (MarketAdmin) cancel a listing for its seller, frozen
  admin cancel-listing <seller> <listing_id>
                                      or not; the second form for economy listings

Output is a readable table; --json prints one JSON object on stdout instead (errors too:
{"ok":false,"code":...,"reason":...,"message":...}). Mutating commands send a request id
(--request_id, or a fresh one), reused when the client retries an UNAVAILABLE call.

Security: --tls [--tls_ca_file=PEM] [--tls_cert_file=PEM --tls_key_file=PEM]
[--tls_server_name=N] speaks TLS (mutual with a client certificate); the API key comes from the
BAZAAR_API_KEY environment variable (never a flag: flags show in ps); a game key acts for the
player --acting_user names.

Exit codes:
  0 success                    5 ALREADY_EXISTS (user exists, item owned)
  1 other error (INTERNAL...)  6 FAILED_PRECONDITION (price changed, funds, not in inventory)
  2 usage error                7 ABORTED (contention: attempts ran out)
  3 INVALID_ARGUMENT           8 UNAVAILABLE (market or store unreachable)
  4 NOT_FOUND (user, listing)  9 DEADLINE_EXCEEDED
                              10 UNAUTHENTICATED (no or unknown key)
                              11 PERMISSION_DENIED (not for the key's role)
)";
}

}  // namespace bazaar::client::cli
