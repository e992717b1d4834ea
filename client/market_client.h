// MarketClient: a thin C++ client of bazaar-market (proto/market/v1/market.proto) for game
// backends, bazaar-cli and bazaar-load. It hides the generated stub (no gRPC header here):
//
// - Every call has one deadline (the client's default timeout, or the call's own) for the whole
//   logical operation: its retries share it, so a call never takes longer than it says.
// - Every mutating call carries a request_id made once per logical operation (or given by the
//   caller) and reused across the client's retries, so a retry after a lost reply never applies
//   the change twice: the service replays the first outcome.
// - Retries: UNAVAILABLE (market or store unreachable, connection lost during EXEC) is retried
//   with the same request_id up to `max_retries` times with jittered backoff; ABORTED (the
//   service's own retries ran out under contention) only when `retry_aborted` is set. Other
//   failures are final.
// - Results are typed: absl::StatusOr<T>, the status carrying the gRPC code and the service's
//   message, which starts with a machine-readable reason ("INSUFFICIENT_FUNDS: ..."). Reason()
//   extracts it.
//
// - Every call comes in two forms: the blocking one returns the result; the asynchronous one
//   (`...Async`) returns at once and later runs its callback exactly once, on one of gRPC's
//   threads (keep it short, never block in it; starting another call from it is fine). Retries
//   wait on a gRPC alarm, never on a thread. The blocking form is the asynchronous one waited
//   for.
//
// Thread-safe: one MarketClient (one channel) can be shared by many threads. Destroy it only
// when no asynchronous call is still running.
#ifndef BAZAAR_CLIENT_MARKET_CLIENT_H_
#define BAZAAR_CLIENT_MARKET_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace bazaar::client {

struct MarketClientOptions {
  // One market ("host:port", or a DNS name whose addresses are all markets) or several
  // ("ip:port,ip:port"): calls spread over them with gRPC's round_robin policy.
  std::string address = "127.0.0.1:50051";
  absl::Duration timeout = absl::Seconds(10);  // default deadline of one call, retries included
  int max_retries = 3;                         // client retries beyond the first RPC
  bool retry_aborted = false;                  // also retry ABORTED/CONTENTION
  absl::Duration backoff_base = absl::Milliseconds(20);
  absl::Duration backoff_max = absl::Seconds(1);
  // How many gRPC channels (TCP connections) calls are spread over; 0 or 1: one.
  int channels = 1;
  // TLS: the server's certificate is checked against tls_ca_file (PEM; empty: the system's
  // roots) for the name tls_server_name (empty: the address's host); with tls_cert_file and
  // tls_key_file the client presents that certificate (mutual TLS). Without tls: plaintext.
  bool tls = false;
  std::string tls_ca_file, tls_cert_file, tls_key_file, tls_server_name;
  // Sent with every call as `authorization: Bearer <api_key>` (market/auth.h); empty: none.
  std::string api_key;
  // Sent as `bazaar-user`: the player a game key acts for (CallSettings may name another).
  std::string acting_user;
};

// Per-call options.
struct CallSettings {
  absl::Duration timeout = absl::ZeroDuration();  // 0: the client's default
  std::string request_id;                         // empty: a fresh random id per operation
  std::string acting_user;                        // empty: MarketClientOptions::acting_user
};

struct MarketUser {
  std::string id;
  std::string name;
  int64_t funds = 0;
  std::vector<std::string> inventory;  // sorted; filled by GetUser
  std::map<std::string, int64_t> wallet;  // currency -> balance; filled by GetUser
  std::map<std::string, int64_t> stacks;  // item type -> quantity; filled by GetUser
  bool frozen = false;                    // FreezeUser; filled by GetUser
};

// An instance listing (item_id) or a stack listing (listing_id, item_type, ...).
struct MarketListing {
  std::string item_id;
  std::string seller_id;
  int64_t price = 0;  // per unit
  std::string listing_id;
  std::string item_type;
  int64_t quantity = 1;
  std::string currency;
  int64_t created_ms = 0, expires_ms = 0;
};

// A stack listing to create (ListStack).
struct StackListingSpec {
  std::string seller_id;
  std::string item_type;
  int64_t quantity = 0;
  int64_t unit_price = 0;
  std::string currency;          // empty: the market's default
  int64_t duration_seconds = 0;  // 0: the market's default
  // Set: this instance is listed instead (quantity 0 or 1), under the kind item_type.
  std::string item_id;
};

// How a mutating operation went.
struct OpInfo {
  int attempts = 0;      // the service's transaction attempts (1 = no conflict)
  bool replayed = false; // the outcome came from the request_id record
  int rpcs = 0;          // RPCs the client sent (1 + client retries)
  std::string request_id;
  std::string event_id;  // the event the call wrote (the original one for a replay)
};

struct UserOutcome {
  MarketUser user;
  OpInfo info;
};
struct ListingOutcome {
  MarketListing listing;
  OpInfo info;
};
struct PurchaseOutcome {
  MarketListing listing;    // a stack listing: what is left
  int64_t buyer_funds = 0;  // in the listing's currency
  OpInfo info;
  int64_t quantity = 1, total_price = 0, fee = 0;
};
// BuyQuantity: what each listing gave, cheapest first.
struct MarketFill {
  std::string listing_id, seller_id;
  int64_t quantity = 0, unit_price = 0, fee = 0;
};
struct BuyOutcome {
  std::vector<MarketFill> fills;
  int64_t quantity = 0, total_price = 0, fee = 0, buyer_funds = 0;
  OpInfo info;
};
// A stack grant or revoke: the quantity held afterwards.
struct StackOutcome {
  int64_t quantity = 0;
  OpInfo info;
};
// A credit or debit: the balance afterwards.
struct WalletOutcome {
  int64_t balance = 0;
  OpInfo info;
};

struct BrowseRequest {
  int page_size = 0;  // 0: the service default (50)
  std::string cursor;
  std::string seller_id;
  std::string item_id;
};
struct BrowseResult {
  std::vector<MarketListing> listings;
  std::string next_cursor;  // empty at the end
  int64_t total = 0;        // stack listings: what the query matches in all
};

// BrowseStackListings: a market (item_type, currency) or a seller's listings.
struct StackBrowseRequest {
  std::string item_type, currency, seller_id;
  bool instances = false;      // with item_type: that kind's instance listings, not its stacks
  std::string sort = "price";  // price, newest or ending_soon
  int64_t min_price = 0, max_price = 0;
  int page_size = 0;
  std::string cursor;
};

struct HistoryRequest {
  std::string user_id;
  int page_size = 0;  // 0: the service default (50)
  std::string cursor;
};
struct MarketEventView {
  std::string id, type, request_id;
  std::map<std::string, std::string> fields;
};
struct HistoryResult {
  std::vector<MarketEventView> events;  // newest first
  std::string next_cursor;              // empty at the oldest
};

struct MethodStatsView {
  std::string method;
  int64_t calls = 0, ok = 0, attempts = 0;
  std::vector<std::pair<std::string, int64_t>> errors;  // by status code name
  std::vector<std::pair<std::string, int64_t>> aborts;  // by cause
  double avg_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};
struct MarketStats {
  std::string mode;
  double uptime_seconds = 0;
  bool store_up = false;
  int64_t store_reconnects = 0;
  std::vector<MethodStatsView> methods;
};

struct WatchFilters {
  std::vector<std::string> types;  // empty: every type
  std::string user_id;             // empty: every user
};
// Gets each event of WatchEvents; returning false ends the watch.
using EventHandler = std::function<bool(const MarketEventView&)>;

template <typename T>
using Callback = std::function<void(absl::StatusOr<T>)>;

class MarketClient {
 public:
  explicit MarketClient(MarketClientOptions options);
  ~MarketClient();
  MarketClient(const MarketClient&) = delete;
  MarketClient& operator=(const MarketClient&) = delete;

  // Waits until the channel is connected; UNAVAILABLE after `timeout`.
  absl::Status WaitForReady(absl::Duration timeout);

  absl::StatusOr<UserOutcome> CreateUser(const std::string& user_id, const std::string& name,
                                         int64_t funds, const CallSettings& call = {});
  absl::StatusOr<MarketUser> GetUser(const std::string& user_id, const CallSettings& call = {});
  absl::StatusOr<OpInfo> GrantItem(const std::string& user_id, const std::string& item_id,
                                   const CallSettings& call = {});
  absl::StatusOr<ListingOutcome> ListItem(const std::string& seller_id, const std::string& item_id,
                                          int64_t price, const CallSettings& call = {});
  absl::StatusOr<ListingOutcome> CancelListing(const std::string& seller_id,
                                               const std::string& item_id,
                                               const CallSettings& call = {});
  absl::StatusOr<PurchaseOutcome> PurchaseItem(const std::string& buyer_id,
                                               const std::string& seller_id,
                                               const std::string& item_id, int64_t expected_price,
                                               const CallSettings& call = {});
  absl::StatusOr<MarketListing> GetListing(const std::string& seller_id,
                                           const std::string& item_id,
                                           const CallSettings& call = {});
  // The economy: stacks, wallets, stack listings (bazaar-market's README, "The economy").
  absl::StatusOr<StackOutcome> GrantStack(const std::string& user_id, const std::string& item_type,
                                          int64_t quantity, const CallSettings& call = {});
  absl::StatusOr<StackOutcome> RevokeStack(const std::string& user_id, const std::string& item_type,
                                           int64_t quantity, const CallSettings& call = {});
  absl::StatusOr<WalletOutcome> Credit(const std::string& user_id, const std::string& currency,
                                       int64_t amount, const std::string& memo,
                                       const CallSettings& call = {});
  absl::StatusOr<WalletOutcome> Debit(const std::string& user_id, const std::string& currency,
                                      int64_t amount, const std::string& memo,
                                      const CallSettings& call = {});
  absl::StatusOr<ListingOutcome> ListStack(const StackListingSpec& spec,
                                           const CallSettings& call = {});
  absl::StatusOr<ListingOutcome> CancelStackListing(const std::string& seller_id,
                                                    const std::string& listing_id,
                                                    const CallSettings& call = {});
  absl::StatusOr<PurchaseOutcome> PurchaseStack(const std::string& buyer_id,
                                                const std::string& listing_id, int64_t quantity,
                                                int64_t max_unit_price,
                                                const CallSettings& call = {});
  absl::StatusOr<BuyOutcome> BuyQuantity(const std::string& buyer_id, const std::string& item_type,
                                         const std::string& currency, int64_t quantity,
                                         int64_t max_unit_price, const CallSettings& call = {});
  absl::StatusOr<BrowseResult> BrowseStacks(const StackBrowseRequest& request,
                                            const CallSettings& call = {});
  absl::StatusOr<MarketListing> GetStackListing(const std::string& listing_id,
                                                const CallSettings& call = {});
  absl::StatusOr<BrowseResult> Browse(const BrowseRequest& request, const CallSettings& call = {});
  absl::StatusOr<HistoryResult> GetHistory(const HistoryRequest& request,
                                           const CallSettings& call = {});
  absl::StatusOr<MarketStats> Stats(const CallSettings& call = {});
  // MarketAdmin (an admin key): freezes a user, or thaws them (`frozen` false); while frozen,
  // their own list, cancel, purchase and buy calls fail with USER_FROZEN.
  absl::StatusOr<OpInfo> FreezeUser(const std::string& user_id, bool frozen,
                                    const std::string& reason, const CallSettings& call = {});
  // MarketAdmin: cancels a listing for its seller, frozen or not: an instance (item_id) or an
  // economy listing (listing_id).
  absl::StatusOr<ListingOutcome> ForceCancelListing(const std::string& seller_id,
                                                    const std::string& item_id,
                                                    const std::string& listing_id,
                                                    const CallSettings& call = {});
  // Blocking, on the caller's thread: the event log after `from_id` ("" the whole log, "$" new
  // events only), then new events as they commit, each handed to `on_event` once and in commit
  // order. When the stream breaks (UNAVAILABLE: the market stopped or the connection dropped;
  // RESOURCE_EXHAUSTED: this watcher fell behind) it reconnects after a backoff and resumes after
  // the last event it delivered, so nothing is repeated or skipped; max_retries bounds the
  // reconnects in a row that deliver nothing. Returns the last event id delivered once
  // `on_event` returns false, or the final error.
  absl::StatusOr<std::string> WatchEvents(const std::string& from_id, const WatchFilters& filters,
                                          const EventHandler& on_event);
  // How many times WatchEvents reconnected (all watches of this client).
  int64_t watch_resumes() const;


  void CreateUserAsync(const std::string& user_id, const std::string& name, int64_t funds,
                       const CallSettings& call, Callback<UserOutcome> done);
  void GetUserAsync(const std::string& user_id, const CallSettings& call,
                    Callback<MarketUser> done);
  void GrantItemAsync(const std::string& user_id, const std::string& item_id,
                      const CallSettings& call, Callback<OpInfo> done);
  void ListItemAsync(const std::string& seller_id, const std::string& item_id, int64_t price,
                     const CallSettings& call, Callback<ListingOutcome> done);
  void CancelListingAsync(const std::string& seller_id, const std::string& item_id,
                          const CallSettings& call, Callback<ListingOutcome> done);
  void PurchaseItemAsync(const std::string& buyer_id, const std::string& seller_id,
                         const std::string& item_id, int64_t expected_price,
                         const CallSettings& call, Callback<PurchaseOutcome> done);
  void GetListingAsync(const std::string& seller_id, const std::string& item_id,
                       const CallSettings& call, Callback<MarketListing> done);
  void BrowseAsync(const BrowseRequest& request, const CallSettings& call,
                   Callback<BrowseResult> done);
  void GetHistoryAsync(const HistoryRequest& request, const CallSettings& call,
                       Callback<HistoryResult> done);
  void StatsAsync(const CallSettings& call, Callback<MarketStats> done);
  void GrantStackAsync(const std::string& user_id, const std::string& item_type, int64_t quantity,
                       const CallSettings& call, Callback<StackOutcome> done);
  void CreditAsync(const std::string& user_id, const std::string& currency, int64_t amount,
                   const std::string& memo, const CallSettings& call, Callback<WalletOutcome> done);
  void ListStackAsync(const StackListingSpec& spec, const CallSettings& call,
                      Callback<ListingOutcome> done);
  void BuyQuantityAsync(const std::string& buyer_id, const std::string& item_type,
                        const std::string& currency, int64_t quantity, int64_t max_unit_price,
                        const CallSettings& call, Callback<BuyOutcome> done);
  void BrowseStacksAsync(const StackBrowseRequest& request, const CallSettings& call,
                         Callback<BrowseResult> done);
  void PurchaseStackAsync(const std::string& buyer_id, const std::string& listing_id,
                          int64_t quantity, int64_t max_unit_price, const CallSettings& call,
                          Callback<PurchaseOutcome> done);

  const MarketClientOptions& options() const { return options_; }

 private:
  class Impl;
  // A mutating call: the request id set, the RPC sent with retries, `fill(resp, &out)` and the
  // call info put into the outcome (market_client.cc). `kAdmin`: a MarketAdmin call.
  template <typename Out, typename Req, typename Resp, bool kAdmin = false, typename Send,
            typename Fill>
  void Mutate(const CallSettings& call, Req req, Send send, Fill fill, Callback<Out> done);
  // Credit (true) or Debit.
  void WalletAsync(bool credit, const std::string& user_id, const std::string& currency,
                   int64_t amount, const std::string& memo, const CallSettings& call,
                   Callback<WalletOutcome> done);
  void StackAsync(bool grant, const std::string& user_id, const std::string& item_type,
                  int64_t quantity, const CallSettings& call, Callback<StackOutcome> done);
  MarketClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

// The machine-readable reason of a failed call ("INSUFFICIENT_FUNDS"), or the status code's name
// ("UNAVAILABLE") when the message carries none; "" for OK.
std::string Reason(const absl::Status& status);
// The metadata of the google.rpc.ErrorInfo a failed call carried in its status details (the
// figures behind the failure: price, available quantity, balance...); empty when none.
std::map<std::string, std::string> ErrorMetadata(const absl::Status& status);

// A fresh random request id (32 hex digits).
std::string NewRequestId();

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_MARKET_CLIENT_H_
