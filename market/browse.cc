// MarketOps::BrowseMarket: pages over market: in (price, member) order.
//
// Design note. A cursor holds the last position scanned, (price, member), not an offset, so a
// page always resumes right after that position even when listings before or after it come and
// go. Redis orders equal scores by member bytes, which makes (score, member) a total order. Each
// scan step asks for ZRANGEBYSCORE market: <price> +inf WITHSCORES LIMIT <off> <chunk> and skips
// entries at or before the position. After a chunk moved the position, `off` is the position's
// own index among the entries at its price, so the next read starts at the position itself (a
// long run of equal prices costs one read per chunk, not one more read per chunk each step). That
// read is checked: its first entry must be at or before the position; if it is after it (entries
// before the position went away meanwhile, shifting the rest down), entries might have been
// skipped, so the step reads again from `off` 0. From 0, `off` grows by whole chunks that lay at
// or before the position less one, so that each read again starts at an entry at or before the
// position and the same check holds. Filters are applied while scanning; the scan of one page is
// bounded, so a filtered page may come back short with a cursor to continue from.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

// One BrowseMarket call's scan, carried from one chunk's read to the next.
struct MarketOps::BrowseScan {
  BrowseQuery query;
  CallOptions call;
  CallTrace* trace;
  Done<BrowsePage> done;
  int page_size = 0;
  bool anchored = false;
  BrowseCursor pos;
  int chunk = 0;
  int scan_budget = 0;
  int scanned = 0;
  int64_t offset = 0;
  bool offset_at_pos = false;  // the next read starts at or before `pos`, if nothing moved
  BrowsePage page;
};

void MarketOps::BrowseMarket(const BrowseQuery& query, const CallOptions& call, CallTrace* trace,
                             Done<BrowsePage> done) {
  if (query.page_size < 0 || query.page_size > kMaxPageSize) {
    return done(MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidArgument,
                          absl::StrCat("page_size must be 0..", kMaxPageSize)));
  }
  if (!query.seller_id.empty()) {
    if (absl::Status s = ValidateUserId("seller_id", query.seller_id); !s.ok()) return done(s);
  }
  if (!query.item_id.empty()) {
    if (absl::Status s = ValidateItemId("item_id", query.item_id); !s.ok()) return done(s);
  }
  auto scan = std::make_shared<BrowseScan>();
  scan->query = query;
  scan->call = call;
  scan->trace = trace;
  scan->done = std::move(done);
  scan->page_size = query.page_size == 0 ? kDefaultPageSize : query.page_size;
  if (!query.cursor.empty()) {
    auto c = DecodeCursor(query.cursor);
    if (!c) {
      return scan->done(MakeError(absl::StatusCode::kInvalidArgument, reason::kBadCursor,
                                  "cursor is not one this service issued"));
    }
    if (c->seller_filter != query.seller_id || c->item_filter != query.item_id) {
      return scan->done(MakeError(absl::StatusCode::kInvalidArgument, reason::kBadCursor,
                                  "cursor was issued for other filters"));
    }
    scan->pos = *c;
    scan->anchored = true;
  }
  scan->pos.seller_filter = query.seller_id;
  scan->pos.item_filter = query.item_id;
  scan->chunk = std::clamp(scan->page_size + 1, 16, 1000);
  scan->scan_budget = std::max(1000, scan->page_size * 4);
  ScanStep(std::move(scan));
}

void MarketOps::ScanStep(std::shared_ptr<BrowseScan> scan) {
  BrowseScan& sc = *scan;
  if (static_cast<int>(sc.page.listings.size()) >= sc.page_size ||
      sc.scanned >= sc.scan_budget) {
    if (sc.anchored) sc.page.next_cursor = EncodeCursor(sc.pos);
    return sc.done(std::move(sc.page));
  }
  Argv read = {"ZRANGEBYSCORE", keys_.Market(),
               sc.anchored ? std::to_string(sc.pos.price) : "-inf", "+inf", "WITHSCORES",
               "LIMIT", std::to_string(sc.offset), std::to_string(sc.chunk)};
  CallTrace* trace = sc.trace;
  runner_.Read({std::move(read)}, sc.call, trace, [this, scan](absl::StatusOr<Replies> r) {
    BrowseScan& sc = *scan;
    if (!r.ok()) return sc.done(r.status());
    const auto& elems = (*r)[0].elements;
    if (elems.size() % 2 != 0) return sc.done(internal::Corrupt("ZRANGEBYSCORE reply"));
    const size_t n = elems.size() / 2;
    std::vector<int64_t> prices(n);
    for (size_t i = 0; i < n; ++i) {
      if (absl::Status s =
              internal::ParseAmountReply(elems[2 * i + 1], "listing price", &prices[i]);
          !s.ok()) {
        return sc.done(s);
      }
    }
    auto at_or_before_pos = [&](size_t i) {
      return prices[i] < sc.pos.price ||
             (prices[i] == sc.pos.price && elems[2 * i].str <= sc.pos.member);
    };
    // Nothing at all past `off` is no proof of the end either: the entries may have shifted
    // below it.
    if (sc.offset_at_pos && sc.offset > 0 && (n == 0 || !at_or_before_pos(0))) {
      sc.offset = 0;  // the position is not where it was: read again from the price's start
      sc.offset_at_pos = false;
      return ScanStep(scan);
    }
    const int64_t read_price = sc.pos.price;
    const int64_t read_offset = sc.offset;
    bool moved = false;
    bool stopped = false;
    size_t last = 0;  // the chunk's index of the entry the position now names
    for (size_t i = 0; i < n; ++i) {
      const std::string& member = elems[2 * i].str;
      const int64_t price = prices[i];
      if (sc.anchored && at_or_before_pos(i)) continue;
      last = i;
      sc.anchored = true;
      moved = true;
      sc.pos.price = price;
      sc.pos.member = member;
      ++sc.scanned;
      Listing l;
      l.price = price;
      if (!KeySchema::ParseMember(member, &l.item_id, &l.seller_id)) continue;  // not ours
      if ((sc.query.seller_id.empty() || sc.query.seller_id == l.seller_id) &&
          (sc.query.item_id.empty() || sc.query.item_id == l.item_id)) {
        sc.page.listings.push_back(std::move(l));
      }
      if (static_cast<int>(sc.page.listings.size()) >= sc.page_size ||
          sc.scanned >= sc.scan_budget) {
        stopped = i + 1 < n;
        break;
      }
    }
    if (n < static_cast<size_t>(sc.chunk) && !stopped) {
      return sc.done(std::move(sc.page));  // the end of the market: no cursor
    }
    if (moved) {
      // The position's index among the entries at its price: count them back in this chunk,
      // and past its start when the read began at that same price.
      size_t first = last;
      while (first > 0 && prices[first - 1] == sc.pos.price) --first;
      sc.offset = static_cast<int64_t>(last - first) +
                  (first == 0 && sc.pos.price == read_price ? read_offset : 0);
      sc.offset_at_pos = true;
    } else {
      // The whole chunk lay at or before the position: the next read overlaps its last entry,
      // so that entries removed before the position meanwhile (shifting the rest down) show as
      // a first entry after the position and send the scan back to the price's start.
      sc.offset += static_cast<int64_t>(n) - 1;
      sc.offset_at_pos = true;
    }
    ScanStep(scan);
  });
}

}  // namespace bazaar::market
