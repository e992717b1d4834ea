// MarketOps::BrowseMarket: pages over market: in (price, member) order.
//
// Design note. A cursor holds the last position scanned, (price, member), not an offset, so a
// page always resumes right after that position even when listings before or after it come and
// go. Redis orders equal scores by member bytes, which makes (score, member) a total order. Each
// scan step asks for ZRANGEBYSCORE market: <price> +inf WITHSCORES LIMIT <off> <chunk> and skips
// entries at or before the position; `off` only grows while a whole chunk was skipped (a long run
// of equal prices), and returns to 0 whenever the position moves. Filters are applied while
// scanning; the scan of one page is bounded, so a filtered page may come back short with a
// cursor to continue from.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

absl::StatusOr<BrowsePage> MarketOps::BrowseMarket(const BrowseQuery& query,
                                                   const CallOptions& call, CallTrace* trace) {
  if (query.page_size < 0 || query.page_size > kMaxPageSize) {
    return MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidArgument,
                     absl::StrCat("page_size must be 0..", kMaxPageSize));
  }
  if (!query.seller_id.empty()) {
    if (absl::Status s = ValidateUserId("seller_id", query.seller_id); !s.ok()) return s;
  }
  if (!query.item_id.empty()) {
    if (absl::Status s = ValidateItemId("item_id", query.item_id); !s.ok()) return s;
  }
  const int page_size = query.page_size == 0 ? kDefaultPageSize : query.page_size;
  bool anchored = false;
  BrowseCursor pos;
  if (!query.cursor.empty()) {
    auto c = DecodeCursor(query.cursor);
    if (!c) {
      return MakeError(absl::StatusCode::kInvalidArgument, reason::kBadCursor,
                       "cursor is not one this service issued");
    }
    if (c->seller_filter != query.seller_id || c->item_filter != query.item_id) {
      return MakeError(absl::StatusCode::kInvalidArgument, reason::kBadCursor,
                       "cursor was issued for other filters");
    }
    pos = *c;
    anchored = true;
  }
  pos.seller_filter = query.seller_id;
  pos.item_filter = query.item_id;

  const int chunk = std::clamp(page_size + 1, 16, 1000);
  const int scan_budget = std::max(1000, page_size * 4);
  int scanned = 0;
  int64_t offset = 0;
  bool at_end = false;
  BrowsePage page;
  while (static_cast<int>(page.listings.size()) < page_size && scanned < scan_budget) {
    auto r = runner_.Read({{"ZRANGEBYSCORE", keys_.Market(),
                            anchored ? std::to_string(pos.price) : "-inf", "+inf", "WITHSCORES",
                            "LIMIT", std::to_string(offset), std::to_string(chunk)}},
                          call, trace);
    if (!r.ok()) return r.status();
    const auto& elems = (*r)[0].elements;
    if (elems.size() % 2 != 0) return internal::Corrupt("ZRANGEBYSCORE reply");
    const size_t n = elems.size() / 2;
    bool moved = false;
    bool stopped = false;
    for (size_t i = 0; i < n; ++i) {
      const std::string& member = elems[2 * i].str;
      int64_t price;
      if (absl::Status s = internal::ParseAmountReply(elems[2 * i + 1], "listing price", &price);
          !s.ok()) {
        return s;
      }
      if (anchored && (price < pos.price || (price == pos.price && member <= pos.member))) {
        continue;
      }
      anchored = true;
      moved = true;
      pos.price = price;
      pos.member = member;
      ++scanned;
      Listing l;
      l.price = price;
      if (!KeySchema::ParseMember(member, &l.item_id, &l.seller_id)) continue;  // not ours
      if ((query.seller_id.empty() || query.seller_id == l.seller_id) &&
          (query.item_id.empty() || query.item_id == l.item_id)) {
        page.listings.push_back(std::move(l));
      }
      if (static_cast<int>(page.listings.size()) >= page_size || scanned >= scan_budget) {
        stopped = i + 1 < n;
        break;
      }
    }
    if (n < static_cast<size_t>(chunk) && !stopped) {
      at_end = true;
      break;
    }
    offset = moved ? 0 : offset + static_cast<int64_t>(n);
  }
  if (!at_end && anchored) page.next_cursor = EncodeCursor(pos);
  return page;
}

}  // namespace bazaar::market
