// MarketOps::GetHistory: a user's events from <prefix>history:<id>, newest first. The cursor is
// the id of the last event returned; the next page starts strictly before it (XREVRANGE with an
// exclusive bound), so events added meanwhile never shift a page. One more event than asked for
// is read to know whether a next page exists.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "market/market_ops.h"
#include "market/ops_util.h"
#include "market/validation.h"

namespace bazaar::market {

bool IsStreamId(const std::string& s) {
  const size_t dash = s.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == s.size() || s.size() > 41) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != dash && !absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

absl::StatusOr<MarketEvent> EventFromEntry(const RespReply& entry) {
  if (entry.elements.size() != 2 || entry.elements[1].elements.size() % 2 != 0) {
    return internal::Corrupt("bad event stream entry");
  }
  MarketEvent e;
  e.id = entry.elements[0].str;
  const auto& fv = entry.elements[1].elements;
  for (size_t i = 0; i + 1 < fv.size(); i += 2) {
    if (fv[i].str == "type") e.type = fv[i + 1].str;
    else if (fv[i].str == "request_id") e.request_id = fv[i + 1].str;
    else e.fields.emplace_back(fv[i].str, fv[i + 1].str);
  }
  return e;
}

void MarketOps::GetHistory(const std::string& user_id, int page_size, const std::string& cursor,
                           const CallOptions& call, CallTrace* trace, Done<HistoryPage> done) {
  if (absl::Status s = ValidateUserId("user_id", user_id); !s.ok()) return done(s);
  if (page_size < 0 || page_size > kMaxPageSize) {
    return done(MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidArgument,
                          absl::StrCat("page_size must be 0..", kMaxPageSize)));
  }
  if (!cursor.empty() && !IsStreamId(cursor)) {
    return done(MakeError(absl::StatusCode::kInvalidArgument, reason::kBadCursor,
                          "cursor is not one this service issued"));
  }
  const int size = page_size == 0 ? kDefaultPageSize : page_size;
  runner_.Read({{"EXISTS", keys_.User(user_id)},
                {"XREVRANGE", keys_.History(user_id), cursor.empty() ? "+" : "(" + cursor, "-",
                 "COUNT", std::to_string(size + 1)}},
               call, trace,
               [user_id, size, done = std::move(done)](absl::StatusOr<Replies> r) {
                 if (!r.ok()) return done(r.status());
                 if (!internal::IsOne((*r)[0])) {
                   return done(MakeError(absl::StatusCode::kNotFound, reason::kUserNotFound,
                                         "no user " + user_id));
                 }
                 HistoryPage page;
                 const auto& entries = (*r)[1].elements;
                 for (size_t i = 0; i < entries.size() && i < static_cast<size_t>(size); ++i) {
                   auto e = EventFromEntry(entries[i]);
                   if (!e.ok()) return done(e.status());
                   page.events.push_back(std::move(*e));
                 }
                 if (entries.size() > static_cast<size_t>(size)) {
                   page.next_cursor = page.events.back().id;
                 }
                 done(std::move(page));
               });
}

}  // namespace bazaar::market
