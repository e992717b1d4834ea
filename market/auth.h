// Caller authentication: API keys with roles, sent as call metadata, checked before a call does
// anything.
//
// A caller sends `authorization: Bearer <key>`. The key file (--api_keys) holds one key per
// line, `<name> <role> sha256:<hex of SHA-256(key)>`, '#' comments; only hashes are stored, so
// the file is no secret worth stealing. Roles:
//   admin  every call, on behalf of any user
//   game   a game server: reads (users, listings, browsing, history, events) and player actions
//          (list, cancel, purchase, buy by quantity), each on behalf of the player named in
//          `bazaar-user` metadata; the request's acting user (seller_id, buyer_id) must be that
//          player. Never the admin calls (users, grants, wallets, stats).
// Without a key file every caller is admin (a warning at start): authentication is opt-in.
// Reload() re-reads the file (SIGHUP); a file that does not parse keeps the old keys.
//
// Thread-safe: Check runs on gRPC's threads, Reload on the main thread.
#ifndef BAZAAR_MARKET_AUTH_H_
#define BAZAAR_MARKET_AUTH_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"

namespace bazaar::market {

enum class Role { kGame, kAdmin };

// What a call needs (each RPC says which, service.cc).
struct Access {
  enum Kind {
    kRead,    // any valid key
    kPlayer,  // admin, or game acting as `actor` (the request's acting user)
    kAdmin,   // admin only
  } kind = kAdmin;
  std::string actor;
};

struct ApiKey {
  std::string name;
  Role role = Role::kGame;
};
// key hash (lowercase hex SHA-256) -> key.
using ApiKeyTable = std::map<std::string, ApiKey>;

// Parses a key file's text; INVALID_ARGUMENT naming the line on any mistake.
absl::StatusOr<ApiKeyTable> ParseApiKeys(const std::string& text);
// Lowercase hex SHA-256 of `key` (how the file stores it).
std::string HashApiKey(const std::string& key);

class Authenticator {
 public:
  // `path` empty: no keys, every caller is admin.
  static absl::StatusOr<std::unique_ptr<Authenticator>> Load(const std::string& path);

  bool enabled() const { return !path_.empty(); }
  // OK, UNAUTHENTICATED (no key, an unknown key, game without bazaar-user) or PERMISSION_DENIED
  // (the role may not, or acts for another user than the request names), in our error format.
  // `key_name`, when given, gets the name of the caller's key (empty without a key file).
  absl::Status Check(const grpc::ServerContextBase& ctx, const Access& access,
                     std::string* key_name = nullptr) const;
  // Re-reads the file; the old keys stay when it cannot be read or parsed.
  absl::Status Reload();
  size_t size() const;

 private:
  explicit Authenticator(std::string path) : path_(std::move(path)) {}

  const std::string path_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const ApiKeyTable> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_AUTH_H_
