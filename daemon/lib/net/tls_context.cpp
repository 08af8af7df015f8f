#include "net/tls_context.hpp"

#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <new>
#include <string_view>

#include "net/error.hpp"
#include "net/psk.hpp"

namespace mars::net {
namespace {

// TLS_AES_256_GCM_SHA384 by its IANA code point.
constexpr unsigned char kPskCipherId[2] = {0x13, 0x02};
// TLS PSKs of fewer bytes are guessable; ours have kPskBytes.
constexpr std::size_t kMinPskBytes = 16;

[[noreturn]] void config_error(const std::string& what)
{
    std::string errors = take_openssl_errors();
    throw NetError(NetErrorKind::config, "", errors.empty() ? what : what + ": " + errors);
}

TlsContext* context_of(SSL* ssl)
{
    return static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
}

void note(SSL* ssl, std::string text)
{
    if (auto* n = static_cast<TlsNote*>(SSL_get_app_data(ssl)))
        n->text = std::move(text);
}

// A peer's PSK identity is arbitrary bytes; show at most a printable prefix.
std::string printable(const unsigned char* data, std::size_t size)
{
    std::string s;
    for (std::size_t i = 0; i < size && i < 64; ++i)
        s += (data[i] >= 0x20 && data[i] < 0x7f) ? static_cast<char>(data[i]) : '?';
    return size > 64 ? s + "..." : s;
}

SSL_SESSION* psk_session(SSL* ssl, const std::vector<unsigned char>& key)
{
    const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kPskCipherId);
    if (cipher == nullptr)
        return nullptr;
    SSL_SESSION* s = SSL_SESSION_new();
    if (s == nullptr)
        return nullptr;
    if (SSL_SESSION_set1_master_key(s, key.data(), key.size()) != 1 || SSL_SESSION_set_cipher(s, cipher) != 1 ||
        SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION) != 1) {
        SSL_SESSION_free(s);
        return nullptr;
    }
    return s;
}

// Client: offer the cluster key. OpenSSL frees the session we hand it.
int use_psk_session(SSL* ssl, const EVP_MD* md, const unsigned char** id, std::size_t* id_len, SSL_SESSION** session)
{
    *session = nullptr;
    *id = nullptr;
    *id_len = 0;
    const TlsContext* ctx = context_of(ssl);
    const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kPskCipherId);
    if (ctx == nullptr || cipher == nullptr)
        return 0;
    // After a HelloRetryRequest the server has fixed the hash; a key bound
    // to another hash cannot be offered (with our single suite this does
    // not happen, but answering "no PSK" is the correct reply).
    if (md != nullptr && EVP_MD_get_type(SSL_CIPHER_get_handshake_digest(cipher)) != EVP_MD_get_type(md))
        return 1;
    *session = psk_session(ssl, ctx->psk());
    if (*session == nullptr)
        return 0;
    *id = reinterpret_cast<const unsigned char*>(ctx->psk_identity().data());
    *id_len = ctx->psk_identity().size();
    return 1;
}

// Server: accept the client's key only under our identity. Returning no
// session makes the handshake fail, since we have no certificate either.
int find_psk_session(SSL* ssl, const unsigned char* id, std::size_t id_len, SSL_SESSION** session)
{
    *session = nullptr;
    const TlsContext* ctx = context_of(ssl);
    if (ctx == nullptr)
        return 0;
    if (std::string_view(reinterpret_cast<const char*>(id), id_len) != ctx->psk_identity()) {
        note(ssl, "peer offered the key '" + printable(id, id_len) + "', ours is '" + ctx->psk_identity() +
                      "': the hosts have different cluster keys");
        return 1;
    }
    *session = psk_session(ssl, ctx->psk());
    return *session == nullptr ? 0 : 1;
}

// psk mode, client: a certificate is never acceptable (see the header).
int reject_any_certificate(int, X509_STORE_CTX* store)
{
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (ssl != nullptr)
        note(ssl, "the peer authenticated with a certificate instead of the cluster key (is it in security mode "
                  "x509?)");
    return 0;
}

// psk mode, server: a client that offers no PSK at all is not in psk mode;
// say that, rather than OpenSSL's "no suitable signature algorithm".
int require_psk_offer(SSL* ssl, int* alert, void*)
{
    const unsigned char* ext = nullptr;
    std::size_t ext_len = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_psk, &ext, &ext_len) == 1)
        return SSL_CLIENT_HELLO_SUCCESS;
    note(ssl, "the peer offered no cluster key (is it in security mode x509?)");
    *alert = SSL_AD_HANDSHAKE_FAILURE;
    return SSL_CLIENT_HELLO_ERROR;
}

// --- the MSG_NOSIGNAL socket BIO -------------------------------------------

struct SocketBio {
    int fd = -1;
    bool eof = false;
};

SocketBio* socket_of(BIO* b)
{
    return static_cast<SocketBio*>(BIO_get_data(b));
}

int bio_write(BIO* b, const char* data, std::size_t size, std::size_t* written)
{
    BIO_clear_retry_flags(b);
    ssize_t n;
    do
        n = ::send(socket_of(b)->fd, data, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n >= 0) {
        *written = static_cast<std::size_t>(n);
        return 1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        BIO_set_retry_write(b);
    return 0;
}

int bio_read(BIO* b, char* data, std::size_t size, std::size_t* read)
{
    BIO_clear_retry_flags(b);
    if (size == 0) {
        *read = 0;
        return 1;
    }
    ssize_t n;
    do
        n = ::recv(socket_of(b)->fd, data, size, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        *read = static_cast<std::size_t>(n);
        return 1;
    }
    if (n == 0)
        socket_of(b)->eof = true; // lets OpenSSL report a TLS-level "unexpected EOF"
    else if (errno == EAGAIN || errno == EWOULDBLOCK)
        BIO_set_retry_read(b);
    return 0;
}

long bio_ctrl(BIO* b, int cmd, long, void*)
{
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return socket_of(b)->eof ? 1 : 0;
    default:
        return 0;
    }
}

int bio_create(BIO* b)
{
    auto* s = new (std::nothrow) SocketBio;
    if (s == nullptr)
        return 0;
    BIO_set_data(b, s);
    return 1;
}

int bio_destroy(BIO* b)
{
    delete socket_of(b);
    BIO_set_data(b, nullptr);
    BIO_set_init(b, 0);
    return 1;
}

BIO_METHOD* socket_bio_method()
{
    // Made once, read-only afterwards, alive until exit.
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mars socket");
        if (m != nullptr) {
            BIO_meth_set_write_ex(m, bio_write);
            BIO_meth_set_read_ex(m, bio_read);
            BIO_meth_set_ctrl(m, bio_ctrl);
            BIO_meth_set_create(m, bio_create);
            BIO_meth_set_destroy(m, bio_destroy);
        }
        return m;
    }();
    return method;
}

} // namespace

std::string take_openssl_errors()
{
    std::string out;
    std::string last;
    const char* data = nullptr;
    int flags = 0;
    while (unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
        const char* reason = ERR_reason_error_string(e);
        std::string text = reason ? reason : "OpenSSL error " + std::to_string(ERR_GET_REASON(e));
        if ((flags & ERR_TXT_STRING) && data != nullptr && *data != '\0')
            text += " (" + std::string(data) + ")";
        if (text == last)
            continue;
        out += out.empty() ? text : "; " + text;
        last = std::move(text);
    }
    return out;
}

bio_st* new_socket_bio(int fd)
{
    BIO_METHOD* method = socket_bio_method();
    BIO* b = method ? BIO_new(method) : nullptr;
    if (b == nullptr)
        return nullptr;
    socket_of(b)->fd = fd;
    BIO_set_init(b, 1);
    return b;
}

std::shared_ptr<TlsContext> TlsContext::create(const SecurityOptions& options, TlsRole role)
{
    if (options.mode == config::SecurityMode::none)
        return nullptr;
    std::shared_ptr<TlsContext> c(new TlsContext(options.mode, role));
    ERR_clear_error();
    c->ctx_ = SSL_CTX_new(role == TlsRole::client ? TLS_client_method() : TLS_server_method());
    if (c->ctx_ == nullptr)
        config_error("creating a TLS context");
    SSL_CTX* ctx = c->ctx_;
    SSL_CTX_set_app_data(ctx, c.get());
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
        config_error("restricting TLS to version 1.3");
    // Every connection authenticates afresh; no resumption state to keep.
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (role == TlsRole::server)
        SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (options.mode == config::SecurityMode::psk)
        c->setup_psk(options);
    else
        c->setup_x509(options);
    return c;
}

void TlsContext::setup_psk(const SecurityOptions& options)
{
    if (options.psk.size() < kMinPskBytes)
        throw NetError(NetErrorKind::config, "",
                       "security mode psk needs a cluster key of at least " + std::to_string(kMinPskBytes) +
                           " bytes, got " + std::to_string(options.psk.size()));
    psk_ = options.psk;
    psk_identity_ = kPskIdentityPrefix + psk_key_id(psk_);
    if (SSL_CTX_set_ciphersuites(ctx_, kPskCipherSuite) != 1)
        config_error(std::string("selecting cipher suite ") + kPskCipherSuite);
    if (role_ == TlsRole::client) {
        SSL_CTX_set_psk_use_session_callback(ctx_, use_psk_session);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, reject_any_certificate);
    } else {
        SSL_CTX_set_psk_find_session_callback(ctx_, find_psk_session);
        SSL_CTX_set_client_hello_cb(ctx_, require_psk_offer, nullptr);
    }
}

void TlsContext::setup_x509(const SecurityOptions& options)
{
    if (options.certificate.empty() || options.private_key.empty() || options.ca.empty())
        throw NetError(NetErrorKind::config, "", "security mode x509 needs a certificate, a private key and a CA");
    if (SSL_CTX_use_certificate_chain_file(ctx_, options.certificate.c_str()) != 1)
        config_error("loading certificate " + options.certificate.string());
    if (SSL_CTX_use_PrivateKey_file(ctx_, options.private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
            ERR_clear_error();
            config_error("private key " + options.private_key.string() + " does not match certificate " +
                         options.certificate.string());
        }
        config_error("loading private key " + options.private_key.string());
    }
    if (SSL_CTX_check_private_key(ctx_) != 1)
        config_error("private key " + options.private_key.string() + " does not match certificate " +
                     options.certificate.string());
    if (SSL_CTX_load_verify_locations(ctx_, options.ca.c_str(), nullptr) != 1)
        config_error("loading CA certificates " + options.ca.string());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    // Without a client CA list some clients send no certificate at all.
    if (role_ == TlsRole::server) {
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.ca.c_str()))
            SSL_CTX_set_client_CA_list(ctx_, names);
    }
}

TlsContext::~TlsContext()
{
    SSL_CTX_free(ctx_);
    if (!psk_.empty())
        OPENSSL_cleanse(psk_.data(), psk_.size());
}

} // namespace mars::net
