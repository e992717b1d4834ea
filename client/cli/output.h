// Rendering of bazaar-cli results: readable tables by default, JSON with --json.
#ifndef BAZAAR_CLIENT_CLI_OUTPUT_H_
#define BAZAAR_CLIENT_CLI_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/market_client.h"

namespace bazaar::client::cli {

std::string RenderUser(const MarketUser& user, const OpInfo* info, bool json);
std::string RenderListing(const std::string& action, const MarketListing& listing,
                          const OpInfo* info, bool json);
std::string RenderPurchase(const PurchaseOutcome& p, bool json);
std::string RenderBuy(const BuyOutcome& b, bool json);
std::string RenderStackListings(const BrowseResult& page, bool json);
// A stack grant/revoke ("held") or a wallet change ("balance"): one number after the change.
std::string RenderAmount(const std::string& what, int64_t amount, const OpInfo& info, bool json);
std::string RenderGrant(const std::string& user, const std::string& item, const OpInfo& info,
                        bool json);
// FreezeUser: whom, and whether they are frozen now.
std::string RenderFreeze(const std::string& user, bool frozen, const OpInfo& info, bool json);
std::string RenderListings(const std::vector<MarketListing>& listings,
                           const std::string& next_cursor, bool json);
std::string RenderStats(const MarketStats& stats, bool json);
// One event as one line: "<id> <type> k=v ... (request <id>)", or a JSON object on one line.
std::string RenderEvent(const MarketEventView& e, bool json);
// A history page: its events newest first, then the next cursor.
std::string RenderHistory(const HistoryResult& page, bool json);
// An error: one line for people (for stderr), or a JSON object (for stdout).
std::string RenderError(const absl::Status& status, bool json);

}  // namespace bazaar::client::cli

#endif  // BAZAAR_CLIENT_CLI_OUTPUT_H_
