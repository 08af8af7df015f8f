// The OpenSSL side of a Channel: one SSL_CTX per role and security mode,
// shared by every connection made with it (SSL_CTX is thread-safe for that).
//
// psk   TLS 1.3 with an external pre-shared key, TLS_AES_256_GCM_SHA384,
//       (EC)DHE on top for forward secrecy, no certificates. The PSK
//       identity is "mars-cluster:<key id>" (psk_key_id), so a server can
//       tell a peer with another cluster key from garbage, and say so. A
//       client never accepts a certificate in this mode: a server that does
//       not know the key cannot authenticate with anything else.
// x509  TLS 1.3, certificate + key + CA on both sides, peers verified both
//       ways (mutual authentication). Which host a certificate belongs to
//       is checked by the handshake (hello's host name vs the certificate).
//
// Also here: a BIO that writes with MSG_NOSIGNAL, since OpenSSL's socket BIO
// uses write() and a peer closing at the wrong moment would kill marsd with
// SIGPIPE.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "net/security.hpp"

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

namespace mars::net {

enum class TlsRole { client, server };

inline constexpr char kPskCipherSuite[] = "TLS_AES_256_GCM_SHA384";
inline constexpr char kPskIdentityPrefix[] = "mars-cluster:";

class TlsContext {
  public:
    // nullptr for SecurityMode::none. Throws NetError(config) when the key,
    // certificate, private key or CA cannot be used, naming the file.
    static std::shared_ptr<TlsContext> create(const SecurityOptions& options, TlsRole role);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    ssl_ctx_st* get() const { return ctx_; }
    config::SecurityMode mode() const { return mode_; }
    TlsRole role() const { return role_; }
    const std::string& psk_identity() const { return psk_identity_; }
    const std::vector<unsigned char>& psk() const { return psk_; }

  private:
    TlsContext(config::SecurityMode mode, TlsRole role) : mode_(mode), role_(role) {}
    void setup_psk(const SecurityOptions& options);
    void setup_x509(const SecurityOptions& options);

    config::SecurityMode mode_;
    TlsRole role_;
    ssl_ctx_st* ctx_ = nullptr;
    std::vector<unsigned char> psk_;
    std::string psk_identity_;
};

// The per-connection note the PSK callbacks leave for error messages; a
// Channel attaches one to its SSL with SSL_set_app_data.
struct TlsNote {
    std::string text;
};

// A BIO reading and writing `fd` (not owned) with recv/send(MSG_NOSIGNAL).
bio_st* new_socket_bio(int fd);

// OpenSSL's error queue as readable text ("tlsv1 alert decrypt error"),
// emptying it; empty if there was nothing.
std::string take_openssl_errors();

} // namespace mars::net
