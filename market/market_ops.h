// MarketOps: the market's operations over a Store, as in "Redis in Action" ch. 4 with bounded
// retries, idempotency and the two contention modes. No gRPC here: the service wraps it, and the
// load tool can run it straight over RESP.
//
// What each operation WATCHes (both modes write the same keys, see key_schema.h):
//   CreateUser     users:<id>
//   FreezeUser     users:<id>, frozen:<id>           (every player action watches frozen:<player>
//                                                     and reads it: TxnRunner, market.lua)
//   GrantItem      inventory:<id>                    (reads users:<id> unwatched, then bumps its
//                                                     items_granted: users are never deleted and
//                                                     the HINCRBY commutes)
//   ListItem       inventory:<seller>                (the book's list_item, both modes)
//   CancelListing  fine: listing:<item>.<seller>     book: market:
//   PurchaseItem   fine: listing:<item>.<seller>, users:<buyer>, users:<seller>, inventory:<buyer>
//                  book: market:, users:<buyer>, users:<seller>, inventory:<buyer>   (the book's
//                  purchase_item, plus the seller, whose funds bound the sale, and the buyer's
//                  inventory, for the buyer-owns-item check)
//   script mode: ListItem, CancelListing and PurchaseItem watch nothing; each is one FCALL of
//                  market/market.lua doing the same checks and writes atomically (ScriptRunner)
// plus req:<request_id> when a request id is given. Each also appends its event to the event
// streams (market/events.h), unwatched.
//
// Invariants kept by every interleaving: funds only move (sum of funds == sum of initial_funds),
// no balance goes negative, an item id is held at most once per user across the user's inventory
// and listings, each grant adds exactly one item (sum of inventory sizes + market size + instance
// listings of the economy == sum of items_granted), and a listing is sold at most once. An item
// moves between a user's inventory and the user's listings only by writes to the inventory,
// which every purchase by that user watches, and anything else giving the user an item (grant,
// purchase) touches users:<id>, watched too: the buyer-owns-item check stays valid in both
// modes.
#ifndef BAZAAR_MARKET_MARKET_OPS_H_
#define BAZAAR_MARKET_MARKET_OPS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "market/events.h"
#include "market/key_schema.h"
#include "market/retry.h"
#include "market/script_runner.h"
#include "market/store.h"
#include "market/transaction.h"
#include "market/types.h"

namespace bazaar::market {

struct MarketOptions {
  ContentionMode mode = ContentionMode::kFine;
  std::string key_prefix;
  absl::Duration idempotency_ttl = absl::Hours(24);
  RetryPolicy retry;
  // MAXLEN ~ for the event streams (market/events.h); 0 keeps every event.
  int64_t events_max_len = 0;
  EconomyOptions economy;
};

struct UserResult {
  User user;
  CallInfo info;
};
struct ListingResult {
  Listing listing;
  CallInfo info;
};
struct PurchaseResult {
  Listing listing;  // a stack listing: its quantity is what is left after the purchase
  int64_t buyer_funds = 0;
  CallInfo info;
  int64_t quantity = 1;
  int64_t total_price = 0;
  int64_t fee = 0;
};
// BuyQuantity: what came from each listing, cheapest first.
struct Fill {
  std::string listing_id, seller_id;
  int64_t quantity = 0, unit_price = 0, fee = 0;
};
struct BuyResult {
  std::vector<Fill> fills;
  int64_t quantity = 0, total_price = 0, fee = 0;
  int64_t buyer_funds = 0;  // in the currency bought with, afterwards
  CallInfo info;
};
// The most listings one BuyQuantity takes from. Each listing adds its key and its seller's to
// the WATCH set and up to five writes to the transaction, and any sale or cancel of any of them
// aborts the call: beyond a handful the call mostly retries. A buyer who needs more calls again.
inline constexpr int kMaxFills = 16;

// A stack grant or revoke: the user's quantity of the type afterwards.
struct StackResult {
  int64_t quantity = 0;
  CallInfo info;
};
// A credit or debit: the balance afterwards.
struct WalletResult {
  int64_t balance = 0;
  CallInfo info;
};
// A listing of the economy: `quantity` of the stack `item_type`; or, with `item_id`, that
// instance (quantity 1) listed under the kind `item_type`.
struct StackListingRequest {
  std::string seller_id;
  std::string item_type;
  int64_t quantity = 0;
  int64_t unit_price = 0;
  std::string currency;                            // empty: the default
  absl::Duration duration = absl::ZeroDuration();  // zero: EconomyOptions::listing_duration
  std::string item_id;
};

// Each operation comes in two forms. The asynchronous one ends with `done`, which runs on the
// store's thread (see store.h), or at once on the caller's for a request refused before any store
// work; `trace` must stay valid until then. The blocking one waits for it, for callers on their
// own threads (tests, bazaar-load --direct); never call it on the store's thread.
class MarketOps {
 public:
  // `store` and `env` must outlive this object. Thread-safe (stateless besides them).
  MarketOps(Store* store, RetryEnv* env, MarketOptions options);

  void CreateUser(const std::string& user_id, const std::string& name, int64_t funds,
                  const CallOptions& call, CallTrace* trace, Done<UserResult> done);
  void GetUser(const std::string& user_id, const CallOptions& call, CallTrace* trace,
               Done<User> done);
  void GrantItem(const std::string& user_id, const std::string& item_id, const CallOptions& call,
                 CallTrace* trace, Done<CallInfo> done);
  // Freezes (or thaws) a user: while frozen, every call for them as a player (CallOptions::
  // player) is refused with USER_FROZEN inside its own transaction, so none that commits after
  // the freeze got past it. Writes a user_frozen / user_thawed event with the reason.
  void FreezeUser(const std::string& user_id, bool frozen, const std::string& reason,
                  const CallOptions& call, CallTrace* trace, Done<CallInfo> done);
  void ListItem(const std::string& seller_id, const std::string& item_id, int64_t price,
                const CallOptions& call, CallTrace* trace, Done<ListingResult> done);
  void CancelListing(const std::string& seller_id, const std::string& item_id,
                     const CallOptions& call, CallTrace* trace, Done<ListingResult> done);
  void PurchaseItem(const std::string& buyer_id, const std::string& seller_id,
                    const std::string& item_id, int64_t expected_price, const CallOptions& call,
                    CallTrace* trace, Done<PurchaseResult> done);
  void GetListing(const std::string& seller_id, const std::string& item_id,
                  const CallOptions& call, CallTrace* trace, Done<Listing> done);
  void BrowseMarket(const BrowseQuery& query, const CallOptions& call, CallTrace* trace,
                    Done<BrowsePage> done);
  // A user's events, newest first; `cursor` is the previous page's next_cursor (a stream id).
  void GetHistory(const std::string& user_id, int page_size, const std::string& cursor,
                  const CallOptions& call, CallTrace* trace, Done<HistoryPage> done);

  // The economy (issue 18). These run as WATCH transactions in every mode (script mode
  // scripts only the instance trades above). What each watches:
  //   GrantStack, RevokeStack  stacks:<id>            (reads users:<id> unwatched, as
  //                                                    GrantItem; bumps granted:<id>, unwatched)
  //   Credit, Debit            users:<id>
  //   ListStack                stacks:<seller>, lots_of:<seller> (the quantity and the cap)
  //   CancelStackListing       lot:<id>
  //   ExpireListing            lot:<id>
  //   PurchaseStack            lot:<id>, users:<buyer>, users:<seller>, stacks:<buyer>
  //                            book: also lots:<cur>:<type>, the whole market of that type
  // An instance listing (a lot with an item id) takes the instance from inventory:<seller>
  // (ListStack watches it instead of stacks:), returns it there, and PurchaseStack watches
  // inventory:<buyer> instead of stacks:<buyer> (book: ilots:<cur>:<type>).
  // Stacks only returned by a cancel or an expiry may pass 10^15 (grants and purchases stop at
  // it); with at most 1000 open listings per seller a stack stays below 1001 * 10^15, far from
  // the int64 limit, so those HINCRBYs cannot fail.
  void GrantStack(const std::string& user_id, const std::string& item_type, int64_t quantity,
                  const CallOptions& call, CallTrace* trace, Done<StackResult> done);
  void RevokeStack(const std::string& user_id, const std::string& item_type, int64_t quantity,
                   const CallOptions& call, CallTrace* trace, Done<StackResult> done);
  // `currency` empty: the default. `memo` goes into the ledger event.
  void Credit(const std::string& user_id, const std::string& currency, int64_t amount,
              const std::string& memo, const CallOptions& call, CallTrace* trace,
              Done<WalletResult> done);
  void Debit(const std::string& user_id, const std::string& currency, int64_t amount,
             const std::string& memo, const CallOptions& call, CallTrace* trace,
             Done<WalletResult> done);
  void ListStack(const StackListingRequest& request, const CallOptions& call, CallTrace* trace,
                 Done<ListingResult> done);
  void CancelStackListing(const std::string& seller_id, const std::string& listing_id,
                          const CallOptions& call, CallTrace* trace, Done<ListingResult> done);
  void PurchaseStack(const std::string& buyer_id, const std::string& listing_id, int64_t quantity,
                     int64_t max_unit_price, const CallOptions& call, CallTrace* trace,
                     Done<PurchaseResult> done);
  // `quantity` of `item_type` from the cheapest stack listings in `currency` (empty: the
  // default) at `max_unit_price` or less, across sellers, skipping the buyer's own and expired
  // ones; all of it in one transaction, or INSUFFICIENT_QUANTITY when the cheapest kMaxFills
  // listings do not hold enough. Watches the listings it takes from, their sellers, the buyer
  // and the buyer's stacks (book: also lots:<cur>:<type>); a shortage is confirmed by a second
  // attempt that watches lots:<cur>:<type> too.
  void BuyQuantity(const std::string& buyer_id, const std::string& item_type,
                   const std::string& currency, int64_t quantity, int64_t max_unit_price,
                   const CallOptions& call, CallTrace* trace, Done<BuyResult> done);
  // A page of stack listings (lot_browse.cc). Each page is a few plain reads (no transaction):
  // the listings are as the store held them a moment ago. The cursor is the position of the last
  // one returned, so changes elsewhere never repeat or skip a listing that was there all along.
  void BrowseLots(const LotQuery& query, const CallOptions& call, CallTrace* trace,
                  Done<BrowsePage> done);
  void GetStackListing(const std::string& listing_id, const CallOptions& call, CallTrace* trace,
                       Done<Listing> done);
  // Returns an expired stack listing to its seller (the reaper's transaction): NOT_FOUND when
  // it is gone (sold, cancelled, or another reaper won), FAILED_PRECONDITION / NOT_EXPIRED when
  // the store's clock has not reached its expiry.
  void ExpireListing(const std::string& listing_id, const CallOptions& call, CallTrace* trace,
                     Done<ListingResult> done);
  // Up to `limit` ids of stack listings whose expiry the store's clock has passed, earliest
  // first.
  void DueListings(int limit, const CallOptions& call, CallTrace* trace,
                   Done<std::vector<std::string>> done);

  // Starts an asynchronous call and waits for its result: the blocking form of any operation,
  // e.g. Await<StackResult>([&](auto done) { ops.GrantStack(..., done); }).
  template <typename T, typename Start>
  static absl::StatusOr<T> Await(Start start) {
    absl::Notification finished;
    absl::StatusOr<T> result = absl::UnknownError("unset");
    start(Done<T>([&](absl::StatusOr<T> r) {
      result = std::move(r);
      finished.Notify();
    }));
    finished.WaitForNotification();
    return result;
  }

  // The blocking forms.
  absl::StatusOr<UserResult> CreateUser(const std::string& user_id, const std::string& name,
                                        int64_t funds, const CallOptions& call,
                                        CallTrace* trace) {
    return Await<UserResult>([&](auto done) { CreateUser(user_id, name, funds, call, trace, done); });
  }
  absl::StatusOr<User> GetUser(const std::string& user_id, const CallOptions& call,
                               CallTrace* trace) {
    return Await<User>([&](auto done) { GetUser(user_id, call, trace, done); });
  }
  absl::StatusOr<CallInfo> GrantItem(const std::string& user_id, const std::string& item_id,
                                     const CallOptions& call, CallTrace* trace) {
    return Await<CallInfo>([&](auto done) { GrantItem(user_id, item_id, call, trace, done); });
  }
  absl::StatusOr<ListingResult> ListItem(const std::string& seller_id, const std::string& item_id,
                                         int64_t price, const CallOptions& call,
                                         CallTrace* trace) {
    return Await<ListingResult>(
        [&](auto done) { ListItem(seller_id, item_id, price, call, trace, done); });
  }
  absl::StatusOr<ListingResult> CancelListing(const std::string& seller_id,
                                              const std::string& item_id,
                                              const CallOptions& call, CallTrace* trace) {
    return Await<ListingResult>(
        [&](auto done) { CancelListing(seller_id, item_id, call, trace, done); });
  }
  absl::StatusOr<PurchaseResult> PurchaseItem(const std::string& buyer_id,
                                              const std::string& seller_id,
                                              const std::string& item_id, int64_t expected_price,
                                              const CallOptions& call, CallTrace* trace) {
    return Await<PurchaseResult>([&](auto done) {
      PurchaseItem(buyer_id, seller_id, item_id, expected_price, call, trace, done);
    });
  }
  absl::StatusOr<Listing> GetListing(const std::string& seller_id, const std::string& item_id,
                                     const CallOptions& call, CallTrace* trace) {
    return Await<Listing>([&](auto done) { GetListing(seller_id, item_id, call, trace, done); });
  }
  absl::StatusOr<BrowsePage> BrowseMarket(const BrowseQuery& query, const CallOptions& call,
                                          CallTrace* trace) {
    return Await<BrowsePage>([&](auto done) { BrowseMarket(query, call, trace, done); });
  }
  absl::StatusOr<HistoryPage> GetHistory(const std::string& user_id, int page_size,
                                         const std::string& cursor, const CallOptions& call,
                                         CallTrace* trace) {
    return Await<HistoryPage>(
        [&](auto done) { GetHistory(user_id, page_size, cursor, call, trace, done); });
  }

  // Script mode: loads market/market.lua into the store (FUNCTION LOAD REPLACE). Calls reload it
  // by themselves when the store lost it; this just front-loads the first time.
  void LoadScripts(const CallOptions& call, CallTrace* trace, Done<bool> done) {
    scripts_.Load(call, trace, std::move(done));
  }
  absl::StatusOr<bool> LoadScripts(const CallOptions& call, CallTrace* trace) {
    return Await<bool>([&](auto done) { LoadScripts(call, trace, done); });
  }

  const MarketOptions& options() const { return options_; }
  const KeySchema& keys() const { return keys_; }

 private:
  struct BrowseScan;
  struct LotScan;
  void ScanStep(std::shared_ptr<BrowseScan> scan);
  // Queues `event`'s XADDs after the plan's writes, in the same MULTI/EXEC.
  void AddEvent(TxnPlan* plan, Event event) const {
    plan->event_write = static_cast<int>(plan->writes.size());  // events: comes first
    for (Argv& w : EventWrites(keys_, options_.events_max_len, event)) {
      plan->writes.push_back(std::move(w));
    }
  }
  // The currency a request names (empty: the default); INVALID_ARGUMENT when not configured.
  absl::Status ResolveCurrency(const std::string& requested, std::string* out) const;
  // Credit (true) or Debit.
  void ChangeWallet(bool credit, const std::string& user_id, const std::string& currency,
                    int64_t amount, const std::string& memo, const CallOptions& call,
                    CallTrace* trace, Done<WalletResult> done);
  // GrantStack (+quantity) or RevokeStack (-quantity).
  void ChangeStack(const std::string& user_id, const std::string& item_type, int64_t delta,
                   const CallOptions& call, CallTrace* trace, Done<StackResult> done);
  // A stack purchase's transaction once its lot's unchanging fields are known (lot_ops.cc).
  TxnSpec LotPurchase(const std::string& buyer_id, const Listing& lot, int64_t quantity,
                      int64_t max_unit_price, const std::string& request_id) const;
  // One listing's part of a sale: its seller paid, the lot reduced or removed, the "sold" event.
  struct LotSale {
    std::string buyer_id;
    int64_t quantity = 0, left = 0, fee = 0;    // left: the lot's quantity before the sale
    int64_t buyer_funds = 0, seller_funds = 0;  // afterwards, for the event
  };
  void AddSale(const Listing& lot, const LotSale& sale, const std::string& request_id,
               TxnPlan* plan) const;
  // The lot hash and its five index entries (market/key_schema.h): written, or removed.
  std::vector<Argv> LotWrites(const Listing& lot, bool add) const;
  // Takes a lot off the market back to its seller: cancelled, or expired (reaper).
  void ReturnLot(const std::string& seller_id, const std::string& listing_id, bool expiry,
                 const CallOptions& call, CallTrace* trace, Done<ListingResult> done);

  MarketOptions options_;
  KeySchema keys_;
  TxnRunner runner_;
  ScriptRunner scripts_;
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_MARKET_OPS_H_
