// The market's gRPC transport: TLS from files, optionally requiring client certificates signed
// by a given CA (mTLS), or plaintext when the operator asks for it (--plaintext).
//
// Thread: the main thread, at start.
#ifndef BAZAAR_MARKET_TRANSPORT_SECURITY_H_
#define BAZAAR_MARKET_TRANSPORT_SECURITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace bazaar::market {

struct TransportSecurity {
  bool plaintext = false;
  std::string cert_file, key_file;  // PEM: the server's chain and private key
  std::string client_ca_file;       // PEM: when set, clients must present a certificate it signed
};

// INVALID_ARGUMENT when neither TLS files nor plaintext are given, when both are, or when a file
// cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const TransportSecurity& t);

}  // namespace bazaar::market

#endif  // BAZAAR_MARKET_TRANSPORT_SECURITY_H_
