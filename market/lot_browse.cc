// MarketOps::BrowseLots: pages of stack listings from one of their sorted-set indexes
// (market/key_schema.h), resumed after the last position returned.
//
// A page is three round trips: the count and where the cursor's member stands now; the next
// members in index order; the listings themselves (HGETALL each). When the cursor's member is
// still in the index at its score, the page starts at its rank + 1; when it is gone, it starts
// at the cursor's score and skips what sorts at or before the cursor's member there.
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

using internal::Corrupt;
using internal::FirstError;

namespace {

// Which index a query reads and in which direction.
struct Index {
  std::string key;
  bool descending = false;  // newest first
  std::string min = "-inf", max = "+inf";
};

struct Position {
  int64_t score = 0;
  std::string member;
};

std::string EncodePosition(const std::string& query_tag, const Position& p) {
  return absl::WebSafeBase64Escape(
      EncodeFields({"l1", query_tag, std::to_string(p.score), p.member}));
}

// The cursor must come from the same query (`query_tag`).
std::optional<Position> DecodePosition(const std::string& query_tag, const std::string& text) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(text, &raw)) return std::nullopt;
  auto f = DecodeFields(raw);
  Position p;
  if (!f || f->size() != 4 || (*f)[0] != "l1" || (*f)[1] != query_tag ||
      !absl::SimpleAtoi((*f)[2], &p.score)) {
    return std::nullopt;
  }
  p.member = (*f)[3];
  return p;
}

// True when (score, member) comes after the position in the index's order.
bool After(const Index& index, int64_t score, const std::string& member, const Position& p) {
  if (score != p.score) return index.descending ? score < p.score : score > p.score;
  return index.descending ? member < p.member : member > p.member;
}

absl::Status BadCursor() {
  return MakeError(absl::StatusCode::kInvalidArgument, reason::kBadCursor,
                   "the cursor is not from this query");
}

absl::Status Invalid(const std::string& text) {
  return MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidArgument, text);
}

}  // namespace

struct MarketOps::LotScan {
  LotQuery query;
  Index index;
  std::string tag;  // the query, as the cursor repeats it
  std::optional<Position> after;
  CallOptions call;
  CallTrace* trace;
  Done<BrowsePage> done;
  BrowsePage page;
  std::vector<std::pair<int64_t, std::string>> members;  // this page's, in order
};

void MarketOps::BrowseLots(const LotQuery& q, const CallOptions& call, CallTrace* trace,
                           Done<BrowsePage> done) {
  auto scan = std::make_shared<LotScan>();
  scan->query = q;
  scan->call = call;
  scan->trace = trace;
  scan->done = std::move(done);
  LotQuery& query = scan->query;
  if (query.page_size == 0) query.page_size = kDefaultPageSize;
  if (query.page_size < 1 || query.page_size > kMaxPageSize) {
    return scan->done(Invalid(absl::StrCat("page_size must be 1..", kMaxPageSize)));
  }
  Index& index = scan->index;
  if (!query.item_type.empty()) {
    std::string currency;
    if (absl::Status s = FirstError({ValidateItemId("item_type", query.item_type),
                                     ResolveCurrency(query.currency, &currency),
                                     ValidateAmount("min_price", query.min_price),
                                     ValidateAmount("max_price", query.max_price)});
        !s.ok()) {
      return scan->done(s);
    }
    if (!query.seller_id.empty()) return scan->done(Invalid("give item_type or seller_id"));
    const bool priced = query.min_price > 0 || query.max_price > 0;
    if (priced && query.sort != LotSort::kPrice) {
      return scan->done(Invalid("a price range needs the price order"));
    }
    if (query.sort == LotSort::kPrice) {
      index.key = keys_.Lots(currency, query.item_type, query.instances);
      index.min = std::to_string(query.min_price);
      if (query.max_price > 0) index.max = std::to_string(query.max_price);
    } else if (query.sort == LotSort::kNewest) {
      index.key = keys_.LotsNewest(currency, query.item_type, query.instances);
      index.descending = true;
    } else {
      index.key = keys_.LotsEnding(currency, query.item_type, query.instances);
    }
    std::vector<std::string> tag = {query.item_type, currency,
                                    std::to_string(static_cast<int>(query.sort)), index.min,
                                    index.max};
    if (query.instances) tag.push_back("instances");
    scan->tag = EncodeFields(tag);
  } else if (!query.seller_id.empty()) {
    if (absl::Status s = ValidateUserId("seller_id", query.seller_id); !s.ok()) {
      return scan->done(s);
    }
    if (query.sort != LotSort::kNewest && query.sort != LotSort::kPrice) {
      return scan->done(Invalid("a seller's listings come newest first"));
    }
    index.key = keys_.LotsOf(query.seller_id);
    index.descending = true;
    scan->tag = EncodeFields({"seller", query.seller_id});
  } else {
    return scan->done(Invalid("give item_type (a market) or seller_id (their listings)"));
  }
  if (!query.cursor.empty()) {
    scan->after = DecodePosition(scan->tag, query.cursor);
    if (!scan->after) return scan->done(BadCursor());
  }
  // Round 1: the total, and where the cursor's member is now.
  std::vector<Argv> reads = {index.max == "+inf" && index.min == "-inf"
                                 ? Argv{"ZCARD", index.key}
                                 : Argv{"ZCOUNT", index.key, index.min, index.max}};
  if (scan->after) {
    reads.push_back({"ZSCORE", index.key, scan->after->member});
    reads.push_back({index.descending ? "ZREVRANK" : "ZRANK", index.key, scan->after->member});
    const std::string s = std::to_string(scan->after->score);
    reads.push_back({"ZCOUNT", index.key, s, s});
  }
  runner_.Read(std::move(reads), call, trace, [this, scan](absl::StatusOr<Replies> r) {
    if (!r.ok()) return scan->done(r.status());
    scan->page.total = (*r)[0].integer;
    const Index& index = scan->index;
    const int n = scan->query.page_size;
    Argv next;
    int64_t score_now;
    if (!scan->after) {
      next = index.descending
                 ? Argv{"ZREVRANGEBYSCORE", index.key, index.max, index.min,
                        "WITHSCORES",       "LIMIT",   "0",       std::to_string(n + 1)}
                 : Argv{"ZRANGEBYSCORE", index.key, index.min, index.max,
                        "WITHSCORES",    "LIMIT",   "0",       std::to_string(n + 1)};
    } else if ((*r)[1].is_string() && ParseAmount((*r)[1].str, &score_now) &&
               score_now == scan->after->score) {
      // Still there: the members right after it, by rank.
      const int64_t rank = (*r)[2].integer;
      next = {index.descending ? "ZREVRANGE" : "ZRANGE", index.key, std::to_string(rank + 1),
              std::to_string(rank + 1 + n), "WITHSCORES"};
    } else {
      // Gone (sold, cancelled): from its score on, skipping what sorts at or before it there.
      const std::string s = std::to_string(scan->after->score);
      const std::string count = std::to_string(n + 1 + (*r)[3].integer);
      next =
          index.descending
              ? Argv{"ZREVRANGEBYSCORE", index.key, s, index.min, "WITHSCORES", "LIMIT", "0", count}
              : Argv{"ZRANGEBYSCORE", index.key, s, index.max, "WITHSCORES", "LIMIT", "0", count};
    }
    runner_.Read(
        {std::move(next)}, scan->call, scan->trace, [this, scan](absl::StatusOr<Replies> r) {
          if (!r.ok()) return scan->done(r.status());
          const auto& v = (*r)[0].elements;
          const Index& index = scan->index;
          bool more = false;
          for (size_t i = 0; i + 1 < v.size(); i += 2) {
            int64_t score;
            if (!ParseAmount(v[i + 1].str, &score)) return scan->done(Corrupt("index score"));
            // By rank the range may pass the price bounds; stop there.
            if (index.max != "+inf" && !index.descending && score > std::stoll(index.max)) break;
            if (scan->after && !After(index, score, v[i].str, *scan->after)) continue;
            if (static_cast<int>(scan->members.size()) == scan->query.page_size) {
              more = true;
              break;
            }
            scan->members.emplace_back(score, v[i].str);
          }
          if (more && !scan->members.empty()) {
            scan->page.next_cursor = EncodePosition(
                scan->tag, {scan->members.back().first, scan->members.back().second});
          }
          std::vector<Argv> gets;
          for (const auto& [score, member] : scan->members) {
            gets.push_back({"HGETALL", keys_.Lot(member.substr(0, member.find('.')))});
          }
          if (gets.empty()) return scan->done(std::move(scan->page));
          runner_.Read(std::move(gets), scan->call, scan->trace, [scan](absl::StatusOr<Replies> r) {
            if (!r.ok()) return scan->done(r.status());
            for (size_t i = 0; i < r->size(); ++i) {
              const std::string& member = scan->members[i].second;
              auto lot = internal::LotFromHash(member.substr(0, member.find('.')), (*r)[i]);
              if (lot.ok()) {
                scan->page.listings.push_back(std::move(*lot));
              } else if (lot.status().code() != absl::StatusCode::kNotFound) {
                return scan->done(lot.status());
              }  // gone since the index was read: left out
            }
            scan->done(std::move(scan->page));
          });
        });
  });
}

}  // namespace bazaar::market
