// TLS for bazaar-engine, as Redis 7.0's tls-* options describe it: an OpenSSL context made from
// the certificate, key and CA files (and a second one when tls-client-cert-file names the
// certificate we show as a client), a server-side session per accepted connection, and a
// client-side one for our link to a TLS primary (tls-replication). Made at startup and again
// when CONFIG SET changes a tls-* option; a session keeps the context it started with.
// Thread: the loop's.
#ifndef BAZAAR_ENGINE_TLS_TLS_CONTEXT_H_
#define BAZAAR_ENGINE_TLS_TLS_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/tls/transport.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace bazaar::engine::tls {

// The tls-* options, by their redis.conf names.
struct TlsSettings {
  std::string cert_file, key_file, key_file_pass;  // tls-cert-file, tls-key-file(-pass)
  // tls-client-cert-file, tls-client-key-file(-pass): shown as a client ("": cert_file's)
  std::string client_cert_file, client_key_file, client_key_file_pass;
  std::string ca_cert_file, ca_cert_dir;  // tls-ca-cert-file, tls-ca-cert-dir
  std::string dh_params_file;             // tls-dh-params-file
  std::string auth_clients = "yes";       // tls-auth-clients: yes, no, optional
  std::string protocols;                  // tls-protocols: "TLSv1.2 TLSv1.3" when empty
  std::string ciphers, ciphersuites;      // tls-ciphers (1.2), tls-ciphersuites (1.3)
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  long session_cache_size = 20480;
  long session_cache_timeout = 300;
  bool replication = false;  // tls-replication: the CA is needed to check the primary
};

class TlsContext {
 public:
  // The context, or why it cannot be made (a file missing, a key that does not match...), in
  // words for the log.
  static absl::StatusOr<std::shared_ptr<TlsContext>> Create(const TlsSettings& settings);
  ~TlsContext();

  // A server-side session on an accepted socket (not owned); the handshake happens as it is
  // first read or written.
  std::unique_ptr<Transport> Accept(int fd) const;
  // A client-side session on a connected socket (not owned): run Handshake() until done.
  std::unique_ptr<Transport> Connect(int fd) const;

 private:
  TlsContext(SSL_CTX* ctx, SSL_CTX* client_ctx) : ctx_(ctx), client_ctx_(client_ctx) {}
  SSL_CTX* ctx_;
  SSL_CTX* client_ctx_;
};

}  // namespace bazaar::engine::tls

#endif  // BAZAAR_ENGINE_TLS_TLS_CONTEXT_H_
