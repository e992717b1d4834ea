#include "engine/tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace bazaar::engine::tls {
namespace {

// The newest OpenSSL error, as text (or "unknown error").
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

// tls-protocols: the SSL_OP_NO_* options for the versions it does not name.
absl::StatusOr<long> ProtocolOptions(const std::string& protocols) {
  if (protocols.empty()) return SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;  // TLSv1.2 and TLSv1.3
  bool v10 = false, v11 = false, v12 = false, v13 = false;
  for (absl::string_view p : absl::StrSplit(protocols, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    if (absl::EqualsIgnoreCase(p, "tlsv1")) {
      v10 = true;
    } else if (absl::EqualsIgnoreCase(p, "tlsv1.1")) {
      v11 = true;
    } else if (absl::EqualsIgnoreCase(p, "tlsv1.2")) {
      v12 = true;
    } else if (absl::EqualsIgnoreCase(p, "tlsv1.3")) {
      v13 = true;
    } else {
      return absl::InvalidArgumentError(
          "Invalid tls-protocols specified. Use a combination of "
          "'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
    }
  }
  long options = 0;
  if (!v10) options |= SSL_OP_NO_TLSv1;
  if (!v11) options |= SSL_OP_NO_TLSv1_1;
  if (!v12) options |= SSL_OP_NO_TLSv1_2;
  if (!v13) options |= SSL_OP_NO_TLSv1_3;
  return options;
}

int KeyPassword(char* buf, int size, int, void* userdata) {
  const std::string* pass = static_cast<const std::string*>(userdata);
  const int n = std::min<int>(size, static_cast<int>(pass->size()));
  memcpy(buf, pass->data(), n);
  return n;
}

// A session over a socket: the server's side of an accepted one, or the client's (which
// checks the server's certificate against the CA, as Redis's replicas do).
class Session : public Transport {
 public:
  Session(SSL_CTX* ctx, int fd, bool client) : ssl_(SSL_new(ctx)) {
    SSL_set_fd(ssl_, fd);
    if (client) {
      SSL_set_verify(ssl_, SSL_VERIFY_PEER, nullptr);
      SSL_set_connect_state(ssl_);
    } else {
      SSL_set_accept_state(ssl_);
    }
  }
  ~Session() override { SSL_free(ssl_); }
  IoResult Read(char* data, size_t size) override {
    ERR_clear_error();
    errno = 0;  // SSL_ERROR_SYSCALL with errno 0 is the peer's plain close
    return Result(SSL_read(ssl_, data, static_cast<int>(std::min<size_t>(size, INT_MAX))));
  }
  IoResult Write(const char* data, size_t size) override {
    ERR_clear_error();
    errno = 0;
    return Result(SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, INT_MAX))));
  }
  IoResult Handshake() override {
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl_);
    return rc == 1 ? IoResult{IoResult::kDone, 0, {}} : Result(rc);
  }
  bool buffered() const override { return SSL_pending(ssl_) > 0; }
  bool is_tls() const override { return true; }

 private:
  IoResult Result(int n) {
    if (n > 0) return {IoResult::kDone, static_cast<size_t>(n), {}};
    switch (SSL_get_error(ssl_, n)) {
      case SSL_ERROR_WANT_READ:
        return {IoResult::kWantRead, 0, {}};
      case SSL_ERROR_WANT_WRITE:
        return {IoResult::kWantWrite, 0, {}};
      case SSL_ERROR_ZERO_RETURN:
        return {IoResult::kClosed, 0, {}};
      case SSL_ERROR_SYSCALL:
        if (errno == 0) return {IoResult::kClosed, 0, {}};
        return {IoResult::kError, 0, strerror(errno)};
      default: {
        // A failed handshake has sent its alert: what the client sent meanwhile is read and
        // dropped, so that closing does not reset the connection before the alert is read.
        char sink[4096];
        while (recv(SSL_get_fd(ssl_), sink, sizeof(sink), MSG_DONTWAIT) > 0) {
        }
        return {IoResult::kError, 0, OpenSslError()};
      }
    }
  }
  SSL* ssl_;
};

// One OpenSSL context with this certificate and key (the server's, or the one we show as a
// client when tls-client-cert-file is set).
absl::StatusOr<SSL_CTX*> MakeContext(const TlsSettings& s, const std::string& cert_file,
                                     const std::string& key_file, const std::string& key_pass) {
  auto protocols = ProtocolOptions(s.protocols);
  if (!protocols.ok()) return protocols.status();
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (ctx == nullptr) return absl::InternalError("Failed to create TLS context: " + OpenSslError());
  auto fail = [ctx](std::string why) {
    SSL_CTX_free(ctx);
    return absl::InvalidArgumentError(std::move(why));
  };
  SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                               SSL_OP_NO_RENEGOTIATION | *protocols);
  if (s.prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // A reply buffer can grow between two tries of the same write.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (s.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, s.session_cache_size);
    SSL_CTX_set_timeout(ctx, s.session_cache_timeout);
    static const unsigned char kSessionId[] = "bazaar-engine";
    SSL_CTX_set_session_id_context(ctx, kSessionId, sizeof(kSessionId) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  if (!key_pass.empty()) {
    // The callback reads the string while the key loads, below.
    SSL_CTX_set_default_passwd_cb(ctx, KeyPassword);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&key_pass));
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) <= 0) {
    return fail("Failed to load certificate: " + cert_file + ": " + OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) <= 0) {
    return fail("Failed to load private key: " + key_file + ": " + OpenSslError());
  }
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (!s.ca_cert_file.empty() || !s.ca_cert_dir.empty()) {
    if (SSL_CTX_load_verify_locations(
            ctx, s.ca_cert_file.empty() ? nullptr : s.ca_cert_file.c_str(),
            s.ca_cert_dir.empty() ? nullptr : s.ca_cert_dir.c_str()) <= 0) {
      return fail("Failed to configure CA certificate(s) file/directory: " + OpenSslError());
    }
  }
  if (!s.dh_params_file.empty()) {
    BIO* bio = BIO_new_file(s.dh_params_file.c_str(), "r");
    EVP_PKEY* dh = bio ? PEM_read_bio_Parameters(bio, nullptr) : nullptr;
    if (bio) BIO_free(bio);
    if (dh == nullptr || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) <= 0) {
      if (dh) EVP_PKEY_free(dh);
      return fail("Failed to load DH params file: " + s.dh_params_file + ": " + OpenSslError());
    }
  }
  if (!s.ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, s.ciphers.c_str())) {
    return fail("Failed to configure ciphers: " + s.ciphers);
  }
  if (!s.ciphersuites.empty() && !SSL_CTX_set_ciphersuites(ctx, s.ciphersuites.c_str())) {
    return fail("Failed to configure ciphersuites: " + s.ciphersuites);
  }
  int verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  if (s.auth_clients == "no") verify = SSL_VERIFY_NONE;
  if (s.auth_clients == "optional") verify = SSL_VERIFY_PEER;
  SSL_CTX_set_verify(ctx, verify, nullptr);
  return ctx;
}

}  // namespace

absl::StatusOr<std::shared_ptr<TlsContext>> TlsContext::Create(const TlsSettings& s) {
  if (s.cert_file.empty()) return absl::InvalidArgumentError("No tls-cert-file configured!");
  if (s.key_file.empty()) return absl::InvalidArgumentError("No tls-key-file configured!");
  if ((s.auth_clients != "no" || s.replication) && s.ca_cert_file.empty() &&
      s.ca_cert_dir.empty()) {
    return absl::InvalidArgumentError(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
        "tls-replication or tls-auth-clients are enabled!");
  }
  auto server = MakeContext(s, s.cert_file, s.key_file, s.key_file_pass);
  if (!server.ok()) return server.status();
  SSL_CTX* client_ctx = *server;  // one context for both sides, unless a client certificate
  if (s.client_cert_file.empty()) {
    SSL_CTX_up_ref(*server);
  } else {
    auto client = MakeContext(s, s.client_cert_file, s.client_key_file, s.client_key_file_pass);
    if (!client.ok()) {
      SSL_CTX_free(*server);
      return client.status();
    }
    client_ctx = *client;
  }
  return std::shared_ptr<TlsContext>(new TlsContext(*server, client_ctx));
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
  SSL_CTX_free(client_ctx_);
}

std::unique_ptr<Transport> TlsContext::Accept(int fd) const {
  return std::make_unique<Session>(ctx_, fd, /*client=*/false);
}

std::unique_ptr<Transport> TlsContext::Connect(int fd) const {
  return std::make_unique<Session>(client_ctx_, fd, /*client=*/true);
}

}  // namespace bazaar::engine::tls
