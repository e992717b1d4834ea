#include "client/cli/output.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/format/json_writer.h"
#include "client/format/text_table.h"

namespace bazaar::client::cli {
namespace {

void InfoJson(const OpInfo& info, JsonWriter* w) {
  w->Key("info").BeginObject();
  w->Key("attempts").Int(info.attempts).Key("replayed").Bool(info.replayed);
  w->Key("rpcs").Int(info.rpcs).Key("request_id").String(info.request_id);
  w->Key("event_id").String(info.event_id);
  w->EndObject();
}

std::string InfoLine(const OpInfo& info) {
  return absl::StrCat("attempts ", info.attempts, info.replayed ? " (replayed)" : "",
                      ", request_id ", info.request_id,
                      info.event_id.empty() ? "" : ", event " + info.event_id, "\n");
}

// The type column of an economy listing: the stack's type, or "<kind> <item id>" for an
// instance.
std::string LotWhat(const MarketListing& l) {
  return l.item_id.empty() ? l.item_type : l.item_type + " " + l.item_id;
}

void ListingJson(const MarketListing& l, JsonWriter* w) {
  w->BeginObject().Key("item_id").String(l.item_id).Key("seller_id").String(l.seller_id);
  w->Key("price").Int(l.price);
  if (!l.listing_id.empty()) {
    w->Key("listing_id").String(l.listing_id).Key("item_type").String(l.item_type);
    w->Key("quantity").Int(l.quantity).Key("currency").String(l.currency);
    w->Key("created_ms").Int(l.created_ms).Key("expires_ms").Int(l.expires_ms);
  }
  w->EndObject();
}

void CountsJson(const char* key, const std::map<std::string, int64_t>& counts, JsonWriter* w) {
  w->Key(key).BeginObject();
  for (const auto& [name, n] : counts) w->Key(name).Int(n);
  w->EndObject();
}

std::string CountsLine(const char* what, const std::map<std::string, int64_t>& counts) {
  std::vector<std::string> parts;
  for (const auto& [name, n] : counts) parts.push_back(absl::StrCat(name, "=", n));
  return parts.empty() ? "" : absl::StrCat(what, ": ", absl::StrJoin(parts, " "), "\n");
}

}  // namespace

std::string RenderUser(const MarketUser& user, const OpInfo* info, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("user").BeginObject();
    w.Key("user_id").String(user.id).Key("name").String(user.name).Key("funds").Int(user.funds);
    w.Key("inventory").BeginArray();
    for (const auto& item : user.inventory) w.String(item);
    w.EndArray();
    CountsJson("wallet", user.wallet, &w);
    CountsJson("stacks", user.stacks, &w);
    w.Key("frozen").Bool(user.frozen);
    w.EndObject();
    if (info != nullptr) InfoJson(*info, &w);
    w.EndObject();
    return w.str() + "\n";
  }
  TextTable t({"user", "name", "funds", "items"});
  t.AddRow({user.id, user.name, std::to_string(user.funds), std::to_string(user.inventory.size())});
  std::string out = t.Render();
  if (!user.inventory.empty()) out += "inventory: " + absl::StrJoin(user.inventory, " ") + "\n";
  out += CountsLine("wallet", user.wallet) + CountsLine("stacks", user.stacks);
  if (user.frozen) out += "frozen: their own trades are refused\n";
  if (info != nullptr) out += InfoLine(*info);
  return out;
}

std::string RenderListing(const std::string& action, const MarketListing& l, const OpInfo* info,
                          bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("listing");
    ListingJson(l, &w);
    if (info != nullptr) InfoJson(*info, &w);
    w.EndObject();
    return w.str() + "\n";
  }
  std::string out = action.empty() ? "" : action + "\n";
  if (!l.listing_id.empty()) {
    TextTable t({"listing", "seller", "type", "quantity", "unit price", "expires (ms)"});
    t.AddRow({l.listing_id, l.seller_id, LotWhat(l), std::to_string(l.quantity),
              absl::StrCat(l.price, " ", l.currency), std::to_string(l.expires_ms)});
    out += t.Render();
  } else {
    TextTable t({"item", "seller", "price"});
    t.AddRow({l.item_id, l.seller_id, std::to_string(l.price)});
    out += t.Render();
  }
  if (info != nullptr) out += InfoLine(*info);
  return out;
}

std::string RenderAmount(const std::string& what, int64_t amount, const OpInfo& info, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key(what).Int(amount);
    InfoJson(info, &w);
    w.EndObject();
    return w.str() + "\n";
  }
  return absl::StrCat(what, " ", amount, "\n", InfoLine(info));
}

std::string RenderBuy(const BuyOutcome& b, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("fills").BeginArray();
    for (const auto& f : b.fills) {
      w.BeginObject().Key("listing_id").String(f.listing_id).Key("seller_id").String(f.seller_id);
      w.Key("quantity").Int(f.quantity).Key("unit_price").Int(f.unit_price);
      w.Key("fee").Int(f.fee).EndObject();
    }
    w.EndArray().Key("quantity").Int(b.quantity).Key("total_price").Int(b.total_price);
    w.Key("fee").Int(b.fee).Key("buyer_funds").Int(b.buyer_funds);
    InfoJson(b.info, &w);
    w.EndObject();
    return w.str() + "\n";
  }
  TextTable t({"listing", "seller", "quantity", "unit price", "fee"});
  for (const auto& f : b.fills) {
    t.AddRow({f.listing_id, f.seller_id, std::to_string(f.quantity), std::to_string(f.unit_price),
              std::to_string(f.fee)});
  }
  return t.Render() + absl::StrCat("bought ", b.quantity, " for ", b.total_price, " (fee ", b.fee,
                                   "); buyer has ", b.buyer_funds, " now\n", InfoLine(b.info));
}

std::string RenderPurchase(const PurchaseOutcome& p, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("listing");
    ListingJson(p.listing, &w);
    w.Key("buyer_funds").Int(p.buyer_funds);
    w.Key("quantity").Int(p.quantity).Key("total_price").Int(p.total_price).Key("fee").Int(p.fee);
    InfoJson(p.info, &w);
    w.EndObject();
    return w.str() + "\n";
  }
  if (!p.listing.listing_id.empty()) {
    return absl::StrCat("bought ", p.quantity, " ", p.listing.item_type, " from ",
                        p.listing.seller_id, " for ", p.total_price, " ", p.listing.currency,
                        " (fee ", p.fee, "); ", p.listing.quantity, " left; buyer has ",
                        p.buyer_funds, " ", p.listing.currency, " now\n", InfoLine(p.info));
  }
  return absl::StrCat("bought ", p.listing.item_id, " from ", p.listing.seller_id, " for ",
                      p.listing.price, "; buyer funds now ", p.buyer_funds, "\n",
                      InfoLine(p.info));
}

std::string RenderGrant(const std::string& user, const std::string& item, const OpInfo& info,
                        bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("user_id").String(user).Key("item_id").String(item);
    InfoJson(info, &w);
    w.EndObject();
    return w.str() + "\n";
  }
  return absl::StrCat("granted ", item, " to ", user, "\n", InfoLine(info));
}

std::string RenderFreeze(const std::string& user, bool frozen, const OpInfo& info, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("user_id").String(user).Key("frozen").Bool(frozen);
    InfoJson(info, &w);
    w.EndObject();
    return w.str() + "\n";
  }
  return absl::StrCat(frozen ? "froze " : "thawed ", user, "\n", InfoLine(info));
}

namespace {
void EventJson(const MarketEventView& e, JsonWriter* w) {
  w->BeginObject().Key("id").String(e.id).Key("type").String(e.type);
  w->Key("request_id").String(e.request_id).Key("fields").BeginObject();
  for (const auto& [k, v] : e.fields) w->Key(k).String(v);
  w->EndObject().EndObject();
}
}  // namespace

std::string RenderEvent(const MarketEventView& e, bool json) {
  if (json) {
    JsonWriter w;
    EventJson(e, &w);
    return w.str() + "\n";
  }
  std::string line = absl::StrCat(e.id, " ", e.type);
  for (const auto& [k, v] : e.fields) absl::StrAppend(&line, " ", k, "=", v);
  if (!e.request_id.empty()) absl::StrAppend(&line, " (request ", e.request_id, ")");
  return line + "\n";
}

std::string RenderHistory(const HistoryResult& page, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("events").BeginArray();
    for (const auto& e : page.events) EventJson(e, &w);
    w.EndArray().Key("next_cursor").String(page.next_cursor).EndObject();
    return w.str() + "\n";
  }
  std::string out;
  for (const auto& e : page.events) out += RenderEvent(e, false);
  if (!page.next_cursor.empty()) absl::StrAppend(&out, "next cursor: ", page.next_cursor, "\n");
  return out;
}

std::string RenderListings(const std::vector<MarketListing>& listings,
                           const std::string& next_cursor, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("listings").BeginArray();
    for (const auto& l : listings) ListingJson(l, &w);
    w.EndArray().Key("next_cursor").String(next_cursor).EndObject();
    return w.str() + "\n";
  }
  TextTable t({"price", "item", "seller"});
  for (const auto& l : listings) t.AddRow({std::to_string(l.price), l.item_id, l.seller_id});
  std::string out = t.Render();
  out += absl::StrCat(listings.size(), " listing", listings.size() == 1 ? "" : "s");
  out += next_cursor.empty() ? " (end of market)\n" : ", next page: --cursor=" + next_cursor + "\n";
  return out;
}

std::string RenderStackListings(const BrowseResult& page, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("listings").BeginArray();
    for (const auto& l : page.listings) ListingJson(l, &w);
    w.EndArray().Key("next_cursor").String(page.next_cursor).Key("total").Int(page.total);
    w.EndObject();
    return w.str() + "\n";
  }
  TextTable t({"unit price", "quantity", "type", "seller", "listing", "expires (ms)"});
  for (const auto& l : page.listings) {
    t.AddRow({absl::StrCat(l.price, " ", l.currency), std::to_string(l.quantity), LotWhat(l),
              l.seller_id, l.listing_id, std::to_string(l.expires_ms)});
  }
  return t.Render() + absl::StrCat(page.listings.size(), " of ", page.total, " listings",
                                   page.next_cursor.empty()
                                       ? " (end)\n"
                                       : ", next page: --cursor=" + page.next_cursor + "\n");
}

std::string RenderStats(const MarketStats& s, bool json) {
  auto counts = [](const std::vector<std::pair<std::string, int64_t>>& v) {
    std::vector<std::string> parts;
    for (const auto& [name, n] : v) parts.push_back(absl::StrCat(name, "=", n));
    return parts.empty() ? std::string("-") : absl::StrJoin(parts, " ");
  };
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(true).Key("mode").String(s.mode);
    w.Key("uptime_seconds").Double(s.uptime_seconds).Key("store_up").Bool(s.store_up);
    w.Key("store_reconnects").Int(s.store_reconnects).Key("methods").BeginArray();
    for (const auto& m : s.methods) {
      w.BeginObject().Key("method").String(m.method).Key("calls").Int(m.calls);
      w.Key("ok").Int(m.ok).Key("attempts").Int(m.attempts);
      w.Key("errors").BeginObject();
      for (const auto& [name, n] : m.errors) w.Key(name).Int(n);
      w.EndObject().Key("aborts").BeginObject();
      for (const auto& [name, n] : m.aborts) w.Key(name).Int(n);
      w.EndObject();
      w.Key("latency_ms").BeginObject().Key("avg").Double(m.avg_ms).Key("p50").Double(m.p50_ms);
      w.Key("p90").Double(m.p90_ms).Key("p99").Double(m.p99_ms).Key("max").Double(m.max_ms);
      w.EndObject().EndObject();
    }
    w.EndArray().EndObject();
    return w.str() + "\n";
  }
  std::string out = absl::StrFormat("mode %s, up %.0f s, store %s, store reconnects %d\n", s.mode,
                                    s.uptime_seconds, s.store_up ? "up" : "DOWN",
                                    s.store_reconnects);
  TextTable t({"method", "calls", "ok", "attempts", "errors", "aborts", "avg ms", "p50 ms",
               "p99 ms", "max ms"});
  for (const auto& m : s.methods) {
    t.AddRow({m.method, std::to_string(m.calls), std::to_string(m.ok), std::to_string(m.attempts),
              counts(m.errors), counts(m.aborts), absl::StrFormat("%.2f", m.avg_ms),
              absl::StrFormat("%.2f", m.p50_ms), absl::StrFormat("%.2f", m.p99_ms),
              absl::StrFormat("%.2f", m.max_ms)});
  }
  return out + t.Render();
}

std::string RenderError(const absl::Status& status, bool json) {
  std::string code = absl::StatusCodeToString(status.code());
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("ok").Bool(false).Key("code").String(code);
    w.Key("reason").String(Reason(status)).Key("message").String(std::string(status.message()));
    w.Key("metadata").BeginObject();
    for (const auto& [k, v] : ErrorMetadata(status)) w.Key(k).String(v);
    w.EndObject().EndObject();
    return w.str() + "\n";
  }
  std::string out = absl::StrCat("bazaar-cli: ", code, ": ", status.message(), "\n");
  for (const auto& [k, v] : ErrorMetadata(status)) absl::StrAppend(&out, "  ", k, ": ", v, "\n");
  return out;
}

}  // namespace bazaar::client::cli
