// Key schema: the seed's keys ("Redis in Action" ch. 4) under an optional prefix.
//
//   <prefix>users:<id>            hash   name, funds, initial_funds, items_granted
//   <prefix>inventory:<id>        set    item ids the user owns
//   <prefix>market:               zset   member <item>.<seller>, score = price
//   <prefix>listing:<item>.<seller> string price; mirrors the market: member (the per-listing key
//                                  the fine mode watches; both modes keep it in step)
//   <prefix>req:<request_id>      string idempotency record, expires after the TTL
//   <prefix>events:               stream every change, in commit order (market/events.h)
//   <prefix>history:<id>          stream the events that involve one user
//
// The economy (issue 18): wallets are fields of users:<id> ("funds" is the default currency,
// "funds:<cur>" the others, "credited:<cur>" / "debited:<cur>" their running totals), plus
//
//   <prefix>stacks:<id>           hash   item type -> quantity held (a field goes at zero)
//   <prefix>granted:<id>          hash   item type -> quantity granted minus revoked (counters
//                                        for the invariant check; never watched)
//   <prefix>lot:<listing_id>      hash   a stack listing: seller, type, quantity (left), price
//                                        (per unit), currency, created, expires (Unix ms of the
//                                        store's clock); seller..expires never change. An
//                                        instance listing is a lot with an `item` field (the
//                                        instance's id) and quantity 1; its type is the kind the
//                                        seller gave, for browsing
//   <prefix>lots:<cur>:<type>     zset   <listing id>.<seller> -> unit price: one market per
//                                        currency and item type, cheapest first (currencies hold
//                                        no ':'); the seller is in the member so that a buyer
//                                        knows whose wallet to watch before reading the lot
//   <prefix>lots_new:<cur>:<type> zset   <listing id>.<seller> -> created (browse: newest)
//   <prefix>lots_end:<cur>:<type> zset   <listing id>.<seller> -> expires (browse: ending soon)
//   <prefix>ilots:<cur>:<type>, ilots_new:..., ilots_end:...
//                                 zset   the same three for instance listings, kept apart so
//                                        that BuyQuantity's cheapest-first scan sees stacks only
//   <prefix>instance_lots:<id>    hash   item id -> listing id: the user's listed instances
//                                        (an instance listed there is still the user's: grants
//                                        and purchases of the same id are refused)
//   <prefix>lots_of:<seller>      zset   listing id -> created: the seller's open stack listings
//   <prefix>lot_expiry:           zset   listing id -> expires: the reaper's queue
//   <prefix>sink:                 hash   currency -> fees collected
//
// A prefix such as "{realm1}:" puts every key of one market in one Redis Cluster hash slot, so
// multi-key transactions work on a cluster (see README.md). User ids cannot contain '.', so a
// member splits unambiguously at its last '.'.
#ifndef BAZAAR_MARKET_KEY_SCHEMA_H_
#define BAZAAR_MARKET_KEY_SCHEMA_H_

#include <string>

namespace bazaar::market {

class KeySchema {
 public:
  explicit KeySchema(std::string prefix = "") : prefix_(std::move(prefix)) {}

  std::string User(const std::string& id) const { return prefix_ + "users:" + id; }
  std::string Inventory(const std::string& id) const { return prefix_ + "inventory:" + id; }
  std::string Market() const { return prefix_ + "market:"; }
  std::string Listing(const std::string& item, const std::string& seller) const {
    return prefix_ + "listing:" + Member(item, seller);
  }
  std::string Request(const std::string& request_id) const { return prefix_ + "req:" + request_id; }
  std::string Events() const { return prefix_ + "events:"; }
  std::string History(const std::string& id) const { return prefix_ + "history:" + id; }
  std::string Stacks(const std::string& id) const { return prefix_ + "stacks:" + id; }
  std::string Granted(const std::string& id) const { return prefix_ + "granted:" + id; }
  std::string Lot(const std::string& listing_id) const { return prefix_ + "lot:" + listing_id; }
  // `instances`: the index of instance listings of that kind, else of stack listings.
  std::string Lots(const std::string& currency, const std::string& type,
                   bool instances = false) const {
    return prefix_ + (instances ? "ilots:" : "lots:") + currency + ":" + type;
  }
  std::string LotsNewest(const std::string& currency, const std::string& type,
                         bool instances = false) const {
    return prefix_ + (instances ? "ilots_new:" : "lots_new:") + currency + ":" + type;
  }
  std::string LotsEnding(const std::string& currency, const std::string& type,
                         bool instances = false) const {
    return prefix_ + (instances ? "ilots_end:" : "lots_end:") + currency + ":" + type;
  }
  std::string InstanceLots(const std::string& id) const { return prefix_ + "instance_lots:" + id; }
  std::string LotsOf(const std::string& seller) const { return prefix_ + "lots_of:" + seller; }
  // Present while the user is frozen (holds the reason): their own actions are refused.
  std::string Frozen(const std::string& id) const { return prefix_ + "frozen:" + id; }
  // A rate-limit bucket (market/rate_limit.h): `limit` is "player" or "key".
  std::string RateBucket(const std::string& limit, const std::string& id) const {
    return prefix_ + "rate:" + limit + ":" + id;
  }
  std::string LotExpiry() const { return prefix_ + "lot_expiry:"; }
  std::string Sink() const { return prefix_ + "sink:"; }
  const std::string& prefix() const { return prefix_; }

  static std::string Member(const std::string& item, const std::string& seller) {
    return item + "." + seller;
  }
  // A lots:<cur>:<type> member; listing ids hold no '.', so it splits at the first one.
  static std::string LotMember(const std::string& listing_id, const std::string& seller) {
    return listing_id + "." + seller;
  }
  // Splits "<item>.<seller>" at the last '.'; false when there is none.
  static bool ParseMember(const std::string& member, std::string* item, std::string* seller);

 private:
  std::string prefix_;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_KEY_SCHEMA_H_
