#include "market/auth.h"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "market/errors.h"

namespace bazaar::market {
namespace {

constexpr char kBearer[] = "Bearer ";

std::string Metadata(const grpc::ServerContextBase& ctx, const char* key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(key);
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

absl::Status Unauthenticated(const std::string& text) {
  return MakeError(absl::StatusCode::kUnauthenticated, reason::kUnauthenticated, text);
}
absl::Status Denied(const std::string& text) {
  return MakeError(absl::StatusCode::kPermissionDenied, reason::kPermissionDenied, text);
}

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return absl::InvalidArgumentError("cannot read API key file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

std::string HashApiKey(const std::string& key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(key.data(), key.size(), digest, &n, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

absl::StatusOr<ApiKeyTable> ParseApiKeys(const std::string& text) {
  ApiKeyTable keys;
  int lineno = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++lineno;
    absl::string_view line = raw.substr(0, raw.find('#'));
    std::vector<std::string> f = absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (f.empty()) continue;
    auto bad = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat("API keys line ", lineno, ": ", why));
    };
    if (f.size() != 3) return bad("expected '<name> <role> sha256:<hex>'");
    ApiKey key{f[0]};
    if (f[1] == "admin") {
      key.role = Role::kAdmin;
    } else if (f[1] != "game") {
      return bad("role '" + f[1] + "' is not admin or game");
    }
    const std::string hash = absl::StartsWith(f[2], "sha256:") ? f[2].substr(7) : "";
    if (hash.size() != 64 || !IsLowerHex(hash)) {
      return bad("the key must be sha256: and 64 lowercase hex digits");
    }
    if (!keys.emplace(hash, std::move(key)).second) return bad("the same key twice");
  }
  return keys;
}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Load(const std::string& path) {
  std::unique_ptr<Authenticator> auth(new Authenticator(path));
  if (!path.empty()) {
    if (absl::Status s = auth->Reload(); !s.ok()) return s;
  }
  return auth;
}

absl::Status Authenticator::Reload() {
  auto text = ReadFile(path_);
  if (!text.ok()) return text.status();
  auto keys = ParseApiKeys(*text);
  if (!keys.ok())
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", keys.status().message()));
  auto table = std::make_shared<const ApiKeyTable>(std::move(*keys));
  absl::MutexLock lock(&mu_);
  keys_ = std::move(table);
  return absl::OkStatus();
}

size_t Authenticator::size() const {
  absl::MutexLock lock(&mu_);
  return keys_ ? keys_->size() : 0;
}

absl::Status Authenticator::Check(const grpc::ServerContextBase& ctx, const Access& access,
                                  std::string* key_name) const {
  if (!enabled()) return absl::OkStatus();
  const std::string header = Metadata(ctx, "authorization");
  if (header.empty()) return Unauthenticated("no API key (metadata authorization: Bearer <key>)");
  if (!absl::StartsWith(header, kBearer)) {
    return Unauthenticated("the authorization metadata must be 'Bearer <key>'");
  }
  std::shared_ptr<const ApiKeyTable> keys;
  {
    absl::MutexLock lock(&mu_);
    keys = keys_;
  }
  auto it = keys->find(HashApiKey(header.substr(sizeof(kBearer) - 1)));
  if (it == keys->end()) return Unauthenticated("unknown API key");
  const ApiKey& key = it->second;
  if (key_name) *key_name = key.name;
  if (key.role == Role::kAdmin || access.kind == Access::kRead) return absl::OkStatus();
  if (access.kind == Access::kAdmin) {
    return Denied("key " + key.name + " (role game) may not make admin calls");
  }
  const std::string user = Metadata(ctx, "bazaar-user");
  if (user.empty()) {
    return Unauthenticated("key " + key.name +
                           " (role game) acts for a player: send bazaar-user metadata");
  }
  if (user != access.actor) {
    return Denied(absl::StrCat("key ", key.name, " acts as ", user,
                               " (bazaar-user); the request "
                               "acts as '",
                               access.actor, "'"));
  }
  return absl::OkStatus();
}

}  // namespace bazaar::market
