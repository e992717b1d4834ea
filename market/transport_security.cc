#include "market/transport_security.h"

#include <fstream>
#include <sstream>

#include "grpcpp/security/server_credentials.h"

namespace bazaar::market {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& flag, const std::string& path) {
  std::ifstream f(path);
  if (!f) return absl::InvalidArgumentError("--" + flag + ": cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  if (ss.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError("--" + flag + ": " + path + " holds no PEM block");
  }
  return ss.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const TransportSecurity& t) {
  const bool tls = !t.cert_file.empty() || !t.key_file.empty();
  if (t.plaintext) {
    if (tls || !t.client_ca_file.empty()) {
      return absl::InvalidArgumentError("--plaintext and TLS files are exclusive");
    }
    return grpc::InsecureServerCredentials();
  }
  if (!tls) {
    return absl::InvalidArgumentError(
        "give --tls_cert_file and --tls_key_file (TLS), or --plaintext on the command line");
  }
  if (t.cert_file.empty() || t.key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs both --tls_cert_file and --tls_key_file");
  }
  auto cert = ReadPem("tls_cert_file", t.cert_file);
  if (!cert.ok()) return cert.status();
  auto key = ReadPem("tls_key_file", t.key_file);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!t.client_ca_file.empty()) {
    auto ca = ReadPem("tls_client_ca_file", t.client_ca_file);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

}  // namespace bazaar::market
