#include "load/workload.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace bazaar::load {
namespace {

struct NamedKind {
  const char* name;
  ScenarioKind kind;
  int sellers, buyers;  // default shape
};
constexpr NamedKind kLiveScenarios[] = {
    {"drop", ScenarioKind::kDrop, 5, 500},      {"pricewar", ScenarioKind::kPriceWar, 5, 5},
    {"steady", ScenarioKind::kSteady, 20, 200}, {"whales", ScenarioKind::kWhales, 5, 10},
    {"economy", ScenarioKind::kEconomy, 5, 5},
};
constexpr int kMaxPlayers = 10000;

bool ParseShape(absl::string_view text, int* sellers, int* buyers) {
  std::vector<absl::string_view> nm = absl::StrSplit(text, 'x');
  return nm.size() == 2 && absl::SimpleAtoi(nm[0], sellers) && absl::SimpleAtoi(nm[1], buyers) &&
         *sellers >= 0 && *buyers >= 0 && *sellers + *buyers > 0 && *sellers <= kMaxPlayers &&
         *buyers <= kMaxPlayers;
}

const char* KindName(ScenarioKind k) {
  for (const auto& n : kLiveScenarios) {
    if (n.kind == k) return n.name;
  }
  return "book";
}

}  // namespace

absl::StatusOr<std::vector<Scenario>> ParseScenarios(const std::string& text) {
  std::string spec = text == "all"    ? "1x1,5x1,5x5"
                     : text == "live" ? "drop,pricewar,steady,whales"
                                      : text;
  std::vector<Scenario> out;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    Scenario s;
    s.name = std::string(part);
    std::vector<absl::string_view> at = absl::StrSplit(part, absl::MaxSplits('@', 1));
    bool ok = false;
    for (const auto& n : kLiveScenarios) {
      if (at[0] != n.name) continue;
      s.kind = n.kind;
      s.sellers = n.sellers;
      s.buyers = n.buyers;
      ok = at.size() == 1 || ParseShape(at[1], &s.sellers, &s.buyers);
      // Every live scenario needs both sides (a drop's buyers race for the sellers' units).
      ok = ok && s.sellers > 0 && s.buyers > 0;
    }
    if (s.kind == ScenarioKind::kBook) {
      ok = at.size() == 1 && ParseShape(part, &s.sellers, &s.buyers) && s.sellers <= 1000 &&
           s.buyers <= 1000;
    }
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad scenario '", part,
                       "': expected SELLERSxBUYERS (e.g. 5x5), all, live, or drop, pricewar, "
                       "steady, whales, economy "
                       "(each optionally @SELLERSxBUYERS, both at least 1)"));
    }
    out.push_back(s);
  }
  if (out.empty()) return absl::InvalidArgumentError("no scenario given");
  return out;
}

std::string DescribeWorkload(const Workload& w) {
  std::string out = absl::StrFormat("%s: %d sellers, %d buyers, seed %d, ", KindName(w.kind),
                                    w.sellers, w.buyers, w.seed);
  const std::string think = absl::StrCat("think ", absl::FormatDuration(w.think_time));
  switch (w.kind) {
    case ScenarioKind::kBook:
      absl::StrAppendFormat(&out, "%d items each, prices %d..%d, page %d, skew %g, %s",
                            w.items_per_seller, w.price_min, w.price_max, w.page_size, w.hot_skew,
                            think);
      break;
    case ScenarioKind::kDrop:
      absl::StrAppendFormat(&out,
                            "%d units each at %d (%d in all), buyers arrive %s, page %d, "
                            "skew %g",
                            w.drop_units, w.price_max, w.drop_units * w.sellers,
                            w.rate > 0
                                ? absl::StrFormat("at %g/s (Poisson)", w.rate)
                                : "over " + absl::FormatDuration(w.drop_window) + " (Poisson)",
                            w.page_size, w.hot_skew);
      break;
    case ScenarioKind::kPriceWar:
      absl::StrAppendFormat(&out, "undercut by %d, prices %d..%d, buyers take the cheapest, %s",
                            w.undercut_step, w.price_min, w.price_max, think);
      break;
    case ScenarioKind::kSteady:
      absl::StrAppendFormat(&out,
                            "%s, %d item types (prices %d..%d), at most %d sessions in flight, %s",
                            w.rate > 0 ? absl::StrFormat("%g sessions/s offered (Poisson)", w.rate)
                                       : "calibrated rate, then 50/80/100%",
                            w.item_types, w.price_min, w.price_max, w.max_in_flight, think);
      break;
    case ScenarioKind::kEconomy:
      absl::StrAppendFormat(&out,
                            "%d item types (odd ones in %s), prices %d..%d, %d units each to "
                            "start, %.0f%% of listings live %s, page %d, skew %g, %s",
                            w.item_types,
                            w.second_currency.empty() ? "the default currency" : w.second_currency,
                            w.price_min, w.price_max, w.stack_stock, w.expiring_share * 100,
                            absl::FormatDuration(w.short_listing), w.page_size, w.hot_skew, think);
      break;
    case ScenarioKind::kWhales:
      absl::StrAppendFormat(&out,
                            "%d accounts of which %d whales hold and spend %.0f%%, prices "
                            "%d..%d, page %d, skew %g, %s",
                            w.accounts, w.whales, w.whale_share * 100, w.price_min, w.price_max,
                            w.page_size, w.hot_skew, think);
      break;
  }
  return out;
}

int SkewedIndex(int n, double skew, double u) {
  if (n <= 1) return 0;
  double total = 0;
  for (int i = 0; i < n; ++i) total += std::pow(i + 1.0, -skew);
  double x = u * total;
  for (int i = 0; i < n; ++i) {
    x -= std::pow(i + 1.0, -skew);
    if (x < 0) return i;
  }
  return n - 1;
}

int64_t TypePriceMin(const Workload& w, int type) {
  // The types' bands split [price_min, price_max] evenly, cheapest type first.
  const int64_t span = w.price_max - w.price_min + 1;
  return w.price_min + span * type / std::max(1, w.item_types);
}

int64_t TypePriceMax(const Workload& w, int type) {
  return std::max(TypePriceMin(w, type), TypePriceMin(w, type + 1) - 1);
}

IntentStream::IntentStream(const Workload& w, uint64_t stream)
    : w_(w), rng_(w.seed * 0x9E3779B97F4A7C15ull + stream * 0xBF58476D1CE4E5B9ull + 17) {}

void IntentStream::Fill(Intent* in) {
  std::uniform_real_distribution<double> u(0, 1);
  if (in->kind == Intent::Kind::kSell) {
    int64_t lo = w_.price_min, hi = w_.price_max;
    if (w_.kind == ScenarioKind::kSteady) {
      const int type = in->player % std::max(1, w_.item_types);
      lo = TypePriceMin(w_, type);
      hi = TypePriceMax(w_, type);
    }
    in->price = std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  } else {
    in->pick = u(rng_);
    const int sellers = std::max(1, w_.sellers);
    if (w_.kind == ScenarioKind::kSteady) {
      // A shop of the wanted type: sellers type, type + types, type + 2 types...
      const int types = std::max(1, std::min(w_.item_types, sellers));
      const int type = static_cast<int>(rng_() % types);
      const int shops = (sellers - type + types - 1) / types;
      in->shop = type + types * static_cast<int>(rng_() % shops);
    } else {
      in->shop = static_cast<int>(rng_() % sellers);
    }
    if (w_.kind == ScenarioKind::kWhales) {
      const int whales = std::clamp(w_.whales, 0, w_.accounts);
      const bool whale = whales > 0 && (whales == w_.accounts || u(rng_) < w_.whale_share);
      in->player = whale ? static_cast<int>(rng_() % whales)
                         : whales + static_cast<int>(rng_() % (w_.accounts - whales));
    }
  }
  in->think_us = 0;
  if (w_.think_time > absl::ZeroDuration()) {
    std::exponential_distribution<double> d(1.0 / absl::ToDoubleMicroseconds(w_.think_time));
    in->think_us = static_cast<int64_t>(d(rng_));
  }
}

Intent IntentStream::NextTurn(Intent::Kind role, int player) {
  Intent in;
  in.kind = role;
  in.player = player;
  Fill(&in);
  return in;
}

Intent IntentStream::NextArrival(double rate) {
  std::exponential_distribution<double> gap(rate / 1e6);
  clock_us_ += std::max<int64_t>(1, static_cast<int64_t>(gap(rng_)));
  Intent in;
  in.at_us = clock_us_;
  if (w_.kind == ScenarioKind::kSteady) {
    const bool sell = w_.sellers > 0 && (w_.buyers == 0 || rng_() % 2 == 0);
    in.kind = sell ? Intent::Kind::kSell : Intent::Kind::kBuy;
    in.player = static_cast<int>(rng_() % std::max(1, sell ? w_.sellers : w_.buyers));
  }
  Fill(&in);
  return in;
}

}  // namespace bazaar::load
